// `show ip bgp summary`, `show ip bgp neighbors`, `show ip bgp`: the quagga/FRR vtysh layouts
// (see tests/data/seed/show-ip-bgp-summary.txt) and FRR's JSON keys.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "bgp/rib/decision.hpp"
#include "bgp/speaker.hpp"
#include "bgp/wire/error.hpp"
#include "common/json.hpp"

namespace vipd::bgp {
namespace {

using json = nlohmann::json;
using config::AddressFamily;

std::string ipv4_text(std::uint32_t host_order) {
  return IpAddress::v4(host_order).to_string();
}

wire::AfiSafi wire_family(AddressFamily af) {
  return af == AddressFamily::kIpv4Unicast ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}

bool active_in(const peer::Peer& p, AddressFamily af) {
  return p.settings().active_in(wire_family(af));
}

// quagga's peer_uptime(): hh:mm:ss below a day, then 1d02h03m, then 01w2d03h.
std::string uptime_text(event::Duration d, bool ever) {
  if (!ever) return "never";
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  long days = s / 86400, hours = s / 3600 % 24, minutes = s / 60 % 60, seconds = s % 60;
  if (days == 0) return fmt::format("{:02d}:{:02d}:{:02d}", hours, minutes, seconds);
  if (days < 7) return fmt::format("{}d{:02d}h{:02d}m", days, hours, minutes);
  return fmt::format("{:02d}w{}d{:02d}h", days / 7, days % 7, hours);
}

// Time since the session went up, or since it last went down (quagga's Up/Down column).
std::pair<event::Duration, bool> up_down(const peer::Peer& p, const event::Clock& clock) {
  const auto& st = p.stats();
  if (p.state() == fsm::State::kEstablished) return {p.session().uptime(), true};
  if (st.established_transitions == 0) return {{}, false};
  return {clock.now() - st.last_reset, true};
}

std::string state_text(const peer::Peer& p) {
  if (p.settings().shutdown) return "Idle (Admin)";
  if (p.prefix_limit_hit()) return "Idle (PfxCt)";
  return std::string(fsm::to_string(p.state()));
}

std::int64_t ms(event::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string family_title(AddressFamily af) {
  return af == AddressFamily::kIpv4Unicast ? "IPv4 Unicast" : "IPv6 Unicast";
}

}  // namespace

// "65009 65001 {1,2} (65010)": sequences, sets in braces, confederation segments in
// parentheses (RFC 5065), as quagga/FRR print AS paths.
std::string as_path_text(const wire::AsPath& path) {
  std::string out;
  for (const auto& segment : path.segments) {
    if (!out.empty()) out += ' ';
    bool set =
        segment.type == wire::SegmentType::kAsSet || segment.type == wire::SegmentType::kConfedSet;
    bool confed = segment.type == wire::SegmentType::kConfedSequence ||
                  segment.type == wire::SegmentType::kConfedSet;
    out += confed ? "(" : set ? "{" : "";
    for (std::size_t i = 0; i < segment.asns.size(); ++i)
      out += (i ? (set ? "," : " ") : "") + std::to_string(segment.asns[i]);
    out += confed ? ")" : set ? "}" : "";
  }
  return out;
}

char origin_code(const wire::PathAttributes& a) {
  if (!a.origin) return '?';
  switch (*a.origin) {
    case wire::Origin::kIgp:
      return 'i';
    case wire::Origin::kEgp:
      return 'e';
    case wire::Origin::kIncomplete:
      return '?';
  }
  return '?';
}

class ShowCommands {
 public:
  // Prefixes of the Loc-RIB in address order, for stable output.
  std::vector<std::pair<Prefix, const rib::PathList*>> table(AddressFamily af) const {
    std::vector<std::pair<Prefix, const rib::PathList*>> rows;
    s_.loc_rib().for_each(wire_family(af), [&](const Prefix& p, const rib::PathList& l) {
      rows.emplace_back(p, &l);
    });
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return rows;
  }

  // rib::weight_of(): `neighbor A weight`, `set weight`, else 32768 for our own routes.
  std::uint32_t weight(const rib::Path& path) const {
    return path.attrs->weight.value_or(s_.is_local(path.peer) ? 32768 : 0);
  }

  bool internal(const rib::Path& path) const {
    const auto* p = s_.peer_of(path.peer);
    return p && p->settings().is_ibgp();
  }

  // The layout of quagga's `show ip bgp` (tests/data/seed/show-ip-bgp.txt): status, network,
  // next hop, metric, local preference, weight, AS path and origin; best path first.
  std::string table_text(AddressFamily af) const {
    std::string out = "\n   Network          Next Hop            Metric LocPrf Weight Path\n";
    const auto rows = table(af);
    for (const auto& [prefix, list] : rows) {
      std::vector<const rib::Path*> paths;
      for (const auto& path : list->paths()) paths.push_back(&path);
      std::stable_partition(paths.begin(), paths.end(),
                            [](const rib::Path* p) { return p->best(); });
      std::string network = prefix.to_string();
      for (const rib::Path* path : paths) {
        const wire::PathAttributes& a = *path->attrs;
        std::string status{path->valid() ? '*' : ' ',
                           path->best()        ? '>'
                           : path->multipath() ? '='
                                               : ' ',
                           internal(*path) ? 'i' : ' '};
        auto next_hop = rib::next_hop_of(a, wire_family(af));
        std::string line = status;
        if (network.size() > 16) {
          out += status + network + "\n";
          line = std::string(20, ' ');
        } else {
          line += fmt::format("{:<17}", network);
        }
        network.clear();
        line += fmt::format("{:<16}", next_hop ? next_hop->to_string() : "0.0.0.0");
        if (next_hop && next_hop->to_string().size() > 15) {
          out += line + "\n";
          line = std::string(36, ' ');
        }
        line += a.med ? fmt::format("{:>10}", *a.med) : std::string(10, ' ');
        line += a.local_pref && internal(*path) ? fmt::format("{:>7}", *a.local_pref)
                                                : std::string(7, ' ');
        line += fmt::format("{:>7} ", weight(*path));
        std::string as_path = a.as_path ? as_path_text(*a.as_path) : "";
        line += as_path + (as_path.empty() ? "" : " ") + origin_code(a);
        out += line + "\n";
      }
    }
    out += fmt::format("\nDisplayed  {} routes and {} total paths\n", rows.size(),
                       s_.loc_rib().path_count(wire_family(af)));
    return out;
  }

  // The paths of one prefix, best first, as `show ip bgp A.B.C.D/M` lists them (FRR layout).
  std::vector<const rib::Path*> ordered_paths(const rib::PathList& list) const {
    std::vector<const rib::Path*> paths;
    for (const auto& path : list.paths()) paths.push_back(&path);
    std::stable_partition(paths.begin(), paths.end(), [](const rib::Path* p) { return p->best(); });
    return paths;
  }

  // The longest prefix of the Loc-RIB covering `target` (a prefix is looked up as given).
  std::optional<Prefix> covering(AddressFamily af, const Prefix& target, bool exact) const {
    if (exact) {
      if (s_.loc_rib().find(wire_family(af), target)) return target;
      return std::nullopt;
    }
    for (int len = target.length(); len >= 0; --len) {
      Prefix p(target.address(), static_cast<std::uint8_t>(len));
      if (s_.loc_rib().find(wire_family(af), p)) return p;
    }
    return std::nullopt;
  }

  std::string detail_text(AddressFamily af, const Prefix& prefix) const {
    const rib::PathList& list = *s_.loc_rib().find(wire_family(af), prefix);
    auto paths = ordered_paths(list);
    bool has_best = !paths.empty() && paths.front()->best();
    // FRR marks "multipath" only when more than one path is used.
    auto used = std::count_if(paths.begin(), paths.end(),
                              [](const rib::Path* p) { return p->multipath(); });
    std::string out = fmt::format("BGP routing table entry for {}\n", prefix.to_string());
    out += fmt::format("Paths: ({} available{}, table default)\n", paths.size(),
                       has_best ? ", best #1" : ", no best path");
    for (const rib::Path* path : paths) {
      const wire::PathAttributes& a = *path->attrs;
      const peer::Peer* from = s_.peer_of(path->peer);
      std::string as_path = a.as_path ? as_path_text(*a.as_path) : "";
      out += "  " + (as_path.empty() ? std::string("Local") : as_path) + "\n";
      auto nh = rib::next_hop_of(a, wire_family(af));
      // FRR: "(inaccessible)" for a next hop that does not resolve (RFC 4271 §9.1.2.1), the
      // IGP metric when there is one.
      std::string hop = nh ? nh->to_string() : "0.0.0.0";
      if (!path->valid())
        hop += " (inaccessible)";
      else if (path->igp_cost)
        hop += fmt::format(" (metric {})", path->igp_cost);
      if (from) {
        std::uint32_t rid = from->negotiated() ? from->negotiated()->peer_bgp_identifier : 0;
        out += fmt::format("    {} from {} ({})\n", hop, from->settings().address.to_string(),
                           ipv4_text(rid));
      } else {
        out += fmt::format("    {} from 0.0.0.0 ({})\n", hop, ipv4_text(s_.router_id()));
      }
      std::string origin = origin_code(a) == 'i'   ? "IGP"
                           : origin_code(a) == 'e' ? "EGP"
                                                   : "incomplete";
      std::string line = "      Origin " + origin;
      if (a.med) line += fmt::format(", metric {}", *a.med);
      if (a.local_pref) line += fmt::format(", localpref {}", *a.local_pref);
      if (auto w = weight(*path)) line += fmt::format(", weight {}", w);
      line += path->valid() ? ", valid" : ", invalid";
      line += s_.is_local(path->peer) ? ", sourced, local"
              : internal(*path)       ? ", internal"
                                      : ", external";
      if (path->multipath() && used > 1) line += ", multipath";
      if (path->best()) line += fmt::format(", best ({})", rib::step_name(list.reason()));
      out += line + "\n";
      if (a.communities) {
        std::string c;
        for (auto v : *a.communities) c += fmt::format(" {}:{}", v >> 16, v & 0xffff);
        out += "      Community:" + c + "\n";
      }
      if (a.originator_id)
        out += fmt::format("      Originator: {}", ipv4_text(*a.originator_id)) +
               (a.cluster_list ? ", Cluster list:" : "");
      if (a.cluster_list)
        for (auto id : *a.cluster_list) out += " " + ipv4_text(id);
      if (a.originator_id || a.cluster_list) out += "\n";
    }
    return out;
  }

  nlohmann::json detail_json(AddressFamily af, const Prefix& prefix) const {
    const rib::PathList& list = *s_.loc_rib().find(wire_family(af), prefix);
    nlohmann::json paths = nlohmann::json::array();
    for (const rib::Path* path : ordered_paths(list)) {
      const wire::PathAttributes& a = *path->attrs;
      nlohmann::json j;
      std::string as_path = a.as_path ? as_path_text(*a.as_path) : "";
      j["aspath"] = {{"string", as_path.empty() ? "Local" : as_path},
                     {"length", a.as_path ? a.as_path->length() : 0}};
      j["origin"] = origin_code(a) == 'i' ? "IGP" : origin_code(a) == 'e' ? "EGP" : "incomplete";
      if (a.med) j["metric"] = *a.med;
      if (a.local_pref) j["locPrf"] = *a.local_pref;
      j["weight"] = weight(*path);
      j["valid"] = path->valid();
      if (path->multipath()) j["multipath"] = true;
      if (path->best())
        j["bestpath"] = {{"overall", true}, {"selectionReason", rib::step_name(list.reason())}};
      if (a.communities) {
        nlohmann::json c = nlohmann::json::array();
        for (auto v : *a.communities) c.push_back(fmt::format("{}:{}", v >> 16, v & 0xffff));
        j["community"] = {{"list", c}};
      }
      if (a.originator_id) j["originatorId"] = ipv4_text(*a.originator_id);
      if (a.cluster_list) {
        nlohmann::json c = nlohmann::json::array();
        for (auto id : *a.cluster_list) c.push_back(ipv4_text(id));
        j["clusterList"] = {{"list", c}};
      }
      if (auto nh = rib::next_hop_of(a, wire_family(af))) {
        nlohmann::json hop = {{"ip", nh->to_string()}, {"afi", nh->is_v4() ? "ipv4" : "ipv6"}};
        if (path->valid()) hop["metric"] = path->igp_cost;
        hop["accessible"] = path->valid();
        j["nexthops"] = nlohmann::json::array({hop});
      }
      if (const peer::Peer* from = s_.peer_of(path->peer)) {
        j["peer"] = {{"peerId", from->settings().address.to_string()},
                     {"type", internal(*path) ? "internal" : "external"}};
      } else {
        j["peer"] = {{"peerId", "0.0.0.0"}, {"type", "local"}};
      }
      paths.push_back(j);
    }
    return {{"prefix", prefix.to_string()}, {"paths", paths}};
  }

  // The paths of one prefix as `show ip bgp json` lists them (FRR's keys).
  nlohmann::json paths_json(AddressFamily af, const rib::PathList& list) const {
    nlohmann::json paths = nlohmann::json::array();
    auto used = std::count_if(list.paths().begin(), list.paths().end(),
                              [](const rib::Path& p) { return p.multipath(); });
    for (const auto& path : list.paths()) {
      const wire::PathAttributes& a = *path.attrs;
      nlohmann::json j;
      j["valid"] = path.valid();
      if (path.best()) j["bestpath"] = true;
      // As FRR: "multipath" only when more than one path is used.
      if (path.multipath() && used > 1) j["multipath"] = true;
      j["pathFrom"] = internal(path) ? "internal" : "external";
      j["path"] = a.as_path ? as_path_text(*a.as_path) : "";
      j["origin"] = origin_code(a) == 'i' ? "IGP" : origin_code(a) == 'e' ? "EGP" : "incomplete";
      if (a.med) j["metric"] = *a.med;
      if (a.local_pref) j["locPrf"] = *a.local_pref;
      if (auto nh = rib::next_hop_of(a, wire_family(af)))
        j["nexthops"] = nlohmann::json::array(
            {{{"ip", nh->to_string()}, {"afi", nh->is_v4() ? "ipv4" : "ipv6"}}});
      if (const auto* p = s_.peer_of(path.peer)) j["peerId"] = p->settings().address.to_string();
      paths.push_back(j);
    }
    return paths;
  }

  // `show ip bgp json`, produced piece by piece (issue 15: built whole, a 300k-route table took
  // 916 MB and blocked the loop for 3 s). The text is exactly json_text() of the document
  // {"localAS", "routerId", "routes": {PREFIX: [paths]}}: nlohmann sorts object keys as strings,
  // so the prefixes are listed in the order of their text, and each route's array is nlohmann's
  // own pretty-printed dump, indented to its depth (it holds no raw newline: strings are
  // escaped). Only the braces and the keys' separators are written here.
  //
  // The view: the prefixes present when the command runs, as text (~50 bytes a route), then a
  // cursor over them; each route's paths are read from the Loc-RIB when its piece is made. A
  // route withdrawn meanwhile is left out, one added meanwhile is not listed, every route shown
  // is whole. Unlike a snapshot of the paths, a slow client pins no attributes and no memory
  // beyond the prefix texts.
  control::OutputStream table_json_stream(AddressFamily af,
                                          std::shared_ptr<const ShowCommands> self) const {
    struct Cursor {
      std::vector<std::pair<std::string, Prefix>> keys;
      std::size_t next = 0;
      bool listed = false;  // at least one route written
      bool started = false;
    };
    auto cursor = std::make_shared<Cursor>();
    s_.loc_rib().for_each(wire_family(af), [&](const Prefix& p, const rib::PathList&) {
      cursor->keys.emplace_back(p.to_string(), p);
    });
    std::sort(cursor->keys.begin(), cursor->keys.end());
    nlohmann::json document = {{"routerId", ipv4_text(s_.router_id())},
                               {"localAS", s_.local_as()},
                               {"routes", nlohmann::json::object()}};
    // `"routes": {}` is the last member (keys sorted): the head is everything before its `}`.
    std::string head = json_text(document);
    head.resize(head.size() - std::string_view("}\n}\n").size());
    return [self = std::move(self), af, cursor, head = std::move(head)](std::string& out) {
      if (!cursor->started) {
        cursor->started = true;
        out += head;
      }
      constexpr std::size_t kRoutesPerPiece = 64;
      for (std::size_t n = 0; n < kRoutesPerPiece && cursor->next < cursor->keys.size();) {
        const auto& [text, prefix] = cursor->keys[cursor->next++];
        const rib::PathList* list = self->s_.loc_rib().find(wire_family(af), prefix);
        if (!list) continue;  // withdrawn since the command ran
        std::string paths = self->paths_json(af, *list).dump(
            2, ' ', false, nlohmann::json::error_handler_t::replace);
        out += cursor->listed ? ",\n    " : "\n    ";
        out += nlohmann::json(text).dump();
        out += ": ";
        // Indented to the depth of a member of "routes" (nlohmann's dump starts at 0).
        for (char c : paths) {
          out += c;
          if (c == '\n') out += "    ";
        }
        cursor->listed = true;
        ++n;
      }
      if (cursor->next < cursor->keys.size()) return true;
      out += cursor->listed ? "\n  }\n}\n" : "}\n}\n";
      return false;
    };
  }

  // `show ip bgp nexthop`, FRR's layout without the update times: every next hop of the
  // peers' paths, valid or not as its paths resolve (connected only when a single-hop eBGP
  // neighbor's paths use it, FRR's "Must be Connected"), the IGP metric and how it resolves.
  struct NextHopRow {
    rib::LocRib::NextHopState state;
    bool connected_only = false;
    std::optional<std::uint32_t> cost;
    std::optional<netlink::Reachability::Resolution> resolution;
  };
  std::vector<NextHopRow> next_hop_rows() const {
    std::vector<NextHopRow> rows;
    const netlink::Reachability* view = s_.fib().reachability();
    for (const auto& h : s_.loc_rib().next_hops()) {
      NextHopRow row{h, h.single_hop_paths > 0, {}, {}};
      row.cost = row.connected_only ? h.connected : h.cost;
      if (view)
        row.resolution =
            view->resolve(h.address, row.connected_only ? netlink::Reachability::Mode::kConnected
                                                        : netlink::Reachability::Mode::kRecursive);
      rows.push_back(std::move(row));
    }
    return rows;
  }
  std::string link_name(int ifindex) const {
    std::string name(s_.fib().connected().link_name(ifindex));
    return name.empty() ? std::to_string(ifindex) : name;
  }
  std::string next_hop_text() const {
    std::string out = "Current BGP nexthop cache:\n";
    for (const auto& row : next_hop_rows()) {
      const auto& h = row.state;
      if (!row.cost) {
        out += fmt::format(" {} invalid, #paths {}\n", h.address.to_string(), h.paths);
        if (row.connected_only) out += "  Must be Connected\n";
        continue;
      }
      out += fmt::format(" {} valid [IGP metric {}], #paths {}\n", h.address.to_string(), *row.cost,
                         h.paths);
      if (!row.resolution || !row.resolution->reachable) continue;
      if (row.resolution->route)
        out += fmt::format("  Resolved prefix {}\n", row.resolution->route->to_string());
      if (row.resolution->ifindex) out += "  if " + link_name(row.resolution->ifindex) + "\n";
    }
    return out;
  }
  nlohmann::json next_hop_json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& row : next_hop_rows()) {
      const auto& h = row.state;
      nlohmann::json j;
      j["valid"] = row.cost.has_value();
      j["complete"] = row.cost.has_value();
      if (row.cost) j["igpMetric"] = *row.cost;
      j["pathCount"] = h.paths;
      if (!row.cost && row.connected_only) j["isConnected"] = false;
      if (row.cost && row.resolution && row.resolution->reachable) {
        if (row.resolution->route) j["resolvedPrefix"] = row.resolution->route->to_string();
        if (row.resolution->ifindex)
          j["nexthops"] =
              nlohmann::json::array({{{"interfaceName", link_name(row.resolution->ifindex)}}});
      }
      out[h.family == wire::kIpv4Unicast ? "ipv4" : "ipv6"][h.address.to_string()] = j;
    }
    return out;
  }

  ShowCommands(const Speaker& speaker, const event::Clock& clock) : s_(speaker), clock_(clock) {}

  // Prefixes in the Loc-RIB of the family.
  std::size_t rib_entries(AddressFamily af) const {
    return s_.loc_rib().prefix_count(wire_family(af));
  }

  std::string summary_text(AddressFamily af, bool with_title) const {
    std::string out;
    if (with_title) out += family_title(af) + " Summary:\n";
    if (!s_.running().bgp) return out + "% BGP instance not found\n";
    out += fmt::format("BGP router identifier {}, local AS number {}\n", ipv4_text(s_.router_id()),
                       s_.local_as());
    std::size_t prefixes = rib_entries(af);
    // What the Loc-RIB and the Adj-RIBs-In of the family occupy (not the shared attributes).
    std::size_t bytes = s_.loc_rib().memory_bytes();
    for (const auto& [a, n] : s_.neighbors()) bytes += n.peer->adj_rib_in().memory_bytes();
    out += fmt::format("RIB entries {}, using {} bytes of memory\n", prefixes, bytes);
    std::size_t peers = 0;
    for (const auto& [a, n] : s_.neighbors())
      if (active_in(*n.peer, af)) ++peers;
    out += fmt::format("Peers {}, using {} KiB of memory\n\n", peers,
                       (peers * sizeof(peer::Peer) + 1023) / 1024);
    out +=
        "Neighbor        V         AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd\n";
    for (const auto& [address, n] : s_.neighbors()) {
      const peer::Peer* p = n.peer.get();
      if (!active_in(*p, af)) continue;
      // FRR marks dynamic neighbors with a `*` (bgp_show_summary()'s dn_flag).
      std::string name = (n.dynamic ? "*" : "") + address.to_string();
      // Long (IPv6) addresses get a line of their own, as in quagga/FRR.
      if (name.size() > 15) {
        out += name + "\n";
        name.clear();
      }
      auto [since, ever] = up_down(*p, clock_);
      std::string state = p->state() == fsm::State::kEstablished
                              ? fmt::format("{:>8}", s_.accepted(*p, wire_family(af)))
                              : state_text(*p);
      std::uint32_t remote_as =
          p->negotiated() ? p->negotiated()->peer_as : p->settings().remote_as;
      out += fmt::format("{:<16}4 {:>5} {:>7} {:>7} {:>8} {:>4} {:>4} {:>8} {}\n", name, remote_as,
                         p->received().total(), p->sent().total(), 0, 0, p->output_queue(),
                         uptime_text(since, ever), state);
    }
    out += fmt::format("\nTotal number of neighbors {}\n", peers);
    std::size_t dynamic = 0;
    for (const auto& [a, n] : s_.neighbors())
      if (n.dynamic && active_in(*n.peer, af)) ++dynamic;
    if (dynamic > 0) {
      out += "* - dynamic neighbor\n";
      out += fmt::format("{} dynamic neighbor(s), limit {}\n", dynamic, s_.dynamic_limit());
    }
    return out;
  }

  json summary_json(AddressFamily af) const {
    json j = json::object();
    j["routerId"] = ipv4_text(s_.router_id());
    j["as"] = s_.local_as();
    j["vrfId"] = 0;
    j["vrfName"] = "default";
    j["tableVersion"] = 0;
    j["ribCount"] = rib_entries(af);
    json peers = json::object();
    std::size_t dynamic = 0;
    for (const auto& [address, n] : s_.neighbors()) {
      const peer::Peer* p = n.peer.get();
      if (!active_in(*p, af)) continue;
      auto [since, ever] = up_down(*p, clock_);
      json q;
      q["remoteAs"] = p->negotiated() ? p->negotiated()->peer_as : p->settings().remote_as;
      q["localAs"] = s_.local_as();
      q["version"] = 4;
      q["msgRcvd"] = p->received().total();
      q["msgSent"] = p->sent().total();
      q["tableVersion"] = 0;
      q["inq"] = 0;
      q["outq"] = p->output_queue();
      q["peerUptime"] = uptime_text(since, ever);
      q["peerUptimeMsec"] = ever ? ms(since) : 0;
      q["pfxRcd"] = s_.accepted(*p, wire_family(af));
      q["pfxSnt"] = s_.advertised(*p, wire_family(af));
      q["state"] = state_text(*p);
      q["connectionsEstablished"] = p->stats().established_transitions;
      q["connectionsDropped"] = p->stats().dropped;
      if (!p->settings().description.empty()) q["desc"] = p->settings().description;
      q["idType"] = address.is_v4() ? "ipv4" : "ipv6";
      if (n.dynamic) {
        q["dynamicPeer"] = true;
        ++dynamic;
      }
      peers[address.to_string()] = q;
    }
    j["peers"] = peers;
    j["peerCount"] = peers.size();
    j["totalPeers"] = peers.size();
    j["dynamicPeers"] = dynamic;
    return j;
  }

  // "*" for a dynamic neighbor, as FRR writes it before the address.
  std::string dynamic_flag(const IpAddress& address) const {
    auto it = s_.neighbors().find(address);
    return it != s_.neighbors().end() && it->second.dynamic ? "*" : "";
  }
  // FRR's bgp_show_peer() peer-group lines.
  std::string group_lines(const IpAddress& address) const {
    const config::NeighborConfig* c = s_.neighbor_config(address);
    if (!c || c->peer_group.empty()) return {};
    std::string out =
        fmt::format(" Member of peer-group {} for session parameters\n", c->peer_group);
    if (!dynamic_flag(address).empty() && s_.running().bgp)
      if (const auto* range = s_.running().bgp->listen_range_of(address))
        out += fmt::format(" Belongs to the subnet range group: {}\n", range->range.to_string());
    return out;
  }

  json neighbor_json(const peer::Peer& p) const {
    const auto& st = p.stats();
    const auto& set = p.settings();
    json j;
    j["remoteAs"] = p.negotiated() ? p.negotiated()->peer_as : set.remote_as;
    j["localAs"] = s_.local_as();
    j["nbrExternalLink"] = !set.is_ibgp();
    j["nbrInternalLink"] = set.is_ibgp();
    if (!set.description.empty()) j["nbrDesc"] = set.description;
    if (const auto* c = s_.neighbor_config(set.address); c && !c->peer_group.empty()) {
      j["peerGroup"] = c->peer_group;
      if (!dynamic_flag(set.address).empty() && s_.running().bgp)
        if (const auto* range = s_.running().bgp->listen_range_of(set.address))
          j["peerSubnetRangeGroup"] = range->range.to_string();
    }
    j["remoteRouterId"] =
        p.received_open() ? ipv4_text(p.received_open()->bgp_identifier) : "0.0.0.0";
    j["localRouterId"] = ipv4_text(s_.router_id());
    j["bgpState"] = state_text(p);
    j["bgpTimerUpMsec"] = p.state() == fsm::State::kEstablished ? ms(p.session().uptime()) : 0;
    j["bgpTimerUpString"] =
        uptime_text(p.session().uptime(), p.state() == fsm::State::kEstablished);
    const auto& fsm_state = p.session().fsm_state();
    j["bgpTimerHoldTimeMsecs"] = fsm_state.hold_time_s * 1000;
    j["bgpTimerKeepAliveIntervalMsecs"] = fsm_state.keepalive_s * 1000;
    j["bgpTimerConfiguredHoldTimeMsecs"] = set.timers.hold_time.count() * 1000;
    j["bgpTimerConfiguredKeepAliveIntervalMsecs"] = set.timers.keepalive.count() * 1000;
    j["connectionsEstablished"] = st.established_transitions;
    j["connectionsDropped"] = st.dropped;
    j["lastResetDueTo"] = p.last_reset_text().empty() ? "never" : p.last_reset_text();
    if (st.last_error) {
      j["lastNotificationReason"] =
          wire::notification_name(st.last_error->code, st.last_error->subcode);
      j["lastErrorCodeSubcode"] =
          fmt::format("{:02x}{:02x}", st.last_error->code, st.last_error->subcode);
      j["lastNotificationSent"] = st.last_error->sent;
    }
    // FRR's bgp_show_peer() keys, flat: what frr_exporter and FRR's topotests read.
    json msgs;
    msgs["depthInq"] = 0;
    msgs["depthOutq"] = p.output_queue();
    const peer::MessageCounters& sent = p.sent();
    const peer::MessageCounters& received = p.received();
    msgs["opensSent"] = sent.opens;
    msgs["opensRecv"] = received.opens;
    msgs["notificationsSent"] = sent.notifications;
    msgs["notificationsRecv"] = received.notifications;
    msgs["updatesSent"] = sent.updates;
    msgs["updatesRecv"] = received.updates;
    msgs["keepalivesSent"] = sent.keepalives;
    msgs["keepalivesRecv"] = received.keepalives;
    msgs["routeRefreshSent"] = sent.route_refreshes;
    msgs["routeRefreshRecv"] = received.route_refreshes;
    msgs["capabilitySent"] = 0;  // no dynamic capability (RFC draft) messages
    msgs["capabilityRecv"] = 0;
    msgs["totalSent"] = sent.total();
    msgs["totalRecv"] = received.total();
    j["messageStats"] = msgs;
    json afs = json::object();
    for (auto af : config::kAddressFamilies) {
      if (!active_in(p, af)) continue;
      afs[af == AddressFamily::kIpv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = {
          {"acceptedPrefixCounter", s_.accepted(p, wire_family(af))},
          {"sentPrefixCounter", s_.advertised(p, wire_family(af))}};
    }
    j["addressFamilyInfo"] = afs;
    if (auto l = p.local_endpoint()) {
      j["hostLocal"] = l->first.to_string();
      j["portLocal"] = l->second;
    }
    if (auto r = p.remote_endpoint()) {
      j["hostForeign"] = r->first.to_string();
      j["portForeign"] = r->second;
    }
    j["updatesTreatedAsWithdraw"] = p.updates_treated_as_withdraw();
    // RFC 4271 §6.3: routes ignored (not accepted, not in pfxRcd) for a martian or own next hop.
    j["martianNextHopRoutesIgnored"] = s_.martian_next_hops(p);
    return j;
  }

  std::string neighbor_text(const IpAddress& address, const peer::Peer& p) const {
    const auto& st = p.stats();
    const auto& set = p.settings();
    std::string out;
    std::uint32_t remote_as = p.negotiated() ? p.negotiated()->peer_as : set.remote_as;
    out += fmt::format("BGP neighbor is {}{}, remote AS {}, local AS {}, {} link\n",
                       dynamic_flag(address), address.to_string(), remote_as, s_.local_as(),
                       set.is_ibgp() ? "internal" : "external");
    if (!set.description.empty()) out += fmt::format(" Description: {}\n", set.description);
    out += group_lines(address);
    out += fmt::format("  BGP version 4, remote router ID {}, local router ID {}\n",
                       p.received_open() ? ipv4_text(p.received_open()->bgp_identifier) : "0.0.0.0",
                       ipv4_text(s_.router_id()));
    out += fmt::format("  BGP state = {}", state_text(p));
    if (p.state() == fsm::State::kEstablished)
      out += fmt::format(", up for {}", uptime_text(p.session().uptime(), true));
    out += "\n";
    const auto& fs = p.session().fsm_state();
    if (p.state() == fsm::State::kEstablished)
      out += fmt::format("  Hold time is {}, keepalive interval is {} seconds\n", fs.hold_time_s,
                         fs.keepalive_s);
    out += fmt::format("  Configured hold time is {}, keepalive interval is {} seconds\n",
                       set.timers.hold_time.count(), set.timers.keepalive.count());
    if (const auto& n = p.negotiated()) {
      out += "  Neighbor capabilities:\n";
      out += fmt::format("    4 Byte AS: advertised{}\n", n->four_octet_as ? " and received" : "");
      out +=
          fmt::format("    Route refresh: advertised{}\n", n->route_refresh ? " and received" : "");
      out += fmt::format("    Extended Message: advertised{}\n",
                         n->extended_message ? " and received" : "");
      for (const auto& f : n->afi_safis)
        out += fmt::format("    Address Family {}: advertised and received\n",
                           f == wire::kIpv4Unicast ? "IPv4 Unicast" : "IPv6 Unicast");
      out += fmt::format("    Graceful Restart Capability: advertised{}\n",
                         n->peer_graceful_restart ? " and received" : "");
    }
    out += "  Message statistics:\n";
    out += fmt::format("    Inq depth is 0\n    Outq depth is {}\n", p.output_queue());
    out += "                         Sent       Rcvd\n";
    auto row = [&](const char* label, std::uint64_t sent, std::uint64_t rcvd) {
      out += fmt::format("    {:<18}{:>7}    {:>7}\n", label, sent, rcvd);
    };
    row("Opens:", p.sent().opens, p.received().opens);
    row("Notifications:", p.sent().notifications, p.received().notifications);
    row("Updates:", p.sent().updates, p.received().updates);
    row("Keepalives:", p.sent().keepalives, p.received().keepalives);
    row("Route Refresh:", p.sent().route_refreshes, p.received().route_refreshes);
    row("Total:", p.sent().total(), p.received().total());
    for (auto af : config::kAddressFamilies) {
      if (!active_in(p, af)) continue;
      out += fmt::format("\n For address family: {}\n  {} accepted prefixes\n", family_title(af),
                         s_.accepted(p, wire_family(af)));
    }
    out += fmt::format("\n  Connections established {}; dropped {}\n", st.established_transitions,
                       st.dropped);
    if (p.last_reset_text().empty()) {
      out += "  Last reset never\n";
    } else {
      out += fmt::format("  Last reset {}, due to {}\n",
                         uptime_text(clock_.now() - st.last_reset, true), p.last_reset_text());
    }
    if (st.last_error)
      out += fmt::format("  Last NOTIFICATION {} {}/{} ({})\n",
                         st.last_error->sent ? "sent" : "received", st.last_error->code,
                         st.last_error->subcode,
                         wire::notification_name(st.last_error->code, st.last_error->subcode));
    if (auto l = p.local_endpoint())
      out += fmt::format("Local host: {}, Local port: {}\n", l->first.to_string(), l->second);
    if (auto r = p.remote_endpoint())
      out += fmt::format("Foreign host: {}, Foreign port: {}\n", r->first.to_string(), r->second);
    return out;
  }

 private:
  const Speaker& s_;
  const event::Clock& clock_;
};

void Speaker::install_commands(control::CommandTree& tree) {
  auto show = std::make_shared<ShowCommands>(*this, clock_);
  tree.describe("bgp", "BGP information");
  tree.describe("summary", "Summary of BGP neighbor status");
  tree.describe("neighbors", "Detailed information on TCP and BGP neighbor connections");
  tree.describe("json", "JavaScript Object Notation");

  // Both families, keyed as FRR's `show bgp summary json`.
  auto families_json = [this, show] {
    nlohmann::json j = nlohmann::json::object();
    if (running_.bgp) {
      j["ipv4Unicast"] = show->summary_json(AddressFamily::kIpv4Unicast);
      j["ipv6Unicast"] = show->summary_json(AddressFamily::kIpv6Unicast);
    }
    return j;
  };
  // One family's text, or both (`show bgp summary`).
  auto summary_text = [show](std::optional<AddressFamily> af) {
    if (af) return show->summary_text(*af, false);
    return show->summary_text(AddressFamily::kIpv4Unicast, true) + "\n" +
           show->summary_text(AddressFamily::kIpv6Unicast, true);
  };
  // FRR's bgp_show_summary_afi_safi() for one family: `show bgp ipv4 unicast summary json` gives
  // its summary bare, `show bgp ipv4 summary json` (any SAFI) keys it by family; either is `{}`
  // when no neighbor is active in it.
  auto family_json = [this, show](const control::Invocation& inv) {
    const auto af = inv.has("ipv6") ? AddressFamily::kIpv6Unicast : AddressFamily::kIpv4Unicast;
    nlohmann::json j = running_.bgp ? show->summary_json(af) : nlohmann::json::object();
    if (j.value("peerCount", 0) == 0) return nlohmann::json::object();
    if (inv.has("unicast")) return j;
    return nlohmann::json{{af == AddressFamily::kIpv4Unicast ? "ipv4Unicast" : "ipv6Unicast", j}};
  };
  auto summary = [family_json, families_json, summary_text](const control::Invocation& inv,
                                                            control::Session&) {
    if (inv.has("json") && (inv.has("ipv4") || inv.has("ipv6")))
      return control::CommandResult::success(json_text(family_json(inv)));
    if (inv.has("json")) return control::CommandResult::success(json_text(families_json()));
    std::optional<AddressFamily> af = AddressFamily::kIpv4Unicast;
    if (inv.has("ipv6")) af = AddressFamily::kIpv6Unicast;
    if (inv.has("all")) af.reset();
    return control::CommandResult::success(summary_text(af));
  };
  tree.install("exec", "show ip bgp summary [json]", "Show IPv4 BGP neighbor summary", summary);
  tree.install("exec", "show bgp <ipv4|ipv6$ipv6> [unicast] summary [json]",
               "Show BGP neighbor summary of one address family", summary);
  tree.install("exec", "show bgp summary$all [json]", "Show BGP neighbor summary", summary);
  // FRR's VRF forms, for tools written against FRR (Prometheus's frr_exporter runs `show bgp vrf
  // all ipv4 unicast summary json`; docs/vipctl.md). vipd has the default VRF only. With one
  // family FRR gives its summary bare (`{}` when no neighbor is active in it); `vrf all` keys
  // the answer by VRF name.
  tree.describe("vrf", "Specify a VRF (vipd has the default VRF only)");
  auto vrf_summary = [family_json, families_json, summary_text](const control::Invocation& inv,
                                                                control::Session&) {
    std::optional<AddressFamily> af;
    if (inv.has("ipv4")) af = AddressFamily::kIpv4Unicast;
    if (inv.has("ipv6")) af = AddressFamily::kIpv6Unicast;
    if (!inv.has("json")) return control::CommandResult::success(summary_text(af));
    nlohmann::json j = af ? family_json(inv) : families_json();
    if (inv.has("vrf_all")) j = nlohmann::json{{"default", std::move(j)}};
    return control::CommandResult::success(json_text(j));
  };
  tree.install("exec",
               "show bgp vrf <all$vrf_all|default> [<ipv4|ipv6$ipv6> [unicast]] summary [json]",
               "Show BGP neighbor summary of the default VRF", vrf_summary);

  auto neighbors = [this, show](const control::Invocation& inv, control::Session&) {
    std::optional<IpAddress> which;
    if (inv.has("peer")) which = IpAddress::parse(inv.get("peer"));
    if (which && !neighbors_.contains(*which))
      return control::CommandResult::failure("% No such neighbor " + which->to_string());
    if (inv.has("json")) {
      nlohmann::json j = nlohmann::json::object();
      // FRR's `show bgp vrf all neighbors json`: by VRF name, the VRF's id and name beside the
      // neighbors.
      if (inv.has("vrf_all")) j = {{"vrfId", 0}, {"vrfName", "default"}};
      for (const auto& [address, n] : neighbors_)
        if (!which || *which == address) j[address.to_string()] = show->neighbor_json(*n.peer);
      if (inv.has("vrf_all")) j = nlohmann::json{{"default", std::move(j)}};
      return control::CommandResult::success(json_text(j));
    }
    std::string out;
    for (const auto& [address, n] : neighbors_)
      if (!which || *which == address) out += show->neighbor_text(address, *n.peer) + "\n";
    return control::CommandResult::success(out);
  };
  tree.install("exec", "show <ip bgp|bgp> neighbors [<A.B.C.D|X:X::X:X>$peer] [json]",
               "Show BGP neighbors", neighbors);
  tree.install("exec",
               "show bgp vrf <all$vrf_all|default> neighbors [<A.B.C.D|X:X::X:X>$peer] [json]",
               "Show BGP neighbors of the default VRF", neighbors);

  auto table = [this, show](const control::Invocation& inv, control::Session&) {
    auto af = inv.has("ipv6") ? AddressFamily::kIpv6Unicast : AddressFamily::kIpv4Unicast;
    if (!running_.bgp) return control::CommandResult::failure("% BGP instance not found");
    if (inv.has("json")) return control::CommandResult::streamed(show->table_json_stream(af, show));
    return control::CommandResult::success(show->table_text(af));
  };
  tree.install("exec", "show ip bgp [json]", "Show the IPv4 BGP table", table);
  // `show ip bgp A.B.C.D[/M]` (FRR): an address gives the longest covering prefix, a prefix
  // must exist as given.
  auto detail = [this, show](const control::Invocation& inv, control::Session&) {
    if (!running_.bgp) return control::CommandResult::failure("% BGP instance not found");
    std::string text = inv.get("target");
    bool exact = text.find('/') != std::string::npos;
    auto target = Prefix::parse(text);
    if (!target) return control::CommandResult::failure("% Malformed prefix");
    auto af = target->family() == Family::kIpv4 ? AddressFamily::kIpv4Unicast
                                                : AddressFamily::kIpv6Unicast;
    auto found = show->covering(af, *target, exact);
    if (!found) {
      if (inv.has("json")) return control::CommandResult::success("{}");
      return control::CommandResult::failure("% Network not in table");
    }
    if (inv.has("json"))
      return control::CommandResult::success(json_text(show->detail_json(af, *found)));
    return control::CommandResult::success(show->detail_text(af, *found));
  };
  tree.install("exec",
               "show <ip bgp|bgp ipv4 [unicast]|bgp ipv6 [unicast]|bgp> "
               "<A.B.C.D|A.B.C.D/M|X:X::X:X|X:X::X:X/M>$target [json]",
               "Show one route of the BGP table", detail);
  // `show ip bgp nexthop` (FRR): the next hops in use and how they resolve (RFC 4271 §9.1.2.1).
  tree.describe("nexthop", "BGP nexthop table");
  tree.install("exec", "show <ip bgp|bgp> nexthop [json]", "Show the BGP nexthop table",
               [this, show](const control::Invocation& inv, control::Session&) {
                 if (!running_.bgp)
                   return control::CommandResult::failure("% BGP instance not found");
                 if (inv.has("json"))
                   return control::CommandResult::success(json_text(show->next_hop_json()));
                 return control::CommandResult::success(show->next_hop_text());
               });
  install_route_commands(tree);
  install_adj_route_commands(tree);
  tree.install("exec", "show <ip bgp ipv6$ipv6|bgp ipv4|bgp ipv6$ipv6> [unicast] [json]",
               "Show the BGP table of one address family", table);

  install_clear_commands(tree);
}

}  // namespace vipd::bgp
