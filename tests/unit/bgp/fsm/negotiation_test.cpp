// Hold time / keepalive negotiation (RFC 4271 §4.2, §10) and the RFC 9003 Shutdown
// Communication encoding.
#include <gtest/gtest.h>

#include <string>

#include "bgp/fsm/fsm.hpp"
#include "test_util.hpp"

namespace vipd::bgp::fsm {
namespace {

using namespace std::chrono_literals;

TEST(HoldTime, IsTheSmallerOfOursAndThePeers) {
  EXPECT_EQ(negotiate_hold_time(180s, 90), 90);  // peer lower
  EXPECT_EQ(negotiate_hold_time(90s, 180), 90);  // peer higher
  EXPECT_EQ(negotiate_hold_time(180s, 180), 180);
  EXPECT_EQ(negotiate_hold_time(180s, 3), 3);  // the smallest legal non-zero value
  EXPECT_EQ(negotiate_hold_time(3s, 65535), 3);
}

TEST(HoldTime, ZeroOnEitherSideDisablesIt) {
  EXPECT_EQ(negotiate_hold_time(180s, 0), 0);
  EXPECT_EQ(negotiate_hold_time(0s, 90), 0);
  EXPECT_EQ(negotiate_hold_time(0s, 0), 0);
}

TEST(Keepalive, IsTheSmallerOfConfiguredAndAThirdOfHold) {
  EXPECT_EQ(negotiate_keepalive(60s, 180), 60);
  EXPECT_EQ(negotiate_keepalive(60s, 90), 30);
  EXPECT_EQ(negotiate_keepalive(10s, 90), 10);
  EXPECT_EQ(negotiate_keepalive(60s, 3), 1);
  EXPECT_EQ(negotiate_keepalive(60s, 4), 1);
  EXPECT_EQ(negotiate_keepalive(60s, 0), 0);   // no keepalives with hold time 0
  EXPECT_EQ(negotiate_keepalive(0s, 90), 30);  // unset: hold/3
}

// The negotiated values reach the state and the timers (OpenSent + BGPOpen).
TEST(HoldTime, OpenSentAppliesTheNegotiatedValues) {
  struct Case {
    std::uint16_t ours, peer, hold, keepalive;
  };
  for (const Case c : {Case{180, 90, 90, 30}, Case{90, 180, 90, 30}, Case{180, 3, 3, 1},
                       Case{180, 0, 0, 0}, Case{0, 180, 0, 0}}) {
    Config config;
    config.hold_time = std::chrono::seconds(c.ours);
    SessionState s;
    s.state = State::kOpenSent;
    s.admin_up = true;
    const Transition t =
        step(s, BgpOpen{.peer_hold_time_s = c.peer}, config, testing::constant_jitter(1.0));
    EXPECT_EQ(t.state.hold_time_s, c.hold) << c.ours << "/" << c.peer;
    EXPECT_EQ(t.state.keepalive_s, c.keepalive) << c.ours << "/" << c.peer;
    EXPECT_EQ(t.state.peer_hold_time_s, c.peer);
  }
}

TEST(ShutdownCommunication, LengthPrefixedUtf8) {
  EXPECT_TRUE(shutdown_communication("").empty());
  EXPECT_EQ(shutdown_communication("abc"), (Bytes{3, 'a', 'b', 'c'}));
  const std::string text = "Wartung \xc3\xbc";  // "Wartung ü"
  const Bytes out = shutdown_communication(text);
  ASSERT_EQ(out.size(), text.size() + 1);
  EXPECT_EQ(out[0], text.size());
}

TEST(ShutdownCommunication, TruncatesTo255OctetsAtACharacterBoundary) {
  const Bytes long_ascii = shutdown_communication(std::string(300, 'x'));
  ASSERT_EQ(long_ascii.size(), 256u);
  EXPECT_EQ(long_ascii[0], 255);
  // 254 ASCII octets then a 2-octet character that would straddle the limit.
  const Bytes cut = shutdown_communication(std::string(254, 'x') + "\xc3\xbc");
  ASSERT_EQ(cut.size(), 255u);
  EXPECT_EQ(cut[0], 254);
  EXPECT_EQ(cut.back(), 'x');
}

}  // namespace
}  // namespace vipd::bgp::fsm
