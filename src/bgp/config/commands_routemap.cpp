// Routing policy commands, in FRR's grammar: `route-map NAME permit|deny SEQ` blocks with their
// match/set/on-match/call lines (lib/routemap_cli.c, bgpd/bgp_routemap.c), `access-list` and
// `ipv6 access-list` (lib/filter_cli.c), `bgp community-list`, `bgp large-community-list`,
// `bgp as-path access-list` (bgpd/bgp_vty.c, bgpd/bgp_filter.c; quagga's `ip community-list` and
// `ip as-path access-list` are read as the same), and `neighbor A route-map NAME in|out`.
// The values are parsed by bgp/policy/text.hpp; the semantics are in bgp/policy/evaluate.hpp.
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"
#include "bgp/policy/text.hpp"

namespace vipd::bgp::config::detail {
namespace {

using policy::Match;
using policy::MatchKind;
using policy::Set;
using policy::SetKind;

// FRR's auto sequence numbers: the next multiple of 5 above the highest (bgp_clist_new_seq_get(),
// bgp_alist_new_seq_get(), acl_get_seq()).
template <typename Entries>
std::int64_t next_seq(const Entries& entries) {
  std::int64_t high = 0;
  for (const auto& e : entries) high = std::max<std::int64_t>(high, e.seq);
  return high / 5 * 5 + 5;
}

// Inserts by seq; an entry with the same seq is replaced.
template <typename Entries, typename Entry>
void put(Entries& entries, Entry e) {
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const auto& x) { return x.seq >= e.seq; });
  if (it != entries.end() && it->seq == e.seq)
    *it = std::move(e);
  else
    entries.insert(it, std::move(e));
}

// Adds a new list where FRR's order puts it (PolicyConfig).
template <typename Lists, typename Less>
auto& insert_sorted(Lists& lists, typename Lists::value_type list, Less less) {
  auto it = std::find_if(lists.begin(), lists.end(), [&](const auto& x) { return less(list, x); });
  return *lists.insert(it, std::move(list));
}

// The route-map entry the session is in: the node's argument is "NAME SEQ".
policy::RouteMapEntry* current_entry(const Context& ctx, const Session& s) {
  auto arg = s.argument_of(kRouteMapNode);
  if (!arg) return nullptr;
  auto space = arg->rfind(' ');
  if (space == std::string::npos) return nullptr;
  auto* map = ctx.target().policy.find_route_map(arg->substr(0, space));
  if (!map) return nullptr;
  auto seq = number(std::string_view(*arg).substr(space + 1));
  for (auto& e : map->entries)
    if (e.seq == seq) return &e;
  return nullptr;
}

using EntryBody = std::function<CommandResult(policy::RouteMapEntry&, const Invocation&)>;

void on_entry(CommandTree& tree, std::string_view pattern, std::string_view help,
              const ContextPtr& ctx, EntryBody body) {
  tree.install(kRouteMapNode, pattern, help,
               [ctx, body = std::move(body)](const Invocation& inv, Session& s) {
                 auto* entry = current_entry(*ctx, s);
                 if (!entry) return fail("The route-map entry no longer exists");
                 return body(*entry, inv);
               });
}

std::optional<wire::Origin> origin_of(std::string_view word) {
  if (word == "igp") return wire::Origin::kIgp;
  if (word == "egp") return wire::Origin::kEgp;
  if (word == "incomplete") return wire::Origin::kIncomplete;
  return std::nullopt;
}

// `match ...` lines: the pattern after `match` and how to build the clause.
struct MatchSyntax {
  const char* pattern;
  MatchKind kind;
  const char* help;
};

constexpr MatchSyntax kMatches[] = {
    {"ip address prefix-list WORD$name", MatchKind::kIpAddressPrefixList,
     "Match entries of prefix-lists"},
    {"ipv6 address prefix-list WORD$name", MatchKind::kIpv6AddressPrefixList,
     "Match entries of prefix-lists"},
    {"ip address WORD$name", MatchKind::kIpAddressAccessList, "Match address of route"},
    {"ipv6 address WORD$name", MatchKind::kIpv6AddressAccessList, "Match IPv6 address of route"},
    {"ip next-hop WORD$name", MatchKind::kIpNextHopAccessList, "Match next-hop address of route"},
    {"ip next-hop prefix-list WORD$name", MatchKind::kIpNextHopPrefixList,
     "Match entries of prefix-lists"},
    {"ipv6 next-hop [address] X:X::X:X$addr", MatchKind::kIpv6NextHopAddress,
     "Match IPv6 next-hop address of route"},
    {"community WORD$name [exact-match$exact]", MatchKind::kCommunity, "Match BGP community list"},
    {"large-community WORD$name [exact-match$exact]", MatchKind::kLargeCommunity,
     "Match BGP large community list"},
    {"as-path WORD$name", MatchKind::kAsPath, "Match BGP AS path list"},
    {"metric (0-4294967295)$value", MatchKind::kMetric, "Match metric of route"},
    {"local-preference (0-4294967295)$value", MatchKind::kLocalPreference,
     "Match local-preference of route"},
    {"origin <egp|igp|incomplete>$origin", MatchKind::kOrigin, "BGP origin code"},
    {"peer <A.B.C.D|X:X::X:X>$addr", MatchKind::kPeer, "Match peer address"},
    {"peer local", MatchKind::kPeerLocal, "Match local routes (network, redistribute)"},
    {"tag <untagged$untagged|(1-4294967295)$value>", MatchKind::kTag, "Match tag of route"},
};

Match build_match(MatchKind kind, const Invocation& inv) {
  Match m;
  m.kind = kind;
  m.name = inv.get("name");
  m.exact = inv.has("exact");
  if (inv.has("value")) m.value = number(inv.get("value"));
  // `$addr`, not `$address`: a lookup by name also finds the keyword `address` of `match ip
  // address ...`, whose text is no IP address.
  if (inv.has("addr")) m.address = *IpAddress::parse(inv.get("addr"));
  if (inv.has("origin")) m.origin = *origin_of(inv.get("origin"));
  return m;
}

// Which command a `no match ...` / `no set ...` line names, by its leading words.
template <typename Kind>
struct Lead {
  std::vector<std::string> words;
  Kind kind;
};

template <typename Kind>
std::optional<Kind> lead_kind(const std::vector<Lead<Kind>>& leads,
                              const std::vector<std::string>& words) {
  const Lead<Kind>* best = nullptr;
  for (const auto& lead : leads) {
    if (lead.words.size() > words.size()) continue;
    if (!std::equal(lead.words.begin(), lead.words.end(), words.begin())) continue;
    if (!best || lead.words.size() > best->words.size()) best = &lead;
  }
  if (!best) return std::nullopt;
  return best->kind;
}

const std::vector<Lead<MatchKind>>& match_leads() {
  static const std::vector<Lead<MatchKind>> leads = {
      {{"ip", "address", "prefix-list"}, MatchKind::kIpAddressPrefixList},
      {{"ipv6", "address", "prefix-list"}, MatchKind::kIpv6AddressPrefixList},
      {{"ip", "address"}, MatchKind::kIpAddressAccessList},
      {{"ipv6", "address"}, MatchKind::kIpv6AddressAccessList},
      {{"ip", "next-hop"}, MatchKind::kIpNextHopAccessList},
      {{"ip", "next-hop", "prefix-list"}, MatchKind::kIpNextHopPrefixList},
      {{"ipv6", "next-hop"}, MatchKind::kIpv6NextHopAddress},
      {{"community"}, MatchKind::kCommunity},
      {{"large-community"}, MatchKind::kLargeCommunity},
      {{"as-path"}, MatchKind::kAsPath},
      {{"metric"}, MatchKind::kMetric},
      {{"local-preference"}, MatchKind::kLocalPreference},
      {{"origin"}, MatchKind::kOrigin},
      {{"peer"}, MatchKind::kPeer},
      {{"tag"}, MatchKind::kTag},
  };
  return leads;
}

const std::vector<Lead<SetKind>>& set_leads() {
  static const std::vector<Lead<SetKind>> leads = {
      {{"local-preference"}, SetKind::kLocalPreference},
      {{"metric"}, SetKind::kMetric},
      {{"weight"}, SetKind::kWeight},
      {{"community"}, SetKind::kCommunity},
      {{"comm-list"}, SetKind::kCommListDelete},
      {{"large-community"}, SetKind::kLargeCommunity},
      {{"large-comm-list"}, SetKind::kLargeCommListDelete},
      {{"as-path", "prepend"}, SetKind::kAsPathPrepend},
      {{"origin"}, SetKind::kOrigin},
      {{"ip", "next-hop"}, SetKind::kIpNextHop},
      {{"ipv6", "next-hop", "global"}, SetKind::kIpv6NextHopGlobal},
      {{"ipv6", "next-hop", "local"}, SetKind::kIpv6NextHopLocal},
      {{"ipv6", "next-hop", "peer-address"}, SetKind::kIpv6NextHopPeer},
      {{"ipv6", "next-hop", "prefer-global"}, SetKind::kIpv6NextHopPreferGlobal},
      {{"tag"}, SetKind::kTag},
  };
  return leads;
}

void install_matches(CommandTree& tree, const ContextPtr& ctx) {
  for (const auto& syntax : kMatches) {
    on_entry(tree, std::string("match ") + syntax.pattern, syntax.help, ctx,
             [kind = syntax.kind](policy::RouteMapEntry& e, const Invocation& inv) {
               e.add(build_match(kind, inv));
               return ok();
             });
  }
  on_entry(tree, "no match LINE...$what", "Remove a match clause", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             auto kind = lead_kind(match_leads(), control::split_words(inv.get("what")));
             if (!kind) return fail("Unknown match clause: " + inv.get("what"));
             std::erase_if(e.matches,
                           [&](const Match& m) { return policy::same_command(m.kind, *kind); });
             return ok();
           });
}

Set make_set(SetKind kind) {
  Set s;
  s.kind = kind;
  return s;
}

// `set community ...` / `set large-community ...`: `none`, or values with an optional
// trailing `additive`.
CommandResult set_communities(policy::RouteMapEntry& e, std::string text, bool large) {
  if (text == "none") {
    e.add(make_set(large ? SetKind::kLargeCommunityNone : SetKind::kCommunityNone));
    return ok();
  }
  Set s = make_set(large ? SetKind::kLargeCommunity : SetKind::kCommunity);
  constexpr std::string_view kAdditive = " additive";
  if (text.ends_with(kAdditive)) {
    s.additive = true;
    text.resize(text.size() - kAdditive.size());
  }
  if (large) {
    auto values = policy::parse_large_communities(text);
    if (!values) return fail("Malformed large community: " + text);
    s.large = std::move(*values);
  } else {
    auto values = policy::parse_communities(text);
    if (!values) return fail("Malformed communities attribute '" + text + "'");
    s.communities = std::move(*values);
  }
  e.add(std::move(s));
  return ok();
}

CommandResult set_adjusted(policy::RouteMapEntry& e, SetKind kind, const std::string& text) {
  auto value = policy::parse_adjust(text);
  if (!value) {
    if (text == "rtt" || text == "+rtt" || text == "-rtt" || text == "igp" || text == "aigp")
      return fail("set metric " + text + " is not supported by vipd");
    return fail("Invalid value '" + text + "': expected N, +N or -N (0-4294967295)");
  }
  Set s = make_set(kind);
  s.adjust = value->first;
  s.value = value->second;
  e.add(std::move(s));
  return ok();
}

void install_sets(CommandTree& tree, const ContextPtr& ctx) {
  on_entry(tree, "set local-preference WORD$value", "BGP local preference path attribute", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             return set_adjusted(e, SetKind::kLocalPreference, inv.get("value"));
           });
  on_entry(tree, "set metric WORD$value", "Metric value for destination routing protocol", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             return set_adjusted(e, SetKind::kMetric, inv.get("value"));
           });
  on_entry(tree, "set weight (0-4294967295)$value", "BGP weight for routing table", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             Set s = make_set(SetKind::kWeight);
             s.value = number(inv.get("value"));
             e.add(std::move(s));
             return ok();
           });
  on_entry(tree, "set community LINE...$value", "BGP community attribute", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             return set_communities(e, inv.get("value"), false);
           });
  on_entry(tree, "set large-community LINE...$value", "BGP large community attribute", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             return set_communities(e, inv.get("value"), true);
           });
  for (bool large : {false, true}) {
    std::string keyword = large ? "large-comm-list" : "comm-list";
    auto body = [large](policy::RouteMapEntry& e, const Invocation& inv) {
      Set s = make_set(large ? SetKind::kLargeCommListDelete : SetKind::kCommListDelete);
      s.name = inv.get("name");
      e.add(std::move(s));
      return ok();
    };
    // FRR takes both orders: `set comm-list NAME delete` and `set comm-list delete NAME`.
    on_entry(tree, "set " + keyword + " WORD$name delete", "Delete communities in a list", ctx,
             body);
    on_entry(tree, "set " + keyword + " delete WORD$name", "Delete communities in a list", ctx,
             body);
  }
  on_entry(tree, "set as-path prepend last-as (1-10)$count", "Use the last AS-number", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             Set s = make_set(SetKind::kAsPathPrependLastAs);
             s.value = number(inv.get("count"));
             e.add(std::move(s));
             return ok();
           });
  on_entry(tree, "set as-path prepend LINE...$asns", "Prepend to the as-path", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             Set s = make_set(SetKind::kAsPathPrepend);
             for (const auto& word : control::split_words(inv.get("asns"))) {
               auto asn = policy::parse_u32(word);
               if (!asn || *asn == 0) return fail("Invalid AS number: " + word);
               s.asns.push_back(*asn);
             }
             e.add(std::move(s));
             return ok();
           });
  on_entry(tree, "set origin <egp|igp|incomplete>$origin", "BGP origin code", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             Set s = make_set(SetKind::kOrigin);
             s.origin = *origin_of(inv.get("origin"));
             e.add(std::move(s));
             return ok();
           });
  on_entry(tree, "set tag <untagged$untagged|(1-4294967295)$value>", "Tag value for routing", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             Set s = make_set(SetKind::kTag);
             if (inv.has("value")) s.value = number(inv.get("value"));
             e.add(std::move(s));
             return ok();
           });
  struct Hop {
    const char* pattern;
    SetKind kind;
  };
  for (const Hop& hop : {
           Hop{"set ip next-hop A.B.C.D$address", SetKind::kIpNextHop},
           Hop{"set ip next-hop peer-address", SetKind::kIpNextHopPeer},
           Hop{"set ip next-hop unchanged", SetKind::kIpNextHopUnchanged},
           Hop{"set ipv6 next-hop global X:X::X:X$address", SetKind::kIpv6NextHopGlobal},
           Hop{"set ipv6 next-hop local X:X::X:X$address", SetKind::kIpv6NextHopLocal},
           Hop{"set ipv6 next-hop peer-address", SetKind::kIpv6NextHopPeer},
           Hop{"set ipv6 next-hop prefer-global", SetKind::kIpv6NextHopPreferGlobal},
       }) {
    on_entry(tree, hop.pattern, "Next hop address", ctx,
             [kind = hop.kind](policy::RouteMapEntry& e, const Invocation& inv) {
               Set s = make_set(kind);
               if (inv.has("address")) s.address = *IpAddress::parse(inv.get("address"));
               e.add(std::move(s));
               return ok();
             });
  }
  on_entry(tree, "no set LINE...$what", "Remove a set clause", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             auto kind = lead_kind(set_leads(), control::split_words(inv.get("what")));
             if (!kind) return fail("Unknown set clause: " + inv.get("what"));
             std::erase_if(e.sets,
                           [&](const Set& s) { return policy::same_command(s.kind, *kind); });
             return ok();
           });
}

CommandResult set_exit(policy::RouteMapEntry& e, policy::ExitPolicy exit, std::uint16_t to) {
  // lib_route_map_entry_exit_policy_modify() / ..._goto_value_modify() validation.
  if (!e.permit) return fail("on-match and continue are not possible on a deny entry");
  if (exit == policy::ExitPolicy::kGoto && to <= e.seq)
    return fail(fmt::format("Can't jump backwards in a route-map: {} <= {}", to, e.seq));
  e.exit = exit;
  e.goto_seq = exit == policy::ExitPolicy::kGoto ? to : 0;
  return ok();
}

void install_entry_flow(CommandTree& tree, const ContextPtr& ctx) {
  on_entry(tree, "on-match next", "Exit policy on matches", ctx,
           [](policy::RouteMapEntry& e, const Invocation&) {
             return set_exit(e, policy::ExitPolicy::kNext, 0);
           });
  // `continue N` is FRR's alias of `on-match goto N`; a bare `continue` (quagga) goes on to
  // the next entry.
  on_entry(tree, "<on-match goto|continue> (1-65535)$seq", "Exit policy on matches", ctx,
           [](policy::RouteMapEntry& e, const Invocation& inv) {
             return set_exit(e, policy::ExitPolicy::kGoto,
                             static_cast<std::uint16_t>(number(inv.get("seq"))));
           });
  on_entry(tree, "continue", "Continue on the next entry", ctx,
           [](policy::RouteMapEntry& e, const Invocation&) {
             return set_exit(e, policy::ExitPolicy::kNext, 0);
           });
  on_entry(tree, "no <on-match|continue> [LINE...]", "Remove the exit policy", ctx,
           [](policy::RouteMapEntry& e, const Invocation&) {
             e.exit = policy::ExitPolicy::kExit;
             e.goto_seq = 0;
             return ok();
           });
  struct Text {
    const char* set;
    const char* unset;
    const char* help;
    std::string policy::RouteMapEntry::*member;
  };
  for (const Text& t :
       {Text{"call WORD$value", "no call [WORD]", "Jump to another Route-Map after match+set",
             &policy::RouteMapEntry::call},
        Text{"description LINE...$value", "no description [LINE...]", "Route-map comment",
             &policy::RouteMapEntry::description}}) {
    on_entry(tree, t.set, t.help, ctx,
             [member = t.member](policy::RouteMapEntry& e, const Invocation& inv) {
               e.*member = inv.get("value");
               return ok();
             });
    on_entry(tree, t.unset, t.help, ctx,
             [member = t.member](policy::RouteMapEntry& e, const Invocation&) {
               (e.*member).clear();
               return ok();
             });
  }
}

void install_route_map_blocks(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kConfigNode, "route-map WORD$name <permit|deny>$action (1-65535)$seq",
               "Create route-map or enter route-map command mode",
               [ctx](const Invocation& inv, Session& s) {
                 auto& policy = ctx->target().policy;
                 const std::string& name = inv.get("name");
                 auto* map = policy.find_route_map(name);
                 if (!map) {
                   policy.route_maps.push_back(policy::RouteMap{name, {}});
                   map = &policy.route_maps.back();
                 }
                 auto& entry = map->entry(static_cast<std::uint16_t>(number(inv.get("seq"))),
                                          inv.get("action") == "permit");
                 // A permit entry turned deny keeps no exit policy (FRR refuses it on deny).
                 if (!entry.permit) entry.exit = policy::ExitPolicy::kExit;
                 s.push(kRouteMapNode, name + " " + inv.get("seq"));
                 return ok();
               });
  tree.install(kConfigNode, "no route-map WORD$name [<permit|deny> (1-65535)$seq]",
               "Delete a route-map or one of its entries", [ctx](const Invocation& inv, Session&) {
                 auto& maps = ctx->target().policy.route_maps;
                 auto* map = ctx->target().policy.find_route_map(inv.get("name"));
                 if (!map) return fail("Could not find route-map " + inv.get("name"));
                 if (inv.has("seq")) {
                   auto seq = number(inv.get("seq"));
                   std::erase_if(map->entries, [&](const auto& e) { return e.seq == seq; });
                   if (!map->entries.empty()) return ok();
                 }
                 std::erase_if(maps, [&](const policy::RouteMap& m) { return &m == map; });
                 return ok();
               });
}

// `access-list NAME [seq N] permit|deny ...` in both families.
policy::AccessList& access_list_named(BgpConfig& c, Family family, const std::string& name) {
  if (auto* l = c.policy.find_access_list(family, name)) return *l;
  return insert_sorted(c.policy.access_lists, policy::AccessList{family, name, {}, {}},
                       [](const auto& a, const auto& b) {
                         return std::pair(a.family, a.name) < std::pair(b.family, b.name);
                       });
}

CommandResult add_access_entry(BgpConfig& c, Family family, const Invocation& inv) {
  policy::AccessListEntry e;
  e.permit = inv.get("action") == "permit";
  if (inv.has("prefix")) {
    e.kind = policy::AccessListEntry::Kind::kPrefix;
    e.prefix = *Prefix::parse(inv.get("prefix"));
    e.exact = inv.has("exact");
  } else if (inv.has("host") || inv.has("address")) {
    e.kind = policy::AccessListEntry::Kind::kCisco;
    e.host = !inv.has("wildcard");
    e.address = *IpAddress::parse(inv.get(inv.has("host") ? "host" : "address"));
    if (inv.has("wildcard")) e.wildcard = *IpAddress::parse(inv.get("wildcard"));
  }
  auto& list = access_list_named(c, family, inv.get("name"));
  e.seq =
      inv.has("seq") ? number(inv.get("seq")) : static_cast<std::uint32_t>(next_seq(list.entries));
  // FRR ignores a line that repeats an entry (acl_is_dup()).
  for (const auto& x : list.entries) {
    auto same = x;
    same.seq = e.seq;
    if (same == e && !inv.has("seq")) return ok();
  }
  put(list.entries, e);
  return ok();
}

void install_access_lists(CommandTree& tree, const ContextPtr& ctx) {
  struct Syntax {
    Family family;
    const char* head;
    const char* forms;
  };
  for (const Syntax& f : {
           Syntax{Family::kIpv4, "access-list",
                  "<A.B.C.D/M$prefix [exact-match$exact]|any$any|host A.B.C.D$host|"
                  "A.B.C.D$address [A.B.C.D$wildcard]>"},
           Syntax{Family::kIpv6, "ipv6 access-list",
                  "<X:X::X:X/M$prefix [exact-match$exact]|any$any>"},
       }) {
    std::string base = fmt::format("{} WORD$name", f.head);
    tree.install(kConfigNode,
                 fmt::format("{} [seq (1-4294967295)$seq] <permit|deny>$action {}", base, f.forms),
                 "Add an access list entry",
                 [ctx, family = f.family](const Invocation& inv, Session&) {
                   return add_access_entry(ctx->target(), family, inv);
                 });
    tree.install(kConfigNode, base + " remark LINE...$text", "Access list entry comment",
                 [ctx, family = f.family](const Invocation& inv, Session&) {
                   access_list_named(ctx->target(), family, inv.get("name")).remark =
                       inv.get("text");
                   return ok();
                 });
    tree.install(kConfigNode, "no " + base + " [seq (1-4294967295)$seq [LINE...]]",
                 "Delete an access list or one of its entries",
                 [ctx, family = f.family](const Invocation& inv, Session&) {
                   auto& lists = ctx->target().policy.access_lists;
                   auto* l = ctx->target().policy.find_access_list(family, inv.get("name"));
                   if (!l) return ok();
                   if (inv.has("seq")) {
                     auto seq = number(inv.get("seq"));
                     std::erase_if(l->entries, [&](const auto& e) { return e.seq == seq; });
                     if (!l->entries.empty()) return ok();
                   }
                   std::erase_if(lists, [&](const policy::AccessList& x) { return &x == l; });
                   return ok();
                 });
  }
}

// `bgp community-list` / `bgp large-community-list` entry.
CommandResult add_community_entry(BgpConfig& c, bool large, policy::ListStyle style,
                                  const Invocation& inv) {
  std::string name = inv.has("number") ? inv.get("number") : inv.get("name");
  policy::CommunityListEntry e;
  e.permit = inv.get("action") == "permit";
  const std::string& value = inv.get("value");
  if (style == policy::ListStyle::kExpanded) {
    auto regex = policy::Regex::compile(value);
    if (!regex) return fail("Malformed community-list value");
    e.regex = std::move(*regex);
  } else if (large) {
    auto values = policy::parse_large_communities(value);
    if (!values) return fail("Malformed community-list value");
    e.large = std::move(*values);
  } else {
    auto values = policy::parse_communities(value);
    if (!values) return fail("Malformed community-list value");
    e.communities = std::move(*values);
  }
  auto* list = c.policy.find_community_list(large, name);
  if (list && !list->entries.empty() && list->style != style) {
    // community_list_set(): one style per list.
    return fail(list->style == policy::ListStyle::kStandard
                    ? "Community name conflict, previously defined as standard community"
                    : "Community name conflict, previously defined as expanded community");
  }
  if (!list)
    list = &insert_sorted(c.policy.community_lists, policy::CommunityList{large, style, name, {}},
                          [](const auto& a, const auto& b) { return a.before(b); });
  list->style = style;
  // community_list_dup_check(): a repeated entry is ignored.
  for (const auto& x : list->entries)
    if (x.permit == e.permit && x.communities == e.communities && x.large == e.large &&
        x.regex == e.regex)
      return ok();
  e.seq = inv.has("seq") ? number(inv.get("seq")) : next_seq(list->entries);
  put(list->entries, std::move(e));
  return ok();
}

void install_community_lists(CommandTree& tree, const ContextPtr& ctx) {
  struct Syntax {
    const char* head;
    bool large;
  };
  // quagga wrote `ip community-list`; FRR reads only the `bgp` forms. Both land in one list.
  for (const Syntax& f :
       {Syntax{"bgp community-list", false}, Syntax{"ip community-list", false},
        Syntax{"bgp large-community-list", true}, Syntax{"ip large-community-list", true}}) {
    for (auto style : {policy::ListStyle::kStandard, policy::ListStyle::kExpanded}) {
      bool standard = style == policy::ListStyle::kStandard;
      std::string list =
          standard ? "<(1-99)$number|standard WORD$name>" : "<(100-500)$number|expanded WORD$name>";
      tree.install(kConfigNode,
                   fmt::format("{} {} [seq (0-4294967295)$seq] <permit|deny>$action LINE...$value",
                               f.head, list),
                   "Add a community list entry",
                   [ctx, large = f.large, style](const Invocation& inv, Session&) {
                     return add_community_entry(ctx->target(), large, style, inv);
                   });
      tree.install(
          kConfigNode, fmt::format("no {} {} [LINE...]", f.head, list), "Delete a community list",
          [ctx, large = f.large](const Invocation& inv, Session&) {
            std::string name = inv.has("number") ? inv.get("number") : inv.get("name");
            std::erase_if(
                ctx->target().policy.community_lists,
                [&](const policy::CommunityList& l) { return l.large == large && l.name == name; });
            return ok();
          });
    }
  }
}

void install_as_path_lists(CommandTree& tree, const ContextPtr& ctx) {
  for (const char* head : {"bgp as-path access-list", "ip as-path access-list"}) {
    tree.install(
        kConfigNode,
        fmt::format("{} WORD$name [seq (0-4294967295)$seq] <permit|deny>$action LINE...$regex",
                    head),
        "BGP autonomous system path filter", [ctx](const Invocation& inv, Session&) {
          const std::string& text = inv.get("regex");
          // config_bgp_aspath_validate()'s alphabet.
          if (text.find_first_not_of("1234567890_^|[,{}() ]$*+.?-\\") != std::string::npos)
            return fail("Invalid character in as-path access-list " + text);
          auto regex = policy::Regex::compile(text);
          if (!regex) return fail("can't compile regexp " + text);
          auto& lists = ctx->target().policy.as_path_lists;
          auto* list = ctx->target().policy.find_as_path_list(inv.get("name"));
          if (!list)
            list = &insert_sorted(lists, policy::AsPathList{inv.get("name"), {}},
                                  [](const auto& a, const auto& b) { return a.name < b.name; });
          policy::AsPathListEntry e;
          e.permit = inv.get("action") == "permit";
          e.regex = std::move(*regex);
          for (const auto& x : list->entries)  // as_list_dup_check()
            if (x.permit == e.permit && x.regex == e.regex) return ok();
          e.seq = inv.has("seq") ? number(inv.get("seq")) : next_seq(list->entries);
          put(list->entries, std::move(e));
          return ok();
        });
    tree.install(kConfigNode, fmt::format("no {} WORD$name [LINE...]", head),
                 "Delete an AS path access list", [ctx](const Invocation& inv, Session&) {
                   std::erase_if(ctx->target().policy.as_path_lists,
                                 [&](const auto& l) { return l.name == inv.get("name"); });
                   return ok();
                 });
  }
}

// `neighbor A route-map NAME in|out`, at router level (IPv4 unicast) or in an address family.
void install_neighbor_route_map(CommandTree& tree, const ContextPtr& ctx) {
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    for (auto each : {std::pair{"in", &NeighborAfConfig::route_map_in},
                      std::pair{"out", &NeighborAfConfig::route_map_out}}) {
      // Not a structured binding: clang 14 cannot capture one in a lambda (C++20 P1091).
      const char* direction = each.first;
      auto field = each.second;
      const auto option = af_option(fmt::format("route-map {}", direction), field);
      for (bool no : {false, true}) {
        on_neighbor(
            tree, node, fmt::format("route-map {} {}", no ? "[WORD]" : "WORD$name", direction),
            "Apply route map to neighbor", ctx, option,
            [field, no](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session& s) {
              n.in(session_family(s)).*field = no ? std::string() : inv.get("name");
              return ok();
            },
            no);
      }
    }
  }
}

}  // namespace

void install_routemap_commands(CommandTree& tree, const ContextPtr& ctx) {
  // Keyword help as FRR words it.
  static const std::pair<const char*, const char*> kHelp[] = {
      {"route-map", "Route map (create one, or apply it to a neighbor)"},
      {"match", "Match values from routing table"},
      {"set", "Set values in destination routing protocol"},
      {"on-match", "Exit policy on matches"},
      {"continue", "Continue on a different entry within the route-map"},
      {"call", "Jump to another Route-Map after match+set"},
      {"access-list", "Add an access list entry"},
      {"community-list", "Add a community list entry"},
      {"large-community-list", "Add a large community list entry"},
  };
  for (const auto& [keyword, help] : kHelp) tree.describe(keyword, help);
  install_route_map_blocks(tree, ctx);
  install_matches(tree, ctx);
  install_sets(tree, ctx);
  install_entry_flow(tree, ctx);
  install_access_lists(tree, ctx);
  install_community_lists(tree, ctx);
  install_as_path_lists(tree, ctx);
  install_neighbor_route_map(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
