// The speaker's decision in L2 mode (issue 12, docs/lb.md "L2 mode"), as a pure function: from
// the MetalLB resources, the cluster as last seen, this node's name and interfaces, which
// Service IPs are announced at all, by which virtual router, and the VRRPv3 instances this node
// runs for them (keepalived.conf's model, run by a VRRP module of the load balancer's own whose
// addresses are answered for, not added to an interface).
//
// Every node computes the same placement and the same virtual routers (l2/placement.hpp) from
// the same cluster state; VRRP's election among the live nodes then makes exactly one of them
// the owner of each Service IP. Eligibility follows MetalLB's speaker (speaker/layer2_controller
// .go): an L2Advertisement selecting the IP's pool and the node, the node not excluded or not
// ready, and a serving endpoint (on the node itself for externalTrafficPolicy: Local).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"
#include "lb/cluster/objects.hpp"
#include "lb/crd/resources.hpp"
#include "lb/l2/placement.hpp"
#include "vrrp/config/model.hpp"

namespace vipd::lb {

// An interface of this node: where a Service IP's virtual router can run.
struct NodeInterface {
  std::string name;
  std::vector<Prefix> subnets;  // its addresses with their prefix lengths
};

struct L2Options {
  l2::VridRange vrids;
  // RFC 5798 centiseconds: the owner is declared dead after 3 adverts and a skew (about 65 ms).
  std::chrono::milliseconds advert_interval{20};
  // keepalived's garp_master_refresh: gratuitous ARPs / unsolicited NAs repeated while master,
  // for switches whose MAC tables age out (0: only on takeover).
  std::chrono::seconds garp_refresh{0};
  // Only the Services of this loadBalancerClass (--lb-class; nullopt: those without one).
  std::optional<std::string> load_balancer_class;
};

// One Service address in L2 mode.
struct L2Announcement {
  cluster::ObjectKey service;
  IpAddress ip;
  std::string pool;
  std::vector<std::string> candidates;  // the nodes that may own it, sorted
  std::uint8_t vrid = 0;                // its virtual router; 0: none
  std::string interface;                // where this node runs that router; empty: it does not
  // Empty: a virtual router announces it. Otherwise why not: "noPool", "noL2Advertisement" (no
  // L2Advertisement selects the pool and Service), "noEndpoints", "noCandidates" (no node may
  // own it), "noVrid" (more virtual routers than the VRID range holds).
  std::string withdrawn_reason;
  bool announced() const { return withdrawn_reason.empty(); }
};

struct L2Plan {
  std::vector<L2Announcement> services;  // every assigned address in an L2 pool, by Service
  l2::Placement placement;
  l2::RouterPlan routers;
  vrrp::config::KeepalivedConfig vrrp;  // this node's virtual routers
  std::vector<std::string> errors;      // e.g. no interface of this node for an address
};

// "FIRST-LAST" (--l2-vrids): 1 <= FIRST <= LAST <= 255 (RFC 5798 §5.2.3).
Result<l2::VridRange, std::string> parse_vrid_range(std::string_view text);

// Names of the instances in `L2Plan::vrrp`: "lb-<interface>-<vrid>" (IPv4) and
// "lb-<interface>-<vrid>-v6".
std::string l2_instance_name(const std::string& interface, std::uint8_t vrid, Family family);

L2Plan plan_l2(const crd::LbConfig& config, const cluster::ClusterState& state,
               const std::string& node, const std::vector<NodeInterface>& interfaces,
               const L2Options& options, const l2::Placement& previous = {});
// `previous` (l2/placement.hpp) must be the same on every node: the module passes none, as no
// placement is shared between nodes yet.

}  // namespace vipd::lb
