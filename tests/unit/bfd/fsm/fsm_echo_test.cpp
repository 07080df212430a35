// The echo function (RFC 5880 §6.4, §6.8.5, §6.8.9) as FRR bfdd runs it, on a simulated clock:
// two sessions back to back (sim_link.hpp) whose forwarding planes loop each other's echoes.
#include <gtest/gtest.h>

#include "bfd/fsm/fsm.hpp"
#include "sim_link.hpp"

namespace vipd::bfd::fsm {
namespace {

using namespace std::chrono_literals;
using testing::bring_up;
using testing::config;
using testing::Link;
using testing::Node;

// FRR's defaults with echo-mode on: echo transmit-interval and receive-interval 50 ms.
Config echo_config(std::uint32_t discriminator, Microseconds echo_tx = 50ms,
                   Microseconds echo_rx = 50ms) {
  Config c = config(discriminator);
  c.echo_mode = true;
  c.desired_echo_tx = echo_tx;
  c.required_min_echo_rx = echo_rx;
  return c;
}

TEST(BfdEcho, AdvertisesRequiredMinEchoRxInEveryPacket) {
  Config quiet = config(2);
  quiet.required_min_echo_rx = 70ms;
  Link link(config(1), quiet);
  link.handle(link.b(), Start{});
  ASSERT_FALSE(link.b().sent.empty());
  // §4.1: microseconds on the wire, also while Down (FRR sends it from the first packet).
  EXPECT_EQ(link.b().sent[0].packet.required_min_echo_rx_us, 70000u);
  EXPECT_EQ(link.b().sent[0].packet.state, State::kDown);
}

TEST(BfdEcho, BothSidesEchoOnlyOnceUp) {
  Link link(echo_config(1), echo_config(2));
  link.handle(link.a(), Start{});
  link.handle(link.b(), Start{});
  link.run_for(900ms);  // still in the slow-rate handshake
  EXPECT_NE(link.a().session.state, State::kUp);
  EXPECT_TRUE(link.a().echoes_sent.empty());
  link.run_for(4100ms);
  ASSERT_EQ(link.a().session.state, State::kUp);
  ASSERT_TRUE(link.a().session.echo_active);
  ASSERT_TRUE(link.b().session.echo_active);
  // Up at 1.0-1.3 s, then one echo per 50 ms (jitter 1.0: no reduction).
  const std::size_t sent = link.a().echoes_sent.size();
  EXPECT_GE(sent, 74u);  // 3.7 s / 50 ms
  EXPECT_LE(sent, 81u);
  EXPECT_EQ(link.a().echoes_back.size(), sent);
  EXPECT_GE(link.b().echoes_sent.size(), 74u);
  EXPECT_EQ(echo_transmit_interval(link.a().session), Microseconds(50ms));
  // FRR's echo detection time: the remote Detect Mult x the echo interval.
  EXPECT_EQ(echo_detection_time(link.a().session), Microseconds(150ms));
  EXPECT_EQ(link.a().echo_detection_arms.back().after, 150ms);
}

TEST(BfdEcho, IntervalIsTheSlowerOfOursAndThePeersRequiredMinEchoRx) {
  // §6.8.9: "MUST NOT be transmitted at a rate faster than [...] the Required Min Echo RX
  // Interval field"; FRR takes max(echo transmit-interval, the peer's).
  Link link(echo_config(1, 20ms, 50ms), echo_config(2, 50ms, 100ms));
  bring_up(link);
  EXPECT_EQ(echo_transmit_interval(link.a().session), Microseconds(100ms));
  EXPECT_EQ(echo_transmit_interval(link.b().session), Microseconds(50ms));
  EXPECT_EQ(link.a().echo_transmit_arms.back().interval, 100ms);
  EXPECT_EQ(link.b().echo_transmit_arms.back().interval, 50ms);
}

TEST(BfdEcho, NoEchoesWhenThePeerDisablesEchoReceive) {
  // `echo receive-interval disabled` advertises 0: §6.8.9 "MUST NOT transmit".
  Link link(echo_config(1), echo_config(2, 50ms, 0ms));
  bring_up(link);
  EXPECT_TRUE(link.a().echoes_sent.empty());
  EXPECT_FALSE(link.a().session.echo_active);
  EXPECT_FALSE(echo_transmit_interval(link.a().session));
  EXPECT_FALSE(link.b().echoes_sent.empty());  // A still loops B's
}

TEST(BfdEcho, NoEchoesWithoutEchoMode) {
  Config a = config(1);
  a.required_min_echo_rx = 50ms;
  Link link(a, echo_config(2));
  bring_up(link);
  EXPECT_TRUE(link.a().echoes_sent.empty());
  EXPECT_FALSE(link.b().echoes_sent.empty());
}

TEST(BfdEcho, EchoTransmitIsJittered) {
  Link link(echo_config(1), echo_config(2));
  link.a().jitter = 0.0;  // §6.8.7's largest reduction: 75%
  bring_up(link);
  ASSERT_FALSE(link.a().echo_transmit_arms.empty());
  EXPECT_EQ(link.a().echo_transmit_arms.back().after, Microseconds(37500));
  EXPECT_EQ(link.a().echo_transmit_arms.back().interval, 50ms);
}

TEST(BfdEcho, LostEchoesTakeTheSessionDownWithEchoFunctionFailed) {
  // The peer's forwarding plane stops looping our echoes while Control packets still flow:
  // §6.8.5 / FRR's bfd_echo_recvtimer_cb: Down with diag 2 one echo detection time after the
  // last echo came back.
  Link link(echo_config(1), echo_config(2));
  bring_up(link);
  link.b().loops_echoes = false;
  const auto last_back = link.a().echoes_back.back();
  link.run_for(1s);
  ASSERT_FALSE(link.a().changes.empty());
  const auto& down = link.a().changes[2];  // Down->Init->Up, then this
  EXPECT_EQ(down.change.from, State::kUp);
  EXPECT_EQ(down.change.to, State::kDown);
  EXPECT_EQ(down.change.diag, Diagnostic::kEchoFunctionFailed);
  EXPECT_EQ(down.at - last_back, 150ms);
  EXPECT_GE(link.a().echo_cancels, 1);  // echoes stop while not Up
}

TEST(BfdEcho, LinkCutIsDetectedWithinTheEchoDetectionTime) {
  // Control packets at FRR's 300 ms x 3 (900 ms detection), echoes at 50 ms x 3: the cut is
  // seen after 150 ms at most, by both sides, with diag 2.
  Link link(echo_config(1), echo_config(2));
  bring_up(link);
  const auto cut = link.now();
  link.connected = false;
  link.run_for(2s);
  for (Node* node : {&link.a(), &link.b()}) {
    ASSERT_GE(node->changes.size(), 3u);
    const auto& down = node->changes[2];
    EXPECT_EQ(down.change.to, State::kDown);
    EXPECT_EQ(down.change.diag, Diagnostic::kEchoFunctionFailed);
    EXPECT_LE(down.at - cut, 150ms);
    EXPECT_GT(down.at - cut, 100ms);
  }
}

TEST(BfdEcho, EchoRestartsWhenTheSessionComesBackUp) {
  Link link(echo_config(1), echo_config(2));
  bring_up(link);
  link.connected = false;
  link.run_for(2s);
  ASSERT_EQ(link.a().session.state, State::kDown);
  EXPECT_FALSE(link.a().session.echo_active);
  const std::size_t sent = link.a().echoes_sent.size();
  link.run_for(1s);
  EXPECT_EQ(link.a().echoes_sent.size(), sent);  // none while Down
  link.connected = true;
  link.run_for(5s);
  ASSERT_EQ(link.a().session.state, State::kUp);
  EXPECT_TRUE(link.a().session.echo_active);
  EXPECT_GT(link.a().echoes_sent.size(), sent + 20);
}

TEST(BfdEcho, EchoModeSwitchedLive) {
  Link link(config(1), echo_config(2));
  link.a().session.config.required_min_echo_rx = 50ms;
  bring_up(link);
  EXPECT_TRUE(link.a().echoes_sent.empty());
  link.handle(link.a(), EchoParametersChanged{true, 30ms, 50ms});
  EXPECT_TRUE(link.a().session.echo_active);
  ASSERT_EQ(link.a().echoes_sent.size(), 1u);  // one at once (FRR's ptm_bfd_echo_start)
  link.run_for(1s);
  EXPECT_EQ(echo_transmit_interval(link.a().session), Microseconds(50ms));
  EXPECT_GE(link.a().echoes_sent.size(), 20u);
  const int cancels = link.a().echo_cancels;
  link.handle(link.a(), EchoParametersChanged{false, 30ms, 50ms});
  EXPECT_FALSE(link.a().session.echo_active);
  EXPECT_EQ(link.a().echo_cancels, cancels + 1);
  const std::size_t sent = link.a().echoes_sent.size();
  link.run_for(1s);
  EXPECT_EQ(link.a().echoes_sent.size(), sent);
  EXPECT_EQ(link.a().session.state, State::kUp);  // stopping echoes is no failure
}

TEST(BfdEcho, PeerWithdrawingEchoReceiveStopsOurEchoes) {
  Link link(echo_config(1), echo_config(2));
  bring_up(link);
  link.handle(link.b(), EchoParametersChanged{true, 50ms, 0ms});
  link.run_for(1s);  // B's next Control packets advertise 0
  EXPECT_FALSE(link.a().session.echo_active);
  EXPECT_EQ(link.a().session.state, State::kUp);
  EXPECT_TRUE(link.b().session.echo_active);
}

TEST(BfdEcho, StrayEchoWhileInactiveChangesNothing) {
  Session s = make_session(echo_config(1));
  Transition t = step(s, EchoReceived{}, [] { return 1.0; });
  EXPECT_TRUE(t.actions.empty());
  t = step(s, EchoDetectionTimerExpired{}, [] { return 1.0; });
  EXPECT_TRUE(t.actions.empty());
  EXPECT_EQ(t.session.state, State::kDown);
}

}  // namespace
}  // namespace vipd::bfd::fsm
