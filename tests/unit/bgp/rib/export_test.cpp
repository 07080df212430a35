// Export rules (export.hpp): one test per rule of RFC 4271 §5.1 / §9.1.3, RFC 4456, RFC 7947,
// RFC 1997.
#include "bgp/rib/export.hpp"

#include <gtest/gtest.h>

#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::attributes;
using test::sequence;
using test::v4;

constexpr std::uint32_t kLocalAs = 65000;

ExportPeer ebgp_peer(PeerId id, std::uint32_t router_id = 0x0A000001) {
  return ExportPeer{id, true, false, false, false, router_id, {}, 0, nullptr};
}
ExportPeer ibgp_peer(PeerId id, std::uint32_t router_id = 0x0A000002, bool rr_client = false) {
  return ExportPeer{id, false, false, rr_client, false, router_id, {}, 0, nullptr};
}
ExportTarget target(ExportPeer peer, const char* local = "192.0.2.1") {
  ExportTarget t;
  t.peer = peer;
  t.local_v4 = v4(local);
  return t;
}
ExportContext context() {
  return ExportContext{kLocalAs, 0xC0000201, 100};
}

TEST(Export, NeverBackToTheNeighborItCameFrom) {
  auto r = export_path(wire::kIpv4Unicast, attributes({65001}, "198.51.100.1"), ebgp_peer(1),
                       target(ebgp_peer(1)), context());
  EXPECT_EQ(r.verdict, ExportVerdict::kSplitHorizon);
}

TEST(Export, EbgpPrependsOurAsSetsOurNextHopDropsLocalPrefAndMed) {
  auto a = attributes({65001, 65010}, "198.51.100.1");
  a.local_pref = 200;
  a.med = 50;
  auto r = export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ebgp_peer(2)), context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.as_path, sequence({kLocalAs, 65001, 65010}));
  EXPECT_EQ(r.attributes.next_hop, v4("192.0.2.1"));
  EXPECT_FALSE(r.attributes.local_pref);  // RFC 4271 §5.1.5
  EXPECT_FALSE(r.attributes.med);         // RFC 4271 §5.1.4
}

TEST(Export, ThirdPartyNextHopOnASharedSubnetIsKept) {
  auto t = target(ebgp_peer(2));
  t.shared_subnets = {*Prefix::parse("198.51.100.0/24")};
  auto r = export_path(wire::kIpv4Unicast, attributes({65001}, "198.51.100.1"), ebgp_peer(1), t,
                       context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.next_hop, v4("198.51.100.1"));
  t.next_hop_self = true;
  r = export_path(wire::kIpv4Unicast, attributes({65001}, "198.51.100.1"), ebgp_peer(1), t,
                  context());
  EXPECT_EQ(r.attributes.next_hop, v4("192.0.2.1"));
}

TEST(Export, IbgpLearnedIsNotSentToIbgpWithoutReflection) {
  auto r = export_path(wire::kIpv4Unicast, attributes({65001}, "203.0.113.9"), ibgp_peer(1),
                       target(ibgp_peer(2, 0x0A000003)), context());
  EXPECT_EQ(r.verdict, ExportVerdict::kIbgpToIbgp);
  // ... but it is sent to eBGP neighbors.
  r = export_path(wire::kIpv4Unicast, attributes({65001}, "203.0.113.9"), ibgp_peer(1),
                  target(ebgp_peer(3)), context());
  EXPECT_EQ(r.verdict, ExportVerdict::kSent);
}

TEST(Export, ReflectionAddsOriginatorAndClusterListKeepsNextHop) {
  auto a = attributes({65001}, "203.0.113.9");
  a.local_pref = 150;
  // Client -> non-client.
  auto r = export_path(wire::kIpv4Unicast, a, ibgp_peer(1, 0x0A000002, true),
                       target(ibgp_peer(2, 0x0A000003)), context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.originator_id, 0x0A000002u);
  EXPECT_EQ(r.attributes.cluster_list, (std::vector<std::uint32_t>{0xC0000201}));
  EXPECT_EQ(r.attributes.next_hop, v4("203.0.113.9"));
  EXPECT_EQ(r.attributes.local_pref, 150u);
  EXPECT_EQ(r.attributes.as_path, sequence({65001}));
  // Non-client -> client; an existing ORIGINATOR_ID stays, our cluster goes in front.
  a.originator_id = 0x0A0000FF;
  a.cluster_list = std::vector<std::uint32_t>{7};
  r = export_path(wire::kIpv4Unicast, a, ibgp_peer(1), target(ibgp_peer(2, 0x0A000003, true)),
                  context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.originator_id, 0x0A0000FFu);
  EXPECT_EQ(r.attributes.cluster_list, (std::vector<std::uint32_t>{0xC0000201, 7}));
  // next-hop-self does not apply to reflected routes.
  auto t = target(ibgp_peer(2, 0x0A000003, true));
  t.next_hop_self = true;
  r = export_path(wire::kIpv4Unicast, a, ibgp_peer(1), t, context());
  EXPECT_EQ(r.attributes.next_hop, v4("203.0.113.9"));
}

TEST(Export, NotReflectedToItsOriginator) {
  auto a = attributes({65001}, "203.0.113.9");
  a.originator_id = 0x0A000003;
  auto r = export_path(wire::kIpv4Unicast, a, ibgp_peer(1, 0x0A000002, true),
                       target(ibgp_peer(2, 0x0A000003, true)), context());
  EXPECT_EQ(r.verdict, ExportVerdict::kOriginatorIsPeer);
}

TEST(Export, EbgpLearnedToIbgpKeepsNextHopAddsLocalPrefUnlessNextHopSelf) {
  auto a = attributes({65001}, "198.51.100.1");
  a.med = 10;
  auto r = export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ibgp_peer(2)), context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.next_hop, v4("198.51.100.1"));
  EXPECT_EQ(r.attributes.local_pref, 100u);
  EXPECT_EQ(r.attributes.med, 10u);
  EXPECT_EQ(r.attributes.as_path, sequence({65001}));
  EXPECT_FALSE(r.attributes.originator_id);
  auto t = target(ibgp_peer(2));
  t.next_hop_self = true;
  r = export_path(wire::kIpv4Unicast, a, ebgp_peer(1), t, context());
  EXPECT_EQ(r.attributes.next_hop, v4("192.0.2.1"));
}

TEST(Export, RouteServerClientIsTransparent) {
  auto a = attributes({65001}, "198.51.100.1");
  a.med = 10;
  auto t = target(ExportPeer{2, true, false, false, true, 0x0A000009, {}, 0, nullptr});
  auto r = export_path(wire::kIpv4Unicast, a, ebgp_peer(1), t, context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.as_path, sequence({65001}));    // RFC 7947 §2.2.2
  EXPECT_EQ(r.attributes.next_hop, v4("198.51.100.1"));  // RFC 7947 §2.3.1
  EXPECT_EQ(r.attributes.med, 10u);                      // RFC 7947 §2.3.2
}

TEST(Export, WellKnownCommunities) {
  auto a = attributes({65001}, "198.51.100.1");
  a.communities = std::vector<std::uint32_t>{community::kNoExport};
  EXPECT_EQ(
      export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ebgp_peer(2)), context()).verdict,
      ExportVerdict::kNoExport);
  EXPECT_EQ(
      export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ibgp_peer(2)), context()).verdict,
      ExportVerdict::kSent);
  a.communities = std::vector<std::uint32_t>{community::kNoExportSubconfed};
  EXPECT_EQ(
      export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ebgp_peer(2)), context()).verdict,
      ExportVerdict::kNoExport);
  a.communities = std::vector<std::uint32_t>{community::kNoAdvertise};
  EXPECT_EQ(
      export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ibgp_peer(2)), context()).verdict,
      ExportVerdict::kNoAdvertise);
}

TEST(Export, LocalRoutesGetOurNextHopAndKeepTheirMed) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = wire::AsPath{};
  a.next_hop = IpAddress{};  // 0.0.0.0, as `network` routes carry
  a.med = 5;
  ExportPeer local{0, false, true, false, false, 0xC0000201, {}, 0, nullptr};
  auto r = export_path(wire::kIpv4Unicast, a, local, target(ebgp_peer(2)), context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.as_path, sequence({kLocalAs}));
  EXPECT_EQ(r.attributes.next_hop, v4("192.0.2.1"));
  EXPECT_EQ(r.attributes.med, 5u);
  r = export_path(wire::kIpv4Unicast, a, local, target(ibgp_peer(3)), context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  EXPECT_EQ(r.attributes.next_hop, v4("192.0.2.1"));
  EXPECT_TRUE(r.attributes.as_path->empty());
  EXPECT_EQ(r.attributes.local_pref, 100u);
}

TEST(Export, Ipv6UsesMpReachWithOurAddressOrAnIpv4MappedOne) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = sequence({65001});
  a.mp_reach = wire::MpReach{wire::kIpv6Unicast,
                             *IpAddress::parse("2001:db8::1"),
                             *IpAddress::parse("fe80::1"),
                             {},
                             {},
                             {}};
  auto t = target(ebgp_peer(2));
  auto r = export_path(wire::kIpv6Unicast, a, ebgp_peer(1), t, context());
  ASSERT_EQ(r.verdict, ExportVerdict::kSent);
  ASSERT_TRUE(r.attributes.mp_reach);
  EXPECT_EQ(r.attributes.mp_reach->next_hop, IpAddress::parse("::ffff:192.0.2.1"));
  EXPECT_FALSE(r.attributes.mp_reach->link_local_next_hop);
  EXPECT_FALSE(r.attributes.next_hop);
  t.local_v6 = *IpAddress::parse("2001:db8:ff::1");
  r = export_path(wire::kIpv6Unicast, a, ebgp_peer(1), t, context());
  EXPECT_EQ(r.attributes.mp_reach->next_hop, IpAddress::parse("2001:db8:ff::1"));
}

TEST(Export, UnknownAttributesTransitiveMarkedPartialNonTransitiveDropped) {
  auto a = attributes({65001}, "198.51.100.1");
  a.unknown = {{0xC0, 99, {1, 2}}, {0x80, 98, {3}}};
  auto r = export_path(wire::kIpv4Unicast, a, ebgp_peer(1), target(ebgp_peer(2)), context());
  ASSERT_EQ(r.attributes.unknown.size(), 1u);
  EXPECT_EQ(r.attributes.unknown[0].type, 99);
  EXPECT_EQ(r.attributes.unknown[0].flags & 0x20, 0x20);  // Partial
}

TEST(Export, PrependStartsANewSegmentWhenTheFirstIsASetOrFull) {
  wire::AsPath set{{wire::AsSegment{wire::SegmentType::kAsSet, {1, 2}}}};
  prepend_as(set, 9);
  ASSERT_EQ(set.segments.size(), 2u);
  EXPECT_EQ(set.segments[0].asns, (std::vector<std::uint32_t>{9}));
  wire::AsPath full{
      {wire::AsSegment{wire::SegmentType::kAsSequence, std::vector<std::uint32_t>(255, 7)}}};
  prepend_as(full, 9);
  EXPECT_EQ(full.segments.size(), 2u);
  wire::AsPath empty;
  prepend_as(empty, 9);
  EXPECT_EQ(empty, sequence({9}));
}

}  // namespace
}  // namespace vipd::bgp::rib
