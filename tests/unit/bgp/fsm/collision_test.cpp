// Connection collision detection, RFC 4271 §6.8 (and RFC 6286 §2.3 for equal identifiers),
// and the two-Session procedure of collision.hpp.
#include "bgp/fsm/collision.hpp"

#include <gtest/gtest.h>

#include "bgp/fsm/session.hpp"
#include "event/sim_clock.hpp"
#include "test_util.hpp"

namespace vipd::bgp::fsm {
namespace {

using testing::constant_jitter;
using testing::Strings;

constexpr std::uint32_t kLow = 0x0a000001;   // 10.0.0.1
constexpr std::uint32_t kHigh = 0x0a000002;  // 10.0.0.2

TEST(Collision, HigherIdentifiersConnectionSurvives) {
  EXPECT_EQ(surviving_origin(kHigh, kLow), Origin::kLocal);
  EXPECT_EQ(surviving_origin(kLow, kHigh), Origin::kRemote);
}

TEST(Collision, IdentifiersCompareAsUnsigned) {
  // 192.0.2.1 is larger than 10.0.0.1 although its top bit makes it negative as int32.
  EXPECT_EQ(surviving_origin(0xc0000201, kLow), Origin::kLocal);
  EXPECT_EQ(surviving_origin(kLow, 0xc0000201), Origin::kRemote);
}

TEST(Collision, EqualIdentifiersCompareAsNumbers) {
  EXPECT_EQ(surviving_origin(kLow, kLow, 65002, 65001), Origin::kLocal);
  EXPECT_EQ(surviving_origin(kLow, kLow, 65001, 65002), Origin::kRemote);
}

TEST(Collision, OpenSentOrOpenConfirmKeepsTheWinnersConnection) {
  for (State state : {State::kOpenSent, State::kOpenConfirm}) {
    // Existing connection was ours; we have the higher identifier: keep it.
    EXPECT_EQ(resolve_collision(kHigh, kLow, {state, Origin::kLocal},
                                {State::kOpenSent, Origin::kRemote}),
              CollisionDecision::kCloseNew);
    // We have the lower identifier: the peer's connection wins.
    EXPECT_EQ(resolve_collision(kLow, kHigh, {state, Origin::kLocal},
                                {State::kOpenSent, Origin::kRemote}),
              CollisionDecision::kCloseExisting);
    // Existing was the peer's.
    EXPECT_EQ(resolve_collision(kLow, kHigh, {state, Origin::kRemote},
                                {State::kOpenSent, Origin::kLocal}),
              CollisionDecision::kCloseNew);
    EXPECT_EQ(resolve_collision(kHigh, kLow, {state, Origin::kRemote},
                                {State::kOpenSent, Origin::kLocal}),
              CollisionDecision::kCloseExisting);
  }
}

TEST(Collision, EstablishedAlwaysKeepsTheExistingSession) {
  for (Origin o : {Origin::kLocal, Origin::kRemote}) {
    EXPECT_EQ(resolve_collision(kLow, kHigh, {State::kEstablished, o}, {State::kOpenSent, o}),
              CollisionDecision::kCloseNew);
    EXPECT_EQ(resolve_collision(kHigh, kLow, {State::kEstablished, o}, {State::kOpenSent, o}),
              CollisionDecision::kCloseNew);
  }
}

TEST(Collision, NoCollisionBeforeOpenSent) {
  for (State state : {State::kIdle, State::kConnect, State::kActive}) {
    EXPECT_EQ(resolve_collision(kLow, kHigh, {state, Origin::kLocal},
                                {State::kOpenSent, Origin::kRemote}),
              CollisionDecision::kNoCollision);
  }
}

TEST(Collision, SameOriginClosesTheNewConnection) {
  EXPECT_EQ(resolve_collision(kLow, kHigh, {State::kOpenConfirm, Origin::kRemote},
                              {State::kOpenSent, Origin::kRemote}),
            CollisionDecision::kCloseNew);
}

// The glue procedure: primary (outgoing) and secondary (accepted) Sessions; the OPEN arrives on
// the secondary, the peer has the higher identifier, so the primary is dumped.
TEST(Collision, TwoSessionsOneSurvives) {
  event::SimClock clock;
  Strings primary_out, secondary_out;
  Session primary(
      clock, Config{}, [&](const Action& a) { primary_out.push_back(to_string(a)); },
      constant_jitter(1.0));
  Session secondary(
      clock, Config{}, [&](const Action& a) { secondary_out.push_back(to_string(a)); },
      constant_jitter(1.0));
  primary.handle(ManualStart{});
  primary.handle(TcpCrAcked{});
  ASSERT_EQ(primary.state(), State::kOpenSent);
  secondary.handle(ManualStartPassive{});
  secondary.handle(TcpConnectionConfirmed{});
  ASSERT_EQ(secondary.state(), State::kOpenSent);
  primary_out.clear();
  secondary_out.clear();

  const BgpOpen open{.peer_hold_time_s = 90, .peer_bgp_identifier = kHigh, .peer_asn = 65001};
  const auto decision =
      resolve_collision(kLow, open.peer_bgp_identifier, {primary.state(), Origin::kLocal},
                        {secondary.state(), Origin::kRemote});
  ASSERT_EQ(decision, CollisionDecision::kCloseExisting);
  primary.handle(OpenCollisionDump{});
  secondary.handle(open);

  EXPECT_EQ(primary.state(), State::kIdle);
  EXPECT_EQ(primary_out.front(), "SendNotification(6/7)");
  EXPECT_EQ(primary.stats().last_error->code, wire::error_code::kCease);
  EXPECT_EQ(secondary.state(), State::kOpenConfirm);
  EXPECT_EQ(secondary_out, (Strings{"SendKeepalive"}));
  // The winner is promoted: it carries the loser's counters over and restarts per Config.
  secondary.restore_stats(primary.stats());
  EXPECT_EQ(secondary.stats().notifications_sent, 1u);
}

}  // namespace
}  // namespace vipd::bgp::fsm
