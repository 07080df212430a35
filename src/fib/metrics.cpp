#include "fib/metrics.hpp"

#include <map>
#include <string>
#include <utility>

namespace vipd::fib {

void collect_metrics(const Fib& fib, metrics::Families& families) {
  // Every source and family appears, with 0 when it has no route: a panel or an alert on
  // "BGP routes in the kernel" must not lose its series when the last route goes.
  std::map<std::pair<Source, Family>, std::size_t> in_kernel;
  for (Source s : {Source::kConnected, Source::kStatic, Source::kLoadBalancer, Source::kBgp})
    for (Family f : {Family::kIpv4, Family::kIpv6}) in_kernel[{s, f}] = 0;
  std::size_t held_back = 0;
  for (const auto& [prefix, entry] : fib.routes()) {
    const SourceRoute* selected = fib.selected(entry);
    if (selected && fib.in_kernel(entry))
      ++in_kernel[{selected->source, prefix.address().family()}];
    else
      ++held_back;
  }
  for (const auto& [key, count] : in_kernel)
    families.gauge("vipd_kernel_routes",
                   "Routes vipd has in the kernel's main table, by the source whose route was "
                   "selected and address family",
                   {{"source", std::string(name(key.first))},
                    {"afi", key.second == Family::kIpv4 ? "ipv4" : "ipv6"}},
                   static_cast<double>(count));
  families.gauge("vipd_kernel_routes_not_installed",
                 "Prefixes vipd holds but not in the kernel (no next hop resolves, or the "
                 "kernel refused the route)",
                 {}, static_cast<double>(held_back));
  families.counter("vipd_kernel_route_writes_total", "Kernel routes written (added or replaced)",
                   {}, static_cast<double>(fib.installs()));
  families.counter("vipd_kernel_route_deletes_total", "Kernel routes deleted", {},
                   static_cast<double>(fib.deletes()));
  families.counter("vipd_kernel_route_failures_total", "Kernel route writes the kernel refused", {},
                   static_cast<double>(fib.failures()));
}

}  // namespace vipd::fib
