// Helpers shared by the VRRP FSM tests: actions compared as display strings, configs for the
// seed homelab (keepalived.conf: VI_1, VRID 51, priority 10 or 100, advert_int 1).
#pragma once

#include <string>
#include <vector>

#include "vrrp/fsm/fsm.hpp"

namespace vipd::vrrp::fsm::testing {

using Strings = std::vector<std::string>;
using namespace std::chrono_literals;

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

inline Strings names(const std::vector<Action>& actions) {
  Strings out;
  for (const Action& a : actions) out.push_back(to_string(a));
  return out;
}

inline Config seed_config(std::uint8_t priority, const char* address = "192.168.5.5") {
  Config c;
  c.name = "VI_1";
  c.version = wire::Version::kV2;
  c.priority = priority;
  c.advert_interval = 1s;
  c.primary_address = ip(address);
  return c;
}

// Runs events from a fresh state; returns the state after them.
inline InstanceState run(const Config& config, const std::vector<Event>& events,
                         InstanceState state = {}) {
  for (const Event& e : events) state = step(state, e, config).state;
  return state;
}

inline Strings concat(Strings a, const Strings& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// What entering MASTER does with the keepalived defaults (garp_master_repeat 5, delay 5 s).
inline Strings enter_master(const std::string& name, int priority, const std::string& advert) {
  return {"StopTimer(MasterDown)",
          "StopTimer(PreemptDelay)",
          "SendAdvert(" + std::to_string(priority) + ")",
          "Log((" + name + ") Entering MASTER STATE)",
          "AddVips",
          "Announce(5)",
          "StartTimer(GarpDelay, 5000ms)",
          "Notify(MASTER, " + std::to_string(priority) + ")",
          "StartTimer(Adver, " + advert + ")"};
}

inline Strings master_stops() {
  return {"StopTimer(Adver)", "StopTimer(GarpDelay)", "StopTimer(GarpRefresh)",
          "StopTimer(LowerPrioGarp)", "StopTimer(FirstGarp)"};
}

}  // namespace vipd::vrrp::fsm::testing
