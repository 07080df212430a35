#include "bfd/metrics.hpp"

#include <map>

#include "bfd/module.hpp"

namespace vipd::bfd {
namespace {

struct PeerTotals {
  bool all_up = true;
  Counters counters;
  std::uint64_t notifications = 0;
};

}  // namespace

void collect_metrics(const SessionTable& table,
                     const std::function<std::uint64_t(const PeerKey&)>& notifications,
                     metrics::Families& families) {
  using prometheus::MetricType;
  families.declare("metallb_bfd_session_up", "BFD session state (1 is up, 0 is down)",
                   MetricType::Gauge);
  // MetalLB's label is the peer's address alone: sessions to one address (single hop and
  // multihop, or from two local addresses) are one series there, up only while all are.
  std::map<IpAddress, PeerTotals> by_peer;
  for (const auto& [key, session] : table.sessions()) {
    const bool up = session->state().state == wire::State::kUp;
    const Counters& c = session->counters();
    const std::uint64_t notified = notifications ? notifications(key) : 0;
    PeerTotals& t = by_peer[key.peer];
    t.all_up = t.all_up && up;
    t.counters.control_packets_in += c.control_packets_in;
    t.counters.control_packets_out += c.control_packets_out;
    t.counters.echo_packets_in += c.echo_packets_in;
    t.counters.echo_packets_out += c.echo_packets_out;
    t.counters.session_up += c.session_up;
    t.counters.session_down += c.session_down;
    t.notifications += notified;

    metrics::Labels labels{{"peer", key.peer.to_string()},
                           {"local", key.local ? key.local->to_string() : ""},
                           {"interface", key.interface},
                           {"multihop", key.multihop ? "true" : "false"}};
    families.gauge("vipd_bfd_session_state",
                   "BFD session state (RFC 5880 §4.1: 0 AdminDown, 1 Down, 2 Init, 3 Up)", labels,
                   static_cast<double>(session->state().state));
    std::uint64_t discards = 0;
    for (auto d : c.discards) discards += d;
    families.counter("vipd_bfd_packets_discarded_total",
                     "Received BFD packets that changed nothing (bad, wrong TTL, failed "
                     "authentication, ...)",
                     labels, static_cast<double>(discards));
    families.counter("vipd_bfd_send_errors_total", "BFD packets the kernel refused to send", labels,
                     static_cast<double>(c.send_errors));
  }
  for (const auto& [peer, t] : by_peer) {
    metrics::Labels labels{{"peer", peer.to_string()}, {"vrf", "default"}};
    const Counters& c = t.counters;
    families.gauge("metallb_bfd_session_up", "BFD session state (1 is up, 0 is down)", labels,
                   t.all_up ? 1 : 0);
    families.counter("metallb_bfd_control_packet_input", "Number of received BFD control packets",
                     labels, static_cast<double>(c.control_packets_in));
    families.counter("metallb_bfd_control_packet_output", "Number of sent BFD control packets",
                     labels, static_cast<double>(c.control_packets_out));
    families.counter("metallb_bfd_echo_packet_input", "Number of received BFD echo packets", labels,
                     static_cast<double>(c.echo_packets_in));
    families.counter("metallb_bfd_echo_packet_output", "Number of sent BFD echo packets", labels,
                     static_cast<double>(c.echo_packets_out));
    families.counter("metallb_bfd_session_up_events", "Number of BFD session up events", labels,
                     static_cast<double>(c.session_up));
    families.counter("metallb_bfd_session_down_events", "Number of BFD session down events", labels,
                     static_cast<double>(c.session_down));
    families.counter("metallb_bfd_zebra_notifications", "Number of BFD zebra notifications", labels,
                     static_cast<double>(t.notifications));
  }
}

void BfdModule::collect_metrics(metrics::Families& families) const {
  if (!table_) {
    families.declare("metallb_bfd_session_up", "BFD session state (1 is up, 0 is down)",
                     prometheus::MetricType::Gauge);
    return;
  }
  bfd::collect_metrics(
      *table_, [this](const PeerKey& key) { return client_notifications(key); }, families);
}

}  // namespace vipd::bfd
