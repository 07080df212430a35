#include "bgp/rib/decision.hpp"

#include <algorithm>
#include <array>

namespace vipd::bgp::rib {

namespace {

// Lower is better: -1 when a < b, 1 when a > b.
template <typename T>
int lower_wins(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

std::uint32_t local_pref_of(const Candidate& c, const DecisionOptions& o) {
  // RFC 4271 §5.1.5: LOCAL_PREF received from an external peer MUST be ignored; routes from
  // eBGP peers get the configured default degree of preference (§9.1.1).
  if (c.peer->ebgp) return o.default_local_pref;
  return c.attrs->local_pref.value_or(o.default_local_pref);
}

std::size_t as_path_length(const Candidate& c) {
  // RFC 4271 §9.1.2.2 (a): AS_SET counts 1; RFC 5065 §5.3: confederation segments count 0.
  return c.attrs->as_path ? c.attrs->as_path->length() : 0;
}

template <typename OptionalAsPath>  // std::optional or Boxed
bool contains(const OptionalAsPath& path, std::uint32_t as) {
  if (!path) return false;
  for (const auto& segment : path->segments)
    if (std::find(segment.asns.begin(), segment.asns.end(), as) != segment.asns.end()) return true;
  return false;
}

}  // namespace

const char* step_name(Step step) {
  switch (step) {
    case Step::kNone:
      return "First path received";
    case Step::kWeight:
      return "Weight";
    case Step::kLocalPref:
      return "Local Pref";
    case Step::kAsPathLength:
      return "AS Path";
    case Step::kOrigin:
      return "Origin";
    case Step::kMed:
      return "MED";
    case Step::kPeerType:
      return "Peer Type";
    case Step::kIgpCost:
      return "IGP Metric";
    case Step::kRouterId:
      return "Router ID";
    case Step::kClusterListLength:
      return "Cluster length";
    case Step::kNeighborAddress:
      return "Neighbor IP";
    case Step::kPeerId:
      return "Peer ID";
    case Step::kEqual:
      return "Equal";
  }
  return "Unknown";
}

std::uint32_t weight_of(const wire::PathAttributes& attrs, const PeerInfo& from) {
  return attrs.weight.value_or(from.local ? 32768 : 0);
}

// FRR step 1, weight (weight_of()); higher wins.
int compare_weight(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  return lower_wins(weight_of(*b.attrs, *b.peer), weight_of(*a.attrs, *a.peer));
}

// RFC 4271 §9.1.1 (degree of preference from LOCAL_PREF): higher wins. FRR step 2.
int compare_local_pref(const Candidate& a, const Candidate& b, const DecisionOptions& o) {
  return lower_wins(local_pref_of(b, o), local_pref_of(a, o));
}

// RFC 4271 §9.1.2.2 (a): shorter AS_PATH wins. FRR step 5.
int compare_as_path_length(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  return lower_wins(as_path_length(a), as_path_length(b));
}

// RFC 4271 §9.1.2.2 (b): lower ORIGIN wins (IGP < EGP < INCOMPLETE). FRR step 6.
int compare_origin(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  auto origin = [](const Candidate& c) { return c.attrs->origin.value_or(wire::Origin::kIgp); };
  return lower_wins(origin(a), origin(b));
}

// RFC 4271 §9.1.2.2 (c): lower MED wins, compared only between routes from the same neighbor
// AS unless `bgp always-compare-med`. A missing MED is 0 (the RFC's and FRR's default). FRR
// step 7.
int compare_med(const Candidate& a, const Candidate& b, const DecisionOptions& o) {
  if (!o.always_compare_med) {
    auto as_a = neighbor_as(*a.attrs);
    if (!as_a || as_a != neighbor_as(*b.attrs)) return 0;
  }
  return lower_wins(a.attrs->med.value_or(0), b.attrs->med.value_or(0));
}

// RFC 4271 §9.1.2.2 (d): routes learned by eBGP win over routes learned by iBGP. FRR step 8.
int compare_peer_type(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  if (a.peer->ebgp == b.peer->ebgp) return 0;
  return a.peer->ebgp ? -1 : 1;
}

// RFC 4271 §9.1.2.2 (e): lower interior cost to the next hop wins. FRR step 9.
int compare_igp_cost(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  return lower_wins(a.igp_cost, b.igp_cost);
}

// RFC 4271 §9.1.2.2 (f): lower BGP Identifier wins; RFC 4456 §9: a route's ORIGINATOR_ID stands
// in for the advertising speaker's identifier. FRR step 12.
int compare_router_id(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  auto id = [](const Candidate& c) { return c.attrs->originator_id.value_or(c.peer->router_id); };
  return lower_wins(id(a), id(b));
}

// RFC 4456 §9: shorter CLUSTER_LIST wins (absent counts 0). FRR step 13.
int compare_cluster_list_length(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  auto length = [](const Candidate& c) {
    return c.attrs->cluster_list ? c.attrs->cluster_list->size() : std::size_t{0};
  };
  return lower_wins(length(a), length(b));
}

// RFC 4271 §9.1.2.2 (g): the lowest peer address wins. FRR step 14.
int compare_neighbor_address(const Candidate& a, const Candidate& b, const DecisionOptions&) {
  return lower_wins(a.peer->address, b.peer->address);
}

// FRR bgp_path_info_cmp(), "Maximum path check": with multipath-relax any two paths equal so
// far; otherwise iBGP paths need identical AS_PATHs and eBGP paths the same peer AS. eBGP and
// iBGP paths never get here together (compare_peer_type() already told them apart).
bool multipath_equal(const Candidate& a, const Candidate& b, const DecisionOptions& o) {
  if (o.multipath_relax) return true;
  if (!a.peer->ebgp) return a.attrs->as_path == b.attrs->as_path;
  return a.peer->as == b.peer->as;
}

Verdict compare(const Candidate& a, const Candidate& b, const DecisionOptions& o) {
  using Fn = int (*)(const Candidate&, const Candidate&, const DecisionOptions&);
  struct Entry {
    Step step;
    Fn fn;
  };
  static constexpr std::array<Entry, 7> kUpToIgp{{
      {Step::kWeight, compare_weight},
      {Step::kLocalPref, compare_local_pref},
      {Step::kAsPathLength, compare_as_path_length},
      {Step::kOrigin, compare_origin},
      {Step::kMed, compare_med},
      {Step::kPeerType, compare_peer_type},
      {Step::kIgpCost, compare_igp_cost},
  }};
  static constexpr std::array<Entry, 3> kAfterIgp{{
      {Step::kRouterId, compare_router_id},
      {Step::kClusterListLength, compare_cluster_list_length},
      {Step::kNeighborAddress, compare_neighbor_address},
  }};
  for (const auto& e : kUpToIgp)
    if (int r = e.fn(a, b, o)) return {r, e.step, false};
  // The multipath decision point: everything up to the IGP cost is equal.
  bool multipath = multipath_equal(a, b, o);
  for (const auto& e : kAfterIgp)
    if (int r = e.fn(a, b, o)) return {r, e.step, multipath};
  if (int r = lower_wins(a.peer_id, b.peer_id)) return {r, Step::kPeerId, multipath};
  return {0, Step::kEqual, multipath};
}

namespace {
std::size_t count_as(const std::optional<wire::AsPath>& path, std::uint32_t as) {
  std::size_t n = 0;
  if (path)
    for (const auto& segment : path->segments)
      n += std::count(segment.asns.begin(), segment.asns.end(), as);
  return n;
}
// The last AS of the path (the originating AS), 0 if there is none.
std::uint32_t origin_as(const wire::AsPath& path) {
  for (auto s = path.segments.rbegin(); s != path.segments.rend(); ++s)
    if (!s->asns.empty()) return s->asns.back();
  return 0;
}
bool loops_back_rr(const wire::PathAttributes& a, const DecisionOptions& o) {
  if (o.router_id && a.originator_id == o.router_id) return true;
  return o.cluster_id && a.cluster_list &&
         std::find(a.cluster_list->begin(), a.cluster_list->end(), o.cluster_id) !=
             a.cluster_list->end();
}
}  // namespace

bool loops_back(const wire::PathAttributes& a, const DecisionOptions& o, const PeerInfo& from,
                wire::AfiSafi family) {
  const std::size_t i = family == wire::kIpv4Unicast ? 0 : 1;
  const std::uint8_t allowed = from.allowas_in[i];
  const bool origin = from.allowas_in_origin[i];
  if (!allowed && !origin) return loops_back(a, o);
  // FRR bgp_update(): with `allowas-in origin` a path our AS originated skips the loop check;
  // else our AS may appear allowas_in times.
  bool skip = origin && a.as_path && o.local_as && origin_as(*a.as_path) == o.local_as;
  if (!skip && o.local_as && count_as(a.as_path, o.local_as) > allowed) return true;
  return loops_back_rr(a, o);
}

bool loops_back(const wire::PathAttributes& a, const DecisionOptions& o) {
  if (has_as_loop(a, o.local_as)) return true;
  if (o.router_id && a.originator_id == o.router_id) return true;
  return o.cluster_id && a.cluster_list &&
         std::find(a.cluster_list->begin(), a.cluster_list->end(), o.cluster_id) !=
             a.cluster_list->end();
}

std::optional<std::uint32_t> neighbor_as(const wire::PathAttributes& attrs) {
  if (!attrs.as_path) return 0;
  for (const auto& segment : attrs.as_path->segments) {
    if (segment.type == wire::SegmentType::kConfedSequence ||
        segment.type == wire::SegmentType::kConfedSet)
      continue;
    if (segment.type != wire::SegmentType::kAsSequence || segment.asns.empty()) return std::nullopt;
    return segment.asns.front();
  }
  // Empty, or only confederation segments: originated inside the local AS (confederation).
  return 0;
}

bool has_as_loop(const wire::PathAttributes& attrs, std::uint32_t local_as) {
  if (local_as == 0) return false;
  return contains(attrs.as_path, local_as) || contains(attrs.as4_path, local_as);
}

std::optional<IpAddress> next_hop_of(const wire::PathAttributes& attrs, wire::AfiSafi family) {
  if (family == wire::kIpv4Unicast && attrs.next_hop) return attrs.next_hop;
  if (attrs.mp_reach && attrs.mp_reach->afi_safi == family) return attrs.mp_reach->next_hop;
  return std::nullopt;
}

namespace {

// RFC 4271 §9.1.2.2 (c) removes, per neighbor AS, the routes whose MED is not the lowest before
// comparing across ASes. FRR's `bgp deterministic-med` does that: the best of each neighbor-AS
// group first (in list order), then the group winners against each other.
std::vector<std::size_t> group_winners(std::span<const Candidate> c, const DecisionOptions& o) {
  std::vector<std::size_t> winners;
  std::vector<bool> checked(c.size(), false);
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (checked[i]) continue;
    checked[i] = true;
    std::size_t winner = i;
    auto as = neighbor_as(*c[i].attrs);
    for (std::size_t j = i + 1; as && j < c.size(); ++j) {
      if (checked[j] || neighbor_as(*c[j].attrs) != as) continue;
      checked[j] = true;
      if (compare(c[j], c[winner], o).order < 0) winner = j;
    }
    winners.push_back(winner);
  }
  std::sort(winners.begin(), winners.end());
  return winners;
}

std::vector<std::size_t> multipaths(std::span<const Candidate> c, std::size_t best,
                                    const DecisionOptions& o) {
  std::vector<std::size_t> chosen{best};
  std::size_t limit = c[best].peer->ebgp ? o.maximum_paths : o.maximum_paths_ibgp;
  if (limit <= 1) return chosen;
  std::vector<std::size_t> equal;
  for (std::size_t i = 0; i < c.size(); ++i) {
    // FRR skips paths with the best path's next hop: the FIB would gain nothing.
    if (i == best || c[i].next_hop == c[best].next_hop) continue;
    if (compare(c[i], c[best], o).multipath) equal.push_back(i);
  }
  std::stable_sort(equal.begin(), equal.end(), [&](std::size_t x, std::size_t y) {
    if (c[x].next_hop != c[y].next_hop) return c[x].next_hop < c[y].next_hop;
    return c[x].peer->address < c[y].peer->address;
  });
  for (std::size_t i : equal) {
    if (chosen.size() >= limit) break;
    if (chosen.size() > 1 && c[chosen.back()].next_hop == c[i].next_hop) continue;
    chosen.push_back(i);
  }
  return chosen;
}

}  // namespace

Selection select(std::span<const Candidate> c, const DecisionOptions& o) {
  Selection s;
  if (c.empty()) return s;
  if (c.size() == 1) {  // the common case of a route server or a single-homed prefix
    s.best = 0;
    s.multipath.push_back(0);
    return s;
  }
  std::vector<std::size_t> finalists;
  if (o.deterministic_med) {
    finalists = group_winners(c, o);
  } else {
    finalists.resize(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) finalists[i] = i;
  }
  // FRR: the first path of the list, replaced by each later one that is preferred to it. The
  // reason is the step of the last comparison, which always involves the final best path.
  std::size_t best = finalists.front();
  for (std::size_t k = 1; k < finalists.size(); ++k) {
    Verdict v = compare(c[finalists[k]], c[best], o);
    if (v.order < 0) best = finalists[k];
    s.reason = v.step;
  }
  s.best = best;
  s.multipath = multipaths(c, best, o);
  return s;
}

}  // namespace vipd::bgp::rib
