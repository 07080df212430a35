// What a fake peer is sent by the Speaker, kept as a RIB-In would keep it, and the fixture that
// reads it (propagation_test.cpp, clear_test.cpp).
#pragma once

#include <functional>
#include <map>

#include "harness.hpp"

namespace vipd::bgp::testing {

// What a fake peer has been sent: prefix -> attributes, applied in order like a real RIB-In.
struct Received {
  std::map<Prefix, wire::PathAttributes> routes;
  std::size_t updates = 0;
  std::size_t end_of_ribs = 0;
  std::size_t refreshes = 0;  // ROUTE-REFRESH messages (RFC 2918) received
  void apply(const wire::Update& u) {
    ++updates;
    if (u.end_of_rib()) {
      ++end_of_ribs;
      return;
    }
    for (const auto& p : u.withdrawn) routes.erase(p);
    if (u.attributes.mp_unreach)
      for (const auto& p : u.attributes.mp_unreach->withdrawn) routes.erase(p);
    auto attrs = u.attributes;
    attrs.mp_unreach.reset();
    for (const auto& p : u.nlri) routes[p] = attrs;
    if (u.attributes.mp_reach) {
      attrs.mp_reach->nlri.clear();
      for (const auto& p : u.attributes.mp_reach->nlri) routes[p] = attrs;
    }
  }
};

class ReceivingTest : public SpeakerTest {
 protected:
  // Reads what `c` is sent (answering keepalives) until `done` holds or the time is up.
  bool receive_until(FakeConnection& c, Received& r, const std::function<bool()>& done,
                     Millis timeout = 3s) {
    auto deadline = clock_.now() + timeout;
    while (!done()) {
      auto left = std::chrono::duration_cast<Millis>(deadline - clock_.now());
      if (left <= 0ms) return false;
      auto m = c.read(std::min(left, Millis(100)));
      if (!m) continue;
      if (auto* u = std::get_if<wire::Update>(&*m)) r.apply(*u);
      if (std::holds_alternative<wire::RouteRefresh>(*m)) ++r.refreshes;
      if (std::holds_alternative<wire::Keepalive>(*m)) c.send(wire::Message{wire::Keepalive{}});
    }
    return true;
  }
};

}  // namespace vipd::bgp::testing
