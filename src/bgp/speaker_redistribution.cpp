// Speaker: what it originates from the kernel's tables and how its best paths go back there, as
// FRR's bgpd does with zebra: `redistribute TYPE [metric N] [route-map NAME]`
// (bgp_redistribute_add()), `network P route-map NAME` and `bgp network import-check`
// (bgp_static_update()), `table-map NAME` (bgp_zebra_announce()). The kernel's side is the
// daemon's interface view (redistribution.hpp); the maps run through the policy evaluator with
// Direction::kLocal, and re-run whenever the configuration (maps included) is applied.
#include <algorithm>

#include "bgp/fib_routes.hpp"
#include "bgp/propagation.hpp"
#include "bgp/redistribution.hpp"
#include "bgp/rib/decision.hpp"
#include "common/log.hpp"

namespace vipd::bgp {
namespace {

wire::AfiSafi family_of(config::AddressFamily af) {
  return af == config::AddressFamily::kIpv4Unicast ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}

// FRR's route_map_apply() on a path of peer_self: nullopt when the map denies (a map that does
// not exist denies, as route_map_apply() with no map does).
std::optional<wire::PathAttributes> apply_local_map(const std::string& map,
                                                    const config::BgpConfig& policy,
                                                    const Prefix& prefix,
                                                    wire::PathAttributes attributes) {
  policy::Route route{prefix, std::move(attributes), 32768, 0};
  policy::Context ctx;
  ctx.direction = policy::Direction::kLocal;
  if (!policy::apply(map, policy.policy_environment(), ctx, route).permit) return std::nullopt;
  return std::move(route.attributes);
}

// The daemons whose routes `redistribute TYPE` takes, for the log.
const char* daemon_of(std::string_view type) {
  if (type == "static") return "staticd (protocol 196)";
  if (type == "ospf" || type == "ospf6") return "an OSPF daemon (protocol 188)";
  if (type == "rip") return "a RIP daemon (protocol 189)";
  if (type == "ripng") return "a RIPng daemon (protocol 190)";
  if (type == "isis") return "an IS-IS daemon (protocol 187)";
  if (type == "eigrp") return "an EIGRP daemon (protocol 192)";
  if (type == "nhrp") return "an NHRP daemon (protocol 191)";
  if (type == "babel") return "babeld (protocol 42)";
  if (type == "sharp") return "sharpd (protocol 194)";
  if (type == "openfabric") return "fabricd (protocol 197)";
  return nullptr;  // table, vnc, vnc-direct: no kernel routes of a daemon
}

}  // namespace

std::optional<std::unordered_set<Prefix>> Speaker::import_check_view() const {
  if (!running_.bgp || !interfaces_ || !interfaces_->ready()) return std::nullopt;
  // FRR 8.4's default (BGP_IMPORT_CHECK, traditional and datacenter alike) is on.
  if (!running_.bgp->network_import_check.value_or(true)) return std::nullopt;
  bool networks = false;
  for (auto af : config::kAddressFamilies) networks |= !running_.bgp->in(af).networks.empty();
  if (!networks) return std::nullopt;
  return import_check_prefixes(*interfaces_);
}

std::optional<wire::PathAttributes> Speaker::network_path(
    config::AddressFamily af, const Prefix& prefix, const std::unordered_set<Prefix>* present) {
  // zebra's import check: the longest match of the prefix must be a route for exactly that
  // prefix, and no BGP route (vipd's own are not in the view).
  if (present && !present->contains(prefix)) return std::nullopt;
  wire::PathAttributes path = local_route_attributes(prefix);
  const auto& maps = running_.bgp->in(af).network_route_maps;
  auto map = maps.find(prefix);
  if (map == maps.end()) return path;
  return apply_local_map(map->second, *policy_, prefix, std::move(path));
}

void Speaker::sync_redistribution() {
  std::map<std::pair<config::AddressFamily, Prefix>, rib::AttrRef> wanted;
  if (running_.bgp && interfaces_) {
    std::vector<RedistributedRoute> routes;
    bool any = false;
    for (auto af : config::kAddressFamilies) any |= !running_.bgp->in(af).redistribute.empty();
    if (any) routes = selected_routes(*interfaces_);
    for (const auto& route : routes) {
      const auto af = config::family_of(route.prefix);
      const auto& list = running_.bgp->in(af).redistribute;
      auto r = std::find_if(list.begin(), list.end(),
                            [&](const config::Redistribution& x) { return x.type == route.type; });
      if (r == list.end()) continue;
      std::optional<wire::PathAttributes> path = redistributed_attributes(route, r->metric);
      if (!r->route_map.empty())
        path = apply_local_map(r->route_map, *policy_, route.prefix, std::move(*path));
      if (path) wanted.emplace(std::pair{af, route.prefix}, attributes_.intern(*path));
    }
  }
  if (running_.bgp) {
    for (auto af : config::kAddressFamilies)
      for (const auto& r : running_.bgp->in(af).redistribute) {
        const char* daemon = daemon_of(r.type);
        if (config::find_route_type(r.type)->native || !redistribute_noticed_.insert(r.type).second)
          continue;
        if (daemon)
          log::notice("bgp: vipd runs no {}: `redistribute {}` takes the kernel routes of {}",
                      r.type, r.type, daemon);
        else
          log::notice("bgp: `redistribute {}` is accepted; vipd has no such routes", r.type);
      }
  }
  // Withdrawn first, then the new and changed ones (the Loc-RIB ignores an unchanged path).
  for (const auto& [key, attrs] : redistributed_)
    if (!wanted.contains(key))
      loc_rib_.withdraw(family_of(key.first), key.second, kRedistributedPeer);
  for (const auto& [key, attrs] : wanted) {
    auto before = redistributed_.find(key);
    if (before == redistributed_.end() || before->second != attrs)
      loc_rib_.update(family_of(key.first), key.second, kRedistributedPeer, attrs);
  }
  redistributed_ = std::move(wanted);

  // `table-map` or the maps it names changed: every best path goes to the FIB again.
  std::array<std::string, 2> table_maps;
  if (running_.bgp)
    for (auto af : config::kAddressFamilies)
      table_maps[config::index(af)] = running_.bgp->in(af).table_map;
  const bool maps_used = !table_maps[0].empty() || !table_maps[1].empty();
  if (table_maps != installed_table_maps_ || (maps_used && installed_policy_ != policy_)) {
    installed_table_maps_ = table_maps;
    installed_policy_ = policy_;
    publish();  // what is pending goes out under the maps it was decided with
    install_all();
  }
}

void Speaker::watch_local_routes() {
  local_route_changes_.reset();
  if (!interfaces_) return;
  local_route_changes_ = interfaces_->subscribe([this](const netlink::Event&) {
    if (!running_.bgp || local_routes_posted_) return;
    bool uses = false;
    for (auto af : config::kAddressFamilies) {
      const auto& c = running_.bgp->in(af);
      uses |= !c.redistribute.empty() ||
              (!c.networks.empty() && running_.bgp->network_import_check.value_or(true));
    }
    if (!uses) return;
    // Once per burst: a link going down removes its addresses and routes in one go.
    local_routes_posted_ = true;
    clock_.post([this, alive = alive_] {
      if (!*alive) return;
      local_routes_posted_ = false;
      local_routes_changed();
    });
  });
}

void Speaker::local_routes_changed() {
  sync_networks();
  sync_redistribution();
  publish();
}

FibFilter Speaker::fib_filter() const {
  FibFilter filter;
  filter.local = [this](rib::PeerId id) { return is_local(id); };
  if (!running_.bgp) return filter;
  const std::array<std::string, 2> maps{
      running_.bgp->in(config::AddressFamily::kIpv4Unicast).table_map,
      running_.bgp->in(config::AddressFamily::kIpv6Unicast).table_map};
  if (maps[0].empty() && maps[1].empty()) return filter;
  // bgp_table_map_apply() on a copy of each path: a deny leaves the path's next hop out of the
  // kernel route (none left: no route); `set ip|ipv6 next-hop A` installs A instead. The metric
  // and tag it may set are zebra's RIB's only (zebra installs every route with metric 20), so
  // nothing of them reaches the kernel here either.
  filter.path = [this, maps, policy = policy_](wire::AfiSafi family, const Prefix& prefix,
                                               const rib::SelectedPath& path, IpAddress& next_hop) {
    const std::string& map = maps[family == wire::kIpv4Unicast ? 0 : 1];
    if (map.empty()) return true;
    policy::Route route{prefix, *path.attrs, is_local(path.peer) ? 32768u : 0u, 0};
    policy::Context ctx;
    ctx.direction = policy::Direction::kLocal;
    if (const peer::Peer* from = peer_of(path.peer)) ctx.neighbor = from->settings().address;
    if (!policy::apply(map, policy->policy_environment(), ctx, route).permit) return false;
    if (auto changed = rib::next_hop_of(route.attributes, family)) next_hop = *changed;
    return true;
  };
  return filter;
}

void Speaker::install_all() {
  std::vector<rib::Change> all;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    loc_rib_.for_each(family, [&](const Prefix& prefix, const rib::PathList&) {
      auto paths = loc_rib_.selected(family, prefix);
      if (!paths.empty()) all.push_back({family, prefix, false, std::move(paths), std::nullopt});
    });
  }
  install(all);
}

}  // namespace vipd::bgp
