// `show ip route [json]` and `show ipv6 route [json]`: the routes of the kernel route table
// (src/fib) vipd's modules gave it, in the layout of FRR's zebra (vtysh `show ip route`), one
// line per next hop, and FRR's JSON keys. The kernel's own routes are in `ip route`: vipd is no
// routing manager.
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
    const auto kernel_routes = fib_->kernel_routes();
    const bool kernel = fib_is_kernel_;
    const auto now = clock_.now();
    std::string text = json ? "" : kCodes;
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [prefix, entry] : fib_->routes()) {
      if (prefix.address().is_v6() != v6) continue;
      const fib::SourceRoute* selected = fib_->selected(entry);
      auto in_kernel = kernel_routes.find(prefix);
      // The kernel's choice of interface for a gateway it has; 0 if it does not say.
      auto kernel_ifindex = [&](const IpAddress& gateway) {
        if (in_kernel == kernel_routes.end()) return 0;
        for (const auto& h : in_kernel->second)
          if (h.gateway == gateway) return h.ifindex;
        return 0;
      };
      const std::string uptime = route_uptime(now - entry.since);
      nlohmann::json routes = nlohmann::json::array();
      for (const auto& route : entry.routes) {
        // Zebra's distance as the source gave it; the metric is BGP's MED.
        std::uint32_t metric = 0;
        if (route.source == fib::Source::kBgp) {
          auto paths = loc_rib_.selected(family, prefix);
          if (!paths.empty()) metric = paths.front().attrs->med.value_or(0);
        }
        const bool chosen = &route == selected;
        // One line per next hop: a recursive one (it resolves over a kernel route) is followed
        // by the gateways it is installed through, as zebra shows them.
        struct Line {
          const fib::NextHop* hop;  // the source's next hop, or
          fib::NextHop resolved;    // a gateway it resolves over (hop == nullptr)
          fib::Resolution how;
        };
        std::vector<Line> lines;
        for (const auto& hop : route.next_hops) {
          lines.push_back({&hop, {}, fib_->resolution(hop.gateway)});
          const auto& how = lines.back().how;
          if (!how.usable || !how.recursive()) continue;
          for (const auto& via : how.via)
            lines.push_back({nullptr,
                             fib::NextHop{via.gateway.is_unspecified() ? hop.gateway : via.gateway,
                                          via.ifindex, hop.weight},
                             {}});
        }
        // A next hop is active when it resolves (always without link tracking); only the active
        // ones of the selected route are in the kernel route. As zebra: `>` on the selected route
        // when one is active, then per next hop `*` in the FIB, `r` refused by the kernel, blank
        // otherwise (and under `bgp no-rib`); an inactive one says so after its interface.
        auto active = [&](const Line& l) { return l.hop ? l.how.usable : true; };
        auto fib_line = [&](const Line& l) {
          // A recursive next hop itself is not in the FIB: what it resolves over is.
          return kernel && chosen && active(l) && !(l.hop && l.how.recursive());
        };
        const bool any_active =
            std::any_of(lines.begin(), lines.end(), [&](const Line& l) { return active(l); });
        auto fib_code = [&](const Line& l) {
          return !fib_line(l) ? ' ' : entry.installed ? '*' : 'r';
        };
        // The kernel's choice for an active next hop; the link of its network for an inactive
        // one.
        auto ifindex_of = [&](const Line& l) {
          if (!l.hop) return l.resolved.ifindex;
          if (l.how.recursive()) return 0;
          int link = l.how.ifindex;
          if (l.how.usable) {
            if (l.hop->ifindex > 0) return l.hop->ifindex;
            if (int k = kernel_ifindex(l.hop->gateway); k > 0) return k;
            return link;
          }
          return link > 0 ? link : l.hop->ifindex;
        };
        const char code = route.source == fib::Source::kBgp            ? 'B'
                          : route.source == fib::Source::kStatic       ? 'S'
                          : route.source == fib::Source::kConnected    ? 'C'
                          : route.source == fib::Source::kLoadBalancer ? 'M'
                                                                       : '?';
        if (json) {
          nlohmann::json hops = nlohmann::json::array();
          for (const auto& l : lines) {
            const auto& hop = l.hop ? *l.hop : l.resolved;
            nlohmann::json h = {{"fib", fib_line(l) && entry.installed},
                                {"ip", hop.gateway.to_string()},
                                {"afi", hop.gateway.is_v4() ? "ipv4" : "ipv6"},
                                {"active", active(l)},
                                {"weight", hop.weight}};
            if (l.hop && l.how.recursive()) h["recursive"] = true;
            if (!l.hop) h["resolver"] = true;
            if (int ifindex = ifindex_of(l); ifindex > 0) {
              h["interfaceIndex"] = ifindex;
              h["interfaceName"] = interface_name(ifindex);
            }
            hops.push_back(h);
          }
          nlohmann::json r = {{"prefix", prefix.to_string()},
                              {"prefixLen", prefix.length()},
                              {"protocol", fib::name(route.source)},
                              {"selected", chosen && any_active},
                              {"destSelected", true},
                              {"distance", route.distance},
                              {"metric", metric},
                              {"installed", kernel && chosen && entry.installed && any_active},
                              {"table", RT_TABLE_MAIN},
                              {"uptime", uptime},
                              {"nexthops", hops}};
          if (chosen && !entry.installed) r["failed"] = entry.error;
          routes.push_back(r);
          continue;
        }
        // FRR aligns the `via` of every further next hop under the first one.
        std::string head =
            fmt::format("{}{}{} {} [{}/{}]", code, chosen && any_active ? '>' : ' ',
                        fib_code(lines.front()), prefix.to_string(), route.distance, metric);
        for (std::size_t i = 0; i < lines.size(); ++i) {
          const auto& l = lines[i];
          const auto& hop = l.hop ? *l.hop : l.resolved;
          std::string name = interface_name(ifindex_of(l));
          std::string lead =
              i == 0 ? head : fmt::format("  {}{}", fib_code(l), std::string(head.size() - 3, ' '));
          text += fmt::format("{} via {}{}{}{}, weight {}, {}\n", lead, hop.gateway.to_string(),
                              l.hop && l.how.recursive() ? " (recursive)" : "",
                              name.empty() ? "" : ", " + name, active(l) ? "" : " inactive",
                              hop.weight, uptime);
        }
        if (chosen && !entry.installed)
          text += fmt::format("      rejected by the kernel: {}\n", entry.error);
      }
      if (json) out[prefix.to_string()] = std::move(routes);
    }
    return control::CommandResult::success(json ? json_text(out) : text);
  };
  tree.install("exec", "show ip route [json]", "Show the IPv4 routes vipd installed", show);
  tree.install("exec", "show ipv6$ipv6 route [json]", "Show the IPv6 routes vipd installed", show);
}

}  // namespace vipd::bgp
