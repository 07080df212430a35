// BGPPeer, BFDProfile, Community and BGPAdvertisement rules: one test per rule, with the exact
// message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace vipd::lb::crd {
namespace {

using test::load_text;
using testing::ElementsAre;
using testing::IsEmpty;

// Lines 1-7, then `extra` from line 8, then "---".
std::string peer(std::string_view name, std::string_view extra = "",
                 std::string_view address = "10.0.0.1",
                 std::string_view asns = "  myASN: 64500\n  peerASN: 64501\n") {
  return "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: " + std::string(name) +
         "}\nspec:\n" + std::string(asns) + "  peerAddress: " + std::string(address) + "\n" +
         std::string(extra) + "---\n";
}

TEST(ValidatePeer, MissingLocalAsn) {
  const auto r = load_text(peer("p", "", "10.0.0.1", "  myASN: 0\n  peerASN: 64501\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:5: BGPPeer/p: spec.myASN: missing local ASN (myASN)"));
}

TEST(ValidatePeer, PeerAsnOrDynamicAsnNeeded) {
  const auto r = load_text(peer("p", "", "10.0.0.1", "  myASN: 64500\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:4: BGPPeer/p: spec.peerASN: missing peerASN and "
                                    "dynamicASN (one is needed)"));
}

TEST(ValidatePeer, PeerAsnAndDynamicAsnExclusive) {
  const auto r = load_text(peer("p", "  dynamicASN: internal\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.dynamicASN: both peerASN and "
                                    "dynamicASN specified"));
}

TEST(ValidatePeer, EbgpMultiHopOnIbgp) {
  const auto r = load_text(
      peer("p", "  ebgpMultiHop: true\n", "10.0.0.1", "  myASN: 64500\n  peerASN: 64500\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.ebgpMultiHop: invalid "
                                    "ebgpMultiHop for an iBGP peer (peerASN equals myASN)"));
}

TEST(ValidatePeer, HoldTimeZeroOrAtLeastThreeSeconds) {
  EXPECT_THAT(load_text(peer("p", "  holdTime: 0s\n")).errors, IsEmpty());
  EXPECT_THAT(load_text(peer("p", "  holdTime: 3s\n")).errors, IsEmpty());
  // MetalLB rounds down to whole seconds: 2.9s is 2s.
  const auto r = load_text(peer("p", "  holdTime: 2900ms\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.holdTime: invalid hold time "
                                    "\"2900ms\": must be 0 or >= 3s"));
}

TEST(ValidatePeer, HoldTimeDerivedFromKeepalive) {
  const auto r = load_text(peer("p", "  keepaliveTime: 500ms\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.keepaliveTime: keepaliveTime "
                                    "\"500ms\" without holdTime gives a hold time of 1500ms (3 x "
                                    "keepaliveTime): it must be 0 or >= 3s"));
  const auto ok = load_text(peer("p", "  keepaliveTime: 10s\n"));
  ASSERT_THAT(ok.errors, IsEmpty());
  EXPECT_EQ(ok.config.peers[0].effective_hold_time(), std::chrono::seconds(30));
}

TEST(ValidatePeer, KeepaliveNotAboveHold) {
  const auto r = load_text(peer("p", "  holdTime: 9s\n  keepaliveTime: 1m\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:9: BGPPeer/p: spec.keepaliveTime: invalid "
                                    "keepaliveTime \"1m\": must be lower than holdTime \"9s\""));
}

TEST(ValidatePeer, ConnectTimeRange) {
  const auto r = load_text(peer("p", "  connectTime: 500ms\n") +
                           peer("q", "  connectTime: 20h\n", "10.0.0.2"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:8: BGPPeer/p: spec.connectTime: connect time \"500ms\" should "
                          "be between 1 seconds to 65535",
                          "t.yaml:17: BGPPeer/q: spec.connectTime: connect time \"1200m\" should "
                          "be between 1 seconds to 65535"));
}

TEST(ValidatePeer, ConnectTimeWholeSeconds) {
  const auto r = load_text(peer("p", "  connectTime: 1500ms\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.connectTime: connect time "
                                    "\"1500ms\" should contain a whole number of seconds"));
}

TEST(ValidatePeer, PortRange) {
  const auto r =
      load_text(peer("p", "  peerPort: 0\n") + peer("q", "  peerPort: 20000\n", "10.0.0.2"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:8: BGPPeer/p: spec.peerPort: peerPort 0 is out of range "
                          "(1-16384, as MetalLB's CRD allows)",
                          "t.yaml:17: BGPPeer/q: spec.peerPort: peerPort 20000 is out of range "
                          "(1-16384, as MetalLB's CRD allows)"));
}

TEST(ValidatePeer, RouterIdIsIpv4) {
  const auto r = load_text(peer("p", "  routerID: 2001:db8::1\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.routerID: invalid router ID "
                                    "\"2001:db8::1\": a BGP identifier is an IPv4 address"));
}

TEST(ValidatePeer, PasswordAndSecretExclusive) {
  const auto r = load_text(peer("p", "  password: x\n  passwordSecret: {name: s}\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:9: BGPPeer/p: spec.passwordSecret: can not have both "
                                    "password and passwordSecret set"));
}

TEST(ValidatePeer, PasswordSecretMustExist) {
  const auto r = load_text(peer("p", "  passwordSecret: {name: s, namespace: metallb-system}\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:8: BGPPeer/p: spec.passwordSecret: no Secret \"s\" in namespace "
                          "metallb-system (the password must be in a kubernetes.io/basic-auth "
                          "Secret given with the resources)"));
}

TEST(ValidatePeer, PasswordSecretMustBeBasicAuth) {
  const auto r = load_text(peer("p", "  passwordSecret: {name: s}\n") +
                           "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\n"
                           "stringData: {password: x}\n");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.passwordSecret: Secret \"s\" "
                                    "(t.yaml:11) is of type \"Opaque\", "
                                    "\"kubernetes.io/basic-auth\" is expected"));
}

TEST(ValidatePeer, PasswordSecretMustHoldAPassword) {
  const auto r = load_text(peer("p", "  passwordSecret: {name: s}\n") +
                           "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                           "type: kubernetes.io/basic-auth\ndata: {username: YQ==}\n");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.passwordSecret: password not "
                                    "specified in the Secret \"s\" (t.yaml:11)"));
}

TEST(ValidatePeer, PasswordResolvedFromSecret) {
  const auto r = load_text(peer("p", "  passwordSecret: {name: s}\n") +
                           "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                           "type: kubernetes.io/basic-auth\ndata: {password: \"\"}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config.peers[0].password_from_secret, "");
}

TEST(ValidatePeer, BfdProfileMustExist) {
  const auto r = load_text(peer("p", "  bfdProfile: fast\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.bfdProfile: peer p referencing "
                                    "non existing bfd profile \"fast\""));
}

TEST(ValidatePeer, VrfRefused) {
  const auto r = load_text(peer("p", "  vrf: red\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.vrf: vrf \"red\" is not supported: "
                                    "vipd has no VRFs"));
}

TEST(ValidatePeer, InterfaceRefused) {
  const auto r = load_text(
      "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: p}\n"
      "spec: {myASN: 1, peerASN: 2, interface: eth0}\n");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:4: BGPPeer/p: spec.interface: interface \"eth0\" (BGP "
                                    "unnumbered) is not supported by vipd yet: give peerAddress"));
}

TEST(ValidatePeer, LocalAsnRefused) {
  const auto r = load_text(peer("p", "  localASN: 65100\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:8: BGPPeer/p: spec.localASN: localASN is not "
                                    "supported: vipd has no local-as (set myASN instead)"));
}

TEST(ValidatePeer, OneNodeOneMyAsn) {
  const auto r =
      load_text(peer("a") + peer("b", "", "10.0.0.2", "  myASN: 64999\n  peerASN: 64501\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:13: BGPPeer/b: spec.myASN: myASN 64999 differs from "
                                    "myASN 64500 of BGPPeer \"a\" (t.yaml:2), which can select the "
                                    "same nodes: vipd runs one BGP instance per node"));
}

TEST(ValidatePeer, OneNodeOneRouterId) {
  const auto r = load_text(peer("a", "  routerID: 1.1.1.1\n") + peer("b", "", "10.0.0.2"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:13: BGPPeer/b: spec.routerID: routerID (none) differs "
                                    "from routerID 1.1.1.1 of BGPPeer \"a\" (t.yaml:2), which can "
                                    "select the same nodes: vipd runs one BGP instance per node"));
}

TEST(ValidatePeer, OneNodeOneSessionPerAddress) {
  const auto r = load_text(peer("a") + peer("b", "  peerPort: 1179\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:15: BGPPeer/b: spec.peerAddress: peer 10.0.0.1 already "
                                    "exists: BGPPeer \"a\" (t.yaml:2), which can select the same "
                                    "nodes (one session per address on a node)"));
}

TEST(ValidatePeer, DisjointNodeSelectorsMayDiffer) {
  const auto r =
      load_text(peer("a", "  nodeSelectors: [{matchLabels: {rack: r1}}]\n") +
                peer("b", "  nodeSelectors: [{matchLabels: {rack: r2}}]\n  routerID: 2.2.2.2\n",
                     "10.0.0.1", "  myASN: 64999\n  peerASN: 64501\n"));
  EXPECT_THAT(r.errors, IsEmpty());
}

TEST(ValidateBfd, Ranges) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: {name: b}
spec:
  receiveInterval: 9
  transmitInterval: 60001
  detectMultiplier: 1
  echoInterval: 70000
  minimumTtl: 255
)");
  EXPECT_THAT(
      r.errors,
      ElementsAre("t.yaml:5: BFDProfile/b: spec.receiveInterval: invalid receive interval value "
                  "9: must be in 10-60000 range",
                  "t.yaml:6: BFDProfile/b: spec.transmitInterval: invalid transmit interval "
                  "value 60001: must be in 10-60000 range",
                  "t.yaml:7: BFDProfile/b: spec.detectMultiplier: invalid detect multiplier "
                  "value 1: must be in 2-255 range",
                  "t.yaml:8: BFDProfile/b: spec.echoInterval: invalid echo interval value 70000: "
                  "must be in 10-60000 range",
                  "t.yaml:9: BFDProfile/b: spec.minimumTtl: invalid minimum ttl value 255: must "
                  "be in 1-254 range"));
}

TEST(ValidateBfd, BoundsAccepted) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: {name: b}
spec: {receiveInterval: 10, transmitInterval: 60000, detectMultiplier: 255, echoInterval: 10, minimumTtl: 1}
)");
  EXPECT_THAT(r.errors, IsEmpty());
}

const char* kCommunities = R"(apiVersion: metallb.io/v1beta1
kind: Community
metadata: {name: c}
spec:
  communities:
  - name: good
    value: 65535:65281
  - name: big
    value: large:1:2:3
)";

TEST(ValidateCommunity, InvalidAliasValue) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: Community
metadata: {name: c}
spec:
  communities:
  - name: bad
    value: 65536:1
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:7: Community/c: spec.communities[0].value: parsing "
                                    "community \"bad\": invalid community value \"65536:1\": a "
                                    "standard community is A:B (0-65535 each), a large one "
                                    "large:A:B:C (0-4294967295 each)"));
}

TEST(ValidateCommunity, DuplicateAliasAcrossResources) {
  const auto r = load_text(std::string(kCommunities) + R"(---
apiVersion: metallb.io/v1beta1
kind: Community
metadata: {name: d}
spec:
  communities:
  - {name: good, value: "1:1"}
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:16: Community/d: spec.communities[0].name: duplicate "
                                    "definition of community \"good\" (also in Community/c at "
                                    "t.yaml:6)"));
}

TEST(ValidateCommunity, AliasNeedsAName) {
  const auto r = load_text(R"(apiVersion: metallb.io/v1beta1
kind: Community
metadata: {name: c}
spec:
  communities:
  - value: "1:1"
)");
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:6: Community/c: spec.communities[0].name: an alias "
                                    "needs a name"));
}

// Pool "p" (lines 1-7: 10.0.0.0/24 and a range), then the advertisement from line 9.
std::string with_pool(std::string_view advertisement_spec) {
  return "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p}\nspec:\n"
         "  addresses:\n  - 10.0.0.0/24\n  - 2001:db8::/120\n---\n"
         "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: ad}\nspec:\n" +
         std::string(advertisement_spec);
}

TEST(ValidateBgpAdvertisement, CommunitiesResolved) {
  const auto r = load_text(std::string(kCommunities) + "---\n" +
                           with_pool("  communities: [good, big, \"1:2\", large:4:5:6]\n"));
  ASSERT_THAT(r.errors, IsEmpty());
  const auto& ad = r.config.bgp_advertisements[0];
  EXPECT_EQ(ad.standard_communities, (std::vector<std::uint32_t>{0xFFFFFF01u, 0x00010002u}));
  EXPECT_EQ(ad.large_communities, (std::vector<bgp::wire::LargeCommunity>{{1, 2, 3}, {4, 5, 6}}));
}

TEST(ValidateBgpAdvertisement, UnknownCommunityAlias) {
  const auto r = load_text(with_pool("  communities: [no-export]\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.communities[0]: unknown "
                                    "community \"no-export\": neither a value (65535:65282, "
                                    "large:1:2:3) nor an alias of a Community resource"));
}

TEST(ValidateBgpAdvertisement, InvalidCommunityValue) {
  const auto r = load_text(with_pool("  communities: [\"1:70000\", \"large:1:2:-3\"]\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.communities[0]: invalid community "
                          "value \"1:70000\": a standard community is A:B (0-65535 each), a "
                          "large one large:A:B:C (0-4294967295 each)",
                          "t.yaml:13: BGPAdvertisement/ad: spec.communities[1]: invalid community "
                          "value \"large:1:2:-3\": a standard community is A:B (0-65535 each), a "
                          "large one large:A:B:C (0-4294967295 each)"));
}

TEST(ValidateBgpAdvertisement, DuplicateCommunity) {
  const auto r = load_text(with_pool("  communities:\n  - \"1:1\"\n  - \"1:1\"\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:15: BGPAdvertisement/ad: spec.communities[1]: "
                                    "duplicate definition of community \"1:1\""));
}

TEST(ValidateBgpAdvertisement, AggregationLengthBounds) {
  const auto r = load_text(with_pool("  aggregationLength: 0\n  aggregationLengthV6: 129\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.aggregationLength: invalid "
                          "aggregation length 0 for IPv4: must be 1-32",
                          "t.yaml:14: BGPAdvertisement/ad: spec.aggregationLengthV6: invalid "
                          "aggregation length 129 for IPv6: must be 0-128"));
  const auto wide = load_text(with_pool("  aggregationLength: 300\n"));
  EXPECT_THAT(wide.errors, ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.aggregationLength: "
                                       "invalid aggregation length 300 for IPv4: must be 1-32"));
}

TEST(ValidateBgpAdvertisement, AggregationNotShorterThanPoolCidr) {
  const auto r = load_text(with_pool("  aggregationLength: 16\n  aggregationLengthV6: 64\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.aggregationLength: invalid "
                          "aggregation length 16: prefix 24 of \"10.0.0.0/24\" in pool \"p\" is "
                          "more specific than the aggregation length",
                          "t.yaml:14: BGPAdvertisement/ad: spec.aggregationLengthV6: invalid "
                          "aggregation length 64: prefix 120 of \"2001:db8::/120\" in pool \"p\" "
                          "is more specific than the aggregation length"));
  EXPECT_THAT(load_text(with_pool("  aggregationLength: 24\n")).errors, IsEmpty());
}

TEST(ValidateBgpAdvertisement, AggregationForRangesUsesTheirWidestCidr) {
  // 10.1.0.0-10.1.0.99 is 10.1.0.0/26 + /27 + /30: MetalLB takes 26.
  const std::string pool =
      "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: r}\n"
      "spec: {addresses: [10.1.0.0-10.1.0.99]}\n---\n"
      "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: ad}\n";
  EXPECT_THAT(load_text(pool + "spec: {aggregationLength: 26}\n").errors, IsEmpty());
  EXPECT_THAT(load_text(pool + "spec: {aggregationLength: 25}\n").errors,
              ElementsAre("t.yaml:9: BGPAdvertisement/ad: spec.aggregationLength: invalid "
                          "aggregation length 25: prefix 26 of \"10.1.0.0-10.1.0.99\" in pool "
                          "\"r\" is more specific than the aggregation length"));
}

TEST(ValidateBgpAdvertisement, ServiceSelectorsNeedDefaultAggregation) {
  const auto r =
      load_text(with_pool("  aggregationLength: 24\n  serviceSelectors:\n"
                          "  - matchLabels: {app: web}\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:14: BGPAdvertisement/ad: spec.serviceSelectors: "
                                    "serviceSelectors and aggregationLength are mutually "
                                    "exclusive, can only be used together with default "
                                    "aggregationLength (32) and aggregationLengthV6 (128)"));
}

TEST(ValidateBgpAdvertisement, UnknownPoolAndPeerAreWarnings) {
  const auto r = load_text(with_pool("  ipAddressPools: [nope]\n  peers: [ghost]\n"));
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings,
              ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.ipAddressPools[0]: no "
                          "IPAddressPool \"nope\" (ignored)",
                          "t.yaml:14: BGPAdvertisement/ad: spec.peers[0]: no BGPPeer \"ghost\" "
                          "(nothing is announced to it)"));
}

TEST(ValidateBgpAdvertisement, DuplicatePeersAndPools) {
  const auto r = load_text(with_pool("  ipAddressPools: [p, p]\n  peers: [x, x]\n"));
  EXPECT_THAT(r.errors,
              ElementsAre("t.yaml:13: BGPAdvertisement/ad: spec.ipAddressPools[1]: duplicate "
                          "definition of ipAddressPools \"p\"",
                          "t.yaml:14: BGPAdvertisement/ad: spec.peers[1]: duplicate definition "
                          "of peers \"x\""));
}

TEST(ValidateBgpAdvertisement, ConflictingLocalPref) {
  const auto r =
      load_text(with_pool("  localPref: 100\n---\n"
                          "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\n"
                          "metadata: {name: other}\nspec:\n  localPref: 200\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:19: BGPAdvertisement/other: spec.localPref: invalid "
                                    "local preference 200: BGPAdvertisement \"ad\" (t.yaml:10) "
                                    "already sets local preference 100 for pool \"p\", with the "
                                    "same aggregation length, peers and nodes"));
}

TEST(ValidateBgpAdvertisement, LocalPrefMayDifferForOtherNodesPeersOrLengths) {
  const std::string other =
      "---\napiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: other}\n"
      "spec:\n  localPref: 200\n";
  EXPECT_THAT(load_text(with_pool("  localPref: 100\n  nodeSelectors: [{matchLabels: {r: a}}]\n") +
                        other + "  nodeSelectors: [{matchLabels: {r: b}}]\n")
                  .errors,
              IsEmpty());
  EXPECT_THAT(
      load_text(with_pool("  localPref: 100\n  peers: [tor-a]\n") + other + "  peers: [tor-b]\n")
          .errors,
      IsEmpty());
  EXPECT_THAT(load_text(with_pool("  localPref: 100\n  aggregationLength: 24\n  "
                                  "aggregationLengthV6: 120\n") +
                        other)
                  .errors,
              IsEmpty());
}

TEST(ValidateBgpAdvertisement, NoBfdEchoOverIpv6) {
  const auto r = load_text(
      "apiVersion: metallb.io/v1beta1\nkind: BFDProfile\nmetadata: {name: echo}\n"
      "spec: {echoMode: true}\n---\n" +
      peer("tor", "  bfdProfile: echo\n") + with_pool("  peers: [tor]\n"));
  EXPECT_THAT(r.errors, ElementsAre("t.yaml:27: BGPAdvertisement/ad: spec.peers: pool p has "
                                    "bgpadvertisement ad which references peer tor which has bfd "
                                    "echo enabled, which is not possible"));
}

}  // namespace
}  // namespace vipd::lb::crd
