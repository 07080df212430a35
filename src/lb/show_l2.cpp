// `show lb l2 [json]` (docs/vipctl.md): per Service IP in L2 mode, its virtual router, the
// nodes that may own it with their priorities, the owner the plan puts first, and what this
// node's VRRP instance sees now: its state, the master's address, since when.
#include <fmt/format.h>

#include <chrono>

#include "common/json.hpp"
#include "control/cli.hpp"
#include "lb/module.hpp"
#include "lb/show_detail.hpp"
#include "vrrp/module.hpp"

namespace vipd::lb {
namespace {

using nlohmann::json;

const l2::VirtualRouterPlan* router_with(const L2Plan& plan, std::uint8_t vrid) {
  for (const auto& r : plan.routers.routers)
    if (r.vrid == vrid) return &r;
  return nullptr;
}

std::string seconds_text(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  if (seconds < 3600) return fmt::format("{}m{:02}s", int(seconds) / 60, int(seconds) % 60);
  return fmt::format("{}h{:02}m", int(seconds) / 3600, int(seconds) / 60 % 60);
}

}  // namespace

json l2_json(const LbModule& module) {
  const L2Plan& plan = module.l2_plan();
  const vrrp::VrrpModule* vrrp = module.l2_runner() ? module.l2_runner()->vrrp() : nullptr;
  const std::string& self = module.options().node_name;
  json out;
  out["node"] = self;
  out["vrids"] =
      fmt::format("{}-{}", module.options().l2.vrids.first, module.options().l2.vrids.last);
  out["advertIntervalMs"] = module.options().l2.advert_interval.count();
  out["errors"] = plan.errors;
  json services = json::array();
  for (const auto& a : plan.services) {
    json s = announcement_json(a);
    json candidates = json::array();
    if (const auto* router = a.vrid ? router_with(plan, a.vrid) : nullptr) {
      s["virtualRouter"] = a.vrid;
      for (const auto& [node, priority] : router->priorities)
        candidates.push_back({{"node", node}, {"priority", priority}});
      if (!router->priorities.empty()) s["plannedOwner"] = router->priorities.front().first;
    } else {
      for (const auto& node : a.candidates) candidates.push_back({{"node", node}});
    }
    s["candidates"] = std::move(candidates);
    if (!a.interface.empty() && vrrp) {
      const Family family = a.ip.is_v4() ? Family::kIpv4 : Family::kIpv6;
      const std::string name = l2_instance_name(a.interface, a.vrid, family);
      json here;
      here["instance"] = name;
      here["interface"] = a.interface;
      if (const vrrp::Instance* instance = vrrp->find(name); instance && instance->router()) {
        const auto* router = instance->router();
        here["state"] = std::string(vrrp::fsm::to_string(instance->state()));
        here["priority"] = instance->total_priority();
        if (instance->state() == vrrp::fsm::State::kMaster)
          s["owner"] = self;
        else if (const auto& master = router->fsm_state().master_address)
          here["masterAddress"] = master->to_string();
        const auto since = router->stats().last_transition;
        if (since != event::TimePoint{})
          here["sinceSeconds"] = std::chrono::duration<double>(vrrp->clock().now() - since).count();
        here["transitions"] = router->stats().transitions;
      } else {
        here["state"] = "not running";
      }
      s["thisNode"] = std::move(here);
    }
    services.push_back(std::move(s));
  }
  out["services"] = std::move(services);
  return out;
}

std::string l2_text(const LbModule& module) {
  const json j = l2_json(module);
  std::string out = fmt::format("L2 mode on node {}: VRIDs {}, adverts every {} ms\n",
                                j["node"].get<std::string>(), j["vrids"].get<std::string>(),
                                j["advertIntervalMs"].get<long>());
  for (const auto& e : j["errors"]) out += "  error: " + e.get<std::string>() + "\n";
  out += fmt::format("{:<16} {:<32} {:>4}  {:<14} {:<10} {:<16} {:>8}  {}\n", "Service IP",
                     "Service", "VRID", "Planned owner", "Here", "Master", "Since", "Candidates");
  for (const auto& s : j["services"]) {
    auto text = [&](const json& object, const char* key, const char* none = "-") {
      return object.contains(key) ? object[key].get<std::string>() : std::string(none);
    };
    std::string candidates;
    for (const auto& c : s["candidates"]) {
      candidates += (candidates.empty() ? "" : " ") + c["node"].get<std::string>();
      if (c.contains("priority")) candidates += fmt::format("({})", c["priority"].get<int>());
    }
    std::string here = "-", master = "-", since = "-";
    if (s.contains("thisNode")) {
      const auto& h = s["thisNode"];
      here = text(h, "state");
      master = s.contains("owner") ? "this node" : text(h, "masterAddress");
      if (h.contains("sinceSeconds")) since = seconds_text(h["sinceSeconds"].get<double>());
    }
    const std::string vrid =
        s.contains("virtualRouter") ? std::to_string(s["virtualRouter"].get<int>()) : "-";
    std::string planned =
        s["announced"].get<bool>() ? text(s, "plannedOwner") : "(" + text(s, "reason") + ")";
    out += fmt::format("{:<16} {:<32} {:>4}  {:<14} {:<10} {:<16} {:>8}  {}\n",
                       s["ip"].get<std::string>(), s["service"].get<std::string>(), vrid, planned,
                       here, master, since, candidates);
  }
  return out;
}

}  // namespace vipd::lb
