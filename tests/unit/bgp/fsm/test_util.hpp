// Helpers shared by the BGP FSM tests: actions compared as their display strings, so a failing
// expectation prints a readable diff.
#pragma once

#include <string>
#include <vector>

#include "bgp/fsm/fsm.hpp"

namespace vipd::bgp::fsm::testing {

using Strings = std::vector<std::string>;

inline Strings names(const std::vector<Action>& actions) {
  Strings out;
  for (const Action& a : actions) out.push_back(to_string(a));
  return out;
}

// A deterministic RFC 4271 §10 jitter factor.
inline Jitter constant_jitter(double factor) {
  return [factor] { return factor; };
}

// The standard "release all BGP resources" stop list of every transition to Idle.
inline Strings idle_stops() {
  return {"StopTimer(ConnectRetry)", "StopTimer(Hold)", "StopTimer(Keepalive)",
          "StopTimer(IdleHoldReset)", "DropTcpConnection"};
}

inline Strings concat(Strings a, const Strings& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace vipd::bgp::fsm::testing
