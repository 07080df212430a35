#include "bgp/policy/evaluate.hpp"

#include <algorithm>

#include "bgp/policy/text.hpp"

namespace vipd::bgp::policy {
namespace {

template <typename T>
bool is_subset(const std::vector<T>& small, const std::vector<T>& big) {
  // community_match() / lcommunity_match(): every value of the entry is on the route.
  return std::all_of(small.begin(), small.end(),
                     [&](const T& v) { return std::find(big.begin(), big.end(), v) != big.end(); });
}

template <typename T>
std::vector<T> sorted_unique(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The route's communities as FRR holds them: sorted, unique (community_parse() sorts what it
// receives), so that exact matches and the regex string agree with FRR's.
std::vector<std::uint32_t> communities_of(const wire::PathAttributes& a) {
  return a.communities ? sorted_unique(*a.communities) : std::vector<std::uint32_t>{};
}

std::vector<wire::LargeCommunity> large_of(const wire::PathAttributes& a) {
  return a.large_communities ? sorted_unique(*a.large_communities)
                             : std::vector<wire::LargeCommunity>{};
}

std::string community_text(const wire::PathAttributes& a, bool large) {
  return large ? large_communities_to_string(large_of(a))
               : communities_to_string(communities_of(a));
}

// A standard list's entries against the route's values: all of an entry's values on the route
// (community_match() / lcommunity_match()), or exactly them (community_cmp(), on the sorted,
// unique values). The route's values as received serve a subset test, unsorted.
template <typename T>
bool standard_list_match(const CommunityList& list,
                         const std::vector<T> CommunityListEntry::*member,
                         const std::vector<T>& values, bool exact) {
  std::optional<std::vector<T>> sorted;
  if (exact) sorted = sorted_unique(values);
  for (const auto& e : list.entries) {
    const auto& wanted = e.*member;
    if (exact ? *sorted == wanted : is_subset(wanted, values)) return e.permit;
  }
  return false;
}

}  // namespace

bool community_list_match(const CommunityList& list, const wire::PathAttributes& attrs,
                          bool exact) {
  // A route without the attribute matches no entry: community_match(NULL, entry) is false, and
  // community_regexp_match() never matches one, not even with `^$`.
  const bool empty = list.large ? !attrs.large_communities || attrs.large_communities->empty()
                                : !attrs.communities || attrs.communities->empty();
  if (empty) return false;
  if (list.style == ListStyle::kExpanded) {
    const std::string text = community_text(attrs, list.large);
    for (const auto& e : list.entries)
      if (e.regex.search(text)) return e.permit;
    return false;
  }
  return list.large ? standard_list_match(list, &CommunityListEntry::large,
                                          *attrs.large_communities, exact)
                    : standard_list_match(list, &CommunityListEntry::communities,
                                          *attrs.communities, exact);
}

bool as_path_list_permits(const AsPathList& list, const wire::AsPath& path) {
  std::string text = as_path_to_string(path);
  for (const auto& e : list.entries)
    if (e.regex.search(text)) return e.permit;
  return false;
}

namespace {

// community_list_match_delete(): per value, the first entry that includes it (standard) or
// whose regex matches the value alone (expanded) decides; a permit entry deletes it.
template <typename T, typename Text>
std::vector<T> delete_permitted(const CommunityList& list, const std::vector<T>& values,
                                const std::vector<T> CommunityListEntry::*member, Text text) {
  std::vector<T> kept;
  for (const T& v : values) {
    bool remove = false;
    for (const auto& e : list.entries) {
      bool hit = list.style == ListStyle::kExpanded
                     ? e.regex.search(text(v))
                     : std::find((e.*member).begin(), (e.*member).end(), v) != (e.*member).end();
      if (hit) {
        remove = e.permit;
        break;
      }
    }
    if (!remove) kept.push_back(v);
  }
  return kept;
}

}  // namespace

void community_list_delete(const CommunityList& list, wire::PathAttributes& a) {
  if (list.large) {
    if (!a.large_communities) return;
    auto kept =
        delete_permitted(list, large_of(a), &CommunityListEntry::large, large_community_to_string);
    if (kept.empty())
      a.large_communities.reset();
    else
      a.large_communities = std::move(kept);
    return;
  }
  if (!a.communities) return;
  auto kept = delete_permitted(list, communities_of(a), &CommunityListEntry::communities,
                               [](std::uint32_t v) { return community_to_string(v); });
  // route_set_community_change(): an empty result removes the attribute.
  if (kept.empty())
    a.communities.reset();
  else
    a.communities = std::move(kept);
}

namespace {

std::optional<bool> prefix_list(const Environment& env, Family family, const std::string& name,
                                const Prefix& p) {
  if (!env.prefix_list) return std::nullopt;
  return env.prefix_list(family, name, p);
}

bool access_list(const Environment& env, Family family, const std::string& name, const Prefix& p) {
  const AccessList* l = env.policy ? env.policy->find_access_list(family, name) : nullptr;
  return l && l->permits(p);  // a missing list: RMAP_NOMATCH
}

bool is_prefix_clause(MatchKind kind) {
  return kind == MatchKind::kIpAddressPrefixList || kind == MatchKind::kIpv6AddressPrefixList ||
         kind == MatchKind::kIpAddressAccessList || kind == MatchKind::kIpv6AddressAccessList;
}

// The clauses that read the route's prefix (PrefixClasses).
bool prefix_clause_matches(const Match& m, const Environment& env, const Prefix& prefix) {
  const bool v4 = prefix.family() == Family::kIpv4;
  switch (m.kind) {
    case MatchKind::kIpAddressPrefixList:
      return prefix_list(env, Family::kIpv4, m.name, prefix).value_or(false);
    case MatchKind::kIpv6AddressPrefixList:
      return prefix_list(env, Family::kIpv6, m.name, prefix).value_or(false);
    case MatchKind::kIpAddressAccessList:
      return v4 && access_list(env, Family::kIpv4, m.name, prefix);
    case MatchKind::kIpv6AddressAccessList:
      return !v4 && access_list(env, Family::kIpv6, m.name, prefix);
    default:
      return false;
  }
}

// Adds the prefix clauses of `map` and of the maps it calls (each map once) to `out`; false
// when there are more than PrefixClasses::kMaxClauses.
bool collect_prefix_clauses(const RouteMap& map, const Environment& env,
                            std::vector<const RouteMap*>& seen, std::vector<const Match*>& out) {
  if (std::find(seen.begin(), seen.end(), &map) != seen.end()) return true;
  seen.push_back(&map);
  for (const auto& e : map.entries) {
    for (const auto& m : e.matches) {
      if (!is_prefix_clause(m.kind)) continue;
      if (std::any_of(out.begin(), out.end(), [&](const Match* c) { return *c == m; })) continue;
      if (out.size() == PrefixClasses::kMaxClauses) return false;
      out.push_back(&m);
    }
    if (e.call.empty() || !env.policy) continue;
    if (const RouteMap* called = env.policy->find_route_map(e.call))
      if (!collect_prefix_clauses(*called, env, seen, out)) return false;
  }
  return true;
}

bool reads_neighbor(const RouteMap& map, const Environment& env,
                    std::vector<const RouteMap*>& seen) {
  if (std::find(seen.begin(), seen.end(), &map) != seen.end()) return false;
  seen.push_back(&map);
  for (const auto& e : map.entries) {
    for (const auto& m : e.matches)
      if (m.kind == MatchKind::kPeer) return true;
    if (e.call.empty() || !env.policy) continue;
    if (const RouteMap* called = env.policy->find_route_map(e.call))
      if (reads_neighbor(*called, env, seen)) return true;
  }
  return false;
}

class Evaluator {
 public:
  // The clauses match `match`, the sets change `route` (the same route but for conditional
  // default-originate).
  Evaluator(const Environment& env, const Context& ctx, const Route& match, Route& route)
      : env_(env), ctx_(ctx), match_(match), route_(&route), prefix_(route.prefix) {}
  // The sets change a copy of `route` in `changed`, made when the first one runs; the clauses
  // after it match the copy, as FRR's match and set functions share one attr.
  Evaluator(const Environment& env, const Context& ctx, RouteView route,
            std::optional<Route>& changed)
      : env_(env), ctx_(ctx), match_(route), changed_(&changed), prefix_(*route.prefix) {}

  // route_map_apply_ext().
  bool run(const RouteMap& map, int depth) {
    if (depth > kRecursionLimit || map.entries.empty()) return false;
    bool permit = true;  // RMAP_PERMITMATCH until an entry fails to match
    const auto& entries = map.entries;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const RouteMapEntry& e = entries[i];
      if (!matches(e)) {
        // A non-matching entry makes the result deny unless a later one matches: also after
        // an `on-match next` of an earlier permit (FRR sets ret = RMAP_DENYMATCH here).
        permit = false;
        continue;
      }
      if (!e.permit) return false;
      permit = true;
      if (!flags_.seq) flags_.seq = e.seq;
      for (const auto& s : e.sets) apply(s);
      if (!e.call.empty() && env_.policy) {
        // A `call` of a map that does not exist is skipped; one that denies denies the route.
        if (const RouteMap* called = env_.policy->find_route_map(e.call)) {
          if (!run(*called, depth + 1)) return false;
        }
      }
      if (e.exit == ExitPolicy::kExit) return true;
      if (e.exit == ExitPolicy::kGoto) {
        // The first entry at or after goto_seq; none: the route is permitted.
        std::size_t j = i + 1;
        while (j < entries.size() && entries[j].seq < e.goto_seq) ++j;
        if (j == entries.size()) return true;
        i = j - 1;
      }
    }
    return permit;
  }

  Outcome outcome(bool permit) const {
    Outcome o = flags_;
    o.permit = permit;
    return o;
  }

 private:
  bool is_v4() const { return prefix_.family() == Family::kIpv4; }
  const wire::PathAttributes& attrs() const { return *match_.attributes; }

  // The route the sets change.
  Route& target() {
    if (!route_) {
      changed_->emplace(match_.copy());
      route_ = &**changed_;
      match_ = RouteView(*route_);
    }
    return *route_;
  }

  bool match_v4() const { return match_.prefix->family() == Family::kIpv4; }
  Prefix ipv4_next_hop() const { return Prefix(attrs().next_hop.value_or(IpAddress{}), 32); }

  // route_map_apply_match(): every clause must match; an entry without clauses matches all.
  bool matches(const RouteMapEntry& e) const {
    return std::all_of(e.matches.begin(), e.matches.end(),
                       [&](const Match& m) { return matches(m); });
  }

  bool matches(const Match& m) const {
    const wire::PathAttributes& a = attrs();
    switch (m.kind) {
      case MatchKind::kIpAddressPrefixList:
      case MatchKind::kIpv6AddressPrefixList:
      case MatchKind::kIpAddressAccessList:
      case MatchKind::kIpv6AddressAccessList:
        return prefix_clause_matches(m, env_, *match_.prefix);
      case MatchKind::kIpNextHopAccessList:
        return match_v4() && access_list(env_, Family::kIpv4, m.name, ipv4_next_hop());
      case MatchKind::kIpNextHopPrefixList:
        return match_v4() &&
               prefix_list(env_, Family::kIpv4, m.name, ipv4_next_hop()).value_or(false);
      case MatchKind::kIpv6NextHopAddress:
        return a.mp_reach &&
               (a.mp_reach->next_hop == m.address || a.mp_reach->link_local_next_hop == m.address);
      case MatchKind::kCommunity:
      case MatchKind::kLargeCommunity: {
        bool large = m.kind == MatchKind::kLargeCommunity;
        const CommunityList* l =
            env_.policy ? env_.policy->find_community_list(large, m.name) : nullptr;
        return l && community_list_match(*l, a, m.exact);
      }
      case MatchKind::kAsPath: {
        const AsPathList* l = env_.policy ? env_.policy->find_as_path_list(m.name) : nullptr;
        static const wire::AsPath kEmpty;
        return l && as_path_list_permits(*l, a.as_path ? *a.as_path : kEmpty);
      }
      case MatchKind::kMetric:
        return a.med.value_or(0) == m.value;  // FRR's attr->med is 0 without MED
      case MatchKind::kLocalPreference:
        return a.local_pref.value_or(0) == m.value;
      case MatchKind::kOrigin:
        return a.origin.value_or(wire::Origin::kIgp) == m.origin;
      case MatchKind::kPeer:
        return ctx_.direction != Direction::kLocal && ctx_.neighbor == m.address;
      case MatchKind::kPeerLocal:
        return ctx_.direction == Direction::kLocal;
      case MatchKind::kTag:
        return *match_.tag == m.value;
    }
    return false;
  }

  static std::uint32_t adjust(Adjust how, std::uint32_t current, std::uint32_t value) {
    // route_value_adjust(): saturating at both ends.
    switch (how) {
      case Adjust::kAdd:
        return current > UINT32_MAX - value ? UINT32_MAX : current + value;
      case Adjust::kSubtract:
        return current <= value ? 0 : current - value;
      case Adjust::kSet:
        break;
    }
    return value;
  }

  void prepend(const std::vector<std::uint32_t>& asns) {
    // aspath_prepend(): the ASNs go in front in the order written, joining the first segment
    // when it is an AS_SEQUENCE with room (RFC 4271 §4.3: at most 255 per segment).
    auto& path = target().attributes.as_path;
    if (!path) path.emplace();
    for (auto it = asns.rbegin(); it != asns.rend(); ++it) {
      auto& segments = path->segments;
      if (!segments.empty() && segments.front().type == wire::SegmentType::kAsSequence &&
          segments.front().asns.size() < 255) {
        segments.front().asns.insert(segments.front().asns.begin(), *it);
      } else {
        segments.insert(segments.begin(), wire::AsSegment{wire::SegmentType::kAsSequence, {*it}});
      }
    }
  }

  // route_set_community() / route_set_lcommunity(): `additive` merges with what the route has;
  // the result is sorted and unique either way.
  template <typename T>
  static void put_values(std::optional<std::vector<T>>& attribute, const std::vector<T>& values,
                         bool additive) {
    if (!additive || !attribute) {
      attribute = values;
      return;
    }
    auto merged = *attribute;
    merged.insert(merged.end(), values.begin(), values.end());
    attribute = sorted_unique(std::move(merged));
  }

  void set_ipv6_next_hop(const IpAddress& address, bool link_local) {
    if (is_v4()) return;  // the IPv6 next hop of an IPv4 route is not sent (no RFC 8950 yet)
    auto& reach = target().attributes.mp_reach;
    if (!reach) {
      reach.emplace();
      reach->afi_safi = wire::kIpv6Unicast;
    }
    (link_local ? reach->link_local_next_hop : reach->next_hop) = address;
    flags_.next_hop_changed = true;
  }

  void set_peer_address(bool v6) {
    // route_set_ip_nexthop() / route_set_ipv6_nexthop_peer(): inbound, the neighbor's address
    // (of the route's family); outbound, ours, filled in when the UPDATE is built.
    if (v6 == is_v4()) return;
    if (ctx_.direction == Direction::kOut) {
      flags_.next_hop_self = true;
      return;
    }
    if (ctx_.direction != Direction::kIn || !ctx_.neighbor) return;
    if (!v6 && ctx_.neighbor->is_v4()) {
      target().attributes.next_hop = *ctx_.neighbor;
      flags_.next_hop_changed = true;
    } else if (v6 && ctx_.neighbor->is_v6()) {
      set_ipv6_next_hop(*ctx_.neighbor, ctx_.neighbor->is_link_local());
    }
  }

  void apply(const Set& s) {
    wire::PathAttributes& a = target().attributes;
    switch (s.kind) {
      case SetKind::kLocalPreference: {
        // route_set_local_pref(): +/- start from the route's value, or the default when it
        // has none.
        std::uint32_t current = a.local_pref.value_or(0);
        if (current == 0) current = ctx_.default_local_pref;
        a.local_pref = adjust(s.adjust, current, s.value);
        break;
      }
      case SetKind::kMetric:
        a.med = adjust(s.adjust, a.med.value_or(0), s.value);
        break;
      case SetKind::kWeight:
        target().weight = adjust(s.adjust, 0, s.value);
        break;
      case SetKind::kCommunity:
        put_values(a.communities, s.communities, s.additive);
        break;
      case SetKind::kCommunityNone:
        a.communities.reset();
        break;
      case SetKind::kLargeCommunity:
        put_values(a.large_communities, s.large, s.additive);
        break;
      case SetKind::kLargeCommunityNone:
        a.large_communities.reset();
        break;
      case SetKind::kCommListDelete:
      case SetKind::kLargeCommListDelete: {
        bool large = s.kind == SetKind::kLargeCommListDelete;
        // A list that does not exist changes nothing (route_set_community_change()).
        if (const CommunityList* l =
                env_.policy ? env_.policy->find_community_list(large, s.name) : nullptr)
          community_list_delete(*l, a);
        break;
      }
      case SetKind::kAsPathPrepend:
        prepend(s.asns);
        break;
      case SetKind::kAsPathPrependLastAs: {
        // route_set_aspath_prepend(): the leftmost AS of a leading AS_SEQUENCE, N more times;
        // nothing when there is none (a local route).
        if (!a.as_path || a.as_path->segments.empty()) break;
        const auto& first = a.as_path->segments.front();
        if (first.type != wire::SegmentType::kAsSequence || first.asns.empty() ||
            first.asns.front() == 0)
          break;
        prepend(std::vector<std::uint32_t>(s.value, first.asns.front()));
        break;
      }
      case SetKind::kOrigin:
        a.origin = s.origin;
        break;
      case SetKind::kIpNextHop:
        if (!is_v4()) break;  // route_set_ip_nexthop() leaves IPv6 routes alone
        a.next_hop = s.address;
        flags_.next_hop_changed = true;
        break;
      case SetKind::kIpNextHopPeer:
        set_peer_address(false);
        break;
      case SetKind::kIpNextHopUnchanged:
        if (is_v4()) flags_.next_hop_unchanged = true;
        break;
      case SetKind::kIpv6NextHopGlobal:
        set_ipv6_next_hop(s.address, false);
        break;
      case SetKind::kIpv6NextHopLocal:
        set_ipv6_next_hop(s.address, true);
        break;
      case SetKind::kIpv6NextHopPeer:
        set_peer_address(true);
        break;
      case SetKind::kIpv6NextHopPreferGlobal:
        break;
      case SetKind::kTag:
        target().tag = s.value;
        break;
    }
  }

  const Environment& env_;
  const Context& ctx_;
  RouteView match_;
  Route* route_ = nullptr;                   // null until the first set (copy on write)
  std::optional<Route>* changed_ = nullptr;  // where the copy goes
  const Prefix& prefix_;                     // the changed route's
  Outcome flags_;
};

}  // namespace

std::optional<PrefixClasses> PrefixClasses::of(std::string_view map, const Environment& env) {
  PrefixClasses classes;
  const RouteMap* found = env.policy ? env.policy->find_route_map(map) : nullptr;
  std::vector<const RouteMap*> seen;
  if (found && !collect_prefix_clauses(*found, env, seen, classes.clauses_)) return std::nullopt;
  return classes;
}

std::uint64_t PrefixClasses::classify(const Environment& env, const Prefix& prefix) const {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < clauses_.size(); ++i)
    if (prefix_clause_matches(*clauses_[i], env, prefix)) bits |= std::uint64_t{1} << i;
  return bits;
}

bool reads_neighbor(std::string_view map, const Environment& env) {
  const RouteMap* found = env.policy ? env.policy->find_route_map(map) : nullptr;
  std::vector<const RouteMap*> seen;
  return found && reads_neighbor(*found, env, seen);
}

Outcome apply(const RouteMap& map, const Environment& env, const Context& ctx, Route& route) {
  Evaluator e(env, ctx, route, route);
  bool permit = e.run(map, 0);
  return e.outcome(permit);
}

Outcome apply(std::string_view name, const Environment& env, const Context& ctx, Route& route) {
  const RouteMap* map = env.policy ? env.policy->find_route_map(name) : nullptr;
  if (!map) return Outcome{};
  return apply(*map, env, ctx, route);
}

Outcome apply(std::string_view name, const Environment& env, const Context& ctx, RouteView route,
              std::optional<Route>& changed) {
  changed.reset();
  const RouteMap* map = env.policy ? env.policy->find_route_map(name) : nullptr;
  if (!map) return Outcome{};
  Evaluator e(env, ctx, route, changed);
  bool permit = e.run(*map, 0);
  return e.outcome(permit);
}

Outcome apply(std::string_view name, const Environment& env, const Context& ctx, const Route& match,
              Route& route) {
  const RouteMap* map = env.policy ? env.policy->find_route_map(name) : nullptr;
  if (!map) return Outcome{};
  Evaluator e(env, ctx, match, route);
  bool permit = e.run(*map, 0);
  return e.outcome(permit);
}

}  // namespace vipd::bgp::policy
