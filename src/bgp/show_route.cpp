// `show ip route [json]` and `show ipv6 route [json]`: the routes vipd put in the FIB, in the
// layout of FRR's zebra (vtysh `show ip route`), one line per next hop, and FRR's JSON keys.
// Only vipd's BGP routes are listed: vipd is no routing manager, the kernel's own routes are in
// `ip route`.
#include <fmt/format.h>
#include <net/if.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bgp/speaker.hpp"
#include "common/json.hpp"

namespace vipd::bgp {
namespace {

// FRR's zebra uptime column: hh:mm:ss below a day, then 1d02h03m, then 01w2d03h.
std::string route_uptime(event::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 0) s = 0;
  long days = s / 86400, hours = s / 3600 % 24, minutes = s / 60 % 60, seconds = s % 60;
  if (days == 0) return fmt::format("{:02d}:{:02d}:{:02d}", hours, minutes, seconds);
  if (days < 7) return fmt::format("{}d{:02d}h{:02d}m", days, hours, minutes);
  return fmt::format("{:02d}w{}d{:02d}h", days / 7, days % 7, hours);
}

std::string interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex <= 0 || !if_indextoname(static_cast<unsigned>(ifindex), name)) return {};
  return name;
}

constexpr const char* kCodes =
    "Codes: K - kernel route, C - connected, S - static, R - RIP,\n"
    "       O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,\n"
    "       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,\n"
    "       f - OpenFabric,\n"
    "       > - selected route, * - FIB route, q - queued, r - rejected, b - backup\n"
    "       t - trapped, o - offload failure\n\n";

}  // namespace

void Speaker::install_route_commands(control::CommandTree& tree) {
  tree.describe("route", "Routing table");
  auto show = [this](const control::Invocation& inv, control::Session&) {
    const bool v6 = inv.has("ipv6");
    const bool json = inv.has("json");
    const wire::AfiSafi family = v6 ? wire::kIpv6Unicast : wire::kIpv4Unicast;
    // The kernel chose the output interfaces; ask it (one dump of our routes).
    fib_->resolve_interfaces();
    const bool kernel = fib_is_kernel_;
    const auto now = clock_.now();
    std::string text = json ? "" : kCodes;
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [prefix, entry] : fib_->routes()) {
      if (prefix.address().is_v6() != v6) continue;
      // Distance and metric as zebra shows them for BGP: 20 external, 200 internal; the MED.
      std::uint32_t distance = 20, metric = 0;
      auto selected = loc_rib_.selected(family, prefix);
      if (!selected.empty()) {
        const peer::Peer* from = peer_of(selected.front().peer);
        if (from && from->settings().is_ibgp()) distance = 200;
        metric = selected.front().attrs->med.value_or(0);
      }
      // A next hop is active when it resolves over a connected network of a usable link (always
      // without link tracking); only active ones are in the kernel route. As zebra: `>` when one
      // is active, then per next hop `*` in the FIB, `r` refused by the kernel, blank otherwise
      // (and under `bgp no-rib`); an inactive one says so after its interface.
      std::vector<bool> active;
      for (const auto& hop : entry.next_hops) active.push_back(fib_->resolved(hop.gateway));
      const bool any_active = std::find(active.begin(), active.end(), true) != active.end();
      auto fib_code = [&](std::size_t i) {
        return !kernel || !active[i] ? ' ' : entry.installed ? '*' : 'r';
      };
      // The kernel's choice for an active next hop; the link of its network for an inactive one.
      auto ifindex_of = [&](std::size_t i) {
        const auto& hop = entry.next_hops[i];
        int link = fib_->resolution(hop.gateway).ifindex;
        if (active[i]) return hop.ifindex > 0 ? hop.ifindex : link;
        return link > 0 ? link : hop.ifindex;
      };
      const std::string uptime = route_uptime(now - entry.since);
      if (json) {
        nlohmann::json hops = nlohmann::json::array();
        for (std::size_t i = 0; i < entry.next_hops.size(); ++i) {
          const auto& hop = entry.next_hops[i];
          nlohmann::json h = {{"fib", kernel && entry.installed && active[i]},
                              {"ip", hop.gateway.to_string()},
                              {"afi", hop.gateway.is_v4() ? "ipv4" : "ipv6"},
                              {"active", static_cast<bool>(active[i])},
                              {"weight", hop.weight}};
          if (int ifindex = ifindex_of(i); ifindex > 0) {
            h["interfaceIndex"] = ifindex;
            h["interfaceName"] = interface_name(ifindex);
          }
          hops.push_back(h);
        }
        nlohmann::json r = {{"prefix", prefix.to_string()},
                            {"prefixLen", prefix.length()},
                            {"protocol", "bgp"},
                            {"selected", any_active},
                            {"destSelected", true},
                            {"distance", distance},
                            {"metric", metric},
                            {"installed", kernel && entry.installed && any_active},
                            {"table", RT_TABLE_MAIN},
                            {"uptime", uptime},
                            {"nexthops", hops}};
        if (!entry.installed) r["failed"] = entry.error;
        out[prefix.to_string()] = nlohmann::json::array({r});
        continue;
      }
      // FRR aligns the `via` of every further next hop under the first one.
      std::string head = fmt::format("B{}{} {} [{}/{}]", any_active ? '>' : ' ', fib_code(0),
                                     prefix.to_string(), distance, metric);
      for (std::size_t i = 0; i < entry.next_hops.size(); ++i) {
        const auto& hop = entry.next_hops[i];
        std::string name = interface_name(ifindex_of(i));
        std::string lead =
            i == 0 ? head : fmt::format("  {}{}", fib_code(i), std::string(head.size() - 3, ' '));
        text += fmt::format("{} via {}{}{}, weight {}, {}\n", lead, hop.gateway.to_string(),
                            name.empty() ? "" : ", " + name, active[i] ? "" : " inactive",
                            hop.weight, uptime);
      }
      if (!entry.installed) text += fmt::format("      rejected by the kernel: {}\n", entry.error);
    }
    return control::CommandResult::success(json ? json_text(out) : text);
  };
  tree.install("exec", "show ip route [json]", "Show the IPv4 routes vipd installed", show);
  tree.install("exec", "show ipv6$ipv6 route [json]", "Show the IPv6 routes vipd installed", show);
}

}  // namespace vipd::bgp
