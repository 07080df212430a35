// Routing policy as FRR defines it: `route-map`, `access-list`, `bgp community-list`,
// `bgp large-community-list` and `bgp as-path access-list` as plain, comparable values (the
// `ip prefix-list`s stay in bgp/config/model.hpp, where they were first). The evaluator is in
// evaluate.hpp; the text forms (parsing of values, rendering) in text.hpp.
//
// FRR sources the semantics follow (read, not copied): lib/routemap.c (route_map_apply_ext,
// route_map_apply_match, route_map_add_match/set), bgpd/bgp_routemap.c (the match and set
// functions), lib/filter.c (access_list_apply), bgpd/bgp_clist.c (community_list_match and
// friends), bgpd/bgp_filter.c (as_list_apply), bgpd/bgp_regex.c (bgp_regcomp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::policy {

// A POSIX extended regular expression in FRR's BGP dialect: `_` stands for
// `(^|[,{}() ]|$)`, a boundary between AS numbers or communities (bgp_regcomp()). Compared by
// its source text, so configurations holding one stay comparable.
class Regex {
 public:
  Regex() = default;
  // nullopt when the expression does not compile.
  static std::optional<Regex> compile(std::string_view source);
  const std::string& source() const { return source_; }
  // regexec() semantics: a match anywhere in `text`.
  bool search(std::string_view text) const;
  bool operator==(const Regex& other) const { return source_ == other.source_; }

 private:
  struct Compiled;  // RE2: an automaton, so a search is linear in the text (no backtracking)
  std::string source_;
  std::shared_ptr<const Compiled> compiled_;
};

// One line of `access-list NAME [seq N] permit|deny ...` (FRR lib/filter_cli.c). Two styles:
// zebra's `A.B.C.D/M [exact-match]` or `any`, and Cisco's `[host] A.B.C.D [WILDCARD]`.
struct AccessListEntry {
  enum class Kind : std::uint8_t { kAny, kPrefix, kCisco };
  std::uint32_t seq = 0;
  bool permit = true;
  Kind kind = Kind::kAny;
  Prefix prefix;       // kPrefix
  bool exact = false;  // kPrefix: `exact-match`
  IpAddress address;   // kCisco
  IpAddress wildcard;  // kCisco: bits that need not match; 0 for a host
  bool host = false;   // kCisco written `host A.B.C.D` (or a bare address)
  bool operator==(const AccessListEntry&) const = default;
  // filter_match_zebra() / filter_match_cisco_ipv4(): a Cisco entry looks at the address of the
  // prefix only, not at its length.
  bool matches(const Prefix& p) const;
};

// `access-list` (IPv4) or `ipv6 access-list`. First matching entry decides; no match denies
// (access_list_apply()).
struct AccessList {
  Family family = Family::kIpv4;
  std::string name;
  std::string remark;
  std::vector<AccessListEntry> entries;  // sorted by seq
  bool operator==(const AccessList&) const = default;
  bool permits(const Prefix& p) const;
};

enum class ListStyle : std::uint8_t { kStandard, kExpanded };

// One line of `bgp community-list` / `bgp large-community-list`.
struct CommunityListEntry {
  std::int64_t seq = 0;
  bool permit = true;
  std::vector<std::uint32_t> communities;   // standard community list: sorted, unique
  std::vector<wire::LargeCommunity> large;  // standard large-community list: sorted, unique
  Regex regex;                              // expanded lists
  bool operator==(const CommunityListEntry&) const = default;
};

// A community list: one style per list (community_list_set() refuses to mix them). Numbered
// lists (1-99 standard, 100-500 expanded) are written without the style keyword.
struct CommunityList {
  bool large = false;
  ListStyle style = ListStyle::kStandard;
  std::string name;
  std::vector<CommunityListEntry> entries;  // sorted by seq
  bool operator==(const CommunityList&) const = default;
  bool numbered() const;
  // FRR's order of lists (community_list_insert()): standard before large, numbered lists by
  // number, then the others by name.
  bool before(const CommunityList& other) const;
};

struct AsPathListEntry {
  std::int64_t seq = 0;
  bool permit = true;
  Regex regex;
  bool operator==(const AsPathListEntry&) const = default;
};

// `bgp as-path access-list NAME [seq N] permit|deny REGEX`: first match decides, no match
// denies (as_list_apply()).
struct AsPathList {
  std::string name;
  std::vector<AsPathListEntry> entries;  // sorted by seq
  bool operator==(const AsPathList&) const = default;
};

// `match ...` clauses. Kinds sharing an FRR rule command (route_map_rule_cmd) replace each other
// in an entry: see same_command().
enum class MatchKind : std::uint8_t {
  kIpAddressPrefixList,    // match ip address prefix-list NAME
  kIpv6AddressPrefixList,  // match ipv6 address prefix-list NAME
  kIpAddressAccessList,    // match ip address NAME
  kIpv6AddressAccessList,  // match ipv6 address NAME
  kIpNextHopAccessList,    // match ip next-hop NAME
  kIpNextHopPrefixList,    // match ip next-hop prefix-list NAME
  kIpv6NextHopAddress,     // match ipv6 next-hop X:X::X:X
  kCommunity,              // match community NAME [exact-match]
  kLargeCommunity,         // match large-community NAME [exact-match]
  kAsPath,                 // match as-path NAME
  kMetric,                 // match metric N
  kLocalPreference,        // match local-preference N
  kOrigin,                 // match origin egp|igp|incomplete
  kPeer,                   // match peer A.B.C.D|X:X::X:X
  kPeerLocal,              // match peer local
  kTag,                    // match tag N|untagged
};

struct Match {
  MatchKind kind = MatchKind::kIpAddressPrefixList;
  std::string name;         // the list the clause refers to
  bool exact = false;       // kCommunity, kLargeCommunity
  std::uint32_t value = 0;  // kMetric, kLocalPreference, kTag (0: untagged)
  IpAddress address;        // kPeer, kIpv6NextHopAddress
  wire::Origin origin = wire::Origin::kIgp;
  bool operator==(const Match&) const = default;
};

// `set ...` clauses.
enum class SetKind : std::uint8_t {
  kLocalPreference,      // set local-preference [+|-]N
  kMetric,               // set metric [+|-]N
  kWeight,               // set weight N
  kCommunity,            // set community AA:NN... [additive]
  kCommunityNone,        // set community none
  kCommListDelete,       // set comm-list NAME delete
  kLargeCommunity,       // set large-community A:B:C... [additive]
  kLargeCommunityNone,   // set large-community none
  kLargeCommListDelete,  // set large-comm-list NAME delete
  kAsPathPrepend,        // set as-path prepend ASN...
  kAsPathPrependLastAs,  // set as-path prepend last-as (1-10)
  kOrigin,               // set origin egp|igp|incomplete
  kIpNextHop,            // set ip next-hop A.B.C.D
  kIpNextHopPeer,        // set ip next-hop peer-address
  kIpNextHopUnchanged,   // set ip next-hop unchanged
  kIpv6NextHopGlobal,    // set ipv6 next-hop global X:X::X:X
  kIpv6NextHopLocal,     // set ipv6 next-hop local X:X::X:X
  kIpv6NextHopPeer,      // set ipv6 next-hop peer-address
  // set ipv6 next-hop prefer-global: FRR installs the global next hop instead of the
  // link-local one. vipd's routes always use the global next hop when there is one, so this is
  // kept for write-back and changes nothing.
  kIpv6NextHopPreferGlobal,
  kTag,  // set tag N|untagged
};

// `+N` / `-N` forms of metric and local-preference (route_value_adjust(): saturating).
enum class Adjust : std::uint8_t { kSet, kAdd, kSubtract };

struct Set {
  SetKind kind = SetKind::kLocalPreference;
  Adjust adjust = Adjust::kSet;
  std::uint32_t value = 0;                  // numbers; kAsPathPrependLastAs: the count
  std::vector<std::uint32_t> communities;   // kCommunity: sorted, unique
  std::vector<wire::LargeCommunity> large;  // kLargeCommunity: sorted, unique
  bool additive = false;
  std::string name;                 // comm-list deletes
  std::vector<std::uint32_t> asns;  // kAsPathPrepend, in the order written
  IpAddress address;                // next hops
  wire::Origin origin = wire::Origin::kIgp;
  bool operator==(const Set&) const = default;
};

// Whether two clauses are the same FRR rule command, so that the later replaces the earlier
// (route_map_add_match() / route_map_add_set() keep one rule per command).
bool same_command(MatchKind a, MatchKind b);
bool same_command(SetKind a, SetKind b);

// What happens after a permit entry matched and its sets ran (FRR's `on-match`; `continue N` is
// FRR's alias of `on-match goto N`).
enum class ExitPolicy : std::uint8_t { kExit, kNext, kGoto };

struct RouteMapEntry {
  std::uint16_t seq = 0;
  bool permit = true;
  std::string description;
  std::vector<Match> matches;  // in the order configured: FRR evaluates them so
  std::vector<Set> sets;       // likewise
  std::string call;            // `call NAME`
  ExitPolicy exit = ExitPolicy::kExit;
  std::uint16_t goto_seq = 0;  // kGoto
  // The order of the match and set lines does not count: FRR writes them sorted (so a written
  // and re-read configuration holds them in another order) and a reload that only reorders them
  // changes nothing in FRR.
  bool operator==(const RouteMapEntry& o) const;
  void add(Match m);
  void add(Set s);
};

struct RouteMap {
  std::string name;
  std::vector<RouteMapEntry> entries;  // sorted by seq
  bool operator==(const RouteMap&) const = default;
  // The entry with `seq`, made (with `permit`) if there is none; an existing entry takes the
  // new action, as FRR's `route-map NAME deny 10` over a `permit 10` does.
  RouteMapEntry& entry(std::uint16_t seq, bool permit);
};

// Every named policy object of a configuration.
struct PolicyConfig {
  // Lists are kept in the order FRR keeps (and writes) them, so that what is written back reads
  // back equal: access lists by family then name (access_list_insert()), community lists by
  // CommunityList::before(), AS-path lists by name (as_list_insert()). Route maps stay in
  // creation order.
  std::vector<AccessList> access_lists;
  std::vector<CommunityList> community_lists;
  std::vector<AsPathList> as_path_lists;
  std::vector<RouteMap> route_maps;
  bool operator==(const PolicyConfig&) const = default;

  const AccessList* find_access_list(Family family, std::string_view name) const;
  AccessList* find_access_list(Family family, std::string_view name);
  const CommunityList* find_community_list(bool large, std::string_view name) const;
  CommunityList* find_community_list(bool large, std::string_view name);
  const AsPathList* find_as_path_list(std::string_view name) const;
  AsPathList* find_as_path_list(std::string_view name);
  const RouteMap* find_route_map(std::string_view name) const;
  RouteMap* find_route_map(std::string_view name);
};

}  // namespace vipd::bgp::policy
