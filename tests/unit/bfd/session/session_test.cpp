// The BFD session driver (session.hpp) on a SimClock: two SessionTables back to back through a
// fake Network that delivers each datagram to the other side on the next loop turn, with TTL
// 255 unless told otherwise.
#include "bfd/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "event/sim_clock.hpp"
#include "fake_network.hpp"

namespace vipd::bfd {
namespace {

using namespace std::chrono_literals;
using testing::FakeNetwork;
using wire::State;

const IpAddress kA = *IpAddress::parse("192.0.2.1");
const IpAddress kB = *IpAddress::parse("192.0.2.2");

struct Changes {
  std::vector<std::pair<event::TimePoint, fsm::StateChanged>> list;
  Session::StateChangedCallback callback(event::Clock& clock) {
    return [this, &clock](Session&, const fsm::StateChanged& change) {
      list.emplace_back(clock.now(), change);
    };
  }
};

SessionOptions options(const IpAddress& peer, fsm::Microseconds interval = 300ms,
                       std::uint8_t mult = 3) {
  SessionOptions o;
  o.peer.peer = peer;
  o.config.timers = {interval, interval, mult};
  return o;
}

class BackToBack : public ::testing::Test {
 protected:
  BackToBack() : net_a(clock, kA), net_b(clock, kB), table_a(clock, net_a), table_b(clock, net_b) {
    net_a.connect(net_b);
    table_a.seed(1);
    table_b.seed(2);
    table_a.set_fixed_jitter(1.0);
    table_b.set_fixed_jitter(1.0);
  }

  std::pair<Session*, Session*> bring_up(SessionOptions a, SessionOptions b) {
    Session* sa = *table_a.add(std::move(a), changes_a.callback(clock));
    Session* sb = *table_b.add(std::move(b), changes_b.callback(clock));
    clock.advance(5s);
    EXPECT_EQ(sa->state().state, State::kUp);
    EXPECT_EQ(sb->state().state, State::kUp);
    return {sa, sb};
  }

  event::SimClock clock;
  FakeNetwork net_a;
  FakeNetwork net_b;
  SessionTable table_a;
  SessionTable table_b;
  Changes changes_a;
  Changes changes_b;
};

TEST_F(BackToBack, TwoSessionsComeUp) {
  auto [a, b] = bring_up(options(kB), options(kA));
  EXPECT_EQ(a->state().remote_discriminator, b->local_discriminator());
  EXPECT_EQ(b->state().remote_discriminator, a->local_discriminator());
  EXPECT_NE(a->local_discriminator(), 0u);
  ASSERT_FALSE(changes_a.list.empty());
  EXPECT_EQ(changes_a.list.back().second.to, State::kUp);
  EXPECT_EQ(a->counters().session_up, 1u);
  EXPECT_EQ(a->counters().session_down, 0u);
  EXPECT_EQ(a->last_change(), changes_a.list.back().first);
  ASSERT_EQ(net_a.opened.size(), 1u);
  EXPECT_EQ(net_a.opened[0].peer, kB);
}

TEST_F(BackToBack, CutLinkGoesDownAtExactlyTheDetectionTime) {
  auto [a, b] = bring_up(options(kB, 50ms), options(kA, 50ms));
  const fsm::Microseconds detection = fsm::detection_time(a->state());
  EXPECT_EQ(detection, 150ms);
  net_a.cut();
  const event::TimePoint cut_at = clock.now();
  const std::size_t before = changes_a.list.size();
  clock.advance(1s);
  ASSERT_EQ(changes_a.list.size(), before + 1);
  const auto& [at, change] = changes_a.list.back();
  EXPECT_EQ(change.from, State::kUp);
  EXPECT_EQ(change.to, State::kDown);
  EXPECT_EQ(change.diag, wire::Diagnostic::kControlDetectionTimeExpired);
  // At most one Detection Time after the cut (the last packet came at most 50 ms before it).
  EXPECT_LE(at - cut_at, 150ms);
  EXPECT_GT(at - cut_at, 100ms);
  EXPECT_EQ(a->state().state, State::kDown);
  EXPECT_EQ(b->state().state, State::kDown);
  EXPECT_EQ(a->counters().session_down, 1u);
  EXPECT_EQ(a->last_down_diag(), wire::Diagnostic::kControlDetectionTimeExpired);
}

// The detection timer re-arms on each accepted packet (§6.8.4): Down comes exactly one Detection
// Time after the last packet arrived.
TEST_F(BackToBack, DownExactlyOneDetectionTimeAfterTheLastPacket) {
  auto [a, b] = bring_up(options(kB, 50ms), options(kA, 50ms));
  // Run until A has just received a packet, then cut.
  const std::uint64_t in = a->counters().control_packets_in;
  while (a->counters().control_packets_in == in) clock.advance(1ms);
  const event::TimePoint last_rx = clock.now();
  net_a.cut();
  clock.advance(1s);
  const auto& [at, change] = changes_a.list.back();
  EXPECT_EQ(change.to, State::kDown);
  // The packet arrived within the last 1 ms step.
  EXPECT_GT(at - last_rx, 149ms);
  EXPECT_LE(at - last_rx, 150ms);
}

TEST_F(BackToBack, CountersCountPacketsAndChanges) {
  auto [a, b] = bring_up(options(kB), options(kA));
  const Counters before = a->counters();
  clock.advance(3s);
  // 300 ms without jitter: 10 packets each way in 3 s.
  EXPECT_EQ(a->counters().control_packets_out - before.control_packets_out, 10u);
  EXPECT_EQ(a->counters().control_packets_in - before.control_packets_in, 10u);
  EXPECT_EQ(a->counters().state_changes, changes_a.list.size());
  EXPECT_EQ(a->counters().send_errors, 0u);
}

TEST_F(BackToBack, SingleHopRequiresTtl255) {
  net_b.ttl = 254;  // B's packets arrive at A with TTL 254: A must drop them (RFC 5881 §5)
  Session* a = *table_a.add(options(kB), changes_a.callback(clock));
  Session* b = *table_b.add(options(kA), changes_b.callback(clock));
  clock.advance(5s);
  EXPECT_NE(a->state().state, State::kUp);
  EXPECT_NE(b->state().state, State::kUp);
  EXPECT_GT(a->counters().discarded(Discard::kTtl), 0u);
  EXPECT_EQ(a->counters().control_packets_in, 0u);
}

TEST_F(BackToBack, MultihopAcceptsTheMinimumTtl) {
  net_a.ttl = 253;
  net_b.ttl = 253;
  SessionOptions oa = options(kB);
  SessionOptions ob = options(kA);
  oa.peer.multihop = ob.peer.multihop = true;
  oa.minimum_ttl = 253;
  ob.minimum_ttl = 254;  // B refuses TTL 253
  Session* a = *table_a.add(oa, changes_a.callback(clock));
  Session* b = *table_b.add(ob, changes_b.callback(clock));
  clock.advance(5s);
  EXPECT_GT(a->counters().control_packets_in, 0u);
  EXPECT_GT(b->counters().discarded(Discard::kTtl), 0u);
  EXPECT_NE(b->state().state, State::kUp);
}

TEST_F(BackToBack, UnknownDiscriminatorAndGarbageAreCountedByTheTable) {
  bring_up(options(kB), options(kA));
  Datagram garbage;
  garbage.payload = {1, 2, 3};
  garbage.source = kB;
  garbage.ttl = 255;
  table_a.receive(garbage);
  EXPECT_EQ(table_a.unmatched().discarded(Discard::kDecode), 1u);
  wire::ControlPacket packet;
  packet.detect_mult = 3;
  packet.my_discriminator = 9;
  packet.your_discriminator = 12345;  // no such session
  Datagram unknown;
  unknown.payload = wire::encode(packet);
  unknown.source = kB;
  unknown.ttl = 255;
  table_a.receive(unknown);
  EXPECT_EQ(table_a.unmatched().discarded(Discard::kNoSession), 1u);
}

TEST_F(BackToBack, KeyedSha1SessionsComeUpAndRejectAWrongKey) {
  wire::AuthKey key{wire::AuthType::kMeticulousKeyedSha1, 1, Bytes{'s', 'e', 'c', 'r', 'e', 't'}};
  SessionOptions oa = options(kB);
  SessionOptions ob = options(kA);
  oa.auth = key;
  ob.auth = key;
  auto [a, b] = bring_up(oa, ob);
  EXPECT_EQ(a->counters().discarded(Discard::kSequence), 0u);
  EXPECT_EQ(a->counters().discarded(Discard::kAuthentication), 0u);

  // Another pair with mismatched keys never comes up.
  table_a.remove(a->peer());
  table_b.remove(b->peer());
  ob.auth->secret = Bytes{'o', 't', 'h', 'e', 'r'};
  Session* a2 = *table_a.add(oa, {});
  Session* b2 = *table_b.add(ob, {});
  clock.advance(5s);
  EXPECT_NE(a2->state().state, State::kUp);
  EXPECT_GT(a2->counters().discarded(Discard::kAuthentication), 0u);
  EXPECT_GT(b2->counters().discarded(Discard::kAuthentication), 0u);
}

TEST_F(BackToBack, TimersChangedWhileUpPollAndStayUp) {
  auto [a, b] = bring_up(options(kB), options(kA));
  a->set_timers({50ms, 50ms, 3});
  b->set_timers({50ms, 50ms, 3});
  clock.advance(3s);
  EXPECT_EQ(a->state().state, State::kUp);
  EXPECT_FALSE(a->state().poll_active);
  EXPECT_EQ(fsm::detection_time(a->state()), 150ms);
  EXPECT_EQ(a->counters().session_down, 0u);
}

TEST_F(BackToBack, RemoveClosesAndStops) {
  auto [a, b] = bring_up(options(kB), options(kA));
  const PeerKey key = a->peer();
  EXPECT_TRUE(table_a.remove(key));
  EXPECT_EQ(table_a.find(key), nullptr);
  ASSERT_EQ(net_a.closed.size(), 1u);
  // B loses A's packets and goes Down after its Detection Time.
  clock.advance(2s);
  EXPECT_EQ(b->state().state, State::kDown);
}

TEST_F(BackToBack, AdminDownFromThePeerIsFlagged) {
  auto [a, b] = bring_up(options(kB), options(kA));
  b->admin_down();
  clock.advance(1s);
  EXPECT_EQ(a->state().state, State::kDown);
  ASSERT_FALSE(changes_a.list.empty());
  EXPECT_TRUE(changes_a.list.back().second.peer_signaled_admin_down);
}

// ---- §6.4 echo ----

SessionOptions echo_options(const IpAddress& peer) {
  SessionOptions o = options(peer);
  o.config.echo_mode = true;
  o.config.desired_echo_tx = 50ms;
  o.config.required_min_echo_rx = 50ms;
  return o;
}

TEST_F(BackToBack, EchoesFlowBothWaysOnceUp) {
  auto [a, b] = bring_up(echo_options(kB), echo_options(kA));
  const auto out_a = a->counters().echo_packets_out;
  clock.advance(1s);
  for (Session* s : {a, b}) {
    EXPECT_TRUE(s->state().echo_active);
    EXPECT_GE(s->counters().echo_packets_out, 20u);
    EXPECT_EQ(s->counters().echo_packets_in, s->counters().echo_packets_out);
  }
  EXPECT_GE(a->counters().echo_packets_out - out_a, 19u);  // one per 50 ms
  EXPECT_LE(a->counters().echo_packets_out - out_a, 21u);
  // Echoes leave from the address A's Control packets arrive on.
  ASSERT_FALSE(net_a.echo_routes.empty());
  EXPECT_EQ(net_a.echo_routes.back().peer.peer, kB);
  EXPECT_EQ(net_a.echo_routes.back().local, kA);
  EXPECT_EQ(a->echo_rtt().max, 0u);  // the fake link takes no time
}

TEST_F(BackToBack, EchoLossTakesTheSessionDownWithEchoFunctionFailed) {
  auto [a, b] = bring_up(echo_options(kB), echo_options(kA));
  clock.advance(1s);
  net_b.forwards = false;  // B stops looping A's echoes; Control packets still flow
  const auto stopped = clock.now();
  clock.advance(1s);
  ASSERT_FALSE(changes_a.list.empty());
  auto down = std::find_if(changes_a.list.begin(), changes_a.list.end(), [](const auto& c) {
    return c.second.from == State::kUp && c.second.to == State::kDown;
  });
  ASSERT_NE(down, changes_a.list.end());
  EXPECT_EQ(down->second.diag, wire::Diagnostic::kEchoFunctionFailed);
  EXPECT_LE(down->first - stopped, 150ms);
  EXPECT_EQ(a->counters().session_down, 1u);
  EXPECT_EQ(a->last_down_diag(), wire::Diagnostic::kEchoFunctionFailed);
  (void)b;
}

TEST_F(BackToBack, EchoesWithTheWrongTtlOrDiscriminatorAreDropped) {
  auto [a, b] = bring_up(echo_options(kB), echo_options(kA));
  const auto in = a->counters().echo_packets_in;
  Datagram echo;
  echo.echo = true;
  echo.source = kA;
  echo.destination = kA;
  echo.payload = wire::encode(wire::EchoPacket{a->local_discriminator(), {}});
  echo.ttl = 253;  // looped by more than one hop
  net_a.inject(echo);
  EXPECT_EQ(table_a.unmatched().discarded(Discard::kTtl), 1u);
  echo.ttl = 254;
  echo.payload = wire::encode(wire::EchoPacket{a->local_discriminator() + 1, {}});
  net_a.inject(echo);
  EXPECT_EQ(table_a.unmatched().discarded(Discard::kNoSession), 1u);
  echo.payload = {1, 2, 3};
  net_a.inject(echo);
  EXPECT_EQ(table_a.unmatched().discarded(Discard::kDecode), 1u);
  EXPECT_EQ(a->counters().echo_packets_in, in);
  (void)b;
}

TEST_F(BackToBack, Ipv6EchoesOfKnownPeersAreReflected) {
  const IpAddress v6_a = *IpAddress::parse("2001:db8::1");
  const IpAddress v6_b = *IpAddress::parse("2001:db8::2");
  SessionOptions o = echo_options(v6_b);
  ASSERT_TRUE(table_a.add(o, {}));
  Datagram echo;
  echo.echo = true;
  echo.source = v6_b;
  echo.destination = v6_a;
  echo.ttl = 255;  // on its way out: ours to send back (FRR bfdd does for IPv6)
  echo.payload = wire::encode(wire::EchoPacket{42, {}});
  net_a.inject(echo);
  ASSERT_EQ(net_a.reflected.size(), 1u);
  EXPECT_EQ(net_a.reflected[0].source, v6_b);
  echo.source = *IpAddress::parse("2001:db8::99");  // no session: no reflector for strangers
  net_a.inject(echo);
  EXPECT_EQ(net_a.reflected.size(), 1u);
  // `echo receive-interval disabled`: we said we would not loop them.
  o.config.required_min_echo_rx = 0ms;
  table_a.find(o.peer)->set_options(o);
  echo.source = v6_b;
  net_a.inject(echo);
  EXPECT_EQ(net_a.reflected.size(), 1u);
  // IPv4 echoes are the kernel's to forward, never ours.
  echo.source = kB;
  echo.destination = kA;
  net_a.inject(echo);
  EXPECT_EQ(net_a.reflected.size(), 1u);
}

}  // namespace
}  // namespace vipd::bfd
