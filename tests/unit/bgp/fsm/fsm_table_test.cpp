// Every state x every event of the BGP FSM (RFC 4271 §8.2.2): the next state and the
// NOTIFICATION sent, from one table, plus invariants that hold for every cell.
#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <utility>

#include "bgp/fsm/fsm.hpp"
#include "test_util.hpp"

namespace vipd::bgp::fsm {
namespace {

using testing::constant_jitter;
using testing::names;

constexpr std::size_t kEventCount = std::variant_size_v<Event>;
constexpr std::array kStates = {State::kIdle,     State::kConnect,     State::kActive,
                                State::kOpenSent, State::kOpenConfirm, State::kEstablished};

// One default-constructed instance of every event alternative, in variant order.
template <std::size_t... I>
std::array<Event, kEventCount> all_events(std::index_sequence<I...>) {
  return {Event(std::in_place_index<I>)...};
}

// A representative state for each FSM state, as a started session would have it.
SessionState in(State state) {
  SessionState s;
  s.state = state;
  s.admin_up = state != State::kIdle;  // Idle: a configured but not yet started session
  if (state == State::kOpenConfirm || state == State::kEstablished) {
    s.hold_time_s = 90;
    s.keepalive_s = 30;
    s.peer_hold_time_s = 90;
    s.peer_bgp_identifier = 0x0a000001;
  }
  return s;
}

// Cell syntax: next state letter (I C A S F E = Idle Connect Active OpenSent OpenConfirm
// Established), then the NOTIFICATION sent as " code/subcode", if any.
struct Row {
  std::string_view event;
  std::array<std::string_view, 6> cells;  // Idle, Connect, Active, OpenSent, OpenConfirm, Est.
};

// clang-format off
const Row kTable[] = {
  // event                        Idle   Connect Active OpenSent  OpenConfirm Established
  {"ManualStart",                {"C",   "C",    "A",   "S",      "F",        "E"}},
  {"ManualStop",                 {"I",   "I",    "I",   "I 6/2",  "I 6/2",    "I 6/2"}},
  {"AutomaticStart",             {"C",   "C",    "A",   "S",      "F",        "E"}},
  {"ManualStart_with_PassiveTcpEstablishment",
                                 {"A",   "C",    "A",   "S",      "F",        "E"}},
  {"AutomaticStart_with_PassiveTcpEstablishment",
                                 {"A",   "C",    "A",   "S",      "F",        "E"}},
  {"AutomaticStop",              {"I",   "I",    "I",   "I 6/0",  "I 6/0",    "I 6/0"}},
  {"ConnectRetryTimer_Expires",  {"I",   "C",    "C",   "I 5/0",  "I 5/0",    "I 5/0"}},
  {"HoldTimer_Expires",          {"I",   "I",    "I",   "I 4/0",  "I 4/0",    "I 4/0"}},
  {"KeepaliveTimer_Expires",     {"I",   "I",    "I",   "I 5/0",  "F",        "E"}},
  {"IdleHoldTimer_Expires",      {"I",   "I",    "I",   "I 5/0",  "I 5/0",    "I 5/0"}},
  {"IdleHoldResetTimer_Expires", {"I",   "C",    "A",   "S",      "F",        "E"}},
  {"TcpConnection_Valid",        {"I",   "C",    "A",   "S",      "F",        "E"}},
  {"Tcp_CR_Invalid",             {"I",   "C",    "A",   "S",      "F",        "E"}},
  {"Tcp_CR_Acked",               {"I",   "S",    "S",   "S",      "F",        "E"}},
  {"TcpConnectionConfirmed",     {"I",   "S",    "S",   "S",      "F",        "E"}},
  {"TcpConnectionFails",         {"I",   "A",    "I",   "A",      "I",        "I"}},
  {"BGPOpen",                    {"I",   "I",    "I",   "F",      "I 5/2",    "I 5/3"}},
  {"BGPHeaderErr",               {"I",   "I",    "I",   "I 1/0",  "I 1/0",    "I 1/0"}},
  {"BGPOpenMsgErr",              {"I",   "I",    "I",   "I 2/0",  "I 2/0",    "I 5/3"}},
  {"OpenCollisionDump",          {"I",   "I",    "I",   "I 6/7",  "I 6/7",    "I 6/7"}},
  {"NotifMsgVerErr",             {"I",   "I",    "I",   "I",      "I",        "I"}},
  {"NotifMsg",                   {"I",   "I",    "I",   "I",      "I",        "I"}},
  {"KeepAliveMsg",               {"I",   "I",    "I",   "I 5/1",  "E",        "E"}},
  {"UpdateMsg",                  {"I",   "I",    "I",   "I 5/1",  "I 5/2",    "E"}},
  {"UpdateMsgErr",               {"I",   "I",    "I",   "I 5/1",  "I 5/2",    "I 3/0"}},
  {"UpdateSent",                 {"I",   "C",    "A",   "S",      "F",        "E"}},
};
// clang-format on

State parse_state(char c) {
  switch (c) {
    case 'I':
      return State::kIdle;
    case 'C':
      return State::kConnect;
    case 'A':
      return State::kActive;
    case 'S':
      return State::kOpenSent;
    case 'F':
      return State::kOpenConfirm;
    default:
      return State::kEstablished;
  }
}

std::string notification_of(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    if (const auto* n = std::get_if<SendNotification>(&a)) {
      if (!out.empty()) out += ",";
      out += std::to_string(n->code) + "/" + std::to_string(n->subcode);
    }
  }
  return out;
}

TEST(FsmTable, CoversEveryEventInVariantOrder) {
  const auto events = all_events(std::make_index_sequence<kEventCount>());
  ASSERT_EQ(std::size(kTable), kEventCount);
  for (std::size_t i = 0; i < kEventCount; ++i) {
    EXPECT_EQ(kTable[i].event, event_name(events[i])) << "row " << i;
  }
}

TEST(FsmTable, EveryStateTimesEveryEvent) {
  const Config config;
  const auto events = all_events(std::make_index_sequence<kEventCount>());
  int cells = 0;
  for (std::size_t e = 0; e < kEventCount; ++e) {
    for (std::size_t s = 0; s < kStates.size(); ++s) {
      const std::string_view cell = kTable[e].cells[s];
      const SessionState from = in(kStates[s]);
      const Transition t = step(from, events[e], config, constant_jitter(1.0));
      const std::string where = std::string(to_string(kStates[s])) + " + " +
                                std::string(event_name(events[e])) + " -> " + std::string(cell);
      EXPECT_EQ(t.state.state, parse_state(cell[0])) << where;
      const std::string expected_notification = cell.size() > 2 ? std::string(cell.substr(2)) : "";
      EXPECT_EQ(notification_of(t.actions), expected_notification) << where;
      ++cells;
    }
  }
  EXPECT_EQ(cells, 6 * 26);
}

// Invariants of RFC 4271 §8.2.2 / §6 that every cell must satisfy.
TEST(FsmTable, InvariantsHoldInEveryCell) {
  const Config config;
  const auto events = all_events(std::make_index_sequence<kEventCount>());
  for (const State state : kStates) {
    for (const Event& event : events) {
      const SessionState from = in(state);
      const Transition t = step(from, event, config, constant_jitter(1.0));
      const auto actions = names(t.actions);
      const std::string where =
          std::string(to_string(state)) + " + " + std::string(event_name(event));
      const auto pos = [&](std::string_view prefix) -> std::ptrdiff_t {
        for (std::size_t i = 0; i < actions.size(); ++i) {
          if (actions[i].starts_with(prefix)) return static_cast<std::ptrdiff_t>(i);
        }
        return -1;
      };
      const bool went_idle = state != State::kIdle && t.state.state == State::kIdle;
      if (went_idle) {
        // "releases all BGP resources ... drops the TCP connection".
        EXPECT_GE(pos("DropTcpConnection"), 0) << where;
        EXPECT_GE(pos("StopTimer(ConnectRetry)"), 0) << where;
        EXPECT_GE(pos("StopTimer(Hold)"), 0) << where;
        EXPECT_GE(pos("StopTimer(Keepalive)"), 0) << where;
        EXPECT_EQ(t.state.hold_time_s, 0) << where;
        // Automatic restart (§8.1.1) unless the operator stopped the session.
        const bool manual = std::holds_alternative<ManualStop>(event);
        EXPECT_EQ(pos("StartTimer(IdleHold,") >= 0, !manual) << where;
        EXPECT_EQ(t.state.admin_up, !manual) << where;
      }
      // A NOTIFICATION is followed by closing the connection (§6) ...
      if (pos("SendNotification") >= 0) {
        EXPECT_GT(pos("DropTcpConnection"), pos("SendNotification")) << where;
      }
      // ... and is only sent once our OPEN is out (SendNOTIFICATIONwithoutOPEN FALSE).
      if (state == State::kIdle || state == State::kConnect || state == State::kActive) {
        EXPECT_LT(pos("SendNotification"), 0) << where;
      }
      // Routes are withdrawn exactly when Established is left.
      const bool left_established =
          state == State::kEstablished && t.state.state != State::kEstablished;
      EXPECT_EQ(pos("SessionDown") >= 0, left_established) << where;
      EXPECT_EQ(pos("SessionEstablished") >= 0,
                state != State::kEstablished && t.state.state == State::kEstablished)
          << where;
      // ProcessUpdate only for an UPDATE accepted in Established.
      EXPECT_EQ(pos("ProcessUpdate") >= 0,
                state == State::kEstablished && std::holds_alternative<UpdateMsg>(event))
          << where;
      // Idle never connects or sends anything except when starting.
      if (state == State::kIdle && t.state.state == State::kIdle) {
        EXPECT_TRUE(t.actions.empty()) << where;
      }
    }
  }
}

// Same table property for the ConnectRetryCounter (RFC 4271 §8.2.2 "increments the
// ConnectRetryCounter by 1" vs. not).
TEST(FsmTable, ConnectRetryCounter) {
  const Config config;
  const auto jitter = constant_jitter(1.0);
  auto counter_after = [&](State state, const Event& event) {
    SessionState s = in(state);
    s.connect_retry_counter = 5;
    return step(s, event, config, jitter).state.connect_retry_counter;
  };
  // ManualStop sets it to zero in every state.
  for (State state : kStates) EXPECT_EQ(counter_after(state, ManualStop{}), 0u);
  // Connect + TcpConnectionFails: Active without increment; Active: Idle, incremented.
  EXPECT_EQ(counter_after(State::kConnect, TcpConnectionFails{}), 5u);
  EXPECT_EQ(counter_after(State::kActive, TcpConnectionFails{}), 6u);
  // OpenSent + TcpConnectionFails: back to Active, counter untouched.
  EXPECT_EQ(counter_after(State::kOpenSent, TcpConnectionFails{}), 5u);
  // NotifMsgVerErr: no increment before Established, increment in Established.
  EXPECT_EQ(counter_after(State::kOpenSent, NotifMsgVerErr{}), 5u);
  EXPECT_EQ(counter_after(State::kOpenConfirm, NotifMsgVerErr{}), 5u);
  EXPECT_EQ(counter_after(State::kEstablished, NotifMsgVerErr{}), 6u);
  // Errors increment it.
  for (State state : {State::kConnect, State::kActive, State::kOpenSent, State::kOpenConfirm,
                      State::kEstablished}) {
    EXPECT_EQ(counter_after(state, HoldTimerExpires{}), 6u) << to_string(state);
    EXPECT_EQ(counter_after(state, NotifMsg{}), 6u) << to_string(state);
  }
  // Start events from Idle reset it.
  EXPECT_EQ(counter_after(State::kIdle, ManualStart{}), 0u);
  EXPECT_EQ(counter_after(State::kIdle, AutomaticStart{}), 0u);
}

TEST(FsmTable, DisplayNamesAreFrrs) {
  std::ostringstream out;
  for (State s : kStates) out << to_string(s) << ' ';
  EXPECT_EQ(out.str(), "Idle Connect Active OpenSent OpenConfirm Established ");
}

}  // namespace
}  // namespace vipd::bgp::fsm
