#include "bgp/policy/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace vipd::bgp::policy {
namespace {

struct WellKnown {
  std::string_view name;
  std::uint32_t value;
};

// community_gettoken()'s names; it compares prefixes in this order, so `accept-own-nexthop`
// comes before `accept-own`.
constexpr WellKnown kWellKnown[] = {
    {"graceful-shutdown", community::kGracefulShutdown},
    {"accept-own-nexthop", 0xFFFF0008},
    {"accept-own", community::kAcceptOwn},
    {"route-filter-translated-v4", 0xFFFF0002},
    {"route-filter-v4", 0xFFFF0003},
    {"route-filter-translated-v6", 0xFFFF0004},
    {"route-filter-v6", 0xFFFF0005},
    {"llgr-stale", community::kLlgrStale},
    {"no-llgr", community::kNoLlgr},
    {"blackhole", community::kBlackhole},
    {"no-export", community::kNoExport},
    {"no-advertise", community::kNoAdvertise},
    {"local-AS", community::kLocalAs},
    {"no-peer", community::kNoPeer},
};

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::optional<std::uint32_t> parse_community(std::string_view word) {
  for (const auto& w : kWellKnown)
    if (word == w.name) return w.value;
  auto colon = word.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto high = parse_u32(word.substr(0, colon));
  auto low = parse_u32(word.substr(colon + 1));
  if (!high || !low || *high > 0xFFFF || *low > 0xFFFF) return std::nullopt;
  return *high << 16 | *low;
}

}  // namespace

std::optional<std::uint32_t> parse_u32(std::string_view text) {
  std::uint32_t value = 0;
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::vector<std::uint32_t>> parse_communities(std::string_view text) {
  std::vector<std::uint32_t> out;
  for (auto word : words(text)) {
    auto value = parse_community(word);
    if (!value) return std::nullopt;
    out.push_back(*value);
  }
  if (out.empty()) return std::nullopt;
  sort_unique(out);
  return out;
}

std::string community_to_string(std::uint32_t value) {
  for (const auto& w : kWellKnown)
    if (w.value == value) return std::string(w.name);
  return fmt::format("{}:{}", value >> 16, value & 0xFFFF);
}

std::string communities_to_string(const std::vector<std::uint32_t>& values) {
  std::string out;
  for (auto v : values) {
    if (!out.empty()) out += ' ';
    out += community_to_string(v);
  }
  return out;
}

std::optional<std::vector<wire::LargeCommunity>> parse_large_communities(std::string_view text) {
  std::vector<wire::LargeCommunity> out;
  for (auto word : words(text)) {
    auto first = word.find(':');
    auto second = first == std::string_view::npos ? first : word.find(':', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    auto a = parse_u32(word.substr(0, first));
    auto b = parse_u32(word.substr(first + 1, second - first - 1));
    auto c = parse_u32(word.substr(second + 1));
    if (!a || !b || !c) return std::nullopt;
    out.push_back({*a, *b, *c});
  }
  if (out.empty()) return std::nullopt;
  sort_unique(out);
  return out;
}

std::string large_community_to_string(const wire::LargeCommunity& v) {
  return fmt::format("{}:{}:{}", v.global_admin, v.local_data1, v.local_data2);
}

std::string large_communities_to_string(const std::vector<wire::LargeCommunity>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ' ';
    out += large_community_to_string(v);
  }
  return out;
}

std::string as_path_to_string(const wire::AsPath& path) {
  std::string out;
  for (const auto& segment : path.segments) {
    if (!out.empty()) out += ' ';
    const char* delimiters = "";
    char separator = ' ';
    switch (segment.type) {
      case wire::SegmentType::kAsSequence:
        break;
      case wire::SegmentType::kAsSet:
        delimiters = "{}";
        separator = ',';
        break;
      case wire::SegmentType::kConfedSequence:
        delimiters = "()";
        break;
      case wire::SegmentType::kConfedSet:
        delimiters = "[]";
        separator = ',';
        break;
    }
    if (*delimiters) out += delimiters[0];
    for (std::size_t i = 0; i < segment.asns.size(); ++i) {
      if (i) out += separator;
      out += std::to_string(segment.asns[i]);
    }
    if (*delimiters) out += delimiters[1];
  }
  return out;
}

std::optional<std::pair<Adjust, std::uint32_t>> parse_adjust(std::string_view text) {
  Adjust adjust = Adjust::kSet;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    adjust = text.front() == '+' ? Adjust::kAdd : Adjust::kSubtract;
    text.remove_prefix(1);
  }
  auto value = parse_u32(text);
  if (!value) return std::nullopt;
  return std::pair{adjust, *value};
}

const char* origin_name(wire::Origin origin) {
  switch (origin) {
    case wire::Origin::kIgp:
      return "igp";
    case wire::Origin::kEgp:
      return "egp";
    case wire::Origin::kIncomplete:
      return "incomplete";
  }
  return "incomplete";
}

std::string to_string(const Match& m) {
  const std::string exact = m.exact ? " exact-match" : "";
  switch (m.kind) {
    case MatchKind::kIpAddressPrefixList:
      return "match ip address prefix-list " + m.name;
    case MatchKind::kIpv6AddressPrefixList:
      return "match ipv6 address prefix-list " + m.name;
    case MatchKind::kIpAddressAccessList:
      return "match ip address " + m.name;
    case MatchKind::kIpv6AddressAccessList:
      return "match ipv6 address " + m.name;
    case MatchKind::kIpNextHopAccessList:
      return "match ip next-hop " + m.name;
    case MatchKind::kIpNextHopPrefixList:
      return "match ip next-hop prefix-list " + m.name;
    case MatchKind::kIpv6NextHopAddress:
      return "match ipv6 next-hop " + m.address.to_string();
    case MatchKind::kCommunity:
      return "match community " + m.name + exact;
    case MatchKind::kLargeCommunity:
      return "match large-community " + m.name + exact;
    case MatchKind::kAsPath:
      return "match as-path " + m.name;
    case MatchKind::kMetric:
      return fmt::format("match metric {}", m.value);
    case MatchKind::kLocalPreference:
      return fmt::format("match local-preference {}", m.value);
    case MatchKind::kOrigin:
      return std::string("match origin ") + origin_name(m.origin);
    case MatchKind::kPeer:
      return "match peer " + m.address.to_string();
    case MatchKind::kPeerLocal:
      return "match peer local";
    case MatchKind::kTag:
      return m.value ? fmt::format("match tag {}", m.value) : "match tag untagged";
  }
  return {};
}

namespace {

std::string adjusted(const Set& s) {
  const char* sign = s.adjust == Adjust::kAdd ? "+" : s.adjust == Adjust::kSubtract ? "-" : "";
  return fmt::format("{}{}", sign, s.value);
}

}  // namespace

std::string to_string(const Set& s) {
  const std::string additive = s.additive ? " additive" : "";
  switch (s.kind) {
    case SetKind::kLocalPreference:
      return "set local-preference " + adjusted(s);
    case SetKind::kMetric:
      return "set metric " + adjusted(s);
    case SetKind::kWeight:
      return fmt::format("set weight {}", s.value);
    case SetKind::kCommunity:
      return "set community " + communities_to_string(s.communities) + additive;
    case SetKind::kCommunityNone:
      return "set community none";
    case SetKind::kCommListDelete:
      return "set comm-list " + s.name + " delete";
    case SetKind::kLargeCommunity:
      return "set large-community " + large_communities_to_string(s.large) + additive;
    case SetKind::kLargeCommunityNone:
      return "set large-community none";
    case SetKind::kLargeCommListDelete:
      return "set large-comm-list " + s.name + " delete";
    case SetKind::kAsPathPrepend: {
      std::string text = "set as-path prepend";
      for (auto asn : s.asns) text += " " + std::to_string(asn);
      return text;
    }
    case SetKind::kAsPathPrependLastAs:
      return fmt::format("set as-path prepend last-as {}", s.value);
    case SetKind::kOrigin:
      return std::string("set origin ") + origin_name(s.origin);
    case SetKind::kIpNextHop:
      return "set ip next-hop " + s.address.to_string();
    case SetKind::kIpNextHopPeer:
      return "set ip next-hop peer-address";
    case SetKind::kIpNextHopUnchanged:
      return "set ip next-hop unchanged";
    case SetKind::kIpv6NextHopGlobal:
      return "set ipv6 next-hop global " + s.address.to_string();
    case SetKind::kIpv6NextHopLocal:
      return "set ipv6 next-hop local " + s.address.to_string();
    case SetKind::kIpv6NextHopPeer:
      return "set ipv6 next-hop peer-address";
    case SetKind::kIpv6NextHopPreferGlobal:
      return "set ipv6 next-hop prefer-global";
    case SetKind::kTag:
      return s.value ? fmt::format("set tag {}", s.value) : "set tag untagged";
  }
  return {};
}

namespace {

void line(std::string& out, std::string_view text) {
  out += text;
  out += '\n';
}

std::string access_entry_text(const AccessListEntry& e) {
  switch (e.kind) {
    case AccessListEntry::Kind::kAny:
      return "any";
    case AccessListEntry::Kind::kPrefix:
      return e.prefix.to_string() + (e.exact ? " exact-match" : "");
    case AccessListEntry::Kind::kCisco:
      if (e.host) return "host " + e.address.to_string();
      return e.address.to_string() + " " + e.wildcard.to_string();
  }
  return {};
}

void render_community_list(std::string& out, const CommunityList& l) {
  std::string head = l.large ? "bgp large-community-list " : "bgp community-list ";
  if (!l.numbered()) head += l.style == ListStyle::kStandard ? "standard " : "expanded ";
  head += l.name;
  for (const auto& e : l.entries) {
    std::string value = l.style == ListStyle::kExpanded ? e.regex.source()
                        : l.large                       ? large_communities_to_string(e.large)
                                                        : communities_to_string(e.communities);
    line(out, fmt::format("{} seq {} {} {}", head, e.seq, e.permit ? "permit" : "deny", value));
  }
}

}  // namespace

std::string render_access_lists(const PolicyConfig& policy) {
  std::string out;
  for (const auto& l : policy.access_lists) {
    std::string head =
        fmt::format("{}access-list {}", l.family == Family::kIpv6 ? "ipv6 " : "", l.name);
    if (!l.remark.empty()) line(out, head + " remark " + l.remark);
    for (const auto& e : l.entries)
      line(out, fmt::format("{} seq {} {} {}", head, e.seq, e.permit ? "permit" : "deny",
                            access_entry_text(e)));
  }
  if (!out.empty()) line(out, "!");
  return out;
}

std::string render_bgp_lists(const PolicyConfig& policy) {
  std::string out;
  for (const auto& l : policy.as_path_lists)
    for (const auto& e : l.entries)
      line(out, fmt::format("bgp as-path access-list {} seq {} {} {}", l.name, e.seq,
                            e.permit ? "permit" : "deny", e.regex.source()));
  // community_list_config_write(): community lists, numbered ones first, then large ones.
  for (bool large : {false, true})
    for (bool numbered : {true, false})
      for (const auto& l : policy.community_lists)
        if (l.large == large && l.numbered() == numbered) render_community_list(out, l);
  if (!out.empty()) line(out, "!");
  return out;
}

std::string render_route_maps(const PolicyConfig& policy) {
  std::string out;
  for (const auto& map : policy.route_maps) {
    for (const auto& e : map.entries) {
      line(out, fmt::format("route-map {} {} {}", map.name, e.permit ? "permit" : "deny", e.seq));
      // FRR 8.4 (bgpd 8.4.4's `show running-config`, checked) writes an entry's lines sorted:
      // call, description, the match lines, on-match, the set lines, each group by its text,
      // whatever the input order.
      std::vector<std::string> body;
      if (!e.call.empty()) body.push_back(" call " + e.call);
      if (!e.description.empty()) body.push_back(" description " + e.description);
      for (const auto& m : e.matches) body.push_back(" " + to_string(m));
      if (e.exit == ExitPolicy::kNext) body.push_back(" on-match next");
      if (e.exit == ExitPolicy::kGoto) body.push_back(fmt::format(" on-match goto {}", e.goto_seq));
      for (const auto& s : e.sets) body.push_back(" " + to_string(s));
      std::sort(body.begin(), body.end());
      for (const auto& text : body) line(out, text);
      line(out, "exit");
      line(out, "!");
    }
  }
  return out;
}

}  // namespace vipd::bgp::policy
