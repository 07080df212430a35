// PacketSender: a gratuitous ARP sent out of one end of a veth pair arrives at the other, in a
// network namespace of its own (tests/unit/netlink/namespace_test_util.hpp).
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "../netlink/namespace_test_util.hpp"
#include "l2/packet_socket.hpp"
#include "l2/wire/arp.hpp"

namespace vipd::l2 {
namespace {

using netlink::test::Report;

TEST(PacketSender, RefusesToSendWhenClosedOrTooShort) {
  PacketSender sender;
  const Bytes frame(60, 0);
  EXPECT_FALSE(sender.send_frame(1, frame));
  if (geteuid() != 0) GTEST_SKIP() << "AF_PACKET needs CAP_NET_RAW";
  ASSERT_TRUE(sender.open());
  EXPECT_TRUE(sender.is_open());
  EXPECT_FALSE(sender.send_frame(1, ByteSpan(frame).first(10)));
  sender.close();
  EXPECT_FALSE(sender.is_open());
}

void arp_scenario(Report& report) {
  netlink::test::veth_pair_up(report);
  const int d0 = static_cast<int>(if_nametoindex("d0"));
  const int d1 = static_cast<int>(if_nametoindex("d1"));
  // The far end listens for ARP.
  int receiver = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
  CHILD_CHECK(receiver >= 0, "receiver socket");
  sockaddr_ll bound{};
  bound.sll_family = AF_PACKET;
  bound.sll_protocol = htons(ETH_P_ARP);
  bound.sll_ifindex = d1;
  CHILD_CHECK(::bind(receiver, reinterpret_cast<sockaddr*>(&bound), sizeof bound) == 0, "bind");

  PacketSender sender;
  CHILD_CHECK(sender.open().ok(), "open");
  const auto mac = *wire::MacAddress::parse("02:00:5e:00:01:33");
  const Bytes frame = wire::build_gratuitous_arp(mac, *IpAddress::parse("192.0.2.33"));
  auto sent = sender.send_frame(d0, frame);
  CHILD_CHECK(sent.ok(), "send: " + (sent ? std::string() : sent.error()));

  pollfd p{receiver, POLLIN, 0};
  CHILD_CHECK(::poll(&p, 1, 2000) == 1, "a frame arrived at d1");
  Bytes got(2048);
  ssize_t n = ::recv(receiver, got.data(), got.size(), MSG_DONTWAIT);
  CHILD_CHECK(n > 0, "received");
  got.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  // veth pads nothing: the frame arrives as sent.
  CHILD_CHECK(got.size() >= frame.size() && std::equal(frame.begin(), frame.end(), got.begin()),
              "the frame as sent");
  ::close(receiver);
}

TEST(PacketSender, SendsAFrameOutOfTheGivenInterface) {
  netlink::test::run_in_namespace(arp_scenario);
}

}  // namespace
}  // namespace vipd::l2
