// Speaker and Peer on the simulated clock against a scripted fake peer: session setup in both
// directions, End-of-RIB, prefix counting, keepalive and hold timers, OPEN errors.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace vipd::bgp::testing {
namespace {

std::string neighbor(const std::string& a, const std::string& lines) {
  std::string out;
  std::size_t start = 0;
  while (start < lines.size()) {
    auto end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    out += " neighbor " + a + " " + lines.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// FRR's VRF forms, as Prometheus's frr_exporter runs them through vipctl (docs/vipctl.md): `vrf
// all` keys the answer by VRF name, one family's summary is bare and `{}` when no neighbor is
// active in it.
TEST_F(SpeakerTest, VrfAllFormsAnswerInFrrShape) {
  const std::string a = "127.0.0.2";
  apply(router_bgp(passive(a)));
  auto j = show("show bgp vrf all ipv4 unicast summary json");
  ASSERT_EQ(j.size(), 1u) << j.dump();
  EXPECT_EQ(j["default"]["vrfName"], "default");
  EXPECT_EQ(j["default"]["as"], 65000);
  EXPECT_EQ(j["default"]["peerCount"], 1);
  EXPECT_EQ(j["default"]["peers"][a]["remoteAs"], 65001);
  EXPECT_TRUE(j["default"]["peers"][a].contains("pfxSnt"));
  EXPECT_EQ(show("show bgp vrf all ipv6 unicast summary json"),
            nlohmann::json::parse(R"({"default": {}})"));
  EXPECT_EQ(show("show bgp vrf default ipv4 unicast summary json")["peers"][a]["remoteAs"], 65001);
  EXPECT_EQ(show("show bgp vrf all summary json")["default"]["ipv4Unicast"]["peers"].size(), 1u);
  // Without `unicast` (any SAFI) FRR keys the family's summary by its name.
  EXPECT_EQ(show("show bgp vrf all ipv4 summary json")["default"]["ipv4Unicast"]["peerCount"], 1);
  // The same shapes without the VRF (checked against FRR 8.4's bgpd).
  EXPECT_EQ(show("show bgp ipv4 unicast summary json")["peers"][a]["remoteAs"], 65001);
  EXPECT_EQ(show("show bgp ipv4 summary json")["ipv4Unicast"]["peers"][a]["remoteAs"], 65001);
  EXPECT_EQ(show("show bgp ipv4 summary json").size(), 1u);
  EXPECT_EQ(show("show bgp ipv6 unicast summary json"), nlohmann::json::object());
  EXPECT_EQ(show("show bgp ipv6 summary json"), nlohmann::json::object());
  auto n = show("show bgp vrf all neighbors json");
  EXPECT_EQ(n["default"]["vrfName"], "default");
  EXPECT_EQ(n["default"]["vrfId"], 0);
  EXPECT_EQ(n["default"][a]["remoteAs"], 65001);
  EXPECT_EQ(show_text("show bgp vrf all ipv4 unicast summary"),
            show_text("show bgp ipv4 unicast summary"));
}

// RFC 4271 §8 happy path with vipd as the passive side (its own connection attempts go to a
// closed port), RFC 4724 End-of-RIB, prefix counting for IPv4 NLRI and IPv6 MP_REACH_NLRI
// (RFC 4760), withdrawals, and the keepalive timer keeping a 3 s hold time alive.
TEST_F(SpeakerTest, PassiveSideEstablishesCountsPrefixesAndSendsEndOfRib) {
  const std::string a = "127.0.0.2";
  std::uint16_t closed = free_port();
  apply(router_bgp(
      neighbor(a, "remote-as 65001\ntimers 1 3\ntimers connect 1\nport " + std::to_string(closed)) +
      " address-family ipv6 unicast\n  neighbor " + a + " activate\n exit-address-family\n"));
  ASSERT_NE(peer(a), nullptr);
  // Its own connection attempt is refused: it waits in Active (and retries every second).
  EXPECT_TRUE(wait_until([&] { return peer(a)->state() == fsm::State::kActive; }, 2s));
  EXPECT_EQ(show("show ip bgp summary json")["ipv4Unicast"]["peers"][a]["state"], "Active");

  auto c = establish(a);
  ASSERT_TRUE(c);

  // End-of-RIB for both negotiated families: an empty UPDATE (IPv4) and an UPDATE with only an
  // empty MP_UNREACH_NLRI (IPv6).
  bool eor_v4 = false, eor_v6 = false;
  for (int i = 0; i < 6 && !(eor_v4 && eor_v6); ++i) {
    auto m = c->read(2s);
    ASSERT_TRUE(m) << "End-of-RIB missing (v4 " << eor_v4 << ", v6 " << eor_v6 << ")";
    if (auto* u = std::get_if<wire::Update>(&*m)) {
      auto eor = u->end_of_rib();
      ASSERT_TRUE(eor) << "vipd sent an UPDATE that is not End-of-RIB";
      if (*eor == wire::kIpv4Unicast) eor_v4 = true;
      if (*eor == wire::kIpv6Unicast) eor_v6 = true;
    }
  }
  EXPECT_TRUE(eor_v4);
  EXPECT_TRUE(eor_v6);

  ASSERT_TRUE(c->send(announce_v4({pfx("10.1.0.0/24"), pfx("10.2.0.0/16")})));
  ASSERT_TRUE(c->send(announce_v4({pfx("10.3.3.3/32")})));
  ASSERT_TRUE(c->send(announce_v6({pfx("2001:db8:1::/48"), pfx("2001:db8:2::/64")})));
  EXPECT_TRUE(wait_until(
      [&] { return prefixes("ipv4Unicast", a) == 3 && prefixes("ipv6Unicast", a) == 2; }, 2s))
      << show("show ip bgp summary json").dump();
  EXPECT_EQ(prefixes("ipv4Unicast", a), 3);
  EXPECT_EQ(prefixes("ipv6Unicast", a), 2);
  // No `soft-reconfiguration inbound`: no Adj-RIB-In is kept (FRR, BIRD without import table).
  EXPECT_EQ(peer(a)->adj_rib_in().count(wire::kIpv4Unicast), 0u);

  ASSERT_TRUE(c->send(withdraw_v4({pfx("10.2.0.0/16")})));
  ASSERT_TRUE(c->send(withdraw_v6({pfx("2001:db8:1::/48")})));
  EXPECT_TRUE(wait_until(
      [&] { return prefixes("ipv4Unicast", a) == 2 && prefixes("ipv6Unicast", a) == 1; }, 2s))
      << show("show ip bgp summary json").dump();

  auto n = neighbor_json(a);
  EXPECT_EQ(n["bgpState"], "Established");
  EXPECT_EQ(n["remoteRouterId"], "10.0.0.2");
  EXPECT_EQ(n["remoteAs"], 65001);
  EXPECT_EQ(n["hostForeign"], a);
  EXPECT_EQ(n["portLocal"], port_);
  EXPECT_EQ(n["bgpTimerHoldTimeMsecs"], 3000);
  EXPECT_EQ(n["connectionsEstablished"], 1);
  EXPECT_EQ(n["messageStats"]["updatesRecv"], 5);
  // FRR 8.4's keys, flat (bgp_show_peer()), as frr_exporter reads them.
  std::vector<std::string> keys;
  for (const auto& [key, value] : n["messageStats"].items()) {
    EXPECT_TRUE(value.is_number()) << key;
    keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "capabilityRecv", "capabilitySent", "depthInq", "depthOutq", "keepalivesRecv",
                      "keepalivesSent", "notificationsRecv", "notificationsSent", "opensRecv",
                      "opensSent", "routeRefreshRecv", "routeRefreshSent", "totalRecv", "totalSent",
                      "updatesRecv", "updatesSent"}));
  EXPECT_EQ(n["messageStats"]["opensSent"], 1);
  EXPECT_EQ(n["messageStats"]["opensRecv"], 1);
  EXPECT_EQ(n["addressFamilyInfo"]["ipv4Unicast"]["acceptedPrefixCounter"], 2);
  EXPECT_EQ(n["addressFamilyInfo"]["ipv6Unicast"]["acceptedPrefixCounter"], 1);

  // Keepalive interval 1 s (jittered down to 0.75 s) against hold time 3 s: answering vipd's
  // KEEPALIVEs keeps the session up well past one hold time.
  std::size_t before = c->keepalives_received();
  c->keep_alive_for(3500ms);
  EXPECT_TRUE(established(a));
  EXPECT_GE(c->keepalives_received() - before, 3u);
  EXPECT_LE(c->keepalives_received() - before, 5u);
  EXPECT_EQ(prefixes("ipv4Unicast", a), 2);
}

// vipd as the active side: it connects to the neighbor's configured port.
TEST_F(SpeakerTest, ActiveSideConnectsToConfiguredPort) {
  const std::string a = "127.0.0.3";
  std::uint16_t peer_port = free_port();
  FakeListener listener(stepper(), a, peer_port);
  apply(router_bgp(neighbor(
      a, "remote-as 65001\ntimers 10 30\ntimers connect 1\nport " + std::to_string(peer_port))));
  auto c = listener.accept(3s);
  ASSERT_TRUE(c) << "vipd did not connect";
  handshake(*c, a, peer_open());
  ASSERT_FALSE(HasFatalFailure());
  auto n = neighbor_json(a);
  EXPECT_EQ(n["bgpState"], "Established");
  EXPECT_EQ(n["hostForeign"], a);
  EXPECT_EQ(n["portForeign"], peer_port);
  // eBGP, directly connected: the IPv4 End-of-RIB arrives (IPv6 was not activated here).
  auto m = c->read(2s);
  ASSERT_TRUE(m);
  auto* u = std::get_if<wire::Update>(&*m);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->end_of_rib(), wire::kIpv4Unicast);
}

// The session also runs over IPv6 (::1) with an IPv6 neighbor address.
TEST_F(SpeakerTest, Ipv6TransportSession) {
  const std::string a = "::1";
  apply(
      router_bgp(neighbor(a, "remote-as 65001\ntimers 10 30\npassive") +
                 " address-family ipv6 unicast\n  neighbor ::1 activate\n exit-address-family\n"));
  auto c = establish(a);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send(announce_v6({pfx("2001:db8:9::/48")})));
  EXPECT_TRUE(wait_until([&] { return prefixes("ipv6Unicast", a) == 1; }, 2s));
  EXPECT_EQ(neighbor_json(a)["hostForeign"], "::1");
}

// RFC 4271 §6.5, §8.2.2: a silent peer gets Hold Timer Expired at the hold time, and the routes
// learned from it are deleted.
TEST_F(SpeakerTest, HoldTimerExpiresWhenPeerGoesSilent) {
  const std::string a = "127.0.0.4";
  apply(router_bgp(neighbor(a, "remote-as 65001\ntimers 1 3\npassive")));
  auto c = establish(a);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send(announce_v4({pfx("10.4.0.0/24"), pfx("10.4.1.0/24")})));
  auto silent_since = clock_.now();
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 2; }, 2s));

  auto n = c->read_notification(6s);
  auto elapsed = clock_.now() - silent_since;
  ASSERT_TRUE(n) << "no NOTIFICATION within 6 s";
  EXPECT_EQ(n->code, wire::error_code::kHoldTimerExpired);
  EXPECT_EQ(n->subcode, 0);
  EXPECT_GE(elapsed, 2950ms);
  EXPECT_LE(elapsed, 4500ms);
  EXPECT_TRUE(c->wait_closed(2s));

  EXPECT_NE(peer(a)->state(), fsm::State::kEstablished);
  auto j = neighbor_json(a);
  EXPECT_EQ(j["lastResetDueTo"], "Hold Timer Expired");
  EXPECT_EQ(j["lastErrorCodeSubcode"], "0400");
  EXPECT_EQ(j["lastNotificationSent"], true);
  EXPECT_EQ(j["connectionsDropped"], 1);
  EXPECT_EQ(peer(a)->adj_rib_in().count(wire::kIpv4Unicast), 0u);
  EXPECT_EQ(prefixes("ipv4Unicast", a), 0);
}

// RFC 4271 §6.2 OPEN message errors. RFC 4271 prescribes the Data field only for Unsupported
// Version Number (the version we support, 2 octets); for the others vipd sends what FRR does
// (documented in wire/open_check.hpp), which is checked as well.
struct OpenErrorCase {
  const char* name;
  std::function<wire::Open()> open;
  std::uint8_t subcode;
  const char* data_hex;
};

wire::Open two_octet_open(std::uint16_t asn) {
  wire::Open o;
  o.my_as = asn;
  o.hold_time = 90;
  o.bgp_identifier = 0x0a000002;
  o.capabilities = {wire::MultiprotocolCapability{wire::kIpv4Unicast}};
  return o;
}

const OpenErrorCase kOpenErrors[] = {
    {"BadPeerAsFourOctet", [] { return peer_open(65002); }, wire::open_subcode::kBadPeerAs,
     "0000fdea"},
    {"BadPeerAsTwoOctet", [] { return two_octet_open(65002); }, wire::open_subcode::kBadPeerAs,
     "fdea"},
    {"HoldTimeOne", [] { return peer_open(65001, 0x0a000002, 1); },
     wire::open_subcode::kUnacceptableHoldTime, ""},
    {"HoldTimeTwo", [] { return peer_open(65001, 0x0a000002, 2); },
     wire::open_subcode::kUnacceptableHoldTime, ""},
    {"BgpIdentifierZero", [] { return peer_open(65001, 0); }, wire::open_subcode::kBadBgpIdentifier,
     "00000000"},
    {"VersionFive",
     [] {
       auto o = peer_open();
       o.version = 5;
       return o;
     },
     wire::open_subcode::kUnsupportedVersionNumber, "0004"},
    {"VersionThree",
     [] {
       auto o = peer_open();
       o.version = 3;
       return o;
     },
     wire::open_subcode::kUnsupportedVersionNumber, "0004"},
};

class OpenErrorTest : public SpeakerTest, public ::testing::WithParamInterface<int> {};

TEST_P(OpenErrorTest, RejectedWithOpenMessageError) {
  const OpenErrorCase& tc = kOpenErrors[GetParam()];
  const std::string a = "127.0.1." + std::to_string(10 + GetParam());
  apply(router_bgp(neighbor(a, "remote-as 65001\ntimers 10 30\npassive")));
  auto c = connect(a);
  ASSERT_TRUE(c);
  auto m = c->read(2s);
  ASSERT_TRUE(m && std::holds_alternative<wire::Open>(*m)) << "no OPEN from vipd";
  ASSERT_TRUE(c->send(wire::Message{tc.open()}));
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n) << "no NOTIFICATION";
  EXPECT_EQ(n->code, wire::error_code::kOpenMessage);
  EXPECT_EQ(n->subcode, tc.subcode);
  EXPECT_EQ(to_hex(n->data), tc.data_hex);
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_NE(peer(a)->state(), fsm::State::kEstablished);
  EXPECT_NE(peer(a)->state(), fsm::State::kOpenConfirm);
  auto j = neighbor_json(a);
  EXPECT_EQ(j["lastErrorCodeSubcode"].get<std::string>(),
            "02" + std::string(1, "0123456789abcdef"[tc.subcode >> 4]) +
                std::string(1, "0123456789abcdef"[tc.subcode & 15]));
  EXPECT_EQ(j["lastNotificationSent"], true);
  EXPECT_EQ(j["connectionsEstablished"], 0);
}

INSTANTIATE_TEST_SUITE_P(Open, OpenErrorTest,
                         ::testing::Range(0, static_cast<int>(std::size(kOpenErrors))),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(kOpenErrors[info.param].name);
                         });

// A connection from an address that is not a configured neighbor is closed without a message.
TEST_F(SpeakerTest, UnknownPeerAddressIsClosedWithoutMessages) {
  apply(router_bgp(neighbor("127.0.0.10", "remote-as 65001\npassive")));
  auto c = connect("127.0.0.99");
  ASSERT_TRUE(c) << "the handshake itself completes before vipd sees the address";
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_EQ(c->bytes_received(), 0u);
  EXPECT_EQ(peer("127.0.0.99"), nullptr);
  EXPECT_EQ(peer("127.0.0.10")->state(), fsm::State::kActive);
}

}  // namespace
}  // namespace vipd::bgp::testing

namespace vipd::bgp::testing {
namespace {

// A NOTIFICATION from the peer ends the session without an answer (RFC 4271 §6.4, §8.2.2) and
// is shown as received.
TEST_F(SpeakerTest, NotificationFromPeerIsRecorded) {
  const std::string a = "127.0.0.11";
  apply(router_bgp(" neighbor " + a + " remote-as 65001\n neighbor " + a + " passive\n"));
  auto c = establish(a);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send(wire::Message{
      wire::make_shutdown_notification(wire::cease_subcode::kAdministrativeShutdown, "bye")}));
  EXPECT_FALSE(c->read_skipping_routine(1s)) << "vipd answered a NOTIFICATION";
  EXPECT_TRUE(c->wait_closed(2s));
  ASSERT_TRUE(wait_until([&] { return !established(a); }, 1s));
  auto j = neighbor_json(a);
  EXPECT_EQ(j["lastResetDueTo"], "BGP Notification received");
  EXPECT_EQ(j["lastErrorCodeSubcode"], "0602");
  EXPECT_EQ(j["lastNotificationSent"], false);
  EXPECT_EQ(j["messageStats"]["notificationsRecv"], 1);
}

// RFC 2918 §4: a ROUTE-REFRESH is answered with the Adj-RIB-Out, which for vipd (originating
// nothing) is the End-of-RIB marker of that family.
TEST_F(SpeakerTest, RouteRefreshIsAnsweredWithEndOfRib) {
  const std::string a = "127.0.0.12";
  apply(router_bgp(" neighbor " + a + " remote-as 65001\n neighbor " + a +
                   " timers 10 30\n neighbor " + a + " passive\n"));
  auto c = establish(a);
  ASSERT_TRUE(c);
  auto m = c->read(2s);  // the initial End-of-RIB
  ASSERT_TRUE(m && std::holds_alternative<wire::Update>(*m));
  ASSERT_TRUE(c->send(wire::Message{wire::RouteRefresh{wire::kIpv4Unicast, 0}}));
  for (int i = 0; i < 3; ++i) {
    m = c->read(2s);
    ASSERT_TRUE(m) << "no answer to ROUTE-REFRESH";
    if (!std::holds_alternative<wire::Keepalive>(*m)) break;
  }
  auto* u = std::get_if<wire::Update>(&*m);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->end_of_rib(), wire::kIpv4Unicast);
  EXPECT_EQ(neighbor_json(a)["messageStats"]["routeRefreshRecv"], 1);
}

// RFC 4271 §4.2, §10: a Hold Time of 0 from the peer disables keepalives and the hold timer.
TEST_F(SpeakerTest, HoldTimeZeroDisablesKeepalives) {
  const std::string a = "127.0.0.13";
  apply(router_bgp(" neighbor " + a + " remote-as 65001\n neighbor " + a +
                   " timers 1 3\n neighbor " + a + " passive\n"));
  auto c = establish(a, peer_open(65001, 0x0a000002, 0));
  ASSERT_TRUE(c);
  std::size_t before = c->keepalives_received();
  EXPECT_FALSE(c->read_skipping_routine(2s));
  EXPECT_EQ(c->keepalives_received(), before);
  EXPECT_TRUE(established(a));
  EXPECT_EQ(neighbor_json(a)["bgpTimerHoldTimeMsecs"], 0);
}

// Anyone reaching TCP port 179 must not fill the log: a refused connection is a debug line, as
// FRR logs it.
TEST_F(SpeakerTest, RefusedConnectionsAreLoggedAtDebugOnly) {
  apply(router_bgp(neighbor("127.0.0.10", "remote-as 65001\npassive")));
  std::vector<std::pair<log::Level, std::string>> lines;
  log::set_sink([&](log::Level level, std::string_view line) {
    if (line.find("127.0.0.98") != std::string_view::npos) lines.emplace_back(level, line);
  });
  const log::Level saved = log::level();
  log::set_level(log::Level::kDebug);
  for (int i = 0; i < 3; ++i) {
    auto c = connect("127.0.0.98");
    if (c) c->wait_closed(2s);
  }
  log::set_level(saved);
  log::set_sink(nullptr);
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& [level, line] : lines) EXPECT_EQ(level, log::Level::kDebug) << line;
}

}  // namespace
}  // namespace vipd::bgp::testing
