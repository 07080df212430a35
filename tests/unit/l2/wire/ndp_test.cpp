// Unsolicited Neighbor Advertisements against frames captured from keepalived 2.2.7 (veth in a
// private namespace, MAC 02:00:00:00:00:02, VIPs 2001:db8:5::1 and fe80::1).
#include "l2/wire/ndp.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "fixtures.hpp"
#include "l2/wire/checksum.hpp"

namespace vipd::l2::wire {
namespace {

constexpr const char* kKeepalivedNaGlobal =
    "333300000001 020000000002 86dd"  // Ethernet
    "60000000 0020 3a ff"             // IPv6, 32 octets, ICMPv6
    "20010db8000500000000000000000001 ff020000000000000000000000000001"
    "88 00 f91f 20000000"               // NA, checksum, O flag
    "20010db8000500000000000000000001"  // target
    "02 01 020000000002";               // target link-layer option

// The sender of keepalived's frames above.
const MacAddress kOwnerMac{{0x02, 0, 0, 0, 0, 0x02}};

constexpr const char* kKeepalivedNaLinkLocal =
    "333300000001 020000000002 86dd 60000000 0020 3a ff"
    "fe800000000000000000000000000001 ff020000000000000000000000000001"
    "88 00 579a 20000000 fe800000000000000000000000000001 02 01 020000000002";

TEST(UnsolicitedNa, BuildsKeepalivedFrames) {
  EXPECT_EQ(
      to_hex(build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("2001:db8:5::1"))),
      to_hex(from_hex(kKeepalivedNaGlobal)));
  EXPECT_EQ(to_hex(build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("fe80::1"))),
            to_hex(from_hex(kKeepalivedNaLinkLocal)));
  EXPECT_EQ(build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("fe80::1")).size(),
            kUnsolicitedNaFrameSize);
}

TEST(UnsolicitedNa, ParsesKeepalivedFrame) {
  auto na = parse_neighbor_advert_frame(from_hex(kKeepalivedNaGlobal));
  ASSERT_TRUE(na.ok()) << to_string(na.error());
  EXPECT_EQ(na->ethernet.destination.to_string(), "33:33:00:00:00:01");
  EXPECT_EQ(na->ethernet.source, kOwnerMac);
  EXPECT_EQ(na->source.to_string(), "2001:db8:5::1");
  EXPECT_EQ(na->destination.to_string(), "ff02::1");
  EXPECT_EQ(na->hop_limit, 255);
  EXPECT_TRUE(na->override);
  EXPECT_FALSE(na->router);
  EXPECT_FALSE(na->solicited);
  EXPECT_EQ(na->target.to_string(), "2001:db8:5::1");
  ASSERT_TRUE(na->target_link_layer);
  EXPECT_EQ(*na->target_link_layer, kOwnerMac);
  EXPECT_EQ(encode_neighbor_advert(*na), from_hex(kKeepalivedNaGlobal));
}

TEST(UnsolicitedNa, RouterFlagChangesFlagsAndChecksum) {
  const Bytes frame =
      build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("fe80::1"), true);
  EXPECT_EQ(frame[kEthernetHeaderSize + kIpv6HeaderSize + 4], 0xa0);  // R | O
  auto na = parse_neighbor_advert_frame(frame);
  ASSERT_TRUE(na.ok());
  EXPECT_TRUE(na->router);
  EXPECT_TRUE(na->override);
}

TEST(UnsolicitedNa, PaddingAfterPayloadIsIgnored) {
  Bytes frame = from_hex(kKeepalivedNaGlobal);
  frame.push_back(0);
  frame.push_back(0);
  EXPECT_TRUE(parse_neighbor_advert_frame(frame).ok());
}

TEST(UnsolicitedNa, UnknownOptionsAreSkippedAndTllaIsOptional) {
  // An NA carrying a 16-octet option of unknown type 99 before the Target Link-Layer option.
  const IpAddress source = *IpAddress::parse("2001:db8:5::1");
  const IpAddress all_nodes = *IpAddress::parse("ff02::1");
  Bytes icmp = from_hex(
      "88000000 20000000 20010db8000500000000000000000001"
      "6302 00000000000000000000000000ff 0201 020000000002");
  InternetChecksum sum;
  sum.add_pseudo_header(source, all_nodes, kIpProtoIcmpv6, static_cast<std::uint32_t>(icmp.size()));
  sum.add(icmp);
  const std::uint16_t checksum = sum.finish();
  icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(checksum);
  Bytes frame = from_hex(
      "333300000001 020000000002 86dd 60000000 0030 3a ff"
      "20010db8000500000000000000000001 ff020000000000000000000000000001");
  frame.insert(frame.end(), icmp.begin(), icmp.end());
  auto parsed = parse_neighbor_advert_frame(frame);
  ASSERT_TRUE(parsed.ok()) << to_string(parsed.error());
  ASSERT_TRUE(parsed->target_link_layer);
  EXPECT_EQ(*parsed->target_link_layer, kOwnerMac);

  // Without any option the advertisement is still valid (RFC 4861 §4.4: the option is
  // optional), and the encoder then leaves it out.
  NeighborAdvert bare = *parsed;
  bare.target_link_layer.reset();
  const Bytes encoded = encode_neighbor_advert(bare);
  EXPECT_EQ(encoded.size(), kUnsolicitedNaFrameSize - 8);
  auto reparsed = parse_neighbor_advert_frame(encoded);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, bare);
}

// The RFC 4861 §7.1.1/§7.1.2 checks that NS and NA share, on a valid frame `good` whose
// options start with a link-layer address option.
void expect_shared_errors(const Bytes& good,
                          const std::function<FrameError(const Bytes&)>& error_of,
                          FrameError not_this_type) {
  using fixtures::refresh_icmpv6_checksum;
  constexpr std::size_t icmp = kEthernetHeaderSize + kIpv6HeaderSize;
  for (std::size_t n : {0u, 13u, 14u, 53u}) {
    EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + n)), FrameError::kTruncated) << n;
  }
  // The payload length says more than the frame has.
  EXPECT_EQ(error_of(Bytes(good.begin(), good.end() - 1)), FrameError::kBadIpv6Header);
  Bytes b = good;
  b[12] = 0x08;
  b[13] = 0x00;
  EXPECT_EQ(error_of(b), FrameError::kWrongEtherType);
  b = good;
  b[14] = 0x40;
  EXPECT_EQ(error_of(b), FrameError::kBadIpv6Header);
  b = good;
  b[20] = 0x11;  // UDP
  EXPECT_EQ(error_of(b), not_this_type);
  b[20] = 0;  // a hop-by-hop options header: NDP does not use extension headers
  EXPECT_EQ(error_of(b), not_this_type);
  b = good;
  b[21] = 254;  // forwarded, so from off-link
  EXPECT_EQ(error_of(b), FrameError::kBadHopLimit);
  b = good;
  b[icmp + 3] ^= 0x01;
  EXPECT_EQ(error_of(b), FrameError::kBadChecksum);
  b = good;
  b[icmp] = 128;  // echo request
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(error_of(b), not_this_type);
  b = good;
  b[icmp + 1] = 1;  // code 0 only
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(error_of(b), FrameError::kBadIcmpCode);
  b = good;
  b[18] = 0;
  b[19] = 20;  // ICMPv6 shorter than an NS or NA
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(error_of(b), FrameError::kTruncated);
  b = good;
  b[icmp + 25] = 0;  // the option's length: RFC 4861 §4.6 says discard
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(error_of(b), FrameError::kBadOption);
  b = good;
  b[icmp + 25] = 2;  // 16 octets, but only 8 are there
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(error_of(b), FrameError::kBadOption);
  b = good;
  b[19] = 27;  // an option cut short by the payload length
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(error_of(b), FrameError::kBadOption);
}

TEST(UnsolicitedNa, Errors) {
  const Bytes good = from_hex(kKeepalivedNaGlobal);
  auto error_of = [](const Bytes& b) {
    auto r = parse_neighbor_advert_frame(b);
    EXPECT_FALSE(r.ok());
    return r.ok() ? FrameError::kTruncated : r.error();
  };
  expect_shared_errors(good, error_of, FrameError::kNotNeighborAdvert);
  Bytes b = good;
  b[kEthernetHeaderSize + kIpv6HeaderSize] = 135;  // Neighbor Solicitation
  EXPECT_EQ(error_of(b), FrameError::kNotNeighborAdvert);

  NeighborAdvert na = *parse_neighbor_advert_frame(good);
  na.solicited = true;
  EXPECT_EQ(error_of(encode_neighbor_advert(na)), FrameError::kSolicitedToMulticast);
}

TEST(UnsolicitedNa, ZeroLengthOptionIsRejected) {
  Bytes b = from_hex(kKeepalivedNaGlobal);
  const std::size_t option = kEthernetHeaderSize + kIpv6HeaderSize + 24;
  b[option + 1] = 0;  // length 0: RFC 4861 §4.6 says discard
  // Fix the checksum: the length octet's word went from 0x0201 to 0x0200.
  const std::size_t csum = kEthernetHeaderSize + kIpv6HeaderSize + 2;
  std::uint32_t c = static_cast<std::uint32_t>(b[csum] << 8 | b[csum + 1]) + 1;
  c = (c & 0xffff) + (c >> 16);
  b[csum] = static_cast<std::uint8_t>(c >> 8);
  b[csum + 1] = static_cast<std::uint8_t>(c);
  EXPECT_EQ(parse_neighbor_advert_frame(b).error(), FrameError::kBadOption);
}

}  // namespace
}  // namespace vipd::l2::wire

// Neighbor Solicitations and the solicited advertisements that answer them, against Linux's
// (fixtures.hpp).
namespace vipd::l2::wire {
namespace {

using fixtures::ip;
using fixtures::kClient;
using fixtures::kIcmp;
using fixtures::kOwner;
using fixtures::refresh_icmpv6_checksum;

NeighborSolicit solicit_of(const char* hex) {
  auto parsed = parse_neighbor_solicit_frame(from_hex(hex));
  EXPECT_TRUE(parsed.ok()) << to_string(parsed.error());
  return parsed.ok() ? *parsed : NeighborSolicit{};
}

TEST(SolicitedNodeMulticast, MapsAndRecognises) {
  EXPECT_EQ(solicited_node_multicast(ip("fd00:77::1")).to_string(), "ff02::1:ff00:1");
  EXPECT_EQ(solicited_node_multicast(ip("2001:db8::12:3456:789a")).to_string(),
            "ff02::1:ff56:789a");
  EXPECT_TRUE(is_solicited_node_multicast(ip("ff02::1:ff56:789a")));
  EXPECT_FALSE(is_solicited_node_multicast(ip("ff02::1")));
  EXPECT_FALSE(is_solicited_node_multicast(ip("ff02::2:ff00:1")));
  EXPECT_FALSE(is_solicited_node_multicast(ip("ff05::1:ff00:1")));
  EXPECT_FALSE(is_solicited_node_multicast(ip("10.77.0.1")));
  EXPECT_TRUE(is_ipv6_multicast(ip("ff02::1")));
  EXPECT_FALSE(is_ipv6_multicast(ip("fd00::1")));
  EXPECT_FALSE(is_ipv6_multicast(ip("255.255.255.255")));
}

TEST(NeighborSolicit, ParsesLinuxAddressResolution) {
  const NeighborSolicit ns = solicit_of(fixtures::kNsMulticast);
  EXPECT_EQ(ns.ethernet.destination.to_string(), "33:33:ff:00:00:01");
  EXPECT_EQ(ns.ethernet.source, kClient);
  EXPECT_EQ(ns.source.to_string(), "fd00:77::2");
  EXPECT_EQ(ns.destination.to_string(), "ff02::1:ff00:1");
  EXPECT_EQ(ns.hop_limit, 255);
  EXPECT_EQ(ns.target.to_string(), "fd00:77::1");
  ASSERT_TRUE(ns.source_link_layer);
  EXPECT_EQ(*ns.source_link_layer, kClient);
  EXPECT_FALSE(ns.is_dad());
  EXPECT_EQ(to_hex(encode_neighbor_solicit(ns)), to_hex(from_hex(fixtures::kNsMulticast)));
}

TEST(NeighborSolicit, ParsesLinuxUnreachabilityProbe) {
  const NeighborSolicit ns = solicit_of(fixtures::kNsUnicast);
  EXPECT_EQ(ns.ethernet.destination, kOwner);
  EXPECT_EQ(ns.source.to_string(), "fe80::ff:fe00:2");
  EXPECT_EQ(ns.destination.to_string(), "fd00:77::1");
  EXPECT_EQ(ns.target.to_string(), "fd00:77::1");
  ASSERT_TRUE(ns.source_link_layer);
  EXPECT_EQ(*ns.source_link_layer, kClient);
  EXPECT_EQ(encode_neighbor_solicit(ns), from_hex(fixtures::kNsUnicast));
}

TEST(NeighborSolicit, ParsesLinuxDadAndSkipsTheNonce) {
  const NeighborSolicit ns = solicit_of(fixtures::kNsDad);
  EXPECT_TRUE(ns.is_dad());
  EXPECT_EQ(ns.destination.to_string(), "ff02::1:ff00:5");
  EXPECT_EQ(ns.target.to_string(), "fd00:77::5");
  EXPECT_FALSE(ns.source_link_layer);
  // The nonce is not kept: the re-encoded NS is 8 octets shorter and parses to the same value.
  const Bytes encoded = encode_neighbor_solicit(ns);
  EXPECT_EQ(encoded.size(), from_hex(fixtures::kNsDad).size() - 8);
  auto back = parse_neighbor_solicit_frame(encoded);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ns);
}

TEST(NeighborSolicit, IgnoresReservedFieldAndPadding) {
  Bytes b = from_hex(fixtures::kNsMulticast);
  b[kIcmp + 4] = 0xff;  // RFC 4861 §4.3: reserved, ignored by the receiver
  refresh_icmpv6_checksum(b);
  b.resize(b.size() + 4, 0);  // Ethernet padding after the IPv6 payload
  auto ns = parse_neighbor_solicit_frame(b);
  ASSERT_TRUE(ns.ok()) << to_string(ns.error());
  EXPECT_EQ(*ns, solicit_of(fixtures::kNsMulticast));
}

TEST(NeighborSolicit, WithoutOptionsRoundTrips) {
  NeighborSolicit ns = solicit_of(fixtures::kNsUnicast);
  ns.source_link_layer.reset();
  const Bytes encoded = encode_neighbor_solicit(ns);
  EXPECT_EQ(encoded.size(), kEthernetHeaderSize + kIpv6HeaderSize + 24);
  auto back = parse_neighbor_solicit_frame(encoded);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ns);
}

TEST(NeighborSolicit, Errors) {
  const Bytes good = from_hex(fixtures::kNsMulticast);
  auto error_of = [](const Bytes& b) {
    auto r = parse_neighbor_solicit_frame(b);
    EXPECT_FALSE(r.ok());
    return r.ok() ? FrameError::kTruncated : r.error();
  };
  expect_shared_errors(good, error_of, FrameError::kNotNeighborSolicit);

  NeighborSolicit ns = solicit_of(fixtures::kNsMulticast);
  ns.target = ip("ff02::1");  // RFC 4861 §7.1.1: the target is not multicast
  EXPECT_EQ(error_of(encode_neighbor_solicit(ns)), FrameError::kMulticastTarget);

  // RFC 4861 §7.1.1: from the unspecified address, only to a solicited-node group and
  // without a Source Link-Layer Address option.
  NeighborSolicit dad = solicit_of(fixtures::kNsDad);
  dad.destination = ip("fd00:77::5");
  EXPECT_EQ(error_of(encode_neighbor_solicit(dad)), FrameError::kDadNotToSolicitedNode);
  dad.destination = ip("ff02::1");
  EXPECT_EQ(error_of(encode_neighbor_solicit(dad)), FrameError::kDadNotToSolicitedNode);
  dad = solicit_of(fixtures::kNsDad);
  dad.source_link_layer = kClient;
  EXPECT_EQ(error_of(encode_neighbor_solicit(dad)), FrameError::kDadWithSourceLinkLayer);

  // An NA is not an NS, and an NS is not an NA.
  EXPECT_EQ(error_of(from_hex(fixtures::kLinuxNaToMulticastNs)), FrameError::kNotNeighborSolicit);
  EXPECT_EQ(parse_neighbor_advert_frame(good).error(), FrameError::kNotNeighborAdvert);
}

TEST(NeighborSolicit, ErrorsHaveNames) {
  EXPECT_EQ(to_string(FrameError::kNotNeighborSolicit), "not a neighbor solicitation");
  EXPECT_EQ(to_string(FrameError::kBadIcmpCode), "ICMPv6 code is not 0");
  EXPECT_EQ(to_string(FrameError::kMulticastTarget), "multicast target address");
  EXPECT_NE(to_string(FrameError::kDadNotToSolicitedNode), "unknown");
  EXPECT_NE(to_string(FrameError::kDadWithSourceLinkLayer), "unknown");
}

TEST(NeighborAdvert, ParsesLinuxSolicitedAdvertisements) {
  auto na = parse_neighbor_advert_frame(from_hex(fixtures::kLinuxNaToMulticastNs));
  ASSERT_TRUE(na.ok()) << to_string(na.error());
  EXPECT_TRUE(na->solicited);
  EXPECT_TRUE(na->override);
  EXPECT_FALSE(na->router);
  EXPECT_EQ(na->target_link_layer, kOwner);
  auto unicast = parse_neighbor_advert_frame(from_hex(fixtures::kLinuxNaToUnicastNs));
  ASSERT_TRUE(unicast.ok()) << to_string(unicast.error());
  EXPECT_TRUE(unicast->solicited);
  EXPECT_FALSE(unicast->override);
  EXPECT_FALSE(unicast->target_link_layer);
  EXPECT_EQ(encode_neighbor_advert(*unicast), from_hex(fixtures::kLinuxNaToUnicastNs));
}

TEST(NeighborAdvert, RejectsNonZeroCodeAndMulticastTarget) {
  // RFC 4861 §7.1.2.
  Bytes b = from_hex(fixtures::kLinuxNaToMulticastNs);
  b[kIcmp + 1] = 3;
  refresh_icmpv6_checksum(b);
  EXPECT_EQ(parse_neighbor_advert_frame(b).error(), FrameError::kBadIcmpCode);
  NeighborAdvert na = *parse_neighbor_advert_frame(from_hex(fixtures::kLinuxNaToMulticastNs));
  na.target = ip("ff02::1:ff00:1");
  EXPECT_EQ(parse_neighbor_advert_frame(encode_neighbor_advert(na)).error(),
            FrameError::kMulticastTarget);
}

TEST(SolicitedNa, IsWhatLinuxSendsForAddressResolution) {
  const Bytes na = build_solicited_neighbor_advert(solicit_of(fixtures::kNsMulticast), kOwner);
  EXPECT_EQ(to_hex(na), to_hex(from_hex(fixtures::kLinuxNaToMulticastNs)));
}

TEST(SolicitedNa, IsWhatLinuxSendsForDad) {
  // RFC 4861 §7.2.4: to all nodes, S clear.
  const Bytes na = build_solicited_neighbor_advert(solicit_of(fixtures::kNsDad), kOwner);
  EXPECT_EQ(to_hex(na), to_hex(from_hex(fixtures::kLinuxNaToDadNs)));
}

TEST(SolicitedNa, AnswersAnUnreachabilityProbeWithOverrideAndTheOption) {
  // Linux leaves the option out here and so clears O (kLinuxNaToUnicastNs); we always send
  // both. Everything else is as Linux has it.
  auto na = parse_neighbor_advert_frame(
      build_solicited_neighbor_advert(solicit_of(fixtures::kNsUnicast), kOwner));
  ASSERT_TRUE(na.ok()) << to_string(na.error());
  NeighborAdvert linux_na = *parse_neighbor_advert_frame(from_hex(fixtures::kLinuxNaToUnicastNs));
  linux_na.override = true;
  linux_na.target_link_layer = kOwner;
  EXPECT_EQ(*na, linux_na);
}

TEST(SolicitedNa, EthernetDestinationIsTheSourceLinkLayerOptionElseTheFrameSource) {
  const MacAddress relayed{{0x02, 0, 0, 0, 0, 0x99}};
  NeighborSolicit ns = solicit_of(fixtures::kNsUnicast);
  ns.ethernet.source = relayed;
  auto na = parse_neighbor_advert_frame(build_solicited_neighbor_advert(ns, kOwner));
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->ethernet.destination, kClient);  // the option wins
  // A unicast NS without the option (RFC 4861 §4.3 only SHOULDs it): to the frame's source.
  ns.source_link_layer.reset();
  na = parse_neighbor_advert_frame(build_solicited_neighbor_advert(ns, kOwner));
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->ethernet.destination, relayed);
  EXPECT_EQ(na->destination.to_string(), "fe80::ff:fe00:2");
  EXPECT_TRUE(na->solicited);
}

TEST(SolicitedNa, RouterFlag) {
  auto na = parse_neighbor_advert_frame(
      build_solicited_neighbor_advert(solicit_of(fixtures::kNsMulticast), kOwner, true));
  ASSERT_TRUE(na.ok());
  EXPECT_TRUE(na->router);
  EXPECT_TRUE(na->solicited);
  EXPECT_TRUE(na->override);
}

}  // namespace
}  // namespace vipd::l2::wire
