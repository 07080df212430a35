// PacketReceiver: its kernel filter passes ARP requests and Neighbor Solicitations and nothing
// else, it skips what the host itself sends, and its solicited-node joins reach the interface
// (and MLD): in a network namespace of its own (tests/unit/netlink/namespace_test_util.hpp),
// frames from wire/fixtures.hpp sent from one end of a veth pair.
#include "l2/packet_receiver.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "../netlink/namespace_test_util.hpp"
#include "l2/packet_socket.hpp"
#include "shell_util.hpp"
#include "wire/fixtures.hpp"

namespace vipd::l2 {
namespace {

using netlink::test::Report;
using test::output_of;

// Everything `receiver` hands out within `wait`.
std::vector<Bytes> collect(PacketReceiver& receiver, std::chrono::milliseconds wait) {
  std::vector<Bytes> frames;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{receiver.fd(), POLLIN, 0};
    if (::poll(&p, 1, 20) != 1) continue;
    while (auto frame = receiver.receive()) frames.push_back(std::move(*frame));
  }
  return frames;
}

bool contains(const std::vector<Bytes>& frames, const Bytes& frame) {
  return std::find(frames.begin(), frames.end(), frame) != frames.end();
}

TEST(PacketReceiver, ClosedReceivesNothingAndJoinsNothing) {
  PacketReceiver receiver;
  EXPECT_FALSE(receiver.is_open());
  EXPECT_EQ(receiver.fd(), -1);
  EXPECT_FALSE(receiver.receive());
  EXPECT_FALSE(receiver.join_solicited_node(*IpAddress::parse("fd00::1")));
  EXPECT_FALSE(receiver.leave_solicited_node(*IpAddress::parse("fd00::1")));
}

void filter_scenario(Report& report) {
  netlink::test::veth_pair_up(report);
  const int d0 = static_cast<int>(if_nametoindex("d0"));
  const int d1 = static_cast<int>(if_nametoindex("d1"));
  PacketReceiver arp1, nd1, arp0, nd0;
  CHILD_CHECK(arp1.open(d1, Family::kIpv4).ok(), "open ARP on d1");
  CHILD_CHECK(nd1.open(d1, Family::kIpv6).ok(), "open NS on d1");
  CHILD_CHECK(arp0.open(d0, Family::kIpv4).ok(), "open ARP on d0");
  CHILD_CHECK(nd0.open(d0, Family::kIpv6).ok(), "open NS on d0");
  CHILD_CHECK(!arp1.open(d1, Family::kIpv4).ok(), "a second open fails");
  CHILD_CHECK(arp1.ifindex() == d1 && nd1.family() == Family::kIpv6, "ifindex and family");

  const Bytes request = from_hex(wire::fixtures::kArpRequest);
  const Bytes solicit = from_hex(wire::fixtures::kNsMulticast);
  Bytes hop_by_hop = solicit;
  hop_by_hop[20] = 0;  // an extension header before the ICMPv6 message
  PacketSender sender;
  CHILD_CHECK(sender.open().ok(), "open sender");
  for (const char* hex : {wire::fixtures::kArpRequest, wire::fixtures::kLinuxArpReply,
                          wire::fixtures::kArpGratuitousReply, wire::fixtures::kNsMulticast,
                          wire::fixtures::kLinuxNaToMulticastNs, wire::fixtures::kLinuxNaToDadNs}) {
    CHILD_CHECK(sender.send_frame(d0, from_hex(hex)).ok(), std::string("send ") + hex);
  }
  CHILD_CHECK(sender.send_frame(d0, hop_by_hop).ok(), "send hop-by-hop");

  const auto wait = std::chrono::milliseconds(300);
  const std::vector<Bytes> arp_frames = collect(arp1, wait);
  CHILD_CHECK(arp_frames == std::vector<Bytes>{request}, "d1: the ARP request and no reply");
  const std::vector<Bytes> nd_frames = collect(nd1, wait);
  CHILD_CHECK(contains(nd_frames, solicit), "d1: the solicitation");
  // The kernel's own DAD solicitations for d0's link-local address may come too; nothing else.
  for (const Bytes& frame : nd_frames) {
    CHILD_CHECK(frame.size() > 54 && frame[20] == 58 && frame[54] == 135,
                "d1: only solicitations, got " + to_hex(frame));
  }
  // What d0 sent comes back to d0's sockets as PACKET_OUTGOING: skipped.
  CHILD_CHECK(collect(arp0, wait).empty(), "d0: not its own ARP request");
  CHILD_CHECK(!contains(collect(nd0, wait), solicit), "d0: not its own solicitation");
}

TEST(PacketReceiver, PassesRequestsAndSolicitationsOnlyAndSkipsOutgoing) {
  netlink::test::run_in_namespace(filter_scenario);
}

void membership_scenario(Report& report) {
  netlink::test::veth_pair_up(report);
  PacketReceiver nd;
  CHILD_CHECK(nd.open(static_cast<int>(if_nametoindex("d1")), Family::kIpv6).ok(), "open");
  auto joined = [] {
    const std::string groups = output_of("ip maddr show dev d1");
    const bool link = groups.find("33:33:ff:00:00:01") != std::string::npos;
    const bool ipv6 = groups.find("ff02::1:ff00:1") != std::string::npos;
    return link && ipv6 ? 2 : link || ipv6 ? 1 : 0;
  };
  CHILD_CHECK(joined() == 0, "not joined at first");
  CHILD_CHECK(nd.join_solicited_node(*IpAddress::parse("fd00:77::1")).ok(), "join");
  CHILD_CHECK(joined() == 2, "the Ethernet and the IPv6 group joined");
  // fd00:78::1 has the same low 24 bits: the same group, counted.
  CHILD_CHECK(nd.join_solicited_node(*IpAddress::parse("fd00:78::1")).ok(), "join again");
  CHILD_CHECK(nd.leave_solicited_node(*IpAddress::parse("fd00:77::1")).ok(), "leave one");
  CHILD_CHECK(joined() == 2, "still joined for the other");
  CHILD_CHECK(nd.leave_solicited_node(*IpAddress::parse("fd00:78::1")).ok(), "leave the other");
  CHILD_CHECK(joined() == 0, "left");
  CHILD_CHECK(!nd.leave_solicited_node(*IpAddress::parse("fd00:78::1")).ok(), "not joined");
  CHILD_CHECK(!nd.join_solicited_node(*IpAddress::parse("10.77.0.1")).ok(), "IPv4 refused");
  CHILD_CHECK(nd.join_solicited_node(*IpAddress::parse("fd00:77::1")).ok(), "join");
  PacketReceiver moved = std::move(nd);
  CHILD_CHECK(!nd.is_open() && moved.is_open(), "moved");
  moved.close();
  CHILD_CHECK(joined() == 0, "closing leaves");
}

TEST(PacketReceiver, JoinsSolicitedNodeGroups) {
  netlink::test::run_in_namespace(membership_scenario);
}

}  // namespace
}  // namespace vipd::l2
