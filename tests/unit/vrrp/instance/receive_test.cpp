// The receive path of an instance: every drop cause is counted, logged once per cause in
// keepalived's words (again at most once a minute), and leaves the state machine untouched.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;
using wire::DropCause;

class Receive : public ::testing::Test {
 protected:
  void SetUp() override {
    h.module.apply(parse(seed_instance(100)));
    ASSERT_EQ(h.instance().state(), fsm::State::kBackup);
    deadline = *h.instance().router()->timer_deadline(fsm::TimerKind::kMasterDown);
  }
  std::uint64_t drops(DropCause cause) {
    return h.instance().counters().drops[static_cast<std::size_t>(cause)];
  }
  // The packet was dropped: the state machine saw nothing.
  void expect_untouched() {
    EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
    EXPECT_EQ(h.instance().router()->stats().adverts_received, 0u);
    EXPECT_EQ(*h.instance().router()->timer_deadline(fsm::TimerKind::kMasterDown), deadline);
    EXPECT_FALSE(h.instance().router()->fsm_state().master_address);
  }

  LogCapture logs;
  Harness h;
  event::TimePoint deadline;
};

TEST_F(Receive, ValidAdvertReachesTheStateMachine) {
  h.clock.advance(std::chrono::seconds(1));
  PeerAdvert peer;
  h.deliver(peer.packet());
  EXPECT_EQ(h.instance().counters().total_drops(), 0u);
  EXPECT_EQ(h.instance().router()->stats().adverts_received, 1u);
  EXPECT_EQ(h.instance().router()->fsm_state().master_address, ip("192.168.5.9"));
  EXPECT_EQ(h.instance().router()->fsm_state().master_priority, 200);
  EXPECT_GT(*h.instance().router()->timer_deadline(fsm::TimerKind::kMasterDown), deadline);
}

TEST_F(Receive, TtlNot255IsDroppedCountedAndLoggedOnce) {
  PeerAdvert peer;
  peer.ttl = 64;
  h.deliver(peer.packet());
  h.deliver(peer.packet());
  EXPECT_EQ(drops(DropCause::kBadTtl), 2u);
  expect_untouched();
  EXPECT_EQ(logs.count("(VI_1) invalid TTL/HL. Received 64 and expect 255"), 1u);
  // A minute later the cause is logged again, with the number left out in between.
  h.clock.advance(61s);
  h.deliver(peer.packet());
  EXPECT_EQ(logs.count("(VI_1) invalid TTL/HL. Received 64 and expect 255 (1 more since the last "
                       "report)"),
            1u);
  EXPECT_EQ(drops(DropCause::kBadTtl), 3u);
}

TEST_F(Receive, EachCauseIsCountedAndLoggedSeparately) {
  struct Case {
    const char* what;
    std::function<ReceivedPacket()> make;
    DropCause cause;
    const char* log;
  };
  const std::vector<Case> cases = {
      {"wrong VRID",
       [] {
         PeerAdvert p;
         p.vrid = 52;
         return p.packet();
       },
       DropCause::kVridMismatch, "Unknown VRID(52) received on interface(eth0). ignoring..."},
      {"wrong password",
       [] {
         PeerAdvert p;
         p.password = "2222";
         return p.packet();
       },
       DropCause::kBadAuth, "(VI_1) received an invalid passwd!"},
      {"wrong interval",
       [] {
         PeerAdvert p;
         p.interval_s = 2;
         return p.packet();
       },
       DropCause::kAdvertIntervalMismatch,
       "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec"},
      {"bad checksum",
       [] {
         PeerAdvert p;
         Bytes m = p.message();
         m[6] ^= 0x01;
         return p.packet(m);
       },
       DropCause::kBadChecksum, "(VI_1) Invalid VRRPv2 checksum"},
      {"truncated",
       [] {
         PeerAdvert p;
         Bytes m = p.message();
         m.resize(5);
         return p.packet(m);
       },
       DropCause::kTruncated, "IPv4 VRRP packet too short - 25 bytes"},
      {"version 3 to a v2 instance",
       [] {
         PeerAdvert p;
         wire::Advert a;
         a.version = wire::Version::kV3;
         a.vrid = 51;
         a.priority = 200;
         a.max_advert_interval_cs = 100;
         a.addresses = p.addresses;
         return p.packet(wire::encode_advert(a, {p.source, ip("224.0.0.18")}));
       },
       DropCause::kBadVersion, "(VI_1) wrong version. Received 3 and expect 2"},
      {"other VIPs",
       [] {
         PeerAdvert p;
         p.addresses = {ip("192.168.5.7")};
         return p.packet();
       },
       DropCause::kAddressListMismatch,
       "(VI_1) ip address associated with VRID 51 not present in MASTER advert: 192.168.5.1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const auto before = drops(c.cause);
    h.deliver(c.make());
    EXPECT_EQ(drops(c.cause), before + 1);
    EXPECT_EQ(logs.count(c.log), 1u) << c.log;
    expect_untouched();
  }
  EXPECT_EQ(h.instance().counters().total_drops(), cases.size());
}

TEST_F(Receive, AddressCountMismatchHasItsOwnLine) {
  PeerAdvert peer;
  peer.addresses = {ip("192.168.5.1"), ip("192.168.5.7")};
  h.deliver(peer.packet());
  EXPECT_EQ(drops(DropCause::kAddressListMismatch), 1u);
  EXPECT_EQ(logs.count("(VI_1) received an unexpected ip number count 2, expected 1!"), 1u);
  expect_untouched();
}

TEST_F(Receive, AFloodIsCountedButLoggedOnce) {
  PeerAdvert peer;
  peer.password = "bad";
  for (int i = 0; i < 1000; ++i) h.deliver(peer.packet());
  EXPECT_EQ(drops(DropCause::kBadAuth), 1000u);
  EXPECT_EQ(logs.count("received an invalid passwd"), 1u);
  expect_untouched();
}

TEST_F(Receive, PacketsOfAnotherInterfaceOrFamilyAreNotOurs) {
  PeerAdvert peer;
  ReceivedPacket p = peer.packet();
  p.ifindex = 3;
  h.deliver(p);
  p.ifindex = 2;
  p.family = Family::kIpv6;
  h.deliver(p);
  EXPECT_EQ(h.instance().counters().total_drops(), 0u);
  expect_untouched();
}

TEST(ReceiveShared, TwoInstancesOnOneSocketGetTheirOwnVrid) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100) + seed_instance(100, "", "VI_2", 52)));
  PeerAdvert peer;
  peer.vrid = 52;
  h.deliver(peer.packet());
  EXPECT_EQ(h.instance("VI_2").router()->stats().adverts_received, 1u);
  EXPECT_EQ(h.instance("VI_1").router()->stats().adverts_received, 0u);
  EXPECT_EQ(h.instance("VI_1").counters().total_drops(), 0u);
  // A VRID nobody has: each instance of the socket counts it.
  peer.vrid = 53;
  h.deliver(peer.packet());
  for (const char* name : {"VI_1", "VI_2"})
    EXPECT_EQ(h.instance(name).counters().drops[static_cast<std::size_t>(DropCause::kVridMismatch)],
              1u);
}

TEST(ReceiveUnicast, OnlyPeersAreHeardAndEveryPeerGetsACopy) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(
      100, " unicast_src_ip 192.168.5.2\n unicast_peer {\n  192.168.5.3\n  192.168.5.4\n }\n")));
  EXPECT_FALSE(h.network.listens.at(0).group);  // no multicast group joined
  PeerAdvert stranger;
  stranger.source = ip("192.168.5.9");
  h.deliver(stranger.packet());
  EXPECT_EQ(h.instance().counters().not_from_peer, 1u);
  EXPECT_EQ(h.instance().router()->stats().adverts_received, 0u);
  EXPECT_EQ(logs.count("(VI_1) unicast source address 192.168.5.9 not a unicast peer"), 1u);
  PeerAdvert peer;
  peer.source = ip("192.168.5.3");
  peer.priority = 50;
  h.deliver(peer.packet());
  EXPECT_EQ(h.instance().router()->stats().adverts_received, 1u);

  // Lower priority peer: we become master and send one copy to each peer.
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  ASSERT_GE(h.network.adverts.size(), 2u);
  EXPECT_EQ(h.network.adverts[0].destination, ip("192.168.5.3"));
  EXPECT_EQ(h.network.adverts[1].destination, ip("192.168.5.4"));
  for (const auto& a : h.network.adverts) EXPECT_EQ(a.source, ip("192.168.5.2"));
}

}  // namespace
}  // namespace vipd::vrrp::testing
