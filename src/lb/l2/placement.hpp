// Which node answers ARP/NDP for which Service IP in L2 mode (issue 12, docs/lb.md "L2 mode"),
// as VRRPv3 virtual routers (RFC 5798) whose addresses are Service IPs. Pure: the same inputs
// give the same plan on every node, so every node runs the same virtual routers with the same
// priorities, and VRRP's own election (the highest live priority is master) decides the owner.
//
// Two levels. A Service (its first IP; its other IPs and the Services sharing it follow) is
// placed on a primary node and a successor; the pair (primary, successor) names a virtual
// router in which the primary has the highest priority and the successor the next. So:
// - Owners are spread within one Service of even over the nodes that may own them (a node's
//   Services are those whose primary it is, placed least-loaded first); MetalLB's per-IP hash
//   spreads 250 Services over 6 nodes as unevenly as 29 to 55.
// - A node that dies moves only its own Services: every other virtual router keeps its master
//   (priorities never change with liveness), and the dead node's Services go to their
//   successors, which are spread as evenly as possible over the other nodes (each primary's
//   Services water-filled over its possible successors), so the survivors stay within about one
//   Service of even too.
// - Placement changes only when the Services or the nodes that may own them change (not when a
//   node dies: VRRP handles that); `previous` keeps every Service that can stay where it was, so
//   a Service added or removed moves no other, and a node that joins takes Services over only
//   until the spread is within one again. `previous` must be the same on every node, or nodes
//   place differently: the load balancer passes none until a placement is shared between nodes
//   (lb/announce_l2.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vipd::lb::l2 {

// A Service to place: `key` names it (its first IP, as text), `members` the nodes that may own
// it (selected by its L2Advertisements' nodeSelectors, not excluded).
struct PlacementInput {
  std::string key;
  std::vector<std::string> members;
};

// Where a Service is placed. `successor` is empty when it has a single member.
struct Assignment {
  std::string primary;
  std::string successor;
  bool operator==(const Assignment&) const = default;
};

using Placement = std::map<std::string, Assignment>;  // by PlacementInput::key

// The placement of `services`, keeping the primaries of `previous` that are still members
// while the spread allows. A Service without members is left out.
Placement place(std::span<const PlacementInput> services, const Placement& previous = {});

// A stable 64-bit hash (FNV-1a) of `text`: the same on every node and every build, for
// tie-breaks (rendezvous hashing) and VRIDs.
std::uint64_t stable_hash(std::string_view text);

// The VRRP virtual routers of a placement: one per (primary, successor) pair in use.
struct VirtualRouterPlan {
  std::uint8_t vrid = 0;
  std::string primary;
  std::string successor;
  // Every node that runs it, with its priority: the primary 250, the successor 200, then the
  // other nodes that may own all of its Services, in rendezvous-hash order, 150, 140, ... (at
  // least 1). RFC 5798 §5.2.4: 255 is the address owner's, 0 means "stopping".
  std::vector<std::pair<std::string, std::uint8_t>> priorities;
  std::vector<std::string> services;  // keys, sorted
  bool operator==(const VirtualRouterPlan&) const = default;
};

struct VridRange {
  std::uint8_t first = 100;  // the routers' own VRIDs (the seed's 51) stay outside
  std::uint8_t last = 254;
  std::size_t size() const { return last >= first ? std::size_t{last} - first + 1 : 0; }
};

struct RouterPlan {
  std::vector<VirtualRouterPlan> routers;  // by VRID
  // Pairs that found no VRID (more pairs than the range holds): their Services are not
  // announced, and `show lb l2` says why.
  std::vector<std::string> unplaced;
  bool operator==(const RouterPlan&) const = default;
};

// The virtual routers for `placement` of `services`. A pair's VRID is its hash into `range`,
// probed linearly in the order of the pairs, so it moves only when the pairs in use change.
RouterPlan plan_routers(std::span<const PlacementInput> services, const Placement& placement,
                        VridRange range);

// Who owns each Service when the nodes in `down` are dead, by VRRP's rule: the live node with
// the highest priority in the Service's virtual router (nullopt: none is alive). For tests,
// `show lb l2` and the lab's expectations.
std::map<std::string, std::optional<std::string>> owners(const RouterPlan& plan,
                                                         std::span<const std::string> down = {});

}  // namespace vipd::lb::l2
