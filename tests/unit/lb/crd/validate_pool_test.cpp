// IPAddressPool, L2Advertisement, names and selector rules: one test per rule, with the exact
// message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace vipd::lb::crd {
namespace {

using test::load_text;
using testing::ElementsAre;
using testing::IsEmpty;

std::string pool(std::string_view name, std::string_view addresses) {
  return "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: " +
         std::string(name) + "}\nspec:\n  addresses:\n" + std::string(addresses) + "---\n";
}

TEST(ValidatePool, NamesAreUniquePerKind) {
  const auto r = load_text(pool("a", "  - 10.0.0.0/24\n") + pool("a", "  - 10.0.1.0/24\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:10: IPAddressPool/a: metadata.name: duplicate name: "
                                    "IPAddressPool/a is already defined at t.yaml:3"));
}

TEST(ValidatePool, SameNameInAnotherKindIsFine) {
  const auto r = load_text(pool("main", "  - 10.0.0.0/24\n") +
                           "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n"
                           "metadata: {name: main}\n");
  EXPECT_THAT(r.errors, IsEmpty());
}

TEST(ValidatePool, NoAddresses) {
  const auto r = load_text(pool("a", "  []\n"));
  EXPECT_THAT(
      r.errors,
      ElementsAre("t.yaml:5: IPAddressPool/a: spec.addresses: pool has no prefixes defined"));
}

TEST(ValidatePool, CidrHostBitsAreIgnored) {
  const auto r = load_text(pool("a", "  - 10.47.40.1/24\n"));
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config.pools[0].ranges[0].first.to_string(), "10.47.40.0");
  EXPECT_EQ(r.config.pools[0].ranges[0].last.to_string(), "10.47.40.255");
}

TEST(ValidatePool, BareAddressIsRefusedAsMetalLbDoes) {
  const auto r = load_text(pool("a", "  - 10.0.0.1\n  - 2001:db8::1\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:6: IPAddressPool/a: spec.addresses[0]: invalid CIDR "
                          "\"10.0.0.1\": a single address is written 10.0.0.1/32",
                          "t.yaml:7: IPAddressPool/a: spec.addresses[1]: invalid CIDR "
                          "\"2001:db8::1\": a single address is written 2001:db8::1/128"));
}

TEST(ValidatePool, InvalidCidr) {
  const auto r = load_text(pool("a", "  - 10.0.0/24\n  - 10.0.0.0/33\n"));
  EXPECT_THAT(
      r.errors,
      ElementsAre("t.yaml:6: IPAddressPool/a: spec.addresses[0]: invalid CIDR \"10.0.0/24\"",
                  "t.yaml:7: IPAddressPool/a: spec.addresses[1]: invalid CIDR "
                  "\"10.0.0.0/33\""));
}

TEST(ValidatePool, InvalidRange) {
  const auto r = load_text(pool("a",
                                "  - 10.0.0.x-10.0.0.5\n  - 10.0.0.1-10.0.0.y\n"
                                "  - 10.0.0.9-10.0.0.1\n  - 10.0.0.1-2001:db8::1\n"));
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          "t.yaml:6: IPAddressPool/a: spec.addresses[0]: invalid IP range \"10.0.0.x-10.0.0.5\": "
          "invalid start IP \"10.0.0.x\"",
          "t.yaml:7: IPAddressPool/a: spec.addresses[1]: invalid IP range \"10.0.0.1-10.0.0.y\": "
          "invalid end IP \"10.0.0.y\"",
          "t.yaml:8: IPAddressPool/a: spec.addresses[2]: invalid IP range \"10.0.0.9-10.0.0.1\": "
          "start IP \"10.0.0.9\" is after the end IP \"10.0.0.1\"",
          "t.yaml:9: IPAddressPool/a: spec.addresses[3]: invalid IP range "
          "\"10.0.0.1-2001:db8::1\": start and end are not of the same family"));
}

TEST(ValidatePool, OverlapWithinAPool) {
  const auto r = load_text(pool("a", "  - 10.0.0.0/24\n  - 10.0.0.200-10.0.1.5\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:7: IPAddressPool/a: spec.addresses[1]: "
                          "\"10.0.0.200-10.0.1.5\" (10.0.0.200-10.0.1.5) overlaps with "
                          "\"10.0.0.0/24\" of pool \"a\" (spec.addresses[0] at t.yaml:6)"));
}

TEST(ValidatePool, OverlapAcrossPoolsNamesBoth) {
  const auto r = load_text(pool("a", "  - 2001:db8::/64\n") + pool("b", "  - 2001:db8::1:0/112\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:13: IPAddressPool/b: spec.addresses[0]: \"2001:db8::1:0/112\" "
                          "(2001:db8::1:0-2001:db8::1:ffff) overlaps with \"2001:db8::/64\" of "
                          "pool \"a\" (spec.addresses[0] at t.yaml:6)"));
}

TEST(ValidatePool, AdjacentRangesDoNotOverlap) {
  const auto r =
      load_text(pool("a", "  - 10.0.0.0/25\n") + pool("b", "  - 10.0.0.128-10.0.0.255\n"));
  EXPECT_THAT(r.errors, IsEmpty());
}

TEST(ValidatePool, AvoidBuggyIpsIsRead) {
  const auto r = load_text(
      "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a}\n"
      "spec: {addresses: [10.0.0.0/24], avoidBuggyIPs: true}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.config.pools[0].avoid_buggy_ips);
}

TEST(ValidatePool, NegativePriority) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec:
  addresses: [10.0.0.0/24]
  serviceAllocation:
    priority: -1
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:7: IPAddressPool/a: spec.serviceAllocation.priority: "
                                    "priority -1 is negative: 1 is the highest, 0 or none the "
                                    "lowest"));
}

TEST(ValidatePool, PriorityZeroIsUnset) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec:
  addresses: [10.0.0.0/24]
  serviceAllocation: {priority: 0, namespaces: [x]}
)");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_FALSE(r.config.pools[0].service_allocation->priority);
}

TEST(ValidatePool, DuplicateNamespaces) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec:
  addresses: [10.0.0.0/24]
  serviceAllocation:
    namespaces: [web, db, web]
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:7: IPAddressPool/a: "
                                    "spec.serviceAllocation.namespaces[2]: duplicate definition "
                                    "of namespaces \"web\""));
}

TEST(ValidatePool, DuplicateSelectors) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec:
  addresses: [10.0.0.0/24]
  serviceAllocation:
    serviceSelectors:
    - matchExpressions: [{key: app, operator: In, values: [a, b]}]
    - matchExpressions: [{key: app, operator: In, values: [b, a]}]
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:9: IPAddressPool/a: "
                                    "spec.serviceAllocation.serviceSelectors[1]: duplicate "
                                    "definition of serviceSelectors \"app in (b,a)\" (same as "
                                    "[0])"));
}

TEST(ValidateSelector, ValuesForOperators) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: a}
spec:
  nodeSelectors:
  - matchExpressions:
    - {key: rack, operator: In, values: []}
    - {key: ssd, operator: Exists, values: ["true"]}
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:7: L2Advertisement/a: spec.nodeSelectors[0].matchExpressions[0]: "
                          "operator In needs at least one value",
                          "t.yaml:8: L2Advertisement/a: spec.nodeSelectors[0].matchExpressions[1]: "
                          "operator Exists takes no values"));
}

TEST(ValidateSelector, DuplicateExpressionsAndValues) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: a}
spec:
  nodeSelectors:
  - matchExpressions:
    - {key: rack, operator: In, values: [a, a]}
    - {key: rack, operator: In, values: [a, a]}
)");
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          "t.yaml:7: L2Advertisement/a: spec.nodeSelectors[0].matchExpressions[0].values[1]: "
          "duplicate definition of match expression value in label selector \"a\"",
          "t.yaml:8: L2Advertisement/a: spec.nodeSelectors[0].matchExpressions[1].values[1]: "
          "duplicate definition of match expression value in label selector \"a\"",
          "t.yaml:8: L2Advertisement/a: spec.nodeSelectors[0].matchExpressions[1]: "
          "duplicate definition of match expressions \"rack In (a,a)\""));
}

TEST(ValidateSelector, LabelKeysAndValues) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: a}
spec:
  nodeSelectors:
  - matchLabels: {"a b": "x", ok: "-bad"}
)");
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:6: L2Advertisement/a: spec.nodeSelectors[0]: invalid label key "
                          "\"a b\": the name must be 1-63 characters, alphanumeric at both ends, "
                          "'-', '_' or '.' between",
                          "t.yaml:6: L2Advertisement/a: spec.nodeSelectors[0]: invalid label "
                          "value \"-bad\": at most 63 characters, alphanumeric at both ends, '-', "
                          "'_' or '.' between"));
}

TEST(ValidateL2, DuplicatePoolNames) {
  const auto r = load_text(pool("p", "  - 10.0.0.0/24\n") +
                           "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n"
                           "metadata: {name: a}\nspec:\n  ipAddressPools: [p, p]\n");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:12: L2Advertisement/a: spec.ipAddressPools[1]: "
                                    "duplicate definition of ipAddressPools \"p\""));
}

TEST(ValidateL2, UnknownPoolIsAWarningAsMetalLbIgnoresIt) {
  const auto r = load_text(
      "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n"
      "metadata: {name: a}\nspec:\n  ipAddressPools:\n  - missing\n");
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, ElementsAre("t.yaml:6: L2Advertisement/a: spec.ipAddressPools[0]: no "
                                      "IPAddressPool \"missing\" (ignored)"));
}

TEST(ValidateL2, InterfaceNames) {
  const auto r = load_text(
      "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n"
      "metadata: {name: a}\nspec:\n  interfaces:\n  - eth0\n"
      "  - a-name-longer-than-15\n");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:7: L2Advertisement/a: spec.interfaces[1]: invalid "
                                    "interface name \"a-name-longer-than-15\": 1-15 characters, "
                                    "no '/', ':' or whitespace"));
}

TEST(ValidateL2, PreferredNodeSelectorWeight) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: a}
spec:
  preferredNodeSelectors:
  - weight: 101
    preference: {matchLabels: {ssd: "true"}}
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:6: L2Advertisement/a: "
                                    "spec.preferredNodeSelectors[0].weight: weight 101 is out of "
                                    "range (1-100)"));
}

}  // namespace
}  // namespace vipd::lb::crd
