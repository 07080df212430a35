#include "bgp/config/diff.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace vipd::bgp::config {
namespace {

// The options of commands_neighbor_options.cpp, with FRR's peer_flag_action lists (bgpd.c):
// peer_change_reset_in is a soft inbound reconfiguration (vipd re-imports its Adj-RIB-In),
// peer_change_reset_out a re-advertisement (same_export() covers those), peer_change_reset a
// session reset.
template <typename Check>
void compare_options(const NeighborConfig& a, const NeighborConfig& b, Check& check) {
  bool soft = false, weight = false, allowas = false;
  for (auto af : kAddressFamilies) {
    soft |= a.in(af).soft_reconfiguration != b.in(af).soft_reconfiguration;
    weight |= a.in(af).weight != b.in(af).weight;
    allowas |= a.in(af).allowas_in != b.in(af).allowas_in ||
               a.in(af).allowas_in_origin != b.in(af).allowas_in_origin;
  }
  check(soft, "soft-reconfiguration", false);
  check(weight, "weight", false);
  check(allowas, "allowas-in", false);
  check(a.enforce_first_as != b.enforce_first_as, "enforce-first-as", false);
  check(a.disable_connected_check != b.disable_connected_check, "disable-connected-check", true);
  check(a.advertisement_interval != b.advertisement_interval, "advertisement-interval", false);
  check(a.graceful_restart != b.graceful_restart, "graceful-restart", false);
  check(a.interface != b.interface, "interface", true);  // the socket is bound to it
}

NeighborChange compare(const NeighborConfig& a, const NeighborConfig& b) {
  NeighborChange c;
  c.address = a.address;
  auto check = [&](bool differs, const char* keyword, bool resets) {
    if (!differs) return;
    c.changed.emplace_back(keyword);
    c.reset = c.reset || resets;
  };
  // Negotiated in OPEN or bound to the TCP connection (RFC 4271 §4.2, RFC 2385): reset.
  check(a.remote_as != b.remote_as, "remote-as", true);
  check(a.password != b.password, "password", true);
  check(a.update_source != b.update_source, "update-source", true);
  check(a.port != b.port, "port", true);
  check(a.ebgp_multihop != b.ebgp_multihop, "ebgp-multihop", true);
  bool activation = false, exports = false, imports = false;
  for (auto af : kAddressFamilies) {
    activation |= a.in(af).active != b.in(af).active;
    exports |= !a.in(af).same_export(b.in(af));
    imports |= a.in(af).prefix_list_in != b.in(af).prefix_list_in ||
               a.in(af).route_map_in != b.in(af).route_map_in ||
               a.in(af).maximum_prefix != b.in(af).maximum_prefix;
  }
  compare_options(a, b, check);
  check(activation, "activate", true);
  // Policy and roles apply without a reset (FRR's automatic soft reconfiguration).
  check(exports, "outbound policy", false);
  check(imports, "inbound policy", false);
  // Local behaviour only.
  check(a.description != b.description, "description", false);
  check(a.passive != b.passive, "passive", false);
  check(a.timers != b.timers, "timers", false);
  check(a.connect_retry != b.connect_retry, "timers connect", false);
  check(a.bfd != b.bfd || a.bfd_profile != b.bfd_profile, "bfd", false);
  // FRR's peer_group_bind() resets the session; a member's overrides alone change nothing
  // (its effective options above are what counts).
  check(a.peer_group != b.peer_group, "peer-group", true);
  c.timers_changed = a.timers != b.timers || a.connect_retry != b.connect_retry;
  if (a.shutdown != b.shutdown) {
    c.changed.emplace_back("shutdown");
    c.shutdown_changed = true;
  } else if (a.shutdown_message != b.shutdown_message) {
    c.changed.emplace_back("shutdown");  // the new message is used at the next shutdown
  }
  return c;
}

// Hash sets and maps: each element is looked up once, so a diff costs O(n) (issue 15; a scan of
// the other side per element made a reload of N neighbors or networks O(N²)).
void diff_networks(const RouterBgp* a, const RouterBgp* b, ConfigDiff& d) {
  static const AfConfig kEmpty;
  for (auto af : kAddressFamilies) {
    const auto& before = a ? a->in(af).networks : kEmpty.networks;
    const auto& after = b ? b->in(af).networks : kEmpty.networks;
    const std::unordered_set<Prefix> old_set(before.begin(), before.end());
    const std::unordered_set<Prefix> new_set(after.begin(), after.end());
    for (const auto& p : after) {
      ++lookup_steps();
      if (!old_set.contains(p)) d.networks_added.push_back({af, p});
    }
    for (const auto& p : before) {
      ++lookup_steps();
      if (!new_set.contains(p)) d.networks_removed.push_back({af, p});
    }
  }
}

void diff_neighbors(const RouterBgp* a, const RouterBgp* b, ConfigDiff& d) {
  static const std::vector<NeighborConfig> kNone;
  const auto& before = a ? a->neighbors : kNone;
  const auto& after = b ? b->neighbors : kNone;
  std::unordered_map<IpAddress, const NeighborConfig*> old_by_address;
  for (const auto& n : before) old_by_address.emplace(n.address, &n);  // first wins, as find()
  std::unordered_set<IpAddress> new_addresses;
  for (const auto& n : after) {
    ++lookup_steps();
    new_addresses.insert(n.address);
    auto old = old_by_address.find(n.address);
    if (old == old_by_address.end()) {
      d.neighbors_added.push_back(n.address);
    } else if (*old->second != n) {
      auto change = compare(*old->second, n);
      if (!change.changed.empty()) d.neighbors_changed.push_back(std::move(change));
    }
  }
  for (const auto& n : before) {
    ++lookup_steps();
    if (!new_addresses.contains(n.address)) d.neighbors_removed.push_back(n.address);
  }
}

}  // namespace

bool ConfigDiff::empty() const {
  return !instance_added && !instance_removed && !asn_changed && !router_id_changed &&
         !timers_changed && !multipath_changed && !log_changed && !no_rib_changed && !bfd_changed &&
         neighbors_added.empty() && neighbors_removed.empty() && neighbors_changed.empty() &&
         networks_added.empty() && networks_removed.empty() && !origination_changed;
}

ConfigDiff diff(const BgpConfig& before, const BgpConfig& after) {
  ConfigDiff d;
  d.log_changed = before.hostname != after.hostname || before.log != after.log;
  d.no_rib_changed = before.no_rib != after.no_rib;
  d.bfd_changed = before.bfd != after.bfd;
  const RouterBgp* a = before.bgp ? &*before.bgp : nullptr;
  const RouterBgp* b = after.bgp ? &*after.bgp : nullptr;
  d.instance_added = !a && b;
  d.instance_removed = a && !b;
  if (a && b) {
    d.asn_changed = a->asn != b->asn;
    d.router_id_changed = a->router_id != b->router_id;
    // The profile's defaults are the timers of neighbors without their own.
    d.timers_changed = a->timers != b->timers || a->defaults != b->defaults;
    d.multipath_changed = a->always_compare_med != b->always_compare_med ||
                          a->deterministic_med != b->deterministic_med ||
                          a->multipath_relax != b->multipath_relax;
    for (auto af : kAddressFamilies)
      if (a->in(af).maximum_paths != b->in(af).maximum_paths ||
          a->in(af).maximum_paths_ibgp != b->in(af).maximum_paths_ibgp)
        d.multipath_changed = true;
    d.origination_changed = a->network_import_check != b->network_import_check;
    for (auto af : kAddressFamilies) {
      const AfConfig& x = a->in(af);
      const AfConfig& y = b->in(af);
      if (x.redistribute != y.redistribute || x.table_map != y.table_map ||
          x.network_route_maps != y.network_route_maps)
        d.origination_changed = true;
    }
  }
  diff_neighbors(a, b, d);
  diff_networks(a, b, d);
  return d;
}

}  // namespace vipd::bgp::config
