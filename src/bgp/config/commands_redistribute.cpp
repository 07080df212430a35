// What a router originates besides its neighbors' routes, and what it installs: `redistribute
// TYPE [metric N] [route-map NAME]`, `table-map NAME` (per address family, as FRR's
// bgp_vty.c), `bgp network import-check`. `network P route-map NAME` is in
// commands_router.cpp with `network`.
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"
#include "bgp/config/route_types.hpp"

namespace vipd::bgp::config::detail {
namespace {

// The types of either family: the address-family node serves both, so the handler checks the
// type against the session's family (FRR's nodes have one grammar per family).
std::string all_types() {
  std::string out = "<";
  for (const auto& t : route_types()) {
    if (out.size() > 1) out += '|';
    out += t.name;
  }
  return out + ">";
}

const RouteType* type_of(const Invocation& inv, AddressFamily af, CommandResult& error) {
  const RouteType* t = find_route_type(inv.get("type"));
  const bool v4 = af == AddressFamily::kIpv4Unicast;
  if (!t || !(v4 ? t->ipv4 : t->ipv6)) {
    error = CommandResult::failure(
        fmt::format("% {} is not a route type of {}", inv.get("type"), to_string(af)));
    return nullptr;
  }
  return t;
}

void install_redistribute(CommandTree& tree, const ContextPtr& ctx) {
  // FRR's bgp_redist_add() + bgp_redistribute_{metric,rmap}_set(): a repeated command changes
  // the options it gives and keeps the others.
  auto set = [](RouterBgp& bgp, const Invocation& inv, Session& s) {
    const AddressFamily af = session_family(s);
    CommandResult error;
    const RouteType* t = type_of(inv, af, error);
    if (!t) return error;
    auto& list = bgp.in(af).redistribute;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const Redistribution& r) { return r.type == t->name; });
    if (it == list.end()) {
      // Kept in FRR's type order, the order it writes them in.
      auto at = std::find_if(list.begin(), list.end(), [&](const Redistribution& r) {
        return route_type_index(r.type) > route_type_index(t->name);
      });
      it = list.insert(at, Redistribution{std::string(t->name), {}, {}});
    }
    if (inv.has("metric")) it->metric = number(inv.get("metric"));
    if (inv.has("map")) it->route_map = inv.get("map");
    return ok();
  };
  auto unset = [](RouterBgp& bgp, const Invocation& inv, Session& s) {
    const AddressFamily af = session_family(s);
    CommandResult error;
    const RouteType* t = type_of(inv, af, error);
    if (!t) return error;
    std::erase_if(bgp.in(af).redistribute,
                  [&](const Redistribution& r) { return r.type == t->name; });
    return ok();
  };
  const std::string types = all_types() + "$type";
  const std::string help = "Redistribute information from another routing protocol";
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    on_router(tree, node,
              "redistribute " + types + " [metric (0-4294967295)$metric] [route-map WORD$map]",
              help, ctx, set);
    on_router(tree, node,
              "redistribute " + types + " route-map WORD$map metric (0-4294967295)$metric", help,
              ctx, set);
    on_router(tree, node, "no redistribute " + types + " [metric (0-4294967295)] [route-map WORD]",
              help, ctx, unset);
    on_router(tree, node, "no redistribute " + types + " route-map WORD metric (0-4294967295)",
              help, ctx, unset);
  }
}

void install_table_map(CommandTree& tree, const ContextPtr& ctx) {
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    on_router(tree, node, "table-map WORD$map", "BGP table to RIB route download filter", ctx,
              [](RouterBgp& bgp, const Invocation& inv, Session& s) {
                bgp.in(session_family(s)).table_map = inv.get("map");
                return ok();
              });
    on_router(tree, node, "no table-map [WORD]", "BGP table to RIB route download filter", ctx,
              [](RouterBgp& bgp, const Invocation&, Session& s) {
                bgp.in(session_family(s)).table_map.clear();
                return ok();
              });
  }
}

void install_import_check(CommandTree& tree, const ContextPtr& ctx) {
  // `exact` is FRR's hidden alias of the same command.
  for (bool set : {true, false})
    on_router(tree, kRouterNode, std::string(set ? "" : "no ") + "bgp network import-check [exact]",
              "Check BGP network route exists in IGP", ctx,
              [set](RouterBgp& bgp, const Invocation&, Session&) {
                bgp.network_import_check = set;
                return ok();
              });
}

}  // namespace

void set_network_route_map(AfConfig& af, const Prefix& prefix, const std::string& map) {
  if (map.empty())
    af.network_route_maps.erase(prefix);
  else
    af.network_route_maps[prefix] = map;
}

void install_redistribute_commands(CommandTree& tree, const ContextPtr& ctx) {
  install_redistribute(tree, ctx);
  install_table_map(tree, ctx);
  install_import_check(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
