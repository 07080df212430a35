// `show ip bgp neighbors A received-routes|advertised-routes [json]` (FRR's show_adj_route()):
// the Adj-RIB-In as the neighbor sent it (only with `neighbor A soft-reconfiguration inbound`,
// as FRR), and what the neighbor is sent now (the Adj-RIB-Out, computed from the Loc-RIB).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bgp/propagation.hpp"
#include "bgp/speaker.hpp"
#include "common/json.hpp"

namespace vipd::bgp {

std::string as_path_text(const wire::AsPath& path);  // show.cpp
char origin_code(const wire::PathAttributes& a);     // show.cpp

namespace {

using Rows = std::vector<std::pair<Prefix, rib::AttrRef>>;

// route_vty_out_tmp(): every row "*>", next hop, metric, local preference, weight, path.
std::string row_text(wire::AfiSafi family, const Prefix& prefix, const wire::PathAttributes& a) {
  std::string network = prefix.to_string();
  std::string out = "*> ";
  if (network.size() > 16) {
    out += network + "\n" + std::string(20, ' ');
  } else {
    out += fmt::format("{:<17}", network);
  }
  auto hop = rib::next_hop_of(a, family);
  std::string hop_text = hop ? hop->to_string() : "0.0.0.0";
  out += fmt::format("{:<16}", hop_text);
  if (hop_text.size() > 15) out += "\n" + std::string(36, ' ');
  out += a.med ? fmt::format("{:>10}", *a.med) : std::string(10, ' ');
  out += a.local_pref ? fmt::format("{:>7}", *a.local_pref) : std::string(7, ' ');
  out += fmt::format("{:>7} ", a.weight.value_or(0));
  std::string path = a.as_path ? as_path_text(*a.as_path) : "";
  return out + path + (path.empty() ? "" : " ") + origin_code(a) + "\n";
}

nlohmann::json row_json(wire::AfiSafi family, const Prefix& prefix, const wire::PathAttributes& a) {
  nlohmann::json j;
  j["addrPrefix"] = prefix.address().to_string();
  j["prefixLen"] = prefix.length();
  j["network"] = prefix.to_string();
  auto hop = rib::next_hop_of(a, family);
  j[family == wire::kIpv4Unicast ? "nextHop" : "nextHopGlobal"] =
      hop ? hop->to_string() : "0.0.0.0";
  if (a.med) j["metric"] = *a.med;
  if (a.local_pref) j["locPrf"] = *a.local_pref;
  j["weight"] = a.weight.value_or(0);
  j["path"] = a.as_path ? as_path_text(*a.as_path) : "";
  const char origin = origin_code(a);
  j["bgpOriginCode"] = std::string(1, origin);
  j["appliedStatusSymbols"] = {{"*", true}, {">", true}};
  return j;
}

}  // namespace

void Speaker::install_adj_route_commands(control::CommandTree& tree) {
  tree.describe("received-routes", "Display the received routes from neighbor");
  tree.describe("advertised-routes", "Display the routes advertised to a BGP neighbor");
  auto handler = [this](const control::Invocation& inv, control::Session&) {
    const bool json = inv.has("json");
    const auto af =
        inv.has("ipv6") ? config::AddressFamily::kIpv6Unicast : config::AddressFamily::kIpv4Unicast;
    const auto family =
        af == config::AddressFamily::kIpv4Unicast ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    auto address = IpAddress::parse(inv.get("peer"));
    auto found = address ? neighbors_.find(*address) : neighbors_.end();
    const config::NeighborConfig* n = address ? configured(*address) : nullptr;
    if (found == neighbors_.end() || !n || !running_.bgp) {
      if (json)
        return control::CommandResult::success(
            json_text(nlohmann::json{{"warning", "No such neighbor or address family"}}));
      return control::CommandResult::failure("% No such neighbor or address family");
    }
    const bool received = inv.has("received");
    // FRR: the Adj-RIB-In is shown only where soft reconfiguration keeps it.
    if (received && !n->in(af).soft_reconfiguration) {
      if (json)
        return control::CommandResult::success(
            json_text(nlohmann::json{{"warning", "Inbound soft reconfiguration not enabled"}}));
      return control::CommandResult::failure("% Inbound soft reconfiguration not enabled");
    }
    Neighbor& neighbor = found->second;
    Rows rows;
    if (received) {
      neighbor.peer->adj_rib_in().for_each(
          family,
          [&](const Prefix& p, const rib::AttributesHandle& a) { rows.emplace_back(p, a); });
    } else if (neighbor.routing && neighbor.routing->out[family_index(family)]) {
      publish();  // the Loc-RIB's pending changes first
      auto& out = *neighbor.routing->out[family_index(family)];
      loc_rib_.for_each(family, [&](const Prefix& p, const rib::PathList&) {
        if (auto a = out.current(loc_rib_, family, p)) rows.emplace_back(p, a);
      });
      // The default `neighbor A default-originate` sends while the Loc-RIB has none.
      const Prefix def = rib::default_prefix(family);
      if (!loc_rib_.find(family, def))
        if (auto a = out.current(loc_rib_, family, def)) rows.emplace_back(def, a);
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto& bgp = *running_.bgp;
    const std::uint32_t local_pref = rib::ExportContext{}.default_local_pref;
    if (json) {
      nlohmann::json routes = nlohmann::json::object();
      for (const auto& [p, a] : rows) routes[p.to_string()] = row_json(family, p, *a);
      nlohmann::json j = {{"bgpTableVersion", 0},
                          {"bgpLocalRouterId", IpAddress::v4(router_id_).to_string()},
                          {"defaultLocPrf", local_pref},
                          {"localAS", bgp.asn},
                          {received ? "receivedRoutes" : "advertisedRoutes", routes},
                          {"totalPrefixCounter", rows.size()},
                          {"filteredPrefixCounter", 0}};
      return control::CommandResult::success(json_text(j));
    }
    if (rows.empty()) return control::CommandResult::success();
    std::string text = fmt::format(
        "BGP table version is 0, local router ID is {}, vrf id 0\n"
        "Default local pref {}, local AS {}\n"
        "Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,\n"
        "               i internal, r RIB-failure, S Stale, R Removed\n"
        "Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self\n"
        "Origin codes:  i - IGP, e - EGP, ? - incomplete\n"
        "RPKI validation codes: V valid, I invalid, N Not found\n\n"
        "   Network          Next Hop            Metric LocPrf Weight Path\n",
        IpAddress::v4(router_id_).to_string(), local_pref, bgp.asn);
    for (const auto& [p, a] : rows) text += row_text(family, p, *a);
    text += fmt::format("\nTotal number of prefixes {}\n", rows.size());
    return control::CommandResult::success(text);
  };
  tree.install("exec",
               "show <ip bgp|bgp ipv4 [unicast]|bgp ipv6$ipv6 [unicast]|bgp> neighbors "
               "<A.B.C.D|X:X::X:X>$peer <received-routes$received|advertised-routes$advertised> "
               "[json]",
               "Show the routes received from or advertised to a neighbor", handler);
}

}  // namespace vipd::bgp
