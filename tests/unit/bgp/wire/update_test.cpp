#include "bgp/wire/update.hpp"

#include <gtest/gtest.h>

#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

const Options kTwoOctet{false, false};
const Options kFourOctet{true, false};

// Every IPv4 attribute type on a 2-octet AS session, plus an unknown optional transitive one.
const std::string kAllAttrs =
    "40 01 01 00"                          // ORIGIN IGP
    "40 02 06 02 02 fde8 fde9"             // AS_PATH AS_SEQUENCE 65000 65001
    "40 03 04 c0000201"                    // NEXT_HOP 192.0.2.1
    "80 04 04 00000064"                    // MED 100
    "40 05 04 000000c8"                    // LOCAL_PREF 200
    "40 06 00"                             // ATOMIC_AGGREGATE
    "c0 07 06 fde8 c0000201"               // AGGREGATOR 65000 192.0.2.1
    "c0 08 08 fde80001 ffffff01"           // COMMUNITIES 65000:1 no-export
    "80 09 04 0a000001"                    // ORIGINATOR_ID 10.0.0.1
    "80 0a 08 0a000002 0a000003"           // CLUSTER_LIST 10.0.0.2 10.0.0.3
    "c0 11 0a 02 02 0000fde8 000186a0"     // AS4_PATH 65000 100000
    "c0 12 08 000186a0 c0000201"           // AS4_AGGREGATOR 100000 192.0.2.1
    "c0 20 0c 0000fde8 00000001 00000002"  // LARGE_COMMUNITIES 65000:1:2
    "e0 63 02 abcd";                       // unknown type 99, optional transitive partial

TEST(Update, DecodesEveryIpv4Attribute) {
  Bytes msg = update_message("", kAllAttrs, "18 0a0100 20 c0000263 00");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok()) << u.error().reason;
  EXPECT_TRUE(u->problems.empty());
  const auto& a = u->attributes;
  EXPECT_EQ(a.origin, Origin::kIgp);
  ASSERT_TRUE(a.as_path);
  EXPECT_EQ(a.as_path->segments,
            (std::vector<AsSegment>{{SegmentType::kAsSequence, {65000, 65001}}}));
  EXPECT_EQ(a.as_path->length(), 2u);
  EXPECT_EQ(a.next_hop, v4("192.0.2.1"));
  EXPECT_EQ(a.med, 100u);
  EXPECT_EQ(a.local_pref, 200u);
  EXPECT_TRUE(a.atomic_aggregate);
  EXPECT_EQ(a.aggregator, (Aggregator{65000, v4("192.0.2.1")}));
  EXPECT_EQ(a.communities, (std::vector<std::uint32_t>{0xfde80001, 0xffffff01}));
  EXPECT_EQ(a.originator_id, 0x0a000001u);
  EXPECT_EQ(a.cluster_list, (std::vector<std::uint32_t>{0x0a000002, 0x0a000003}));
  ASSERT_TRUE(a.as4_path);
  EXPECT_EQ(a.as4_path->segments[0].asns, (std::vector<std::uint32_t>{65000, 100000}));
  EXPECT_EQ(a.as4_aggregator, (Aggregator{100000, v4("192.0.2.1")}));
  EXPECT_EQ(a.large_communities, (std::vector<LargeCommunity>{{65000, 1, 2}}));
  ASSERT_EQ(a.unknown.size(), 1u);
  EXPECT_EQ(a.unknown[0], (RawAttribute{0xe0, 99, {0xab, 0xcd}}));
  EXPECT_EQ(u->nlri,
            (std::vector<Prefix>{pfx("10.1.0.0/24"), pfx("192.0.2.99/32"), pfx("0.0.0.0/0")}));
  EXPECT_FALSE(u->end_of_rib());
}

TEST(Update, EveryIpv4AttributeRoundTripsByteForByte) {
  Bytes msg = update_message("", kAllAttrs, "18 0a0100 20 c0000263 00");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(to_hex(encode_update(*u, kTwoOctet)), to_hex(msg));
}

TEST(Update, FourOctetAsPathAndAggregator) {
  Bytes msg = update_message("",
                             "40 01 01 02"
                             "40 02 0e 02 03 0000fde8 fa56ea01 00000001"
                             "40 03 04 c0000201"
                             "c0 07 08 fa56ea01 c0000202",
                             "10 0a00");
  auto u = decode_update(body_of(msg), kFourOctet);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->problems.empty());
  EXPECT_EQ(u->attributes.origin, Origin::kIncomplete);
  EXPECT_EQ(u->attributes.as_path->segments[0].asns,
            (std::vector<std::uint32_t>{65000, 4200000001u, 1}));
  EXPECT_EQ(u->attributes.aggregator->asn, 4200000001u);
  EXPECT_EQ(u->nlri, std::vector<Prefix>{pfx("10.0.0.0/16")});
  EXPECT_EQ(encode_update(*u, kFourOctet), msg);
  // The same bytes on a 2-octet session are a malformed AS_PATH and AGGREGATOR.
  auto two = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->problems.size(), 2u);
}

TEST(Update, AsSegmentTypesRoundTrip) {
  Bytes msg =
      update_message("", "40 02 14 03 01 fc00 04 02 fc01 fc02 01 02 0001 0002 02 01 0003", "");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->problems.empty()) << u->problems[0].reason;
  const auto& s = u->attributes.as_path->segments;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].type, SegmentType::kConfedSequence);
  EXPECT_EQ(s[1].type, SegmentType::kConfedSet);
  EXPECT_EQ(s[2].type, SegmentType::kAsSet);
  EXPECT_EQ(s[3].type, SegmentType::kAsSequence);
  EXPECT_EQ(u->attributes.as_path->length(), 2u);  // set 1 + sequence 1, confed 0
  EXPECT_TRUE(u->attributes.as_path->has_confed_segments());
  EXPECT_EQ(encode_update(*u, kTwoOctet), msg);
}

TEST(Update, Ipv6MpReachAndUnreach) {
  Bytes msg = update_message("",
                             "40 01 01 00"
                             "40 02 0a 02 02 0000fde8 000186a0"
                             "80 0e 35 0002 01 20"
                             "20010db8000000000000000000000001"
                             "fe800000000000000000000000000001"
                             "00 30 20010db80001 40 20010db800020000"
                             "80 0f 0c 0002 01 40 20010db800030000",
                             "");
  auto u = decode_update(body_of(msg), kFourOctet);
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->problems.empty()) << u->problems[0].reason;
  const auto& mp = *u->attributes.mp_reach;
  EXPECT_EQ(mp.afi_safi, kIpv6Unicast);
  EXPECT_EQ(mp.next_hop, IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(mp.link_local_next_hop, IpAddress::parse("fe80::1"));
  EXPECT_EQ(mp.nlri, (std::vector<Prefix>{pfx("2001:db8:1::/48"), pfx("2001:db8:2::/64")}));
  EXPECT_EQ(u->attributes.mp_unreach->withdrawn, std::vector<Prefix>{pfx("2001:db8:3::/64")});
  EXPECT_EQ(encode_update(*u, kFourOctet), msg);
}

TEST(Update, Ipv6MpReachGlobalOnlyAndIpv4MpReach) {
  Bytes msg = update_message("",
                             "40 01 01 00 40 02 00"
                             "80 0e 1a 0002 01 10 20010db8000000000000000000000001 00"
                             "20 20010db8",
                             "");
  auto u = decode_update(body_of(msg), kFourOctet);
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->problems.empty());
  EXPECT_FALSE(u->attributes.mp_reach->link_local_next_hop);
  EXPECT_TRUE(u->attributes.as_path->empty());
  EXPECT_EQ(encode_update(*u, kFourOctet), msg);

  Bytes v4msg =
      update_message("", "40 01 01 00 40 02 00 80 0e 0d 0001 01 04 c0000201 00 18 0a0a0a", "");
  auto u4 = decode_update(body_of(v4msg), kFourOctet);
  ASSERT_TRUE(u4.ok());
  ASSERT_TRUE(u4->problems.empty());
  EXPECT_EQ(u4->attributes.mp_reach->next_hop, v4("192.0.2.1"));
  EXPECT_EQ(u4->attributes.mp_reach->nlri, std::vector<Prefix>{pfx("10.10.10.0/24")});
  EXPECT_EQ(encode_update(*u4, kFourOctet), v4msg);
}

TEST(Update, OtherFamiliesStayOpaque) {
  // AFI 1 SAFI 128 (L3VPN): next hop and NLRI are kept as bytes.
  Bytes msg = update_message("",
                             "80 0e 11 0001 80 0c 0000000000000000c0000201 00"
                             "80 0f 05 0001 80 aabb",
                             "");
  auto u = decode_update(body_of(msg), kFourOctet);
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->problems.empty());
  EXPECT_EQ(to_hex(u->attributes.mp_reach->opaque_next_hop), "0000000000000000c0000201");
  EXPECT_TRUE(u->attributes.mp_reach->opaque_nlri.empty());
  EXPECT_EQ(to_hex(u->attributes.mp_unreach->opaque_withdrawn), "aabb");
  EXPECT_EQ(encode_update(*u, kFourOctet), msg);
}

TEST(Update, WithdrawnRoutes) {
  Bytes msg = update_message("18 0a0100 08 0a", "", "");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->withdrawn, (std::vector<Prefix>{pfx("10.1.0.0/24"), pfx("10.0.0.0/8")}));
  EXPECT_EQ(encode_update(*u, kTwoOctet), msg);
}

TEST(Update, ExtendedLengthOnDecodeAndWhenLongerThan255) {
  // ORIGIN sent with the Extended Length bit: accepted, re-encoded without it.
  Bytes msg = update_message("", "50 01 0001 00", "");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->problems.empty());
  EXPECT_EQ(u->attributes.origin, Origin::kIgp);
  EXPECT_EQ(encode_update(*u, kTwoOctet), update_message("", "40 01 01 00", ""));

  Update big;
  big.attributes.communities = std::vector<std::uint32_t>(70, 0xfde80001);
  Bytes enc = encode_update(big, kTwoOctet);
  EXPECT_EQ(enc[23], 0xd0);  // Optional | Transitive | Extended Length
  EXPECT_EQ(enc[25] << 8 | enc[26], 280);
  auto back = decode_update(body_of(enc), kTwoOctet);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, big);
}

TEST(Update, EncodingIsCanonicalTypeOrder) {
  // Attributes out of order on the wire come back sorted.
  Bytes msg = update_message("", "40 03 04 c0000201 c0 63 00 40 01 01 01 40 02 00", "");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(encode_update(*u, kTwoOctet),
            update_message("", "40 01 01 01 40 02 00 40 03 04 c0000201 c0 63 00", ""));
}

// Found by bgp_message_fuzz: unknown attributes out of type order must compare equal after a
// round trip, so the decoder keeps them in the encoder's (type-code) order.
TEST(Update, UnknownAttributesAreKeptInTypeOrder) {
  Bytes msg = update_message("", "c0 40 01 aa c0 00 00 c0 63 00", "");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->attributes.unknown.size(), 3u);
  EXPECT_EQ(u->attributes.unknown[0].type, 0);
  EXPECT_EQ(u->attributes.unknown[1].type, 64);
  auto back = decode_update(body_of(encode_update(*u, kTwoOctet)), kTwoOctet);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *u);
}

// Unrecognized attributes go between the known ones by type code (16 between ORIGIN and LARGE
// COMMUNITIES, 0 first), whatever their order in the list; a value over 255 octets takes the
// Extended Length form.
TEST(Update, UnknownAttributesInterleaveByTypeAndTakeExtendedLength) {
  Update u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.large_communities = std::vector<LargeCommunity>{{1, 2, 3}};
  u.attributes.unknown = {RawAttribute{0xc0, 16, {0x01}}, RawAttribute{0xc0, 0, {}},
                          RawAttribute{0xc0, 200, Bytes(300, 0x5a)}};
  Bytes msg = encode_update(u, kFourOctet);
  EXPECT_EQ(to_hex(Bytes(msg.begin() + 23, msg.begin() + 23 + 3 + 4 + 4)),
            "c00000"
            "40010100"
            "c0100101");
  EXPECT_EQ(to_hex(Bytes(msg.begin() + 34, msg.begin() + 34 + 15)),
            "c0200c000000010000000200000003");
  EXPECT_EQ(to_hex(Bytes(msg.begin() + 49, msg.begin() + 53)), "d0c8012c");  // 0xd0: extended
  auto back = decode_update(body_of(msg), kFourOctet);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(encode_update(*back, kFourOctet), msg);
}

TEST(Update, LongAsSequenceIsSplitInto255AsSegments) {
  Update u;
  u.attributes.as_path = AsPath{{{SegmentType::kAsSequence, std::vector<std::uint32_t>(300, 7)}}};
  auto back = decode_update(body_of(encode_update(u, kFourOctet)), kFourOctet);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->attributes.as_path->segments.size(), 2u);
  EXPECT_EQ(back->attributes.as_path->segments[0].asns.size(), 255u);
  EXPECT_EQ(back->attributes.as_path->length(), 300u);
}

TEST(Update, TwoOctetEncodingMapsLargeAsToAsTrans) {
  Update u;
  u.attributes.as_path = AsPath{{{SegmentType::kAsSequence, {4200000001u, 65000}}}};
  u.attributes.aggregator = Aggregator{4200000001u, v4("192.0.2.1")};
  auto back = decode_update(body_of(encode_update(u, kTwoOctet)), kTwoOctet);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->attributes.as_path->segments[0].asns,
            (std::vector<std::uint32_t>{kAsTrans, 65000}));
  EXPECT_EQ(back->attributes.aggregator->asn, kAsTrans);
}

TEST(Update, EndOfRib) {
  EXPECT_EQ(make_end_of_rib(kIpv4Unicast), Update{});
  Bytes v4eor = update_message("", "", "");
  EXPECT_EQ(encode_update(make_end_of_rib(kIpv4Unicast), kTwoOctet), v4eor);
  EXPECT_EQ(decode_update(body_of(v4eor), kTwoOctet)->end_of_rib(), kIpv4Unicast);
  Bytes v6eor = update_message("", "80 0f 03 0002 01", "");
  EXPECT_EQ(encode_update(make_end_of_rib(kIpv6Unicast), kTwoOctet), v6eor);
  EXPECT_EQ(decode_update(body_of(v6eor), kTwoOctet)->end_of_rib(), kIpv6Unicast);
}

TEST(Update, UnknownAttributePropagation) {
  RawAttribute trans{0xc0, 99, {1}};
  auto p = for_propagation(trans);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->flags, 0xe0);  // RFC 4271 §5: Partial bit set
  EXPECT_FALSE(for_propagation(RawAttribute{0x80, 98, {}}));
  PathAttributes a;
  a.unknown = {trans, RawAttribute{0x80, 98, {}}};
  prepare_unknown_for_propagation(a);
  ASSERT_EQ(a.unknown.size(), 1u);
  EXPECT_EQ(a.unknown[0].flags, 0xe0);
}

TEST(Update, DiscardAndHas) {
  Bytes msg = update_message("", kAllAttrs, "");
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_TRUE(u.ok());
  for (std::uint8_t t : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 18, 32, 99}) {
    EXPECT_TRUE(u->attributes.has(t)) << int(t);
    u->attributes.discard(t);
    EXPECT_FALSE(u->attributes.has(t)) << int(t);
  }
  EXPECT_EQ(u->attributes, PathAttributes{});
}

void expect_decode_error(const Bytes& msg, std::uint8_t subcode) {
  auto u = decode_update(body_of(msg), kTwoOctet);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, error_code::kUpdateMessage);
  EXPECT_EQ(u.error().subcode, subcode) << u.error().reason;
}

TEST(Update, StructuralErrorsFailTheDecode) {
  using namespace testing;
  // Withdrawn Routes Length overruns the message (RFC 4271 §6.3 Malformed Attribute List).
  expect_decode_error(message(MessageType::kUpdate, "0005 0a 0000"), 1);
  // Total Path Attribute Length overruns.
  expect_decode_error(message(MessageType::kUpdate, "0000 0010 400101 00"), 1);
  // Truncated Total Path Attribute Length.
  expect_decode_error(message(MessageType::kUpdate, "0001 00"), 1);
  // NLRI with a prefix length above 32, or cut short (Invalid Network Field).
  expect_decode_error(update_message("", "", "21 0a000000 00"), 10);
  expect_decode_error(update_message("", "", "18 0a00"), 10);
  // Withdrawn prefix that cannot be parsed.
  expect_decode_error(update_message("20 0a00", "", ""), 10);
}

}  // namespace
}  // namespace vipd::bgp::wire
