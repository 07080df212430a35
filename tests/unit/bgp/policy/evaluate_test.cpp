// Route-map evaluation as FRR does it. Each test names the FRR function whose behaviour is the
// expected value (FRR master, lib/routemap.c, bgpd/bgp_routemap.c, bgpd/bgp_clist.c,
// bgpd/bgp_filter.c, bgpd/bgp_regex.c, lib/filter.c, bgpd/bgp_route.c). Maps are written as
// config text and read by the real parser, so the grammar is exercised too.
#include <gtest/gtest.h>

#include <functional>

#include "bgp/config/parser.hpp"
#include "bgp/policy/evaluate.hpp"
#include "bgp/policy/text.hpp"
#include "policy_test_util.hpp"

namespace vipd::bgp::policy {
namespace {

using wire::AsPath;
using wire::AsSegment;
using wire::SegmentType;

Prefix P(const char* text) {
  return *Prefix::parse(text);
}
IpAddress A(const char* text) {
  return *IpAddress::parse(text);
}
std::uint32_t C(std::uint16_t high, std::uint16_t low) {
  return std::uint32_t{high} << 16 | low;
}

using test::parse_ok;

AsPath seq(std::vector<std::uint32_t> asns) {
  return AsPath{{AsSegment{SegmentType::kAsSequence, std::move(asns)}}};
}

Route route(const char* prefix) {
  Route r;
  r.prefix = P(prefix);
  r.attributes.origin = wire::Origin::kIgp;
  r.attributes.as_path = seq({65001, 65002});
  r.attributes.next_hop = A("192.0.2.1");
  return r;
}

struct Run {
  Outcome outcome;
  Route route;
};

// Applies map `name` of `config_text` to `r` inbound from 192.0.2.1.
Run run(const std::string& config_text, Route r, const char* name = "RM",
        Direction direction = Direction::kIn) {
  auto c = parse_ok(config_text);
  Context ctx;
  ctx.direction = direction;
  ctx.neighbor = A("192.0.2.1");
  ctx.local_address = A("192.0.2.254");
  auto env = c.policy_environment();
  const Route original = r;
  Outcome o = apply(name, env, ctx, r);
  // The copy-on-write form answers the same, with the same route, and leaves its input alone.
  std::optional<Route> changed;
  Outcome copied = apply(name, env, ctx, RouteView(original), changed);
  EXPECT_EQ(copied, o);
  if (o.permit) {
    const Route& result = changed ? *changed : original;
    EXPECT_EQ(result.attributes, r.attributes);
    EXPECT_EQ(result.weight, r.weight);
    EXPECT_EQ(result.tag, r.tag);
  }
  return {o, std::move(r)};
}

bool permits(const std::string& config_text, Route r, const char* name = "RM") {
  return run(config_text, std::move(r), name).outcome.permit;
}

// --- route_map_apply_ext(): entries, implicit deny, exit policies, call -------------------

TEST(RouteMapFlow, EntryWithoutMatchClausesMatchesEverything) {
  // route_map_apply_match(): an empty match list is RMAP_MATCH.
  EXPECT_TRUE(permits("route-map RM permit 10\n", route("10.0.0.0/8")));
  EXPECT_TRUE(permits("route-map RM permit 10\n", route("2001:db8::/32")));
}

TEST(RouteMapFlow, NothingMatchingDenies) {
  const char* text =
      "ip prefix-list PL seq 5 permit 10.0.0.0/8\n"
      "route-map RM permit 10\n match ip address prefix-list PL\n";
  EXPECT_TRUE(permits(text, route("10.0.0.0/8")));
  EXPECT_FALSE(permits(text, route("192.168.0.0/16")));  // implicit deny at the end
}

TEST(RouteMapFlow, DenyEntryDeniesAndFirstMatchBySequenceDecides) {
  // Entries are kept in sequence order whatever order they were written in.
  const char* text =
      "ip prefix-list PL seq 5 permit 10.0.0.0/8\n"
      "route-map RM permit 20\n"
      "route-map RM deny 10\n match ip address prefix-list PL\n";
  EXPECT_FALSE(permits(text, route("10.0.0.0/8")));
  EXPECT_TRUE(permits(text, route("172.16.0.0/12")));
}

TEST(RouteMapFlow, MissingMapDeniesAndEmptyMapDenies) {
  // bgp_input_modifier()/bgp_output_modifier(): a named map that does not exist denies;
  // route_map_apply_ext(): a map without entries denies.
  EXPECT_FALSE(permits("route-map OTHER permit 10\n", route("10.0.0.0/8"), "RM"));
  RouteMap empty{"E", {}};
  Route r = route("10.0.0.0/8");
  EXPECT_FALSE(apply(empty, Environment{}, Context{}, r).permit);
}

TEST(RouteMapFlow, SetsRunOnlyInTheMatchingPermitEntry) {
  const char* text =
      "ip prefix-list PL seq 5 permit 10.0.0.0/8\n"
      "route-map RM permit 10\n match ip address prefix-list PL\n set metric 5\n"
      "route-map RM permit 20\n set local-preference 300\n";
  auto r = run(text, route("192.168.0.0/16"));
  EXPECT_TRUE(r.outcome.permit);
  EXPECT_EQ(r.route.attributes.med, std::nullopt);
  EXPECT_EQ(r.route.attributes.local_pref, 300u);
}

TEST(RouteMapFlow, OnMatchNextRunsLaterEntriesToo) {
  const char* text =
      "route-map RM permit 10\n set metric 10\n on-match next\n"
      "route-map RM permit 20\n set local-preference 200\n";
  auto r = run(text, route("10.0.0.0/8"));
  EXPECT_TRUE(r.outcome.permit);
  EXPECT_EQ(r.route.attributes.med, 10u);
  EXPECT_EQ(r.route.attributes.local_pref, 200u);
}

TEST(RouteMapFlow, OnMatchNextIntoANonMatchingEntryDenies) {
  // route_map_apply_ext() sets ret = RMAP_DENYMATCH on every RMAP_NOMATCH, also after a permit
  // with `on-match next`, and returns it when no later entry matches. (Batfish issue #8593
  // models this as a permit; FRR's code, read at master, denies.)
  const char* text =
      "bgp community-list standard CL seq 5 permit 65000:1\n"
      "route-map RM permit 10\n set local-preference 150\n on-match next\n"
      "route-map RM permit 20\n match community CL\n set local-preference 200\n";
  auto plain = route("10.0.0.0/8");
  EXPECT_FALSE(permits(text, plain));
  auto tagged = route("10.0.0.0/8");
  tagged.attributes.communities = {{C(65000, 1)}};
  auto r = run(text, tagged);
  EXPECT_TRUE(r.outcome.permit);
  EXPECT_EQ(r.route.attributes.local_pref, 200u);
}

TEST(RouteMapFlow, CopyOnWriteOnlyWhenASetRunsAndLaterClausesSeeTheCopy) {
  auto c = parse_ok(
      "bgp community-list standard CL seq 5 permit 65000:1\n"
      "ip prefix-list TEN seq 5 permit 10.0.0.0/8 le 32\n"
      "route-map RM deny 5\n match ip address prefix-list TEN\n"
      "route-map RM permit 10\n match community CL\n set metric 1\n"
      "route-map RM permit 20\n set community 65000:1 additive\n on-match next\n"
      "route-map RM permit 30\n match community CL\n set local-preference 200\n");
  auto env = c.policy_environment();
  Context ctx;
  ctx.neighbor = A("192.0.2.1");
  std::optional<Route> changed;
  // Entry 10 matches and sets: the copy has the metric, the input is as it was.
  Route tagged = route("192.168.0.0/16");
  tagged.attributes.communities = {{C(65000, 1)}};
  EXPECT_TRUE(apply("RM", env, ctx, RouteView(tagged), changed).permit);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->attributes.med, 1u);
  EXPECT_EQ(tagged.attributes.med, std::nullopt);
  // Denied by entry 5 before any set: no copy.
  EXPECT_FALSE(apply("RM", env, ctx, RouteView(route("10.1.0.0/16")), changed).permit);
  EXPECT_FALSE(changed);
  // Entry 20 adds the community, entry 30 matches it on the copy (FRR's match and set functions
  // share one attr).
  Route plain = route("192.168.0.0/16");
  EXPECT_TRUE(apply("RM", env, ctx, RouteView(plain), changed).permit);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->attributes.local_pref, 200u);
  EXPECT_EQ(plain.attributes.communities, std::nullopt);
}

TEST(RouteMapFlow, NoSetNoCopy) {
  auto c = parse_ok("route-map RM permit 10\n");
  auto env = c.policy_environment();
  std::optional<Route> changed = route("10.0.0.0/8");
  EXPECT_TRUE(apply("RM", env, Context{}, RouteView(route("192.168.0.0/16")), changed).permit);
  EXPECT_FALSE(changed);
}

TEST(RouteMapFlow, OnMatchNextOffTheEndPermits) {
  auto r = run("route-map RM permit 10\n set metric 7\n on-match next\n", route("10.0.0.0/8"));
  EXPECT_TRUE(r.outcome.permit);
  EXPECT_EQ(r.route.attributes.med, 7u);
}

TEST(RouteMapFlow, OnMatchGotoAndContinueSkipToTheTarget) {
  for (const char* jump : {" on-match goto 30\n", " continue 30\n", " continue 25\n"}) {
    std::string text = std::string("route-map RM permit 10\n set metric 1\n") + jump +
                       "route-map RM permit 20\n set metric 20\n"
                       "route-map RM permit 30\n set local-preference 300\n";
    auto r = run(text, route("10.0.0.0/8"));
    EXPECT_TRUE(r.outcome.permit) << jump;
    EXPECT_EQ(r.route.attributes.med, 1u) << jump;  // entry 20 skipped
    EXPECT_EQ(r.route.attributes.local_pref, 300u) << jump;
  }
}

TEST(RouteMapFlow, GotoPastTheLastEntryPermits) {
  // route_map_action_goto_null: no entry at or after the target, the route is permitted.
  EXPECT_TRUE(permits("route-map RM permit 10\n on-match goto 50\nroute-map RM deny 20\n",
                      route("10.0.0.0/8")));
}

TEST(RouteMapFlow, BareContinueIsOnMatchNext) {
  auto c = parse_ok("route-map RM permit 10\n continue\n");
  EXPECT_EQ(c.policy.route_maps[0].entries[0].exit, ExitPolicy::kNext);
}

TEST(RouteMapFlow, OnMatchIsRefusedOnDenyEntriesAndBackwards) {
  // lib_route_map_entry_exit_policy_modify() / _goto_value_modify() validation.
  EXPECT_FALSE(config::parse_config("route-map RM deny 10\n on-match next\n", "t").ok());
  EXPECT_FALSE(config::parse_config("route-map RM permit 10\n on-match goto 10\n", "t").ok());
  EXPECT_FALSE(config::parse_config("route-map RM permit 20\n continue 5\n", "t").ok());
}

TEST(RouteMapFlow, CallDeniedByTheCalledMapDeniesTheRoute) {
  const char* text =
      "ip prefix-list PL seq 5 permit 10.0.0.0/8\n"
      "route-map SUB deny 10\n match ip address prefix-list PL\n"
      "route-map SUB permit 20\n set weight 7\n"
      "route-map RM permit 10\n set metric 3\n call SUB\n";
  EXPECT_FALSE(permits(text, route("10.0.0.0/8")));
  auto r = run(text, route("172.16.0.0/12"));
  EXPECT_TRUE(r.outcome.permit);
  EXPECT_EQ(r.route.attributes.med, 3u);
  EXPECT_EQ(r.route.weight, 7u);  // the called map's sets apply to the same route
}

TEST(RouteMapFlow, CallOfAMissingMapIsSkippedAndRecursionDenies) {
  EXPECT_TRUE(permits("route-map RM permit 10\n call NOPE\n", route("10.0.0.0/8")));
  // RMAP_RECURSION_LIMIT: a map calling itself ends in deny.
  EXPECT_FALSE(permits("route-map RM permit 10\n call RM\n", route("10.0.0.0/8")));
}

TEST(RouteMapFlow, AllMatchClausesMustMatch) {
  const char* text =
      "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 32\n"
      "route-map RM permit 10\n match ip address prefix-list PL\n match metric 5\n";
  auto r = route("10.1.0.0/16");
  EXPECT_FALSE(permits(text, r));
  r.attributes.med = 5;
  EXPECT_TRUE(permits(text, r));
  EXPECT_FALSE(permits(text, [&] {
    auto x = route("11.0.0.0/8");
    x.attributes.med = 5;
    return x;
  }()));
}

TEST(RouteMapFlow, ASecondMatchOfTheSameKindReplacesTheFirst) {
  // route_map_add_match(): one rule per command; `match community B` replaces `... A`.
  auto c =
      parse_ok("route-map RM permit 10\n match community A\n match metric 1\n match community B\n");
  const auto& matches = c.policy.route_maps[0].entries[0].matches;
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].kind, MatchKind::kMetric);
  EXPECT_EQ(matches[1].name, "B");
}

TEST(RouteMapFlow, ListsThatDoNotExistNeverMatch) {
  // route_match_*(): a missing list is RMAP_NOMATCH for every kind of list.
  for (const char* clause :
       {"match ip address prefix-list NOPE", "match ip address NOPE", "match community NOPE",
        "match large-community NOPE", "match as-path NOPE", "match ip next-hop NOPE"}) {
    std::string text = std::string("route-map RM permit 10\n ") + clause + "\n";
    EXPECT_FALSE(permits(text, route("10.0.0.0/8"))) << clause;
  }
}

// --- match clauses --------------------------------------------------------------------------

TEST(RouteMapMatch, PrefixListsByFamily) {
  const char* text =
      "ip prefix-list V4 seq 5 permit any\n"
      "ipv6 prefix-list V6 seq 5 permit 2001:db8::/32 le 64\n"
      "route-map M4 permit 10\n match ip address prefix-list V4\n"
      "route-map M6 permit 10\n match ipv6 address prefix-list V6\n";
  EXPECT_TRUE(permits(text, route("10.0.0.0/8"), "M4"));
  EXPECT_FALSE(permits(text, route("2001:db8::/48"), "M4"));  // IPv4 list, IPv6 route
  EXPECT_TRUE(permits(text, route("2001:db8::/48"), "M6"));
  EXPECT_FALSE(permits(text, route("2001:db9::/48"), "M6"));
}

TEST(RouteMapMatch, AccessListZebraAndCiscoForms) {
  // filter_match_zebra(): prefix inside, exact-match also the length; filter_match_cisco_ipv4():
  // address under the wildcard, any length.
  const char* text =
      "access-list Z seq 5 permit 10.0.0.0/8\n"
      "access-list X seq 5 permit 10.0.0.0/8 exact-match\n"
      "access-list 1 permit 172.16.0.0 0.0.255.255\n"
      "access-list H deny host 192.168.1.0\n"
      "access-list H permit any\n"
      "route-map Z permit 10\n match ip address Z\n"
      "route-map X permit 10\n match ip address X\n"
      "route-map ONE permit 10\n match ip address 1\n"
      "route-map H permit 10\n match ip address H\n";
  EXPECT_TRUE(permits(text, route("10.1.0.0/16"), "Z"));
  EXPECT_FALSE(permits(text, route("11.0.0.0/8"), "Z"));
  EXPECT_TRUE(permits(text, route("10.0.0.0/8"), "X"));
  EXPECT_FALSE(permits(text, route("10.1.0.0/16"), "X"));
  EXPECT_TRUE(permits(text, route("172.16.5.0/24"), "ONE"));
  EXPECT_FALSE(permits(text, route("172.17.0.0/16"), "ONE"));
  EXPECT_FALSE(permits(text, route("192.168.1.0/24"), "H"));
  EXPECT_TRUE(permits(text, route("192.168.2.0/24"), "H"));
  EXPECT_FALSE(permits(text, route("2001:db8::/32"), "Z"));  // `match ip address`: IPv4 only
}

TEST(RouteMapMatch, StandardCommunityListIsSubsetOrExact) {
  // community_list_match() (community_match(): every value of the entry on the route) and
  // community_list_exact_match() (community_cmp()).
  const char* text =
      "bgp community-list standard CL seq 5 permit 65000:1 65000:2\n"
      "route-map RM permit 10\n match community CL\n"
      "route-map EX permit 10\n match community CL exact-match\n";
  auto r = route("10.0.0.0/8");
  r.attributes.communities = {{C(65000, 2), C(65000, 1), C(65000, 3)}};
  EXPECT_TRUE(permits(text, r));
  EXPECT_FALSE(permits(text, r, "EX"));
  r.attributes.communities = {{C(65000, 2), C(65000, 1)}};
  EXPECT_TRUE(permits(text, r, "EX"));
  r.attributes.communities = {{C(65000, 1)}};
  EXPECT_FALSE(permits(text, r));
  r.attributes.communities.reset();
  EXPECT_FALSE(permits(text, r));
}

TEST(RouteMapMatch, CommunityListFirstEntryDecidesAndDenyEntries) {
  const char* text =
      "bgp community-list 10 deny no-export\n"
      "bgp community-list 10 permit 65000:1\n"
      "route-map RM permit 10\n match community 10\n";
  auto r = route("10.0.0.0/8");
  r.attributes.communities = {{C(65000, 1)}};
  EXPECT_TRUE(permits(text, r));
  r.attributes.communities = {{C(65000, 1), community::kNoExport}};
  EXPECT_FALSE(permits(text, r));
}

TEST(RouteMapMatch, ExpandedCommunityListRegexOnTheSortedString) {
  // community_regexp_match(): the regex runs on "AA:NN AA:NN ..." in sorted order, with
  // well-known names; a route without communities never matches, not even `.*`.
  const char* text =
      "bgp community-list expanded E seq 5 permit ^65000:1 65000:2$\n"
      "bgp community-list 100 permit .*\n"
      "bgp community-list expanded N permit _no-export_\n"
      "route-map RM permit 10\n match community E\n"
      "route-map ALL permit 10\n match community 100\n"
      "route-map NE permit 10\n match community N\n";
  auto r = route("10.0.0.0/8");
  r.attributes.communities = {{C(65000, 2), C(65000, 1)}};
  EXPECT_TRUE(permits(text, r));
  EXPECT_TRUE(permits(text, r, "ALL"));
  r.attributes.communities = {{C(65000, 2), C(65000, 1), community::kNoExport}};
  EXPECT_FALSE(permits(text, r));
  EXPECT_TRUE(permits(text, r, "NE"));
  r.attributes.communities.reset();
  EXPECT_FALSE(permits(text, r, "ALL"));
}

TEST(RouteMapMatch, LargeCommunityList) {
  const char* text =
      "bgp large-community-list standard L seq 5 permit 65000:1:1\n"
      "bgp large-community-list expanded LE permit ^65000:2:\n"
      "route-map RM permit 10\n match large-community L\n"
      "route-map RE permit 10\n match large-community LE\n";
  auto r = route("10.0.0.0/8");
  r.attributes.large_communities = {{{65000, 1, 1}, {65000, 9, 9}}};
  EXPECT_TRUE(permits(text, r));
  EXPECT_FALSE(permits(text, r, "RE"));
  r.attributes.large_communities = {{{65000, 2, 5}}};
  EXPECT_FALSE(permits(text, r));
  EXPECT_TRUE(permits(text, r, "RE"));
}

TEST(RouteMapMatch, AsPathRegexWithUnderscore) {
  // bgp_regcomp(): `_` is (^|[,{}() ]|$); as_list_apply(): first match decides, none denies.
  struct Case {
    const char* regex;
    AsPath path;
    bool match;
  };
  AsPath with_set{{AsSegment{SegmentType::kAsSequence, {65001}},
                   AsSegment{SegmentType::kAsSet, {65010, 65020}}}};
  const Case cases[] = {
      {"_65002_", seq({65001, 65002, 65003}), true},
      {"_65002_", seq({65001, 650020}), false},
      {"^65001_", seq({65001, 65002}), true},
      {"^65001_", seq({65002, 65001}), false},
      {"_65002$", seq({65001, 65002}), true},  // originated by 65002
      {"^$", AsPath{}, true},                  // locally originated
      {"^$", seq({65001}), false},
      {"_65020_", with_set, true},  // `{65010,65020}`: `,` and `}` are boundaries
      {"^65001 [0-9]+$", seq({65001, 7}), true},
      {".*", AsPath{}, true},
  };
  for (const auto& c : cases) {
    std::string text = std::string("bgp as-path access-list AP permit ") + c.regex +
                       "\nroute-map RM permit 10\n match as-path AP\n";
    auto r = route("10.0.0.0/8");
    r.attributes.as_path = c.path;
    EXPECT_EQ(permits(text, r), c.match) << c.regex << " on '" << as_path_to_string(c.path) << "'";
  }
  const char* deny_first =
      "bgp as-path access-list AP seq 5 deny _666_\n"
      "bgp as-path access-list AP seq 10 permit .*\n"
      "route-map RM permit 10\n match as-path AP\n";
  auto r = route("10.0.0.0/8");
  r.attributes.as_path = seq({65001, 666});
  EXPECT_FALSE(permits(deny_first, r));
  r.attributes.as_path = seq({65001, 667});
  EXPECT_TRUE(permits(deny_first, r));
}

TEST(RouteMapMatch, ScalarsAndPeer) {
  struct Case {
    const char* clause;
    std::function<void(Route&)> change;
    bool match;
  };
  const Case cases[] = {
      // route_match_metric(): attr->med is 0 when the route has no MED.
      {"match metric 0", [](Route&) {}, true},
      {"match metric 10", [](Route& r) { r.attributes.med = 10; }, true},
      {"match metric 10", [](Route& r) { r.attributes.med = 11; }, false},
      {"match local-preference 200", [](Route& r) { r.attributes.local_pref = 200; }, true},
      {"match origin igp", [](Route&) {}, true},
      {"match origin incomplete", [](Route&) {}, false},
      {"match origin egp", [](Route& r) { r.attributes.origin = wire::Origin::kEgp; }, true},
      {"match tag untagged", [](Route&) {}, true},
      {"match tag 7", [](Route& r) { r.tag = 7; }, true},
      {"match tag 7", [](Route&) {}, false},
      // route_match_peer(): the neighbor the map is applied for.
      {"match peer 192.0.2.1", [](Route&) {}, true},
      {"match peer 192.0.2.2", [](Route&) {}, false},
      {"match peer local", [](Route&) {}, false},
  };
  for (const auto& c : cases) {
    auto r = route("10.0.0.0/8");
    c.change(r);
    std::string text = std::string("route-map RM permit 10\n ") + c.clause + "\n";
    EXPECT_EQ(permits(text, r), c.match) << c.clause;
  }
  // `match peer local`: network/redistribute routes (PEER_RMAP_TYPE_NETWORK/REDISTRIBUTE).
  EXPECT_TRUE(run("route-map RM permit 10\n match peer local\n", route("10.0.0.0/8"), "RM",
                  Direction::kLocal)
                  .outcome.permit);
}

TEST(RouteMapMatch, NextHopAccessListAndPrefixList) {
  const char* text =
      "access-list NH permit 192.0.2.0/24\n"
      "ip prefix-list NHP seq 5 permit 198.51.100.1/32\n"
      "route-map A permit 10\n match ip next-hop NH\n"
      "route-map P permit 10\n match ip next-hop prefix-list NHP\n";
  auto r = route("10.0.0.0/8");
  EXPECT_TRUE(permits(text, r, "A"));
  EXPECT_FALSE(permits(text, r, "P"));
  r.attributes.next_hop = A("198.51.100.1");
  EXPECT_FALSE(permits(text, r, "A"));
  EXPECT_TRUE(permits(text, r, "P"));
}

// --- set clauses ----------------------------------------------------------------------------

TEST(RouteMapSet, LocalPreferenceAndMetricAdjustments) {
  // route_set_local_pref(): +/- from the route's value, or `bgp default local-preference`;
  // route_set_metric(): from the MED or 0; route_value_adjust() saturates.
  struct Case {
    const char* clause;
    std::optional<std::uint32_t> before;
    std::uint32_t lp;  // expected for local-preference
  };
  for (const Case& c : {Case{"200", std::nullopt, 200}, Case{"+50", std::nullopt, 150},
                        Case{"+50", 300, 350}, Case{"-150", std::nullopt, 0}, Case{"-10", 300, 290},
                        Case{"+1", 4294967295u, 4294967295u}}) {
    auto r = route("10.0.0.0/8");
    r.attributes.local_pref = c.before;
    auto out =
        run(std::string("route-map RM permit 10\n set local-preference ") + c.clause + "\n", r);
    EXPECT_EQ(out.route.attributes.local_pref, c.lp) << c.clause;
  }
  auto r = route("10.0.0.0/8");
  EXPECT_EQ(run("route-map RM permit 10\n set metric +5\n", r).route.attributes.med, 5u);
  r.attributes.med = 20;
  EXPECT_EQ(run("route-map RM permit 10\n set metric -5\n", r).route.attributes.med, 15u);
  EXPECT_EQ(run("route-map RM permit 10\n set metric -50\n", r).route.attributes.med, 0u);
  EXPECT_EQ(run("route-map RM permit 10\n set metric 7\n", r).route.attributes.med, 7u);
  EXPECT_EQ(run("route-map RM permit 10\n set weight 100\n", r).route.weight, 100u);
}

TEST(RouteMapSet, CommunityReplaceAdditiveNone) {
  // route_set_community(): replace, or `additive` merge; sorted and unique (community_uniq_sort).
  auto r = route("10.0.0.0/8");
  r.attributes.communities = {{C(65000, 9)}};
  auto replaced = run("route-map RM permit 10\n set community 65000:2 no-export 65000:1\n", r);
  EXPECT_EQ(replaced.route.attributes.communities,
            (std::vector<std::uint32_t>{C(65000, 1), C(65000, 2), community::kNoExport}));
  auto added = run("route-map RM permit 10\n set community 65000:1 65000:9 additive\n", r);
  EXPECT_EQ(added.route.attributes.communities,
            (std::vector<std::uint32_t>{C(65000, 1), C(65000, 9)}));
  auto none = run("route-map RM permit 10\n set community none\n", r);
  EXPECT_EQ(none.route.attributes.communities, std::nullopt);
  auto fresh = route("10.0.0.0/8");
  auto added_to_nothing = run("route-map RM permit 10\n set community 65000:1 additive\n", fresh);
  EXPECT_EQ(added_to_nothing.route.attributes.communities,
            (std::vector<std::uint32_t>{C(65000, 1)}));
}

TEST(RouteMapSet, CommListDelete) {
  // community_list_match_delete(): per value, the first entry including it decides; permit
  // deletes. route_set_community_change(): an empty result removes the attribute.
  const char* text =
      "bgp community-list standard DEL seq 5 deny 65000:1\n"
      "bgp community-list standard DEL seq 10 permit 65000:1 65000:2 65000:3\n"
      "bgp community-list expanded RX permit ^65001:\n"
      "route-map RM permit 10\n set comm-list DEL delete\n"
      "route-map RX permit 10\n set comm-list RX delete\n"
      "route-map ALL permit 10\n set comm-list DEL delete\n";
  auto r = route("10.0.0.0/8");
  r.attributes.communities = {{C(65000, 1), C(65000, 2), C(65000, 3), C(65000, 4)}};
  EXPECT_EQ(run(text, r).route.attributes.communities,
            (std::vector<std::uint32_t>{C(65000, 1), C(65000, 4)}));
  r.attributes.communities = {{C(65001, 1), C(65001, 2), C(65002, 1)}};
  EXPECT_EQ(run(text, r, "RX").route.attributes.communities,
            (std::vector<std::uint32_t>{C(65002, 1)}));
  r.attributes.communities = {{C(65000, 2)}};
  EXPECT_EQ(run(text, r, "ALL").route.attributes.communities, std::nullopt);
}

TEST(RouteMapSet, LargeCommunity) {
  auto r = route("10.0.0.0/8");
  r.attributes.large_communities = {{{65000, 1, 1}}};
  auto out = run("route-map RM permit 10\n set large-community 65000:0:5 additive\n", r);
  EXPECT_EQ(out.route.attributes.large_communities,
            (std::vector<wire::LargeCommunity>{{65000, 0, 5}, {65000, 1, 1}}));
  auto del =
      run("bgp large-community-list standard L permit 65000:1:1\n"
          "route-map RM permit 10\n set large-comm-list L delete\n",
          r);
  EXPECT_EQ(del.route.attributes.large_communities, std::nullopt);
}

TEST(RouteMapSet, AsPathPrepend) {
  // aspath_prepend(): the given ASNs in front, in order; `last-as N`: the leftmost AS N times.
  auto r = route("10.0.0.0/8");
  EXPECT_EQ(
      run("route-map RM permit 10\n set as-path prepend 64512 64513\n", r).route.attributes.as_path,
      seq({64512, 64513, 65001, 65002}));
  EXPECT_EQ(
      run("route-map RM permit 10\n set as-path prepend last-as 2\n", r).route.attributes.as_path,
      seq({65001, 65001, 65001, 65002}));
  r.attributes.as_path = AsPath{};
  EXPECT_EQ(
      run("route-map RM permit 10\n set as-path prepend last-as 2\n", r).route.attributes.as_path,
      AsPath{});  // nothing to repeat on a local route
}

TEST(RouteMapSet, OriginTagNextHops) {
  auto r = route("10.0.0.0/8");
  EXPECT_EQ(run("route-map RM permit 10\n set origin incomplete\n", r).route.attributes.origin,
            wire::Origin::kIncomplete);
  EXPECT_EQ(run("route-map RM permit 10\n set tag 42\n", r).route.tag, 42u);
  auto hop = run("route-map RM permit 10\n set ip next-hop 198.51.100.7\n", r);
  EXPECT_EQ(hop.route.attributes.next_hop, A("198.51.100.7"));
  EXPECT_TRUE(hop.outcome.next_hop_changed);
  // route_set_ip_nexthop(): peer-address is the neighbor inbound, our address outbound.
  r.attributes.next_hop = A("203.0.113.9");
  auto in = run("route-map RM permit 10\n set ip next-hop peer-address\n", r);
  EXPECT_EQ(in.route.attributes.next_hop, A("192.0.2.1"));
  auto out =
      run("route-map RM permit 10\n set ip next-hop peer-address\n", r, "RM", Direction::kOut);
  EXPECT_TRUE(out.outcome.next_hop_self);
  auto unchanged =
      run("route-map RM permit 10\n set ip next-hop unchanged\n", r, "RM", Direction::kOut);
  EXPECT_TRUE(unchanged.outcome.next_hop_unchanged);
  // route_set_ip_nexthop() leaves IPv6 routes alone; `set ipv6 next-hop global` sets theirs.
  auto v6 = route("2001:db8::/32");
  v6.attributes.next_hop.reset();
  EXPECT_EQ(
      run("route-map RM permit 10\n set ip next-hop 198.51.100.7\n", v6).route.attributes.next_hop,
      std::nullopt);
  auto g = run("route-map RM permit 10\n set ipv6 next-hop global 2001:db8::1\n", v6);
  ASSERT_TRUE(g.route.attributes.mp_reach);
  EXPECT_EQ(g.route.attributes.mp_reach->next_hop, A("2001:db8::1"));
}

TEST(RouteMapSet, LaterSetOfTheSameKindReplaces) {
  // route_map_add_set(): `set community none` replaces an earlier `set community X`.
  auto c = parse_ok("route-map RM permit 10\n set community 65000:1\n set community none\n");
  ASSERT_EQ(c.policy.route_maps[0].entries[0].sets.size(), 1u);
  EXPECT_EQ(c.policy.route_maps[0].entries[0].sets[0].kind, SetKind::kCommunityNone);
}

}  // namespace
}  // namespace vipd::bgp::policy

namespace vipd::bgp::policy {
namespace {

// Conditional default-originate (FRR's subgroup_default_originate() calls
// route_map_apply_ext() with the Loc-RIB path as match object and the default as set object):
// the clauses see one route, the sets change the other; the outcome names the entry.
TEST(RouteMapSplit, ClausesMatchOneRouteSetsChangeTheOther) {
  auto c = parse_ok(
      "ip prefix-list UP seq 5 permit 203.0.113.0/24\n"
      "route-map RM permit 20\n match ip address prefix-list UP\n match metric 5\n"
      " set metric 50\n set community 65000:99\n");
  Environment env = c.policy_environment();
  Context ctx;
  Route matched = route("203.0.113.0/24");
  matched.attributes.med = 5;
  Route def;
  def.prefix = P("0.0.0.0/0");
  def.attributes.as_path.emplace();
  Outcome o = apply("RM", env, ctx, matched, def);
  EXPECT_TRUE(o.permit);
  EXPECT_EQ(o.seq, 20u);
  EXPECT_EQ(def.attributes.med, 50u);
  EXPECT_EQ(def.attributes.communities, (std::vector<std::uint32_t>{C(65000, 99)}));
  EXPECT_EQ(matched.attributes.med, 5u);  // the matched route is not changed
  // The clauses look at the match object only: the default's prefix and MED do not match.
  Route other = route("198.51.100.0/24");
  other.attributes.med = 5;
  Route def2 = def;
  EXPECT_FALSE(apply("RM", env, ctx, other, def2).permit);
}

}  // namespace
}  // namespace vipd::bgp::policy
