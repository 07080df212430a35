#include "bgp/policy/policy.hpp"

#include <algorithm>
#include <functional>

#include <re2/re2.h>
#include <regex.h>

namespace vipd::bgp::policy {

struct Regex::Compiled {
  explicit Compiled(const std::string& pattern, const re2::RE2::Options& options)
      : re(pattern, options) {}
  re2::RE2 re;
};

std::optional<Regex> Regex::compile(std::string_view source) {
  // bgp_regcomp(): every `_` becomes "(^|[,{}() ]|$)", then POSIX extended syntax (regcomp()
  // with REG_EXTENDED). RE2's POSIX mode takes that syntax; a route map only asks whether the
  // expression matches, so leftmost-longest or leftmost-first does not change an answer.
  // glibc's regcomp(), which FRR calls, decides what is malformed; RE2 then matches, with an
  // automaton: linear in the AS path or community string whatever the expression, where a
  // backtracking matcher (std::regex) costs microseconds a search and gives up on some. What
  // RE2 refuses that glibc takes: backreferences (`\1`), a `)` without its `(` (a literal to
  // glibc) and repetition counts above 1000, which no AS-path or community expression needs.
  std::string expanded;
  expanded.reserve(source.size());
  for (char c : source) {
    if (c == '_')
      expanded += "(^|[,{}() ]|$)";
    else
      expanded += c;
  }
  re2::RE2::Options options;
  options.set_posix_syntax(true);
  options.set_one_line(true);  // `^` and `$` are the ends of the text, as in regexec()
  options.set_never_capture(true);
  options.set_log_errors(false);
  auto compiled = std::make_shared<const Compiled>(expanded, options);
  if (!compiled->re.ok()) return std::nullopt;
  // After RE2, whose size limits bound what glibc is given (glibc expands `(a{1000}){1000}`).
  regex_t posix;
  if (regcomp(&posix, expanded.c_str(), REG_EXTENDED | REG_NOSUB) != 0) return std::nullopt;
  regfree(&posix);
  Regex r;
  r.source_ = std::string(source);
  r.compiled_ = std::move(compiled);
  return r;
}

bool Regex::search(std::string_view text) const {
  if (!compiled_) return false;
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), compiled_->re);
}

namespace {

// The address part of `p`, as a prefix of full length, compared under a wildcard mask.
bool cisco_match(const IpAddress& address, const IpAddress& wildcard, const IpAddress& value) {
  if (address.family() != value.family()) return false;
  const auto& a = address.octets();
  const auto& w = wildcard.octets();
  const auto& v = value.octets();
  for (std::size_t i = 0; i < value.size(); ++i)
    if ((v[i] & ~w[i]) != (a[i] & ~w[i])) return false;
  return true;
}

template <typename List>
auto* find_named(List& lists, std::string_view name) {
  auto it = std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.name == name; });
  return it == lists.end() ? nullptr : &*it;
}

}  // namespace

bool AccessListEntry::matches(const Prefix& p) const {
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kPrefix:
      // filter_match_zebra(): same family, `p` inside the entry's prefix; exact-match also
      // wants the same length.
      if (exact && p.length() != prefix.length()) return false;
      return prefix.covers(p);
    case Kind::kCisco:
      return cisco_match(address, wildcard, p.address());
  }
  return false;
}

bool AccessList::permits(const Prefix& p) const {
  for (const auto& e : entries)
    if (e.matches(p)) return e.permit;
  return false;
}

bool CommunityList::numbered() const {
  // community_list_insert(): all digits and at most COMMUNITY_LIST_NUMBER_MAX (500).
  if (name.empty() || name.size() > 3) return false;
  if (!std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return std::stoi(name) <= 500;
}

bool CommunityList::before(const CommunityList& other) const {
  if (large != other.large) return !large;
  if (numbered() != other.numbered()) return numbered();
  if (numbered()) return std::stoi(name) < std::stoi(other.name);
  return name < other.name;
}

bool same_command(MatchKind a, MatchKind b) {
  auto group = [](MatchKind k) {
    // `match peer A` and `match peer local` are one FRR command ("peer").
    return k == MatchKind::kPeerLocal ? MatchKind::kPeer : k;
  };
  return group(a) == group(b);
}

bool same_command(SetKind a, SetKind b) {
  auto group = [](SetKind k) {
    switch (k) {
      case SetKind::kCommunityNone:
        return SetKind::kCommunity;
      case SetKind::kLargeCommunityNone:
        return SetKind::kLargeCommunity;
      case SetKind::kAsPathPrependLastAs:
        return SetKind::kAsPathPrepend;
      case SetKind::kIpNextHopPeer:
      case SetKind::kIpNextHopUnchanged:
        return SetKind::kIpNextHop;
      default:
        return k;
    }
  };
  return group(a) == group(b);
}

bool RouteMapEntry::operator==(const RouteMapEntry& o) const {
  return seq == o.seq && permit == o.permit && description == o.description && call == o.call &&
         exit == o.exit && goto_seq == o.goto_seq &&
         std::is_permutation(matches.begin(), matches.end(), o.matches.begin(), o.matches.end()) &&
         std::is_permutation(sets.begin(), sets.end(), o.sets.begin(), o.sets.end());
}

void RouteMapEntry::add(Match m) {
  // route_map_add_match(): an identical clause is ignored; one of the same command is replaced
  // and the new one goes to the end of the list.
  for (const auto& existing : matches)
    if (existing == m) return;
  std::erase_if(matches, [&](const Match& x) { return same_command(x.kind, m.kind); });
  matches.push_back(std::move(m));
}

void RouteMapEntry::add(Set s) {
  std::erase_if(sets, [&](const Set& x) { return same_command(x.kind, s.kind); });
  sets.push_back(std::move(s));
}

RouteMapEntry& RouteMap::entry(std::uint16_t seq, bool permit) {
  auto it = std::lower_bound(entries.begin(), entries.end(), seq,
                             [](const RouteMapEntry& e, std::uint16_t s) { return e.seq < s; });
  if (it == entries.end() || it->seq != seq) {
    RouteMapEntry e;
    e.seq = seq;
    it = entries.insert(it, std::move(e));
  }
  it->permit = permit;
  return *it;
}

const AccessList* PolicyConfig::find_access_list(Family family, std::string_view name) const {
  return const_cast<PolicyConfig*>(this)->find_access_list(family, name);
}

AccessList* PolicyConfig::find_access_list(Family family, std::string_view name) {
  auto it = std::find_if(access_lists.begin(), access_lists.end(),
                         [&](const AccessList& l) { return l.family == family && l.name == name; });
  return it == access_lists.end() ? nullptr : &*it;
}

const CommunityList* PolicyConfig::find_community_list(bool large, std::string_view name) const {
  return const_cast<PolicyConfig*>(this)->find_community_list(large, name);
}

CommunityList* PolicyConfig::find_community_list(bool large, std::string_view name) {
  auto it =
      std::find_if(community_lists.begin(), community_lists.end(),
                   [&](const CommunityList& l) { return l.large == large && l.name == name; });
  return it == community_lists.end() ? nullptr : &*it;
}

const AsPathList* PolicyConfig::find_as_path_list(std::string_view name) const {
  return find_named(as_path_lists, name);
}

AsPathList* PolicyConfig::find_as_path_list(std::string_view name) {
  return find_named(as_path_lists, name);
}

const RouteMap* PolicyConfig::find_route_map(std::string_view name) const {
  return find_named(route_maps, name);
}

RouteMap* PolicyConfig::find_route_map(std::string_view name) {
  return find_named(route_maps, name);
}

}  // namespace vipd::bgp::policy
