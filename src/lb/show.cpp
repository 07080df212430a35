// `show lb pools|services|announcements|l2 [json]` (docs/vipctl.md).
#include <fmt/format.h>

#include <set>

#include "common/json.hpp"
#include "control/cli.hpp"
#include "lb/module.hpp"
#include "lb/show_detail.hpp"

namespace vipd::lb {
namespace {

using nlohmann::json;

std::string community_text(std::uint32_t c) {
  return fmt::format("{}:{}", c >> 16, c & 0xffff);
}

// The nodes that announce each Service address, as this node computes it from the same
// resources and cluster state every speaker reads (the speakers' decision is a pure function
// of them: announce.hpp); sessions that are down are not known here (`show ip bgp summary`).
std::map<std::pair<cluster::ObjectKey, IpAddress>, std::vector<std::string>> announcing_nodes(
    const LbModule& module) {
  std::map<std::pair<cluster::ObjectKey, IpAddress>, std::vector<std::string>> nodes;
  const auto* state = module.cluster();
  if (!state) return nodes;
  std::set<std::string> names;
  for (const auto& [name, node] : state->nodes) names.insert(name);
  names.insert(module.options().node_name);
  for (const auto& name : names) {
    const BgpPlan plan = name == module.options().node_name
                             ? module.plan()
                             : plan_bgp(module.config(), *state, name);
    for (const auto& a : plan.services)
      if (a.announced()) nodes[{a.service, a.ip}].push_back(name);
  }
  return nodes;
}

json pools_json(const LbModule& module) {
  json out = json::array();
  const auto& usage = module.allocation().usage;
  for (const auto& pool : module.config().pools) {
    json p;
    p["name"] = pool.meta.name;
    p["addresses"] = pool.addresses;
    p["autoAssign"] = pool.auto_assign;
    p["avoidBuggyIPs"] = pool.avoid_buggy_ips;
    for (const auto& u : usage) {
      if (u.name != pool.meta.name) continue;
      p["assignedIPv4"] = u.ipv4_used;
      p["availableIPv4"] = u.ipv4_total - u.ipv4_used;
      p["assignedIPv6"] = u.ipv6_used;
      p["availableIPv6"] = u.ipv6_total - u.ipv6_used;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string pools_text(const LbModule& module) {
  std::string out = fmt::format("{:<24} {:>10} {:>10} {:>10} {:>10}  {}\n", "Pool", "IPv4 used",
                                "IPv4 free", "IPv6 used", "IPv6 free", "Addresses");
  for (const auto& p : pools_json(module)) {
    auto number = [&](const char* key) {
      return p.contains(key) ? std::to_string(p[key].get<std::uint64_t>()) : std::string("-");
    };
    std::string addresses;
    for (const auto& a : p["addresses"])
      addresses += (addresses.empty() ? "" : ", ") + a.get<std::string>();
    out += fmt::format("{:<24} {:>10} {:>10} {:>10} {:>10}  {}\n", p["name"].get<std::string>(),
                       number("assignedIPv4"), number("availableIPv4"), number("assignedIPv6"),
                       number("availableIPv6"), addresses);
  }
  if (!module.options().controller)
    out += "(used: the addresses in the Services' status, as the controller recorded them)\n";
  return out;
}

json services_json(const LbModule& module) {
  json out = json::array();
  auto nodes = announcing_nodes(module);
  for (const auto& a : module.plan().services) {
    json s = announcement_json(a);
    json prefixes = json::array();
    for (const auto& p : a.prefixes) prefixes.push_back(p.to_string());
    s["prefixes"] = std::move(prefixes);
    s["peers"] = a.peers;
    s["nodes"] = nodes[{a.service, a.ip}];
    out.push_back(std::move(s));
  }
  return out;
}

std::string services_text(const LbModule& module) {
  std::string out = fmt::format("Node {}{}\n", module.options().node_name,
                                module.options().controller
                                    ? (module.leader() ? " (controller)" : " (standby controller)")
                                    : "");
  out += fmt::format("{:<40} {:<16} {:<14} {:<18} {:<16} {}\n", "Service", "IP", "Pool", "Here",
                     "Peers", "Announcing nodes");
  for (const auto& s : services_json(module)) {
    std::string here = s["announced"].get<bool>() ? "announced" : s["reason"].get<std::string>();
    std::string peers, nodes;
    for (const auto& p : s["peers"]) peers += (peers.empty() ? "" : ",") + p.get<std::string>();
    for (const auto& n : s["nodes"]) nodes += (nodes.empty() ? "" : ",") + n.get<std::string>();
    out += fmt::format("{:<40} {:<16} {:<14} {:<18} {:<16} {}\n", s["service"].get<std::string>(),
                       s["ip"].get<std::string>(), s["pool"].get<std::string>(), here,
                       peers.empty() ? "-" : peers, nodes.empty() ? "-" : nodes);
  }
  return out;
}

json announcements_json(const LbModule& module) {
  json out = json::array();
  const auto& plan = module.plan();
  for (const auto& [prefix, route] : plan.routes) {
    json r;
    r["prefix"] = prefix.to_string();
    json services = json::array();
    for (const auto& a : plan.services)
      if (std::find(a.prefixes.begin(), a.prefixes.end(), prefix) != a.prefixes.end())
        services.push_back(a.service.to_string());
    r["services"] = std::move(services);
    json advertisements = json::array();
    for (const auto& adv : route.advertisements) {
      json j;
      json peers = json::array();
      for (const auto& address : adv.neighbors) {
        std::string name;
        for (const auto& [peer, peer_address] : plan.peers)
          if (peer_address == address) name = peer;
        peers.push_back({{"name", name}, {"address", address.to_string()}});
      }
      j["peers"] = std::move(peers);
      json communities = json::array();
      for (auto c : adv.communities) communities.push_back(community_text(c));
      for (const auto& c : adv.large_communities)
        communities.push_back(
            fmt::format("large:{}:{}:{}", c.global_admin, c.local_data1, c.local_data2));
      j["communities"] = std::move(communities);
      if (adv.local_preference) j["localPref"] = *adv.local_preference;
      advertisements.push_back(std::move(j));
    }
    r["advertisements"] = std::move(advertisements);
    out.push_back(std::move(r));
  }
  return out;
}

std::string announcements_text(const LbModule& module) {
  std::string out;
  if (!module.plan().node_excluded.empty())
    out += fmt::format("Node {} announces nothing: {}\n", module.options().node_name,
                       module.plan().node_excluded);
  out += fmt::format("{:<20} {:<28} {:<24} {:<10} {}\n", "Prefix", "Peers", "Communities",
                     "LocalPref", "Services");
  for (const auto& r : announcements_json(module)) {
    std::string services;
    for (const auto& s : r["services"])
      services += (services.empty() ? "" : ",") + s.get<std::string>();
    for (const auto& adv : r["advertisements"]) {
      std::string peers, communities;
      for (const auto& p : adv["peers"])
        peers += (peers.empty() ? "" : ",") + p["name"].get<std::string>() + "(" +
                 p["address"].get<std::string>() + ")";
      for (const auto& c : adv["communities"])
        communities += (communities.empty() ? "" : ",") + c.get<std::string>();
      out += fmt::format(
          "{:<20} {:<28} {:<24} {:<10} {}\n", r["prefix"].get<std::string>(), peers,
          communities.empty() ? "-" : communities,
          adv.contains("localPref") ? std::to_string(adv["localPref"].get<std::uint32_t>()) : "-",
          services);
    }
  }
  return out;
}

}  // namespace

void LbModule::install_commands(control::CommandTree& tree) {
  tree.describe("lb", "Load balancer (MetalLB resources, Service addresses)");
  tree.install("exec", "show lb pools [json]", "Show the address pools: addresses used and free",
               [this](const control::Invocation& inv, control::Session&) {
                 return control::CommandResult::success(
                     inv.has("json") ? json_text(pools_json(*this)) : pools_text(*this));
               });
  tree.install("exec", "show lb services [json]",
               "Show each Service address: pool, whether this node announces it, peers, nodes",
               [this](const control::Invocation& inv, control::Session&) {
                 return control::CommandResult::success(
                     inv.has("json") ? json_text(services_json(*this)) : services_text(*this));
               });
  tree.install("exec", "show lb announcements [json]",
               "Show the prefixes this node originates, to which peers and how",
               [this](const control::Invocation& inv, control::Session&) {
                 return control::CommandResult::success(inv.has("json")
                                                            ? json_text(announcements_json(*this))
                                                            : announcements_text(*this));
               });
  tree.install("exec", "show lb l2 [json]",
               "Show each Service address in L2 mode: virtual router, candidates, owner, state",
               [this](const control::Invocation& inv, control::Session&) {
                 return control::CommandResult::success(inv.has("json") ? json_text(l2_json(*this))
                                                                        : l2_text(*this));
               });
}

}  // namespace vipd::lb
