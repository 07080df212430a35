// Administrative ends of sessions (RFC 4486 Cease subcodes, RFC 9003 shutdown communication)
// driven through Speaker::shutdown and Speaker::apply. TCP MD5 (RFC 2385) is in md5_test.cpp.
#include "harness.hpp"

#include <gtest/gtest.h>

namespace vipd::bgp::testing {
namespace {

// RFC 4486 §4 Administrative Shutdown with the RFC 9003 message; vipd stops listening.
TEST_F(SpeakerTest, ShutdownSendsAdministrativeShutdownWithMessage) {
  const std::string a = "127.0.0.30";
  apply(router_bgp(passive(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  speaker_->shutdown("maintenance");
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kAdministrativeShutdown);
  EXPECT_EQ(n->shutdown_message, "maintenance");
  EXPECT_EQ(to_hex(n->data),
            "0b" + to_hex(Bytes{'m', 'a', 'i', 'n', 't', 'e', 'n', 'a', 'n', 'c', 'e'}));
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_TRUE(speaker_->neighbors().empty());
  EXPECT_FALSE(connect(a, 500ms)) << "vipd still accepts connections after shutdown";
}

// RFC 4486 §4 Peer De-configured when the neighbor is removed from the configuration; the
// other neighbor is not disturbed.
TEST_F(SpeakerTest, RemovedNeighborGetsPeerDeconfigured) {
  const std::string a = "127.0.0.31", b = "127.0.0.32";
  apply(router_bgp(passive(a) + passive(b)));
  auto ca = establish(a);
  ASSERT_TRUE(ca);
  auto cb = establish(b);
  ASSERT_TRUE(cb);
  apply(router_bgp(passive(b)));
  auto n = ca->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kPeerDeconfigured);
  EXPECT_TRUE(ca->wait_closed(2s));
  EXPECT_EQ(peer(a), nullptr);
  EXPECT_FALSE(show("show ip bgp neighbors json").contains(a));
  cb->keep_alive_for(200ms);
  EXPECT_FALSE(cb->eof());
  EXPECT_TRUE(established(b));
}

// RFC 4486 §4 Other Configuration Change for a new remote-as, then vipd connects again and the
// session comes up with the new AS.
TEST_F(SpeakerTest, RemoteAsChangeResetsWithOtherConfigChangeAndReconnects) {
  const std::string a = "127.0.0.33";
  std::uint16_t peer_port = free_port();
  FakeListener listener(stepper(), a, peer_port);
  std::string port_line = " neighbor " + a + " port " + std::to_string(peer_port) + "\n";
  apply(router_bgp(neighbor_lines(a, "65001", port_line)));
  auto first = listener.accept(3s);
  ASSERT_TRUE(first);
  handshake(*first, a, peer_open(65001));
  ASSERT_FALSE(HasFatalFailure());

  apply(router_bgp(neighbor_lines(a, "65002", port_line)));
  auto n = first->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kOtherConfigurationChange);
  EXPECT_TRUE(first->wait_closed(2s));

  auto second = listener.accept(3s);
  ASSERT_TRUE(second) << "vipd did not reconnect";
  handshake(*second, a, peer_open(65002));
  ASSERT_FALSE(HasFatalFailure());
  auto j = neighbor_json(a);
  EXPECT_EQ(j["remoteAs"], 65002);
  EXPECT_EQ(j["connectionsEstablished"], 2);
}

// `neighbor A shutdown message TEXT`: Administrative Shutdown with TEXT; while shut down the
// neighbor refuses connections; `no neighbor A shutdown` lets it come up again.
TEST_F(SpeakerTest, NeighborShutdownMessageAndReenable) {
  const std::string a = "127.0.0.34";
  apply(router_bgp(passive(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  apply(router_bgp(passive(a, " neighbor " + a + " shutdown message going down for upgrade\n")));
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kAdministrativeShutdown);
  EXPECT_EQ(n->shutdown_message, "going down for upgrade");
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_EQ(peer(a)->state(), fsm::State::kIdle);
  EXPECT_EQ(neighbor_json(a)["bgpState"], "Idle (Admin)");
  EXPECT_EQ(neighbor_json(a)["lastResetDueTo"], "Admin. shutdown");

  // Still refused after the IdleHold time would have restarted an automatically stopped peer.
  pump_for(1200ms);
  auto refused = connect(a);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->wait_closed(2s));
  EXPECT_EQ(refused->bytes_received(), 0u);

  apply(router_bgp(passive(a)));
  auto again = establish(a);
  ASSERT_TRUE(again);
  EXPECT_EQ(neighbor_json(a)["connectionsEstablished"], 2);
}

}  // namespace
}  // namespace vipd::bgp::testing

namespace vipd::bgp::testing {
namespace {

// `clear ip bgp A`: RFC 4486 Administrative Reset, then the neighbor accepts a new session.
TEST_F(SpeakerTest, ClearIpBgpSendsAdministrativeResetAndRestarts) {
  const std::string a = "127.0.0.35";
  apply(router_bgp(passive(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  control::Session session;
  auto result = tree_.execute(session, "clear ip bgp " + a);
  EXPECT_TRUE(result.ok) << result.output;
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kAdministrativeReset);
  EXPECT_TRUE(c->wait_closed(2s));
  ASSERT_TRUE(wait_until([&] { return peer(a)->state() == fsm::State::kActive; }, 3s));
  auto again = establish(a);
  ASSERT_TRUE(again);
  EXPECT_EQ(neighbor_json(a)["connectionsEstablished"], 2);
  EXPECT_FALSE(tree_.execute(session, "clear ip bgp 127.0.0.36").ok);
}

// A new router-id changes the BGP Identifier of every OPEN: RFC 4486 Other Configuration
// Change to every session, and the next OPEN carries the new identifier.
TEST_F(SpeakerTest, RouterIdChangeResetsSessions) {
  const std::string a = "127.0.0.36";
  apply(router_bgp(passive(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  apply(router_bgp(passive(a), "10.0.0.9"));
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kOtherConfigurationChange);
  EXPECT_TRUE(c->wait_closed(2s));
  ASSERT_TRUE(wait_until([&] { return peer(a) && peer(a)->state() == fsm::State::kActive; }, 3s));
  auto again = connect(a);
  ASSERT_TRUE(again);
  auto m = again->read(2s);
  ASSERT_TRUE(m && std::holds_alternative<wire::Open>(*m));
  EXPECT_EQ(std::get<wire::Open>(*m).bgp_identifier, 0x0a000009u);
  EXPECT_EQ(show("show ip bgp summary json")["ipv4Unicast"]["routerId"], "10.0.0.9");
}

// FRR's router-id without `bgp router-id`: the highest IPv4 address of an up interface, the
// addresses of loopbacks other than 127/8 first.
TEST(PickRouterId, PrefersLoopbackAddressesThenTheHighestOfAnUpInterface) {
  netlink::InterfaceView view;
  auto link = [](int ifindex, const char* name, std::uint32_t flags) {
    netlink::Link l;
    l.ifindex = ifindex;
    l.name = name;
    l.flags = flags;
    return l;
  };
  auto address = [](int ifindex, const char* a) {
    netlink::InterfaceAddress out;
    out.ifindex = ifindex;
    out.address = *IpAddress::parse(a);
    out.prefix_length = 24;
    return out;
  };
  std::vector<netlink::Link> links{link(1, "lo", IFF_UP | IFF_LOOPBACK), link(2, "eth0", IFF_UP),
                                   link(3, "eth1", 0)};
  std::vector<netlink::InterfaceAddress> addresses{address(1, "127.0.0.1"), address(2, "192.0.2.1"),
                                                   address(2, "2001:db8::1"),
                                                   address(3, "203.0.113.1")};  // eth1 is down
  EXPECT_EQ(pick_router_id(view), 0u);
  view.reset(links, addresses);
  EXPECT_EQ(pick_router_id(view), 0xc0000201u);
  addresses.push_back(address(1, "10.255.0.1"));
  view.reset(links, addresses);
  EXPECT_EQ(pick_router_id(view), 0x0aff0001u);
}

// Without `bgp router-id` the router-id follows the interfaces' addresses, as FRR's does: a new
// pick resets the sessions (RFC 4486 Other Configuration Change).
TEST_F(SpeakerTest, RouterIdFromTheInterfacesFollowsTheirAddresses) {
  const std::string a = "127.0.0.37";
  netlink::InterfaceAddress eth0;
  eth0.ifindex = 1;
  eth0.address = *IpAddress::parse("192.0.2.1");
  eth0.prefix_length = 24;
  interfaces_.apply(netlink::AddressEvent{netlink::AddressEvent::Kind::kAdded, eth0});
  apply("router bgp 65000\n" + passive(a));
  EXPECT_EQ(speaker_->router_id(), 0xc0000201u);
  auto c = establish(a);
  ASSERT_TRUE(c);
  eth0.address = *IpAddress::parse("192.0.2.200");
  interfaces_.apply(netlink::AddressEvent{netlink::AddressEvent::Kind::kAdded, eth0});
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kOtherConfigurationChange);
  EXPECT_EQ(speaker_->router_id(), 0xc00002c8u);
  // A change that leaves the pick alone resets nothing.
  ASSERT_TRUE(wait_until([&] { return peer(a) && peer(a)->state() == fsm::State::kActive; }, 3s));
  auto again = establish(a);
  ASSERT_TRUE(again);
  eth0.address = *IpAddress::parse("192.0.2.7");
  interfaces_.apply(netlink::AddressEvent{netlink::AddressEvent::Kind::kAdded, eth0});
  EXPECT_FALSE(again->read_notification(300ms));
}

}  // namespace
}  // namespace vipd::bgp::testing

namespace vipd::bgp::testing {
namespace {

// The liveness input (BFD tells BGP a neighbor is dead): Cease/BFD Down (RFC 9384) now, the
// reason shown as the last reset, and the session comes back as after any automatic stop.
TEST_F(SpeakerTest, NeighborDownFromLivenessInputResetsWithTheGivenCease) {
  const std::string a = "127.0.0.37";
  apply(router_bgp(passive(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  EXPECT_FALSE(speaker_->neighbor_down(ip("127.0.0.38"), wire::cease_subcode::kBfdDown,
                                       "BFD down received"));
  EXPECT_TRUE(speaker_->neighbor_down(ip(a), wire::cease_subcode::kBfdDown, "BFD down received"));
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kBfdDown);
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_FALSE(established(a));
  EXPECT_EQ(neighbor_json(a)["lastResetDueTo"], "BFD down received");
  // Restarts after the IdleHold time (1 s) and accepts the neighbor again.
  ASSERT_TRUE(wait_until([&] { return peer(a)->state() == fsm::State::kActive; }, 3s));
  auto again = establish(a);
  ASSERT_TRUE(again);
  EXPECT_EQ(neighbor_json(a)["connectionsEstablished"], 2);
}

// D7: a neighbor's Shutdown Communication is logged with its control characters escaped, so
// that an embedded newline cannot forge a log line (RFC 9003 §6).
TEST_F(SpeakerTest, ReceivedShutdownCommunicationIsLoggedEscaped) {
  const std::string a = "127.0.0.39";
  apply(router_bgp(passive(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  std::vector<std::string> lines;
  log::set_sink([&](log::Level, std::string_view line) { lines.emplace_back(line); });
  const std::string forged = "bye\n2026-01-01 00:00:00.000 %ADJCHANGE: neighbor 10.9.9.9 Up\x1b[2J";
  c->send(wire::encode_notification(
      wire::make_shutdown_notification(wire::cease_subcode::kAdministrativeShutdown, forged)));
  bool down = wait_until([&] { return !established(a); }, 2s);
  log::set_sink(nullptr);
  ASSERT_TRUE(down);
  bool found = false;
  for (const auto& line : lines) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    if (line.find("%NOTIFICATION: received") == std::string::npos) continue;
    found = true;
    EXPECT_NE(
        line.find("\"bye\\n2026-01-01 00:00:00.000 %ADJCHANGE: neighbor 10.9.9.9 Up\\x1B[2J\""),
        std::string::npos)
        << line;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace vipd::bgp::testing
