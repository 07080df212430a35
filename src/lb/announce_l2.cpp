#include "lb/announce_l2.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "lb/allocator/allocator.hpp"
#include "lb/announce.hpp"

namespace vipd::lb {
namespace {

// The L2Advertisements that announce `service` from `pool` (MetalLB: the pool selected by name
// or labels, and serviceSelectors matching the Service's labels).
std::vector<const crd::L2Advertisement*> advertisements_of(const crd::LbConfig& config,
                                                           const crd::IpAddressPool& pool,
                                                           const cluster::Service& service) {
  std::vector<const crd::L2Advertisement*> out;
  for (const auto& adv : config.l2_advertisements)
    if (selects_pool(adv, pool) && any_selector_matches(adv.service_selectors, service.labels))
      out.push_back(&adv);
  return out;
}

// The nodes that may own an address of `service` announced by `advertisements`, sorted.
std::vector<std::string> candidates_of(const cluster::ClusterState& state,
                                       const cluster::SliceIndex& slices,
                                       const cluster::Service& service,
                                       const std::vector<const crd::L2Advertisement*>& ads) {
  std::vector<std::string> out;
  for (const auto& [name, node] : state.nodes) {
    const Labels& labels = node.labels;
    if (!node_excluded_reason(state, name, labels).empty()) continue;
    if (service.external_traffic_policy_local && !slices.has_serving_endpoint(service.key, name))
      continue;
    bool selected = false;
    for (const auto* adv : ads)
      selected = selected || any_selector_matches(adv->node_selectors, labels);
    if (selected) out.push_back(name);
  }
  return out;  // state.nodes is ordered by name
}

// Where this node runs the virtual router of `ip`: the advertisements' interfaces when they
// name some (MetalLB's `interfaces`), narrowed to the one whose subnet holds the address when
// there is one; otherwise the first interface whose subnet holds it. Empty: none.
std::string interface_for(const IpAddress& ip, const std::vector<NodeInterface>& interfaces,
                          const std::vector<const crd::L2Advertisement*>& ads) {
  // An advertisement without `interfaces` allows every interface.
  std::set<std::string> named;
  bool restricted = true;
  for (const auto* adv : ads) {
    restricted = restricted && !adv->interfaces.empty();
    named.insert(adv->interfaces.begin(), adv->interfaces.end());
  }
  std::string first_named;
  for (const auto& itf : interfaces) {
    if (restricted && !named.contains(itf.name)) continue;
    for (const auto& subnet : itf.subnets)
      if (subnet.contains(ip)) return itf.name;
    if (first_named.empty()) first_named = itf.name;
  }
  return restricted ? first_named : std::string{};
}

}  // namespace

Result<l2::VridRange, std::string> parse_vrid_range(std::string_view text) {
  auto number = [](std::string_view part) -> std::optional<unsigned> {
    if (part.empty() || part.size() > 3) return std::nullopt;
    unsigned n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n;
  };
  const auto dash = text.find('-');
  auto first = number(text.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : number(text.substr(dash + 1));
  if (!first || !last || *first < 1 || *last > 255 || *first > *last)
    return unexpected(fmt::format("bad VRID range \"{}\": FIRST-LAST, 1 to 255", text));
  return l2::VridRange{static_cast<std::uint8_t>(*first), static_cast<std::uint8_t>(*last)};
}

std::string l2_instance_name(const std::string& interface, std::uint8_t vrid, Family family) {
  return fmt::format("lb-{}-{}{}", interface, vrid, family == Family::kIpv6 ? "-v6" : "");
}

L2Plan plan_l2(const crd::LbConfig& config, const cluster::ClusterState& state,
               const std::string& node, const std::vector<NodeInterface>& interfaces,
               const L2Options& options, const l2::Placement& previous) {
  L2Plan plan;
  if (config.l2_advertisements.empty()) return plan;
  const cluster::SliceIndex slices(state);

  // Each Service is placed by its first address (its other addresses, and the Services that
  // share it, follow it into the same virtual router).
  std::map<std::string, std::set<std::string>> members_by_key;
  struct Pending {
    L2Announcement announcement;
    std::string key;
    std::vector<const crd::L2Advertisement*> ads;
  };
  std::vector<Pending> pending;
  for (const auto& [key, service] : state.services) {
    if (!allocator::serves(service, options.load_balancer_class) || service.ingress.empty())
      continue;
    const std::string placement_key = service.ingress.front().to_string();
    for (const auto& ip : service.ingress) {
      const crd::IpAddressPool* pool = allocator::pool_containing(config.pools, ip);
      Pending p;
      p.announcement.service = key;
      p.announcement.ip = ip;
      p.key = placement_key;
      if (!pool) {
        continue;  // the BGP plan reports it as noPool; L2 mode has nothing to say about it
      }
      p.announcement.pool = pool->meta.name;
      p.ads = advertisements_of(config, *pool, service);
      if (p.ads.empty()) continue;  // a BGP-only pool: not L2's
      if (!service.external_traffic_policy_local && !slices.has_serving_endpoint(key, {})) {
        p.announcement.withdrawn_reason = "noEndpoints";
      } else {
        p.announcement.candidates = candidates_of(state, slices, service, p.ads);
        if (p.announcement.candidates.empty()) p.announcement.withdrawn_reason = "noCandidates";
        for (const auto& c : p.announcement.candidates) members_by_key[placement_key].insert(c);
      }
      pending.push_back(std::move(p));
    }
  }

  std::vector<l2::PlacementInput> inputs;
  for (const auto& [key, members] : members_by_key)
    inputs.push_back({key, std::vector<std::string>(members.begin(), members.end())});
  plan.placement = l2::place(inputs, previous);
  plan.routers = l2::plan_routers(inputs, plan.placement, options.vrids);
  std::map<std::string, const l2::VirtualRouterPlan*> router_of;  // by placement key
  for (const auto& router : plan.routers.routers)
    for (const auto& key : router.services) router_of[key] = &router;

  // This node's instances, by (interface, VRID, family), in that order.
  std::map<std::tuple<std::string, std::uint8_t, Family>, vrrp::config::VrrpInstance> instances;
  std::set<std::string> reported;
  for (auto& p : pending) {
    L2Announcement& a = p.announcement;
    if (a.announced()) {
      auto it = router_of.find(p.key);
      if (it == router_of.end()) {
        a.withdrawn_reason = "noVrid";
      } else {
        const l2::VirtualRouterPlan& router = *it->second;
        a.vrid = router.vrid;
        auto mine = std::find_if(router.priorities.begin(), router.priorities.end(),
                                 [&](const auto& entry) { return entry.first == node; });
        if (mine != router.priorities.end()) {
          a.interface = interface_for(a.ip, interfaces, p.ads);
          if (a.interface.empty()) {
            if (reported.insert(a.ip.to_string()).second)
              plan.errors.push_back(
                  fmt::format("{} ({}): no interface of this node on its subnet; name one in the "
                              "L2Advertisement's interfaces",
                              a.ip.to_string(), a.service.to_string()));
          } else {
            const Family family = a.ip.is_v4() ? Family::kIpv4 : Family::kIpv6;
            auto& instance = instances[{a.interface, router.vrid, family}];
            if (instance.name.empty()) {
              instance.name = l2_instance_name(a.interface, router.vrid, family);
              instance.interface = a.interface;
              instance.virtual_router_id = router.vrid;
              instance.priority = mine->second;
              instance.version = 3;
              instance.family = family;
              instance.advert_int = options.advert_interval;
              instance.garp_master_refresh = options.garp_refresh;
              // Nodes converge on a new Service one by one: an advert listing other
              // addresses than ours is not an error (keepalived's skip_check_adv_addr).
              instance.skip_check_adv_addr = true;
              // After a partition heals, the owner hears the yielding master and re-announces.
              instance.advert_on_yield = true;
            }
            vrrp::config::VirtualAddress vip;
            vip.address = a.ip;
            vip.prefix_length = a.ip.is_v4() ? 32 : 128;
            auto& vips = instance.virtual_ipaddress;
            if (std::find_if(vips.begin(), vips.end(),
                             [&](const auto& v) { return v.address == a.ip; }) == vips.end())
              vips.push_back(vip);
          }
        }
      }
    }
    plan.services.push_back(std::move(a));
  }
  for (auto& [where, instance] : instances) {
    std::sort(instance.virtual_ipaddress.begin(), instance.virtual_ipaddress.end(),
              [](const auto& x, const auto& y) { return x.address < y.address; });
    plan.vrrp.instances.push_back(std::move(instance));
  }
  return plan;
}

}  // namespace vipd::lb
