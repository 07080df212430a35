// Reading: the schema of each kind (unknown fields, types, required fields, enums), the
// envelope (apiVersion, kind, metadata, List, multi-document), and that nothing throws.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace vipd::lb::crd {
namespace {

using test::load_text;
using test::parse_only;
using testing::ElementsAre;
using testing::IsEmpty;

TEST(Parse, CommentsAndMultipleDocuments) {
  const auto r = load_text(R"(# pools
---
apiVersion: metallb.io/v1beta1   # the group
kind: IPAddressPool
metadata:
  name: a   # first
spec:
  addresses: [10.0.0.0/24]
---
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: b}
spec: {addresses: ["10.0.1.0/24"]}
...
)");
  EXPECT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.config.pools.size(), 2u);
  EXPECT_EQ(r.config.pools[0].meta.where.to_string(), "t.yaml:4");
  EXPECT_EQ(r.config.pools[1].meta.where.to_string(), "t.yaml:12");
}

TEST(Parse, UnknownFieldIsAnError) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: a
spec:
  addresses: [10.0.0.0/24]
  autoassign: false
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:7: IPAddressPool/a: spec.autoassign: unknown field"));
  EXPECT_TRUE(r.config.pools.empty());
}

TEST(Parse, UnknownTopLevelAndMetadataFields) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: a
  label: {x: y}
specs: {}
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:5: L2Advertisement/a: metadata.label: unknown field",
                                    "t.yaml:6: L2Advertisement/a: specs: unknown field"));
}

TEST(Parse, DuplicateField) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: a
spec:
  addresses: [10.0.0.0/24]
  addresses: [10.0.1.0/24]
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:7: IPAddressPool/a: spec.addresses: duplicate field"));
}

TEST(Parse, WrongTypes) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: p
spec:
  myASN: "64500"
  peerASN: 64501.5
  peerAddress: 10
  ebgpMultiHop: "true"
  nodeSelectors: {matchLabels: {a: b}}
  password: [x]
)");
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          "t.yaml:6: BGPPeer/p: spec.myASN: expected an integer, got a string \"64500\"",
          "t.yaml:7: BGPPeer/p: spec.peerASN: expected an integer, got a number \"64501.5\"",
          "t.yaml:8: BGPPeer/p: spec.peerAddress: expected a string, got an integer 10 (quote "
          "it: \"10\")",
          "t.yaml:9: BGPPeer/p: spec.ebgpMultiHop: expected true or false, got a string \"true\"",
          "t.yaml:10: BGPPeer/p: spec.nodeSelectors: expected a list, got a map",
          "t.yaml:11: BGPPeer/p: spec.password: expected a string, got a list"));
}

TEST(Parse, IntegerOutOfItsTypesRange) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: p}
spec:
  myASN: 4294967296
  peerASN: -1
  peerAddress: 10.0.0.1
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:5: BGPPeer/p: spec.myASN: 4294967296 is out of range (0 to "
                          "4294967295)",
                          "t.yaml:6: BGPPeer/p: spec.peerASN: -1 is out of range (0 to "
                          "4294967295)"));
}

TEST(Parse, YamlBooleansAsKubectlReadsThem) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec:
  addresses: [10.0.0.0/24]
  autoAssign: no
  avoidBuggyIPs: yes
)");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_FALSE(r.config.pools[0].auto_assign);
  EXPECT_TRUE(r.config.pools[0].avoid_buggy_ips);
}

TEST(Parse, UnquotedYesIsNotAString) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: a}
spec:
  interfaces: [on]
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:5: L2Advertisement/a: spec.interfaces[0]: expected a "
                                    "string, got a boolean on (quote it: \"on\")"));
}

TEST(Parse, NullIsUnset) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec:
  addresses: [10.0.0.0/24]
  autoAssign: null
  serviceAllocation: ~
)");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.config.pools[0].auto_assign);
  EXPECT_FALSE(r.config.pools[0].service_allocation);
}

TEST(Parse, RequiredFields) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  namespace: metallb-system
spec:
  autoAssign: true
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: nospec}
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:4: IPAddressPool: metadata.name: required field missing",
                          "t.yaml:6: IPAddressPool: spec.addresses: required field missing",
                          "t.yaml:8: IPAddressPool/nospec: spec: required field missing"));
}

TEST(Parse, InvalidNamesAndLabels) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: First_Pool
  namespace: Metallb
  labels:
    -bad: x
spec: {addresses: [10.0.0.0/24]}
)");
  EXPECT_THAT(
      r.errors,
      ElementsAre("t.yaml:4: IPAddressPool/First_Pool: metadata.name: invalid name "
                  "\"First_Pool\": lowercase letters, digits, '-' and '.', starting and ending "
                  "with a letter or digit (RFC 1123 subdomain)",
                  "t.yaml:5: IPAddressPool/First_Pool: metadata.namespace: invalid namespace "
                  "\"Metallb\": at most 63 lowercase letters, digits and '-' (RFC 1123 label)",
                  "t.yaml:7: IPAddressPool/First_Pool: metadata.labels[-bad]: invalid label key "
                  "\"-bad\": the name must be 1-63 characters, alphanumeric at both ends, '-', "
                  "'_' or '.' between"));
}

TEST(Parse, WrongVersionOfAKnownKind) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: IPAddressPool
metadata: {name: a}
spec: {addresses: [10.0.0.0/24]}
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:2: IPAddressPool: apiVersion: metallb.io/v1beta2 has "
                                    "no IPAddressPool (use metallb.io/v1beta1)"));
}

TEST(Parse, MissingKindOrApiVersion) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
metadata: {name: a}
---
kind: IPAddressPool
metadata: {name: a}
---
just a string
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:1: kind: required field missing",
                                    "t.yaml:4: apiVersion: required field missing",
                                    "t.yaml:7: expected a Kubernetes object (a map)"));
}

TEST(Parse, InvalidYamlNamesTheLine) {
  const auto r = parse_only("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nspec: [\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], testing::StartsWith("t.yaml:4: invalid YAML: "));
}

TEST(Parse, TypedListAndNestedList) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPoolList
items:
- apiVersion: metallb.io/v1beta1
  kind: IPAddressPool
  metadata: {name: a}
  spec: {addresses: [10.0.0.0/24]}
- apiVersion: v1
  kind: List
  items: []
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:9: List: a List inside a List"));
  EXPECT_EQ(r.config.pools.size(), 1u);
}

TEST(Parse, V1beta2OnlyFieldsAreUnknownInV1beta1) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: BGPPeer
metadata: {name: p}
spec:
  myASN: 64500
  peerASN: 64501
  peerAddress: 10.0.0.1
  dynamicASN: external
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.dynamicASN: unknown field"));
}

TEST(Parse, V1beta1RequiresPeerAsnAndAddress) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: BGPPeer
metadata: {name: p}
spec:
  myASN: 64500
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:5: BGPPeer/p: spec.peerASN: required field missing",
                          "t.yaml:5: BGPPeer/p: spec.peerAddress: required field missing"));
}

TEST(Parse, V1beta1MatchExpressionsNeedValues) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: BGPPeer
metadata: {name: p}
spec:
  myASN: 64500
  peerASN: 64501
  peerAddress: 10.0.0.1
  nodeSelectors:
  - matchExpressions:
    - key: rack
      operator: Exists
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:10: BGPPeer/p: spec.nodeSelectors[0].matchExpressions[0]."
                          "values: required field missing"));
}

TEST(Parse, SelectorOperatorEnum) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: a}
spec:
  nodeSelectors:
  - matchExpressions:
    - {key: rack, operator: in, values: [a]}
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:7: L2Advertisement/a: spec.nodeSelectors[0].matchExpressions[0]"
                          ".operator: unknown operator \"in\" (In, NotIn, Exists, DoesNotExist)"));
}

TEST(Parse, PeerAddressOrInterface) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: none}
spec: {myASN: 1, peerASN: 2}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: both}
spec: {myASN: 1, peerASN: 2, peerAddress: 10.0.0.1, interface: eth0}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: bad}
spec: {myASN: 1, peerASN: 2, peerAddress: 10.0.0.300}
)");
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          "t.yaml:4: BGPPeer/none: spec.peerAddress: peer has no peerAddress or interface "
          "specified",
          "t.yaml:9: BGPPeer/both: spec.interface: peer has both peerAddress and interface "
          "specified",
          "t.yaml:14: BGPPeer/bad: spec.peerAddress: invalid BGPPeer address \"10.0.0.300\""));
}

TEST(Parse, DynamicAsnEnum) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: p}
spec: {myASN: 1, dynamicASN: ibgp, peerAddress: 10.0.0.1}
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:4: BGPPeer/p: spec.dynamicASN: invalid dynamicASN "
                                    "\"ibgp\" (internal or external)"));
}

TEST(Parse, Durations) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: p}
spec:
  myASN: 1
  peerASN: 2
  peerAddress: 10.0.0.1
  holdTime: 90
  keepaliveTime: 10d
  connectTime: -5s
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:8: BGPPeer/p: spec.holdTime: invalid duration \"90\": missing "
                          "unit (e.g. \"90s\")",
                          "t.yaml:9: BGPPeer/p: spec.keepaliveTime: invalid duration \"10d\": "
                          "unknown unit \"d\" (ns, us, ms, s, m, h)",
                          "t.yaml:10: BGPPeer/p: spec.connectTime: negative duration \"-5s\""));
}

TEST(Parse, DisableMpIsDeprecated) {
  const auto r = parse_only(R"(apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: p}
spec: {myASN: 1, peerASN: 2, peerAddress: 10.0.0.1, disableMP: true}
)");
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings,
              ElementsAre("t.yaml:4: BGPPeer/p: spec.disableMP: disableMP is deprecated and has "
                          "no effect (each session carries the families it is configured for)"));
  EXPECT_TRUE(r.config.peers[0].disable_mp);
}

TEST(Parse, SecretDataAndStringData) {
  const auto r = parse_only(R"(apiVersion: v1
kind: Secret
metadata: {name: a}
type: kubernetes.io/basic-auth
stringData:
  username: ignored
  password: from-string-data
data:
  password: b2xk
---
apiVersion: v1
kind: Secret
metadata: {name: b}
type: kubernetes.io/basic-auth
data:
  password: "not base64!"
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:16: Secret/b: data[password]: invalid base64"));
  ASSERT_EQ(r.config.secrets.size(), 1u);
  EXPECT_EQ(r.config.secrets[0].password, "from-string-data");
  EXPECT_TRUE(r.config.secrets[0].has_password);
}

TEST(Parse, DeepNestingIsRefusedNotACrash) {
  const std::string deep = "spec: " + std::string(100000, '[');
  const auto r = parse_only(deep);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], testing::StartsWith("t.yaml:"));
}

TEST(Parse, YamlCppEndlessLoopIsCaught) {
  // Found by lb_config_fuzz: yaml-cpp 0.7 loops forever on this malformed flow mapping.
  const auto result = load_lb_config({test::data_path("lb/yaml-cpp-loop.yaml")});
  EXPECT_THAT(result.errors, ElementsAre(test::data_path("lb/yaml-cpp-loop.yaml") +
                                         ":5: invalid YAML: the YAML parser does not terminate"));
}

TEST(Parse, AnyInputNeverThrows) {
  for (const char* text : {"", "---", "[]", "{", "\t", "&a [*a]", "!!binary x", "? [a]\n: b",
                           "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: x",
                           "apiVersion: [x]\nkind: {y: z}",
                           "apiVersion: metallb.io/v1beta1\nkind: BGPPeer\nmetadata: {name: p}\n"
                           "spec: {nodeSelectors: [{matchLabels: [1]}, 3]}"}) {
    EXPECT_NO_THROW(load_text(text)) << text;
  }
}

}  // namespace
}  // namespace vipd::lb::crd
