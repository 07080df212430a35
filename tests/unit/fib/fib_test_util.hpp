// Routes for the Fib tests, written as text; a Fib backend that records what it is asked to
// write.
#pragma once

#include <map>
#include <span>
#include <vector>

#include "fib/fib.hpp"
#include "netlink/route_message.hpp"

namespace vipd::fib::test {

inline Prefix pfx(const char* text) {
  return *Prefix::parse(text);
}

// The prefix's route of `source` over these gateways, best first.
inline Route route(const char* prefix, std::vector<const char*> gateways,
                   Source source = Source::kBgp, std::uint8_t dist = distance::kEbgp) {
  Route r{*Prefix::parse(prefix), source, dist, {}};
  for (const char* g : gateways) r.next_hops.push_back(NextHop{*IpAddress::parse(g)});
  return r;
}

// `source` withdraws its route for the prefix.
inline Route withdrawn(const char* prefix, Source source = Source::kBgp) {
  return Route{*Prefix::parse(prefix), source, 0, {}};
}

inline void apply(Fib& fib, std::vector<Route> routes) {
  fib.apply(routes);
}

// A null backend that keeps the requests and fails the prefixes it is told to.
class RecordingFib : public Fib {
 public:
  using Fib::Fib;
  std::string_view name() const override { return "recording"; }
  std::vector<netlink::RouteRequest> written;
  std::map<Prefix, int> refuse;

 protected:
  std::vector<netlink::RouteFailure> program(
      std::span<const netlink::RouteRequest> requests) override {
    std::vector<netlink::RouteFailure> failures;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      written.push_back(requests[i]);
      if (auto it = refuse.find(requests[i].route.prefix); it != refuse.end())
        failures.push_back({i, it->second, "refused"});
    }
    return failures;
  }
};

inline std::vector<IpAddress> gateways(const std::vector<NextHop>& hops) {
  std::vector<IpAddress> out;
  for (const auto& h : hops) out.push_back(h.gateway);
  return out;
}

inline std::vector<IpAddress> ips(std::vector<const char*> texts) {
  std::vector<IpAddress> out;
  for (const char* t : texts) out.push_back(*IpAddress::parse(t));
  return out;
}

}  // namespace vipd::fib::test
