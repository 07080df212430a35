// Applying a route map to one route, as FRR's route_map_apply_ext() does: entries in sequence
// order, the first whose match clauses all match decides; a permit entry runs its sets, then
// `call`, then its exit policy (`on-match next|goto`, `continue N`); nothing matching denies.
// Pure: no tables, no sockets; the lists the clauses name come from an Environment.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "bgp/policy/policy.hpp"
#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::policy {

// What the map reads and changes: the prefix, the path attributes and the two values FRR keeps
// beside them (attr->weight, attr->tag).
struct Route {
  Prefix prefix;
  wire::PathAttributes attributes;
  std::uint32_t weight = 0;  // local to this router (`set weight`, `neighbor A weight`)
  std::uint32_t tag = 0;     // route tag of redistributed routes; 0: untagged
};

// A route the map reads without a copy of it: the copy-on-write apply() below.
struct RouteView {
  RouteView(const Route& route)  // NOLINT(google-explicit-constructor): a Route is a view
      : prefix(&route.prefix),
        attributes(&route.attributes),
        weight(&route.weight),
        tag(&route.tag) {}
  RouteView(const Prefix& p, const wire::PathAttributes& a, const std::uint32_t& w,
            const std::uint32_t& t)
      : prefix(&p), attributes(&a), weight(&w), tag(&t) {}
  Route copy() const { return Route{*prefix, *attributes, *weight, *tag}; }
  const Prefix* prefix;
  const wire::PathAttributes* attributes;
  const std::uint32_t* weight;
  const std::uint32_t* tag;
};

// Where the map is applied (FRR's peer->rmap_type).
enum class Direction : std::uint8_t {
  kIn,     // `neighbor A route-map NAME in`
  kOut,    // `neighbor A route-map NAME out`
  kLocal,  // `network ... route-map`, `redistribute ... route-map`, `table-map`
};

struct Context {
  Direction direction = Direction::kIn;
  // The neighbor of the session the map is applied on (route_match_peer() compares against
  // it; `set ip next-hop peer-address` uses it inbound).
  std::optional<IpAddress> neighbor;
  // Our address on that session (`set ip next-hop peer-address` outbound).
  std::optional<IpAddress> local_address;
  // `bgp default local-preference`: what `set local-preference +N` adds to when the route has
  // none (route_set_local_pref()).
  std::uint32_t default_local_pref = 100;
};

// The named lists the clauses refer to. `prefix_list` answers `ip prefix-list` / `ipv6
// prefix-list` (kept in bgp/config): nullopt when no list of that name exists, else whether it
// permits the prefix.
struct Environment {
  const PolicyConfig* policy = nullptr;
  std::function<std::optional<bool>(Family, std::string_view, const Prefix&)> prefix_list;
};

struct Outcome {
  bool permit = false;
  // Set by `set ip next-hop ...` / `set ipv6 next-hop ...`: the export rules leave the next hop
  // the map chose (FRR's BATTR_RMAP_*_CHANGED flags).
  bool next_hop_changed = false;
  // `set ip next-hop unchanged` (outbound): the next hop goes out as it is in the Loc-RIB.
  bool next_hop_unchanged = false;
  // `set ip|ipv6 next-hop peer-address` outbound: our own address on the session.
  bool next_hop_self = false;
  // The sequence number of the first permit entry that matched (FRR's `pref` of
  // route_map_apply_ext()); 0 when none did.
  std::uint32_t seq = 0;
  bool operator==(const Outcome&) const = default;
};

// FRR: a route map that has no entries, or that recursed through `call` more than 10 levels
// (RMAP_RECURSION_LIMIT), denies.
inline constexpr int kRecursionLimit = 10;

// Applies `map` to `route`, changing it in place (only meaningful when the outcome permits).
Outcome apply(const RouteMap& map, const Environment& env, const Context& ctx, Route& route);
// Applies the map named `name`; a name with no map denies, as bgp_input_modifier() and
// bgp_output_modifier() do for `neighbor A route-map NAME in|out`.
Outcome apply(std::string_view name, const Environment& env, const Context& ctx, Route& route);

// As apply(name, env, ctx, route) without changing `route`: a copy of it goes to `changed`
// when a set clause runs, and the clauses after that match the copy. Empty `changed`: the
// route passes as it is (most routes cross an IXP's filters unchanged, and need no copy).
Outcome apply(std::string_view name, const Environment& env, const Context& ctx, RouteView route,
              std::optional<Route>& changed);

// FRR's route_map_apply_ext() with a match object apart from the set object: the clauses look
// at `match`, the sets change `route` (conditional default-originate: a Loc-RIB route decides,
// the originated default is shaped).
Outcome apply(std::string_view name, const Environment& env, const Context& ctx, const Route& match,
              Route& route);

// The clauses of a route map, and of the maps it calls, whose answer depends on the route's
// prefix: `match ip|ipv6 address prefix-list NAME` and `match ip|ipv6 address NAME`. Every other
// clause and every set reads or writes the attributes, the values kept beside them and the
// context (the prefix's family aside), so for routes whose weight and tag come from their
// attributes (a neighbor's routes, inbound and outbound) apply()'s outcome is the same for two
// routes of one family with equal attributes, context and classify() answer. A caller may then
// evaluate the map once per attribute set and class instead of once per prefix: a route server's
// table holds a few prefixes per attribute set, and few classes.
class PrefixClasses {
 public:
  static constexpr std::size_t kMaxClauses = 64;  // one bit each
  // The map named `map` and what it calls, as `env` holds them (the clauses are referred to,
  // not copied: `env.policy` must outlive the result). nullopt: more than kMaxClauses distinct
  // prefix clauses.
  static std::optional<PrefixClasses> of(std::string_view map, const Environment& env);
  // Bit i is whether clause i matches `prefix`.
  std::uint64_t classify(const Environment& env, const Prefix& prefix) const;
  // The clauses, bit i for clause i: a caller may bind them to the lists they name once.
  const std::vector<const Match*>& clauses() const { return clauses_; }

 private:
  std::vector<const Match*> clauses_;
};

// Whether the map named `map` or a map it calls reads who the neighbor is (`match peer A`):
// an outbound map that does not gives every receiver of one update group the same result.
bool reads_neighbor(std::string_view map, const Environment& env);

// The list semantics the match clauses use, exposed for `show` and tests.
// community_list_match(): the first entry whose communities are all on the route (standard) or
// whose regex matches the route's community string (expanded) decides; no match: false.
bool community_list_match(const CommunityList& list, const wire::PathAttributes& attrs, bool exact);
// as_list_apply().
bool as_path_list_permits(const AsPathList& list, const wire::AsPath& path);
// community_list_match_delete(): the communities (or large communities) the list permits.
void community_list_delete(const CommunityList& list, wire::PathAttributes& attrs);

}  // namespace vipd::bgp::policy
