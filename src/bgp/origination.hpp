// Routes that other modules of the daemon originate through the BGP speaker (the load
// balancer's Service IPs), beside the `network` statements of bgpd.conf. A module is a source:
// it originates and withdraws prefixes under its name, each with one or more advertisements
// (MetalLB's BGPAdvertisement: to which neighbors, with which communities and local
// preference). Such routes are in the Loc-RIB and `show ip bgp` like `network` routes (ORIGIN
// IGP, empty AS_PATH, next hop self, weight 32768), are never part of the configuration
// (`write memory` does not save them), and leave when their source is withdrawn.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bgp/rib/export.hpp"
#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp {

// What FRR gives a route this router originates (`network`, a module's): ORIGIN IGP, an empty
// AS_PATH, next hop 0.0.0.0 (or ::) meaning "this router", replaced by our address when sent
// (next hop self).
wire::PathAttributes local_route_attributes(const Prefix& prefix);

// One way a prefix is advertised.
struct Advertisement {
  std::vector<IpAddress> neighbors;                     // empty: every neighbor
  std::vector<std::uint32_t> communities;               // RFC 1997
  std::vector<wire::LargeCommunity> large_communities;  // RFC 8092
  std::optional<std::uint32_t> local_preference;  // sent to iBGP neighbors only (RFC 4271 §5.1.5)
  bool operator==(const Advertisement&) const = default;
  bool reaches(const IpAddress& neighbor) const;
};

struct OriginatedRoute {
  Prefix prefix;
  std::vector<Advertisement> advertisements;  // at least one
  bool operator==(const OriginatedRoute&) const = default;
};

// The routes of one source and the outbound policy their advertisements make: a neighbor gets
// a route if one of its advertisements reaches it, with the communities of all that do (as
// MetalLB merges them) and the first local preference given.
class OriginationSource final : public rib::OriginPolicy {
 public:
  OriginationSource(std::string name, rib::PeerId id) : name_(std::move(name)), id_(id) {}

  const std::string& name() const { return name_; }
  rib::PeerId id() const { return id_; }
  const std::map<Prefix, OriginatedRoute>& routes() const { return routes_; }
  const OriginatedRoute* find(const Prefix& prefix) const;
  void set(OriginatedRoute route) { routes_[route.prefix] = std::move(route); }
  void erase(const Prefix& prefix) { routes_.erase(prefix); }

  // The Loc-RIB path of a route: what `show ip bgp` shows (every community of every
  // advertisement); shape() narrows it per neighbor.
  static wire::PathAttributes attributes(const OriginatedRoute& route);
  // Whether changing `before` into `after` changes which neighbors get the route.
  static bool reach_changed(const OriginatedRoute& before, const OriginatedRoute& after);

  bool shape(wire::AfiSafi family, const Prefix& prefix, const rib::ExportTarget& to,
             wire::PathAttributes& attributes) const override;

 private:
  std::string name_;
  rib::PeerId id_;
  std::map<Prefix, OriginatedRoute> routes_;
};

}  // namespace vipd::bgp
