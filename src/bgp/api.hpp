// What the other modules of the daemon may ask of BGP (DESIGN principle 8: a module uses
// another only through its published interface, never through its tables). The load balancer
// originates its Service IPs here; BFD reports dead neighbors here. The daemon's composition
// (apps/vipd/modules.cpp) hands the BGP module to them as this interface.
#pragma once

#include <cstdint>
#include <string>

#include "bgp/config/model.hpp"
#include "bgp/origination.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"

namespace vipd::bgp {

// Neighbors another module brings to the BGP instance, beside those of bgpd.conf: the load
// balancer's BGPPeers on a Kubernetes node, which has no bgpd.conf at all. They are ordinary
// neighbors (`show ip bgp summary` lists them) but never part of the file: `show
// running-config` and `write memory` leave them out, as FRR's would not know them either.
struct ModuleNeighbors {
  std::uint32_t asn = 0;  // the local AS they need (bgpd.conf's `router bgp`, if any, must agree)
  std::optional<IpAddress> router_id;  // used when bgpd.conf sets none
  std::vector<config::NeighborConfig> neighbors;
  std::vector<config::PrefixList> prefix_lists;  // the lists the neighbors name
  bool operator==(const ModuleNeighbors&) const = default;
};

class BgpApi {
 public:
  // Makes `neighbors` the neighbors of `source` (a module's name), replacing what it set
  // before; an empty set removes them (Cease/Peer De-configured). A neighbor bgpd.conf already
  // has keeps bgpd.conf's settings. Errors (another local AS than bgpd.conf's) change nothing.
  virtual Status<std::string> set_neighbors(const std::string& source,
                                            ModuleNeighbors neighbors) = 0;
  virtual ~BgpApi() = default;
  // Originates `route.prefix` under `source` (a module's name), replacing what that source
  // originated for the prefix; no advertisement withdraws it (origination.hpp).
  virtual void originate(const std::string& source, OriginatedRoute route) = 0;
  virtual void withdraw_originated(const std::string& source, const Prefix& prefix) = 0;
  // Every route of `source` (its module stops).
  virtual void withdraw_source(const std::string& source) = 0;
  // The neighbor at `address` is dead: its session goes down now with Cease/`cease_subcode`
  // (wire::cease_subcode::kBfdDown for BFD, RFC 9384). False: no such neighbor or session.
  virtual bool neighbor_down(const IpAddress& address, std::uint8_t cease_subcode,
                             const std::string& reason) = 0;
  // The session state of the neighbor at `address` as FRR names it ("Established", "Active",
  // ...); empty: no such neighbor.
  virtual std::string neighbor_state(const IpAddress& /*address*/) const { return {}; }
};

}  // namespace vipd::bgp
