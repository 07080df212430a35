#include "bgp/metrics.hpp"

#include <fmt/format.h>

#include "bgp/module.hpp"

namespace vipd::bgp {
namespace {

// vipd has one routing table: MetalLB's FRR mode names it as vtysh does.
constexpr const char* kDefaultVrf = "default";

// MetalLB's names and HELP texts (metallb/metallb internal/bgp/metrics and the FRR mode's
// collector, frr-tools/metrics/collector/bgp.go).
struct Counter {
  const char* name;
  const char* help;
  std::uint64_t peer::MessageCounters::*field;  // nullptr: total()
  bool sent;
};
constexpr Counter kMessageCounters[] = {
    {"metallb_bgp_opens_sent", "Number of BGP open messages sent", &peer::MessageCounters::opens,
     true},
    {"metallb_bgp_opens_received", "Number of BGP open messages received",
     &peer::MessageCounters::opens, false},
    {"metallb_bgp_notifications_sent", "Number of BGP notification messages sent",
     &peer::MessageCounters::notifications, true},
    {"metallb_bgp_updates_total", "Number of BGP UPDATE messages sent",
     &peer::MessageCounters::updates, true},
    {"metallb_bgp_updates_total_received", "Number of BGP UPDATE messages received",
     &peer::MessageCounters::updates, false},
    {"metallb_bgp_keepalives_sent", "Number of BGP keepalive messages sent",
     &peer::MessageCounters::keepalives, true},
    {"metallb_bgp_keepalives_received", "Number of BGP keepalive messages received",
     &peer::MessageCounters::keepalives, false},
    {"metallb_bgp_route_refresh_sent", "Number of BGP route refresh messages sent",
     &peer::MessageCounters::route_refreshes, true},
    {"metallb_bgp_total_sent", "Number of total BGP messages sent", nullptr, true},
    {"metallb_bgp_total_received", "Number of total BGP messages received", nullptr, false},
};

}  // namespace

std::string metallb_peer_label(const IpAddress& address, std::uint16_t port) {
  return fmt::format("{}:{}", address.to_string(), port);
}

void collect_metrics(const Speaker& speaker, metrics::Families& families) {
  using prometheus::MetricType;
  // Declared even without neighbors: the families exist as soon as BGP runs.
  families.declare("metallb_bgp_session_up", "BGP session state (1 is up, 0 is down)",
                   MetricType::Gauge);
  for (const auto& [address, neighbor] : speaker.neighbors()) {
    if (!neighbor.peer) continue;
    const peer::Peer& p = *neighbor.peer;
    metrics::Labels labels{{"peer", metallb_peer_label(address, p.settings().port)},
                           {"vrf", kDefaultVrf}};
    families.gauge("metallb_bgp_session_up", "BGP session state (1 is up, 0 is down)", labels,
                   p.established() ? 1 : 0);
    // FRR's sentPrefixCounter summed over the address families, as MetalLB's FRR mode does.
    const auto advertised =
        speaker.advertised(p, wire::kIpv4Unicast) + speaker.advertised(p, wire::kIpv6Unicast);
    families.gauge("metallb_bgp_announced_prefixes_total",
                   "Number of prefixes currently being advertised on the BGP session", labels,
                   static_cast<double>(advertised));
    const auto accepted =
        speaker.accepted(p, wire::kIpv4Unicast) + speaker.accepted(p, wire::kIpv6Unicast);
    families.gauge("metallb_bgp_received_prefixes_total",
                   "Number of prefixes currently being received on the BGP session", labels,
                   static_cast<double>(accepted));
    for (const Counter& c : kMessageCounters) {
      const peer::MessageCounters& counters = c.sent ? p.sent() : p.received();
      const std::uint64_t value = c.field ? counters.*(c.field) : counters.total();
      families.counter(c.name, c.help, labels, static_cast<double>(value));
    }
    const fsm::Session::Stats& stats = p.stats();
    families.counter("vipd_bgp_established_transitions_total",
                     "Times the BGP session reached Established (FRR's \"Established N\")", labels,
                     stats.established_transitions);
    families.counter("vipd_bgp_notifications_received_total",
                     "Number of BGP notification messages received", labels,
                     static_cast<double>(p.received().notifications));
    families.gauge("vipd_bgp_output_queue_bytes",
                   "Bytes queued to the neighbor and not yet taken by its connection", labels,
                   static_cast<double>(p.output_bytes()));
  }
  const rib::LocRib& rib = speaker.loc_rib();
  for (auto [family, name] :
       {std::pair{wire::kIpv4Unicast, "ipv4"}, std::pair{wire::kIpv6Unicast, "ipv6"}}) {
    families.gauge("vipd_bgp_loc_rib_prefixes", "Prefixes in the BGP Loc-RIB, per address family",
                   {{"afi", name}}, static_cast<double>(rib.prefix_count(family)));
    families.gauge("vipd_bgp_loc_rib_paths", "Paths in the BGP Loc-RIB, per address family",
                   {{"afi", name}}, static_cast<double>(rib.path_count(family)));
  }
}

void BgpModule::collect_metrics(metrics::Families& families) const {
  bgp::collect_metrics(speaker_, families);
}

}  // namespace vipd::bgp
