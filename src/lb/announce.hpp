// The speaker's decision, as a pure function (MetalLB's speaker, BGP mode: speaker/main.go and
// speaker/bgp_controller.go): from the MetalLB resources, the cluster as last seen and this
// node's name, which BGP neighbors this node has and which prefixes it originates to which of
// them. The module (module.hpp) applies the result through the BGP module's interface.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bfd/api.hpp"
#include "bgp/api.hpp"
#include "lb/cluster/objects.hpp"
#include "lb/crd/resources.hpp"

namespace vipd::lb {

// The name the load balancer's neighbors and routes carry in the BGP module.
inline constexpr const char* kBgpSource = "lb";
// Inbound policy of every BGPPeer: MetalLB's speakers accept no route from their peers.
inline constexpr const char* kDenyAllPrefixList = "vipd-lb-deny-in";
// The connect retry time of a BGPPeer without connectTime (announce.cpp says why).
inline constexpr std::uint16_t kDefaultConnectRetrySeconds = 1;
// The label MetalLB reads to keep a node out of every announcement (also kube's own).
inline constexpr const char* kExcludeLabel =
    "node.kubernetes.io/exclude-from-external-load-balancers";

// One Service address as this node sees it.
struct ServiceAnnouncement {
  cluster::ObjectKey service;
  IpAddress ip;
  std::string pool;                // empty: the address is in no pool
  std::vector<Prefix> prefixes;    // what this node originates for it (aggregated)
  std::vector<std::string> peers;  // BGPPeer names that get it
  // Empty: announced. Otherwise MetalLB's reason for not announcing: "notOwner" (no
  // BGPAdvertisement of the pool selects this node), "noLocalEndpoints", "noEndpoints",
  // "nodeExcluded", "nodeNotReady", "noPool", "noPeers".
  std::string withdrawn_reason;
  bool announced() const { return withdrawn_reason.empty(); }
};

struct BgpPlan {
  bgp::ModuleNeighbors neighbors;
  // BFD sessions to the peers with a bfdProfile (MetalLB: FRR's `neighbor A bfd profile P`).
  std::vector<bfd::SessionRequest> bfd_sessions;
  std::map<std::string, IpAddress> peers;  // this node's BGPPeers: name -> address
  std::map<Prefix, bgp::OriginatedRoute> routes;
  std::vector<ServiceAnnouncement> services;  // every assigned address, by Service
  std::string node_excluded;                  // why this node announces nothing; empty: it does
  std::vector<std::string> errors;            // e.g. two myASN values for this node
};

// Whether an advertisement (BGPAdvertisement, L2Advertisement) covers a pool (MetalLB:
// ipAddressPools by name or ipAddressPoolSelectors by the pool's labels; neither given: every
// pool).
template <typename Advertisement>
bool selects_pool(const Advertisement& adv, const crd::IpAddressPool& pool) {
  if (adv.ip_address_pools.empty() && adv.ip_address_pool_selectors.empty()) return true;
  for (const auto& name : adv.ip_address_pools)
    if (name == pool.meta.name) return true;
  for (const auto& selector : adv.ip_address_pool_selectors)
    if (selector.matches(pool.meta.labels)) return true;
  return false;
}

// Why `node` (with `labels`) announces nothing: "nodeExcluded" (kExcludeLabel),
// "nodeNetworkUnavailable", "nodeNotReady"; empty: it may announce.
std::string node_excluded_reason(const cluster::ClusterState& state, const std::string& node,
                                 const Labels& labels);

// The labels of `node` (its Node object's, or only kubernetes.io/hostname when the cluster has
// no Node of that name, so that hostname selectors still work).
Labels node_labels(const cluster::ClusterState& state, const std::string& node);

// Only the Services of `load_balancer_class` (--lb-class; nullopt: those without one).
BgpPlan plan_bgp(const crd::LbConfig& config, const cluster::ClusterState& state,
                 const std::string& node,
                 const std::optional<std::string>& load_balancer_class = std::nullopt);

// The BGPPeer as a bgpd.conf neighbor (what FRR's configuration from MetalLB says).
bgp::config::NeighborConfig neighbor_of(const crd::BgpPeer& peer);
// The BFD session of a BGPPeer with `profile` (its bfdProfile): MetalLB's FRR configuration
// (`peer A [multihop local-address B]` with the profile's fields), FRR's defaults for unset
// fields.
bfd::SessionRequest bfd_session_of(const crd::BgpPeer& peer, const crd::BfdProfile& profile);

}  // namespace vipd::lb
