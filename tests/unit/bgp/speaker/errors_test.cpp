// Malformed messages on an Established session (RFC 4271 §6.1, §6.3, RFC 7606) and connection
// collisions (RFC 4271 §6.8) on the simulated clock.
#include "harness.hpp"

#include <gtest/gtest.h>

namespace vipd::bgp::testing {
namespace {

std::string passive_neighbor_in_family(const std::string& a, bool ipv6 = false) {
  std::string text = " neighbor " + a + " remote-as 65001\n neighbor " + a +
                     " timers 10 30\n neighbor " + a + " passive\n";
  if (ipv6)
    text += " address-family ipv6 unicast\n  neighbor " + a + " activate\n exit-address-family\n";
  return text;
}

// Valid mandatory attributes for an eBGP UPDATE from AS 65001 on a 4-octet AS session.
constexpr const char* kOriginIgp = "40 01 01 00 ";
constexpr const char* kAsPath = "40 02 06 02 01 0000fde9 ";
constexpr const char* kNextHop = "40 03 04 c0000201 ";

struct MalformedCase {
  const char* name;
  std::function<Bytes()> message;
  std::uint8_t code;
  std::uint8_t subcode;
  const char* data_hex;
};

Bytes keepalive_with(std::size_t index, std::uint8_t value) {
  Bytes m = raw_message(4, "");
  m[index] = value;
  return m;
}

const MalformedCase kMalformed[] = {
    // RFC 7606 §7.11 / RFC 4271 §6.3: MP_REACH_NLRI whose length cannot hold its fields is a
    // session reset with Optional Attribute Error; the data is the attribute.
    {"MpReachBadLength",
     [] { return raw_update("", std::string(kOriginIgp) + kAsPath + "80 0e 04 0002 01 10", ""); },
     wire::error_code::kUpdateMessage, wire::update_subcode::kOptionalAttributeError,
     "800e0400020110"},
    // RFC 4271 §6.3 / RFC 7606 §4: Withdrawn Routes Length beyond the message.
    {"WithdrawnLengthOverrun", [] { return raw_message(2, "00ff 0000"); },
     wire::error_code::kUpdateMessage, wire::update_subcode::kMalformedAttributeList, ""},
    // RFC 4271 §6.1: marker not all ones.
    {"BadMarker", [] { return keepalive_with(0, 0x00); }, wire::error_code::kMessageHeader,
     wire::header_subcode::kConnectionNotSynchronized, ""},
    // RFC 4271 §6.1: a KEEPALIVE must be exactly 19 octets; data = the length field.
    {"KeepaliveLength20", [] { return raw_message(4, "00"); }, wire::error_code::kMessageHeader,
     wire::header_subcode::kBadMessageLength, "0014"},
    // RFC 8654 §4: an OPEN is never longer than 4096 octets, even though vipd advertised the
    // extended message capability (only the header is sent).
    {"OpenLength4097",
     [] {
       Bytes m = raw_message(1, "");
       m[16] = 0x10;
       m[17] = 0x01;
       return m;
     },
     wire::error_code::kMessageHeader, wire::header_subcode::kBadMessageLength, "1001"},
    // Shorter than the header itself.
    {"Length18",
     [] {
       Bytes m = raw_message(4, "");
       m[17] = 18;
       return m;
     },
     wire::error_code::kMessageHeader, wire::header_subcode::kBadMessageLength, "0012"},
    // RFC 4271 §6.1: unknown type; data = the type octet.
    {"UnknownType", [] { return raw_message(9, ""); }, wire::error_code::kMessageHeader,
     wire::header_subcode::kBadMessageType, "09"},
};

class MalformedTest : public SpeakerTest, public ::testing::WithParamInterface<int> {};

TEST_P(MalformedTest, SessionResetWithNotification) {
  const MalformedCase& tc = kMalformed[GetParam()];
  const std::string a = "127.0.2." + std::to_string(10 + GetParam());
  apply(router_bgp(passive_neighbor_in_family(a, true)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send(announce_v4({pfx("10.9.0.0/24")})));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 1; }, 2s));

  ASSERT_TRUE(c->send(tc.message()));
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n) << "no NOTIFICATION";
  EXPECT_EQ(n->code, tc.code);
  EXPECT_EQ(n->subcode, tc.subcode);
  EXPECT_EQ(to_hex(n->data), tc.data_hex);
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_NE(peer(a)->state(), fsm::State::kEstablished);
  EXPECT_EQ(prefixes("ipv4Unicast", a), 0);
  auto j = neighbor_json(a);
  EXPECT_EQ(j["lastResetDueTo"], "BGP Notification send");
  EXPECT_EQ(j["lastNotificationSent"], true);
}

INSTANTIATE_TEST_SUITE_P(Message, MalformedTest,
                         ::testing::Range(0, static_cast<int>(std::size(kMalformed))),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(kMalformed[info.param].name);
                         });

// RFC 7606 §7.1: a malformed ORIGIN (bad value, bad length) is treat-as-withdraw: the session
// stays up, the prefixes of that UPDATE are withdrawn and the event is counted.
TEST_F(SpeakerTest, MalformedOriginIsTreatAsWithdraw) {
  const std::string a = "127.0.0.20";
  apply(router_bgp(passive_neighbor_in_family(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send(announce_v4({pfx("10.1.0.0/24"), pfx("10.2.0.0/24"), pfx("10.3.0.0/24")})));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 3; }, 2s));

  // ORIGIN value 3 re-announcing 10.1.0.0/24.
  ASSERT_TRUE(
      c->send(raw_update("", std::string("40 01 01 03 ") + kAsPath + kNextHop, "18 0a0100")));
  EXPECT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 2; }, 2s));
  EXPECT_EQ(neighbor_json(a)["updatesTreatedAsWithdraw"], 1);

  // ORIGIN with length 2 re-announcing 10.2.0.0/24.
  ASSERT_TRUE(
      c->send(raw_update("", std::string("40 01 02 0000 ") + kAsPath + kNextHop, "18 0a0200")));
  EXPECT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 1; }, 2s));

  auto j = neighbor_json(a);
  EXPECT_EQ(j["updatesTreatedAsWithdraw"], 2);
  EXPECT_EQ(j["bgpState"], "Established");
  EXPECT_FALSE(j.contains("lastErrorCodeSubcode"));
  // No NOTIFICATION follows: only routine messages for a while, and the connection stays open.
  EXPECT_FALSE(c->read_skipping_routine(300ms));
  EXPECT_FALSE(c->eof());
  EXPECT_TRUE(established(a));
}

// RFC 4271 §6.8 with both connections in OpenSent: vipd connects to the fake peer, the fake
// peer connects to vipd, both send OPENs. The connection opened by the side with the higher
// BGP Identifier survives; the other gets Cease / Connection Collision Resolution (6/7).
struct CollisionCase {
  const char* name;
  bool vipd_higher;          // vipd's BGP Identifier is the higher one
  bool open_first_incoming;  // the fake peer sends its OPEN first on its own connection
  // The fake peer connects only after vipd's connection reached OpenConfirm.
  bool late_connect = false;
};

const CollisionCase kCollisions[] = {
    {"VipdHigherOpenOnVipdsConnectionFirst", true, false},
    {"VipdHigherOpenOnPeersConnectionFirst", true, true},
    {"PeerHigherOpenOnVipdsConnectionFirst", false, false},
    {"PeerHigherOpenOnPeersConnectionFirst", false, true},
    {"VipdHigherSecondConnectionInOpenConfirm", true, false, true},
    {"PeerHigherSecondConnectionInOpenConfirm", false, false, true},
};

class CollisionTest : public SpeakerTest, public ::testing::WithParamInterface<int> {};

TEST_P(CollisionTest, ExactlyOneSessionSurvives) {
  const CollisionCase& tc = kCollisions[GetParam()];
  const std::string a = "127.0.3." + std::to_string(10 + GetParam());
  std::uint16_t peer_port = free_port();
  FakeListener listener(stepper(), a, peer_port);
  // Identifiers 10.0.0.5 (higher) and 10.0.0.3.
  std::string our_id = tc.vipd_higher ? "10.0.0.5" : "10.0.0.3";
  std::uint32_t their_id = tc.vipd_higher ? 0x0a000003 : 0x0a000005;
  apply(router_bgp(" neighbor " + a + " remote-as 65001\n neighbor " + a + " timers 10 30\n" +
                       " neighbor " + a + " timers connect 1\n neighbor " + a + " port " +
                       std::to_string(peer_port) + "\n",
                   our_id));

  // Connection A: vipd -> fake peer.
  auto outgoing = listener.accept(3s);
  ASSERT_TRUE(outgoing) << "vipd did not connect";
  auto m = outgoing->read(2s);
  ASSERT_TRUE(m && std::holds_alternative<wire::Open>(*m));
  ASSERT_EQ(peer(a)->state(), fsm::State::kOpenSent);
  auto open = peer_open(65001, their_id);
  if (tc.late_connect) {
    ASSERT_TRUE(outgoing->send(wire::Message{open}));
    m = outgoing->read(2s);
    ASSERT_TRUE(m && std::holds_alternative<wire::Keepalive>(*m));
    ASSERT_EQ(peer(a)->state(), fsm::State::kOpenConfirm);
  }
  // Connection B: fake peer -> vipd; vipd answers with its OPEN on it too.
  auto incoming = connect(a);
  ASSERT_TRUE(incoming);
  m = incoming->read(2s);
  ASSERT_TRUE(m && std::holds_alternative<wire::Open>(*m)) << "no OPEN on the second connection";

  if (tc.late_connect) {
    ASSERT_TRUE(incoming->send(wire::Message{open}));
  } else {
    FakeConnection& first = tc.open_first_incoming ? *incoming : *outgoing;
    FakeConnection& second = tc.open_first_incoming ? *outgoing : *incoming;
    ASSERT_TRUE(first.send(wire::Message{open}));
    step();
    second.send(wire::Message{open});  // may already be closed
  }

  // The winner is the connection initiated by the speaker with the higher identifier.
  FakeConnection& winner = tc.vipd_higher ? *outgoing : *incoming;
  FakeConnection& loser = tc.vipd_higher ? *incoming : *outgoing;
  auto n = loser.read_notification(2s);
  ASSERT_TRUE(n) << "no NOTIFICATION on the losing connection; vipd is "
                 << fsm::to_string(peer(a)->state());
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kConnectionCollisionResolution);
  EXPECT_TRUE(loser.wait_closed(2s));

  if (!(tc.late_connect && tc.vipd_higher)) {  // else the winner had its KEEPALIVE already
    m = winner.read(2s);
    ASSERT_TRUE(m && std::holds_alternative<wire::Keepalive>(*m)) << "no KEEPALIVE on the winner";
  }
  ASSERT_TRUE(winner.send(wire::Message{wire::Keepalive{}}));
  ASSERT_TRUE(wait_until([&] { return established(a); }, 2s));

  // The surviving session is the winning connection, and it stays the only one.
  auto j = neighbor_json(a);
  if (tc.vipd_higher)
    EXPECT_EQ(j["portForeign"], peer_port);
  else
    EXPECT_EQ(j["portLocal"], port_);
  winner.keep_alive_for(500ms);
  EXPECT_FALSE(winner.eof());
  EXPECT_TRUE(established(a));
  j = neighbor_json(a);
  EXPECT_EQ(j["connectionsEstablished"], 1);
  EXPECT_EQ(j["bgpState"], "Established");
  EXPECT_EQ(j["remoteRouterId"], tc.vipd_higher ? "10.0.0.3" : "10.0.0.5");
  // No third connection is attempted while Established.
  EXPECT_FALSE(listener.accept(0ms));

  if (tc.late_connect && !tc.vipd_higher) {
    // The promoted (accepted) session restarts like the configured one: when it fails, vipd
    // connects out again after the IdleHold time.
    winner.close();
    auto next = listener.accept(4s);
    ASSERT_TRUE(next) << "vipd did not reconnect after the promoted session failed";
    handshake(*next, a, open);
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(neighbor_json(a)["connectionsEstablished"], 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Both, CollisionTest,
                         ::testing::Range(0, static_cast<int>(std::size(kCollisions))),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(kCollisions[info.param].name);
                         });

// RFC 4271 §8.2.2 / RFC 6608: a message the state does not expect is an FSM Error with the
// subcode of that state.
enum class Stage { kOpenSent, kOpenConfirm, kEstablished };
struct FsmErrorCase {
  const char* name;
  Stage stage;
  std::function<wire::Message()> message;
  std::uint8_t subcode;
};

const FsmErrorCase kFsmErrors[] = {
    {"KeepaliveInOpenSent", Stage::kOpenSent, [] { return wire::Message{wire::Keepalive{}}; },
     wire::fsm_subcode::kUnexpectedInOpenSent},
    {"UpdateInOpenConfirm", Stage::kOpenConfirm, [] { return announce_v4({pfx("10.0.0.0/8")}); },
     wire::fsm_subcode::kUnexpectedInOpenConfirm},
    {"OpenInEstablished", Stage::kEstablished, [] { return wire::Message{peer_open()}; },
     wire::fsm_subcode::kUnexpectedInEstablished},
};

class FsmErrorTest : public SpeakerTest, public ::testing::WithParamInterface<int> {};

TEST_P(FsmErrorTest, UnexpectedMessageIsFsmError) {
  const FsmErrorCase& tc = kFsmErrors[GetParam()];
  const std::string a = "127.0.4." + std::to_string(10 + GetParam());
  apply(router_bgp(passive_neighbor_in_family(a)));
  auto c = connect(a);
  ASSERT_TRUE(c);
  auto m = c->read(2s);
  ASSERT_TRUE(m && std::holds_alternative<wire::Open>(*m));
  if (tc.stage != Stage::kOpenSent) {
    ASSERT_TRUE(c->send(wire::Message{peer_open()}));
    m = c->read(2s);
    ASSERT_TRUE(m && std::holds_alternative<wire::Keepalive>(*m));
  }
  if (tc.stage == Stage::kEstablished) {
    ASSERT_TRUE(c->send(wire::Message{wire::Keepalive{}}));
    ASSERT_TRUE(wait_until([&] { return established(a); }, 2s));
  }
  ASSERT_TRUE(c->send(tc.message()));
  auto n = c->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kFsm);
  EXPECT_EQ(n->subcode, tc.subcode);
  EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_NE(peer(a)->state(), fsm::State::kEstablished);
}

INSTANTIATE_TEST_SUITE_P(Fsm, FsmErrorTest,
                         ::testing::Range(0, static_cast<int>(std::size(kFsmErrors))),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(kFsmErrors[info.param].name);
                         });

// RFC 4271 §6.8: a connection that arrives while the session is Established is closed
// (CollisionDetectEstablishedState is FALSE) with Cease / Connection Collision Resolution, and
// the session is not disturbed.
TEST_F(SpeakerTest, ConnectionCollidingWithEstablishedSessionIsClosed) {
  const std::string a = "127.0.0.21";
  apply(router_bgp(passive_neighbor_in_family(a)));
  auto c = establish(a);
  ASSERT_TRUE(c);
  auto extra = connect(a);
  ASSERT_TRUE(extra);
  auto n = extra->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kConnectionCollisionResolution);
  EXPECT_TRUE(extra->wait_closed(2s));
  c->keep_alive_for(200ms);
  EXPECT_FALSE(c->eof());
  EXPECT_TRUE(established(a));
  EXPECT_EQ(neighbor_json(a)["connectionsEstablished"], 1);
}

}  // namespace
}  // namespace vipd::bgp::testing
