// The BGP decision process (RFC 4271 §9.1) in the order FRR applies it (FRR user guide, "Route
// Selection"; bgp_path_info_cmp() in bgpd/bgp_route.c), and FRR's multipath selection
// (`maximum-paths`, `bgp bestpath as-path multipath-relax`). Pure functions over candidate paths:
// no tables, no I/O. Steps FRR has and vipd does not: AIGP, and "prefer the oldest eBGP path" (vipd
// behaves as FRR with `bgp bestpath compare-routerid`, so the outcome does not depend on arrival
// times).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

// A small number naming the peer a path came from; the Loc-RIB keeps the facts about it.
using PeerId = std::uint16_t;

// What the decision process needs to know about the peer a path came from.
struct PeerInfo {
  bool ebgp = true;
  std::uint32_t router_id = 0;  // BGP Identifier from the peer's OPEN, host order
  IpAddress address;            // the peer's address (session remote end)
  std::uint32_t as = 0;         // the peer's AS
  // The local "peer" holding routes this speaker originates (`network`). FRR gives them weight
  // 32768 and every learned route weight 0, so they win the first step.
  bool local = false;
  // An eBGP neighbor one hop away (no ebgp-multihop): the next hops of its paths must be on a
  // connected network (FRR's connected check, RFC 4271 §9.1.2.1). Not part of the decision.
  bool single_hop = false;
  // `neighbor A allowas-in [N|origin]`: our AS may appear up to N times in the AS_PATH of the
  // peer's routes (FRR's aspath_loop_check() > allowas_in), or anywhere when it is the origin.
  // Per address family: [IPv4 unicast, IPv6 unicast].
  std::array<std::uint8_t, 2> allowas_in{};
  std::array<bool, 2> allowas_in_origin{};
  bool operator==(const PeerInfo&) const = default;
};

struct DecisionOptions {
  std::uint32_t local_as = 0;  // for AS_PATH loop detection (RFC 4271 §9.1.2); 0: none
  // RFC 4456 §8 loop detection: a route carrying our router-id as ORIGINATOR_ID or our
  // cluster-id in CLUSTER_LIST is ignored. 0: not checked.
  std::uint32_t router_id = 0;
  std::uint32_t cluster_id = 0;
  std::uint32_t default_local_pref = 100;  // `bgp default local-preference`
  bool always_compare_med = false;         // `bgp always-compare-med`
  bool deterministic_med = false;          // `bgp deterministic-med`
  bool multipath_relax = false;            // `bgp bestpath as-path multipath-relax`
  std::uint16_t maximum_paths = 1;         // `maximum-paths N` (eBGP); 1 as quagga
  std::uint16_t maximum_paths_ibgp = 1;    // `maximum-paths ibgp N`
  // `address-family ipv6 unicast` has its own two (FRR: per address family). select() reads
  // the two above; the Loc-RIB puts these in their place for IPv6 prefixes.
  std::uint16_t maximum_paths_v6 = 1;
  std::uint16_t maximum_paths_ibgp_v6 = 1;
  bool operator==(const DecisionOptions&) const = default;
};

// One usable path as the decision process sees it: reachable next hop, no AS loop.
struct Candidate {
  const wire::PathAttributes* attrs = nullptr;
  const PeerInfo* peer = nullptr;
  PeerId peer_id = 0;
  std::uint32_t igp_cost = 0;  // IGP metric to the next hop (RFC 4271 §9.1.2.2 (e)); 0 unknown
  IpAddress next_hop;
};

// The step that decided between two paths (FRR's "Path Selection Reason").
enum class Step : std::uint8_t {
  kNone,  // only one candidate, or none
  kWeight,
  kLocalPref,
  kAsPathLength,
  kOrigin,
  kMed,
  kPeerType,
  kIgpCost,
  kRouterId,
  kClusterListLength,
  kNeighborAddress,
  kPeerId,  // vipd's last resort: two sessions to the same address cannot both exist
  kEqual,
};
const char* step_name(Step step);

// Each step: < 0 when `a` is preferred, > 0 when `b` is, 0 when this step does not decide.
int compare_weight(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_local_pref(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_as_path_length(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_origin(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_med(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_peer_type(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_igp_cost(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_router_id(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_cluster_list_length(const Candidate& a, const Candidate& b, const DecisionOptions& o);
int compare_neighbor_address(const Candidate& a, const Candidate& b, const DecisionOptions& o);

// FRR's multipath test, made once every step up to the IGP cost is equal: eBGP paths from the
// same peer AS, iBGP paths with identical AS_PATHs, or any two with multipath-relax.
bool multipath_equal(const Candidate& a, const Candidate& b, const DecisionOptions& o);

struct Verdict {
  int order = 0;  // < 0: a preferred, > 0: b preferred
  Step step = Step::kEqual;
  bool multipath = false;  // equal up to and including the IGP cost, and multipath_equal()
};
// All steps in order.
Verdict compare(const Candidate& a, const Candidate& b, const DecisionOptions& o);

// The AS a route was learned from for MED purposes (RFC 4271 §9.1.2.2 (c) neighborAS()): the
// first AS of the first non-confederation segment if that is an AS_SEQUENCE; 0 for an empty
// path (a route originated in the local AS); nullopt when the path starts with an AS_SET (FRR:
// such routes are never MED-compared).
std::optional<std::uint32_t> neighbor_as(const wire::PathAttributes& attrs);
// RFC 4271 §9.1.2: the local AS appears in AS_PATH (or AS4_PATH, RFC 6793 §4.2.3).
bool has_as_loop(const wire::PathAttributes& attrs, std::uint32_t local_as);
// RFC 4271 §9.1.2 and RFC 4456 §8: the path comes back to us — our AS in its AS_PATH, our
// router-id as ORIGINATOR_ID or our cluster id in CLUSTER_LIST (checks with a 0 option are off).
bool loops_back(const wire::PathAttributes& attrs, const DecisionOptions& o);
// The same, with the allowance of `neighbor A allowas-in` of the peer the path came from.
bool loops_back(const wire::PathAttributes& attrs, const DecisionOptions& o, const PeerInfo& from,
                wire::AfiSafi family);
// FRR's weight of a path (attr->weight): `neighbor A weight` or `set weight` when given, else
// 32768 for the routes this speaker originates and 0 for learned ones. Never sent.
std::uint32_t weight_of(const wire::PathAttributes& attrs, const PeerInfo& from);
// The next hop of a path in one address family: NEXT_HOP for IPv4 unicast (RFC 4271 §5.1.3),
// else the MP_REACH_NLRI next hop of that family (RFC 4760 §3).
std::optional<IpAddress> next_hop_of(const wire::PathAttributes& attrs, wire::AfiSafi family);

struct Selection {
  std::optional<std::size_t> best;  // index into the candidates
  Step reason = Step::kNone;        // the step that made `best` win its last comparison
  // Best first, then the other multipaths ordered by next hop (FRR sorts its multipath list by
  // next hop and skips repeated next hops); at most maximum-paths entries.
  std::vector<std::size_t> multipath;
};

// Runs the decision process over `candidates`, given in FRR's path-list order (newest first),
// which matters only without deterministic-med (RFC 4271 §9.1.2.2 (c) is not a total order).
Selection select(std::span<const Candidate> candidates, const DecisionOptions& o);

}  // namespace vipd::bgp::rib
