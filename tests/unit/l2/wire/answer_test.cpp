// answer(): the L2 mode's responder against the frames Linux sends and answers (fixtures.hpp).
#include "l2/wire/answer.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fixtures.hpp"
#include "l2/wire/arp.hpp"
#include "l2/wire/ndp.hpp"

namespace vipd::l2::wire {
namespace {

using fixtures::ip;
using fixtures::kClient;
using fixtures::kIcmp;
using fixtures::kOwner;
using fixtures::refresh_icmpv6_checksum;

const MacAddress kOther{{0x02, 0, 0, 0, 0, 0x03}};

// The Service IPs this node owns, and a record of what answer() asked about.
struct Owned {
  std::set<IpAddress> addresses{ip("10.77.0.1"), ip("fd00:77::1"), ip("fd00:77::5")};
  mutable std::vector<IpAddress> asked;
  OwnsAddress function() const {
    return [this](const IpAddress& a) {
      asked.push_back(a);
      return addresses.count(a) > 0;
    };
  }
};

std::optional<Bytes> answer_to(const Bytes& frame, const Owned& owned = Owned{}) {
  return answer(frame, kOwner, owned.function());
}

std::optional<Bytes> answer_to(const char* hex, const Owned& owned = Owned{}) {
  return answer_to(from_hex(hex), owned);
}

std::string hex_of(const std::optional<Bytes>& frame) {
  return frame ? to_hex(*frame) : "none";
}

TEST(Answer, ArpRequestForAnOwnedAddressGetsLinuxsReply) {
  Owned owned;
  EXPECT_EQ(hex_of(answer_to(fixtures::kArpRequest, owned)),
            to_hex(from_hex(fixtures::kLinuxArpReply)));
  EXPECT_EQ(owned.asked, std::vector<IpAddress>{ip("10.77.0.1")});
}

TEST(Answer, ArpProbeGetsLinuxsReply) {
  EXPECT_EQ(hex_of(answer_to(fixtures::kArpProbe)),
            to_hex(from_hex(fixtures::kLinuxArpProbeReply)));
}

TEST(Answer, ArpRequestUnicastToUsAndPaddedIsAnswered) {
  // Linux refreshes a STALE entry with a request unicast to the cached MAC.
  Bytes b = from_hex(fixtures::kArpRequest);
  std::copy(kOwner.octets.begin(), kOwner.octets.end(), b.begin());
  b.resize(60, 0);
  EXPECT_EQ(hex_of(answer_to(b)), to_hex(from_hex(fixtures::kLinuxArpReply)));
}

TEST(Answer, ArpFramesNotAnswered) {
  Owned owned;
  owned.addresses.insert(ip("10.77.0.2"));  // even for the address the announcements name
  EXPECT_FALSE(answer_to(fixtures::kArpAnnouncement, owned));
  EXPECT_FALSE(answer_to(fixtures::kArpGratuitousReply, owned));
  EXPECT_FALSE(answer_to(fixtures::kLinuxArpReply, owned));
  EXPECT_FALSE(answer_to(fixtures::kLinuxArpProbeReply, owned));

  Owned none;
  none.addresses.clear();
  EXPECT_FALSE(answer_to(fixtures::kArpRequest, none));
  EXPECT_EQ(none.asked, std::vector<IpAddress>{ip("10.77.0.1")});

  ArpFrame request = *parse_arp_frame(from_hex(fixtures::kArpRequest));
  ArpFrame from_us = request;  // our own request looping back
  from_us.ethernet.source = kOwner;
  EXPECT_FALSE(answer_to(encode_arp_frame(from_us)));
  from_us = request;
  from_us.sender_mac = kOwner;
  EXPECT_FALSE(answer_to(encode_arp_frame(from_us)));
  ArpFrame overheard = request;  // unicast to another station
  overheard.ethernet.destination = kOther;
  EXPECT_FALSE(answer_to(encode_arp_frame(overheard)));
  ArpFrame group_sender = request;
  group_sender.sender_mac = MacAddress::broadcast();
  EXPECT_FALSE(answer_to(encode_arp_frame(group_sender)));

  Bytes truncated = from_hex(fixtures::kArpRequest);
  truncated.resize(41);
  EXPECT_FALSE(answer_to(truncated));
  Bytes bad_header = from_hex(fixtures::kArpRequest);
  bad_header[18] = 8;  // hardware address length
  EXPECT_FALSE(answer_to(bad_header));
}

TEST(Answer, NeighborSolicitationForAnOwnedAddressGetsLinuxsAdvert) {
  Owned owned;
  EXPECT_EQ(hex_of(answer_to(fixtures::kNsMulticast, owned)),
            to_hex(from_hex(fixtures::kLinuxNaToMulticastNs)));
  EXPECT_EQ(owned.asked, std::vector<IpAddress>{ip("fd00:77::1")});
}

TEST(Answer, DadSolicitationGetsLinuxsDefence) {
  EXPECT_EQ(hex_of(answer_to(fixtures::kNsDad)), to_hex(from_hex(fixtures::kLinuxNaToDadNs)));
}

TEST(Answer, UnreachabilityProbeIsAnsweredToItsSource) {
  auto reply = answer_to(fixtures::kNsUnicast);
  ASSERT_TRUE(reply);
  auto na = parse_neighbor_advert_frame(*reply);
  ASSERT_TRUE(na.ok()) << to_string(na.error());
  EXPECT_EQ(na->ethernet.destination, kClient);
  EXPECT_EQ(na->ethernet.source, kOwner);
  EXPECT_EQ(na->source.to_string(), "fd00:77::1");
  EXPECT_EQ(na->destination.to_string(), "fe80::ff:fe00:2");
  EXPECT_EQ(na->target.to_string(), "fd00:77::1");
  EXPECT_TRUE(na->solicited);
  EXPECT_TRUE(na->override);
  EXPECT_EQ(na->target_link_layer, kOwner);
}

TEST(Answer, UnicastSolicitationWithoutSourceLinkLayerGoesToTheEthernetSource) {
  NeighborSolicit ns = *parse_neighbor_solicit_frame(from_hex(fixtures::kNsUnicast));
  ns.source_link_layer.reset();
  ns.ethernet.source = kOther;
  auto reply = answer_to(encode_neighbor_solicit(ns));
  ASSERT_TRUE(reply);
  auto na = parse_neighbor_advert_frame(*reply);
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->ethernet.destination, kOther);
  EXPECT_EQ(na->destination, ns.source);
}

TEST(Answer, NeighborFramesNotAnswered) {
  Owned none;
  none.addresses.clear();
  EXPECT_FALSE(answer_to(fixtures::kNsMulticast, none));
  EXPECT_FALSE(answer_to(fixtures::kNsDad, none));
  Owned owned;
  owned.addresses.insert(ip("fd00:77::2"));
  EXPECT_FALSE(answer_to(fixtures::kLinuxNaToMulticastNs, owned));  // advertisements
  EXPECT_FALSE(answer_to(fixtures::kLinuxNaToDadNs, owned));

  Bytes corrupt = from_hex(fixtures::kNsMulticast);
  corrupt[kIcmp + 3] ^= 0xff;
  EXPECT_FALSE(answer_to(corrupt));
  Bytes forwarded = from_hex(fixtures::kNsMulticast);
  forwarded[21] = 64;
  EXPECT_FALSE(answer_to(forwarded));

  const NeighborSolicit ns = *parse_neighbor_solicit_frame(from_hex(fixtures::kNsMulticast));
  NeighborSolicit from_us = ns;
  from_us.ethernet.source = kOwner;
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(from_us)));
  from_us = ns;
  from_us.source_link_layer = kOwner;
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(from_us)));
  NeighborSolicit overheard = ns;
  overheard.ethernet.destination = kOther;
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(overheard)));
  NeighborSolicit group_source = ns;
  group_source.source = ip("ff02::1");
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(group_source)));
  NeighborSolicit group_option = ns;
  group_option.source_link_layer = MacAddress::broadcast();
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(group_option)));
  NeighborSolicit group_frame_source = ns;  // and no option: nowhere to unicast the answer
  group_frame_source.source_link_layer.reset();
  group_frame_source.ethernet.source = MacAddress::broadcast();
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(group_frame_source)));

  // Unicast to an address that is not ours, though asking for one that is.
  NeighborSolicit elsewhere = *parse_neighbor_solicit_frame(from_hex(fixtures::kNsUnicast));
  elsewhere.destination = ip("fd00:77::9");
  EXPECT_FALSE(answer_to(encode_neighbor_solicit(elsewhere)));
}

TEST(Answer, OtherFramesNotAnswered) {
  EXPECT_FALSE(answer_to(Bytes{}));
  EXPECT_FALSE(answer_to(Bytes(13, 0xff)));
  Bytes ipv4 = from_hex(fixtures::kArpRequest);
  ipv4[12] = 0x08;
  ipv4[13] = 0x00;
  EXPECT_FALSE(answer_to(ipv4));
  // Another ICMPv6 message (an echo request, type 128) on the IPv6 socket.
  Bytes echo = from_hex(fixtures::kNsMulticast);
  echo[kIcmp] = 128;
  refresh_icmpv6_checksum(echo);
  EXPECT_FALSE(answer_to(echo));
}

}  // namespace
}  // namespace vipd::l2::wire
