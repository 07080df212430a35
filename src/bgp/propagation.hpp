// Speaker internals shared by speaker.cpp and propagation.cpp (not a public header): the
// per-neighbor routing state and the comparable keys that say when policies must be re-applied.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <set>

#include "bgp/config/model.hpp"
#include "bgp/default_originate.hpp"
#include "bgp/rib/adj_rib_out.hpp"
#include "bgp/speaker.hpp"

namespace vipd::bgp {

struct Speaker::ExportKey {
  wire::AfiSafi family;
  rib::ExportTarget target;
  rib::ExportContext context;
  bool deny_all = false;  // RFC 8212, or a missing prefix list
  // `neighbor A prefix-list NAME out`; compared by pointer (Speaker::matchers_)
  std::shared_ptr<const config::PrefixMatcher> prefix_list;
  std::string route_map;                            // `neighbor A route-map NAME out`
  std::shared_ptr<const config::BgpConfig> policy;  // with route_map: Speaker::policy_
  bool operator==(const ExportKey&) const = default;
};

struct Speaker::ExportGroupEntry {
  ExportKey key;
  std::weak_ptr<rib::ExportGroup> group;
};

struct Speaker::ImportKey {
  bool deny_all = false;
  std::shared_ptr<const config::PrefixMatcher> prefix_list;  // `neighbor A prefix-list NAME in`
  std::string route_map;                                     // `neighbor A route-map NAME in`
  std::shared_ptr<const config::BgpConfig> policy;           // with route_map: Speaker::policy_
  std::optional<config::MaximumPrefix> maximum_prefix;
  std::optional<std::uint16_t> weight;  // `neighbor A weight N`
  // `neighbor A allowas-in`: the Loc-RIB applies it (rib::PeerInfo); a change re-imports.
  std::optional<std::uint8_t> allowas_in;
  bool allowas_in_origin = false;
  // `neighbor A soft-reconfiguration inbound`: the peer keeps its Adj-RIB-In, and a policy change
  // is re-applied from it instead of asking the neighbor for a ROUTE-REFRESH.
  bool soft_reconfiguration = false;
  bool operator==(const ImportKey&) const = default;
  // Whether the filters (not the prefix limit) differ: what needs the routes re-imported.
  bool same_filters(const ImportKey& o) const {
    return deny_all == o.deny_all && prefix_list == o.prefix_list && route_map == o.route_map &&
           policy == o.policy && weight == o.weight && allowas_in == o.allowas_in &&
           allowas_in_origin == o.allowas_in_origin;
  }
  // Nothing to do beyond the prefix limit: routes go into the Loc-RIB as received.
  bool plain() const { return !deny_all && !prefix_list && route_map.empty() && !weight; }
  bool permits(const Prefix& p) const {
    return !deny_all && (!prefix_list || prefix_list->permits(p));
  }
};

struct Speaker::Routing {
  static constexpr std::size_t kFamilies = 2;  // IPv4, IPv6 unicast
  std::array<std::unique_ptr<rib::AdjRibOut>, kFamilies> out;
  std::array<std::optional<ExportKey>, kFamilies> export_keys;
  std::array<ImportKey, kFamilies> import_keys;
  std::array<bool, kFamilies> threshold_logged{};
  // Prefixes withdrawn because their UPDATE was too long for the neighbor, already logged.
  std::set<Prefix> oversize_logged;
  // `neighbor A default-originate [route-map NAME]` per family (default_originate.hpp): the
  // configuration it was set up from, and the conditional form's matching routes.
  struct DefaultRoute {
    bool on = false;
    std::string map;
    std::shared_ptr<const config::BgpConfig> policy;  // with a map: Speaker::policy_
    std::unique_ptr<ConditionalDefault> conditional;
    bool same(const DefaultRoute& o) const {
      return on == o.on && map == o.map && policy == o.policy;
    }
  };
  std::array<DefaultRoute, kFamilies> defaults;
};

// FRR's get_afi_safi_str(afi, safi, false), as its log lines and errors name a family.
inline const char* family_text(wire::AfiSafi family) {
  return family == wire::kIpv4Unicast ? "IPv4 Unicast" : "IPv6 Unicast";
}
inline std::size_t family_index(wire::AfiSafi family) {
  return family == wire::kIpv4Unicast ? 0 : 1;
}
inline wire::AfiSafi family_at(std::size_t index) {
  return index == 0 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}
inline config::AddressFamily config_family(wire::AfiSafi family) {
  return family == wire::kIpv4Unicast ? config::AddressFamily::kIpv4Unicast
                                      : config::AddressFamily::kIpv6Unicast;
}

}  // namespace vipd::bgp
