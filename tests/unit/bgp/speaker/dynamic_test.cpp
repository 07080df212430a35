// Dynamic neighbors (`bgp listen range … peer-group`, `bgp listen limit`) on the simulated
// clock: a connection from an unconfigured address of a range becomes a neighbor with the
// group's options, one from outside is refused, the limit refuses more, and the neighbor is
// deleted when its connection ends (FRR's bgp_stop()), with its routes.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace vipd::bgp::testing {
namespace {

std::string group_config(const std::string& remote_as = "65001", const std::string& extra = "") {
  return router_bgp(" neighbor K3S peer-group\n neighbor K3S remote-as " + remote_as +
                    "\n neighbor K3S timers 1 3\n" + extra +
                    " bgp listen range 127.0.1.0/24 peer-group K3S\n");
}

class DynamicTest : public SpeakerTest {
 protected:
  std::size_t routes() const { return speaker_->loc_rib().prefix_count(wire::kIpv4Unicast); }
  bool gone(const std::string& a) { return peer(a) == nullptr; }
};

TEST_F(DynamicTest, AcceptsInRangeWithTheGroupsOptionsAndDeletesOnClose) {
  apply(group_config());
  const std::string a = "127.0.1.5";
  EXPECT_EQ(peer(a), nullptr);
  auto c = establish(a);
  ASSERT_TRUE(c);
  EXPECT_EQ(speaker_->dynamic_neighbors(), 1u);
  EXPECT_EQ(peer(a)->settings().timers.hold_time, 3s);  // the group's timers
  EXPECT_EQ(peer(a)->settings().remote_as, 65001u);
  ASSERT_TRUE(c->send(announce_v4({pfx("10.42.1.0/24"), pfx("10.42.2.0/24")})));
  EXPECT_TRUE(wait_until([&] { return routes() == 2; }, 2s));

  auto text = show_text("show ip bgp summary");
  EXPECT_NE(text.find("\n*127.0.1.5      4 65001"), std::string::npos) << text;
  EXPECT_NE(text.find("* - dynamic neighbor\n1 dynamic neighbor(s), limit 100\n"),
            std::string::npos)
      << text;
  auto summary = show("show ip bgp summary json")["ipv4Unicast"];
  EXPECT_EQ(summary["peers"][a]["dynamicPeer"], true);
  EXPECT_EQ(summary["dynamicPeers"], 1);
  auto neighbors = show_text("show ip bgp neighbors " + a);
  EXPECT_NE(neighbors.find("BGP neighbor is *127.0.1.5, remote AS 65001"), std::string::npos)
      << neighbors;
  EXPECT_NE(neighbors.find(" Member of peer-group K3S for session parameters\n"
                           " Belongs to the subnet range group: 127.0.1.0/24\n"),
            std::string::npos)
      << neighbors;
  EXPECT_EQ(neighbor_json(a)["peerGroup"], "K3S");

  c->close();
  EXPECT_TRUE(wait_until([&] { return gone(a); }, 5s));
  EXPECT_EQ(speaker_->dynamic_neighbors(), 0u);
  EXPECT_EQ(routes(), 0u);
  EXPECT_EQ(show_text("show ip bgp summary").find("dynamic neighbor"), std::string::npos);
  // It comes back with its next connection.
  EXPECT_TRUE(establish(a));
}

TEST_F(DynamicTest, RefusesAddressesOutsideTheRanges) {
  apply(group_config());
  auto c = connect("127.0.2.5");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_TRUE(gone("127.0.2.5"));
  EXPECT_EQ(speaker_->dynamic_neighbors(), 0u);
}

TEST_F(DynamicTest, ListenLimitRefusesMore) {
  apply(group_config("65001", " bgp listen limit 2\n"));
  auto c1 = establish("127.0.1.1");
  auto c2 = establish("127.0.1.2");
  ASSERT_TRUE(c1 && c2);
  auto c3 = connect("127.0.1.3");
  ASSERT_TRUE(c3);
  EXPECT_TRUE(c3->wait_closed(2s));
  EXPECT_TRUE(gone("127.0.1.3"));
  EXPECT_EQ(speaker_->dynamic_neighbors(), 2u);
  EXPECT_NE(show_text("show ip bgp summary").find("2 dynamic neighbor(s), limit 2"),
            std::string::npos);
  // One leaves: room for the next.
  c1->close();
  EXPECT_TRUE(wait_until([&] { return gone("127.0.1.1"); }, 5s));
  EXPECT_TRUE(establish("127.0.1.3"));
  EXPECT_EQ(speaker_->dynamic_neighbors(), 2u);
}

TEST_F(DynamicTest, FailedOpenDeletesTheNeighbor) {
  apply(group_config("65009"));  // the peer says 65001: Bad Peer AS (RFC 4271 §6.2)
  const std::string a = "127.0.1.7";
  auto c = connect(a);
  ASSERT_TRUE(c);
  auto m = c->read(3s);
  ASSERT_TRUE(m && std::holds_alternative<wire::Open>(*m));
  ASSERT_TRUE(c->send(wire::Message{peer_open()}));
  auto n = c->read_notification(3s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, 2);  // OPEN Message Error
  EXPECT_TRUE(wait_until([&] { return gone(a); }, 3s));
  EXPECT_EQ(speaker_->dynamic_neighbors(), 0u);
}

TEST_F(DynamicTest, InternalGroupMakesInternalNeighbors) {
  apply(group_config("internal"));
  const std::string a = "127.0.1.9";
  auto c = establish(a, peer_open(65000));
  ASSERT_TRUE(c);
  EXPECT_TRUE(peer(a)->settings().is_ibgp());
  EXPECT_EQ(neighbor_json(a)["nbrInternalLink"], true);
}

TEST_F(DynamicTest, ReloadRemovingTheRangeOrTakingTheAddressDeletesIt) {
  apply(group_config());
  auto c = establish("127.0.1.5");
  ASSERT_TRUE(c);
  // Unrelated change: it stays.
  apply(group_config("65001", " neighbor 127.0.0.9 remote-as 65009\n"));
  EXPECT_TRUE(established("127.0.1.5"));
  // A configured neighbor at its address replaces it.
  apply(group_config("65001", passive("127.0.1.5")));
  EXPECT_EQ(speaker_->dynamic_neighbors(), 0u);
  ASSERT_TRUE(peer("127.0.1.5"));
  EXPECT_TRUE(c->wait_closed(2s));
  auto c2 = establish("127.0.1.6");
  ASSERT_TRUE(c2);
  // The range goes: so do its neighbors (Cease / Peer De-configured).
  apply(router_bgp(" neighbor K3S peer-group\n neighbor K3S remote-as 65001\n"));
  EXPECT_TRUE(gone("127.0.1.6"));
  auto n = c2->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kPeerDeconfigured);
}

TEST_F(DynamicTest, GroupChangeReachesTheDynamicNeighbor) {
  apply(group_config());
  auto c = establish("127.0.1.5");
  ASSERT_TRUE(c);
  // A policy change applies without a reset (as for configured neighbors).
  apply(group_config("65001",
                     " address-family ipv4 unicast\n  neighbor K3S prefix-list none in\n"
                     " exit-address-family\n"));
  ASSERT_TRUE(speaker_->neighbor_config(ip("127.0.1.5")));
  EXPECT_EQ(speaker_->neighbor_config(ip("127.0.1.5"))
                ->in(config::AddressFamily::kIpv4Unicast)
                .prefix_list_in,
            "none");
  EXPECT_TRUE(established("127.0.1.5"));
  // One that needs a new session resets it, which deletes it until it connects again.
  apply(group_config("65001", " neighbor K3S password secret\n"));
  EXPECT_TRUE(wait_until([&] { return gone("127.0.1.5"); }, 3s));
}

}  // namespace
}  // namespace vipd::bgp::testing
