// `router bgp` level commands (router-id, timers, defaults), `address-family` and the per address
// family ones (network, maximum-paths).
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {

void on_router(CommandTree& tree, std::string_view node, std::string_view pattern,
               std::string_view help, const ContextPtr& ctx,
               std::function<CommandResult(RouterBgp&, const Invocation&, Session&)> body) {
  tree.install(node, pattern, help,
               [ctx, body = std::move(body)](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 return body(*lookup.bgp, inv, s);
               });
}

namespace {

void install_instance(CommandTree& tree, const ContextPtr& ctx) {
  on_router(tree, kRouterNode, "bgp router-id A.B.C.D$id", "Override configured router identifier",
            ctx, [](RouterBgp& bgp, const Invocation& inv, Session&) {
              bgp.router_id = IpAddress::parse(inv.get("id"));
              return ok();
            });
  on_router(tree, kRouterNode, "no bgp router-id [A.B.C.D]", "Remove the router identifier", ctx,
            [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.router_id.reset();
              return ok();
            });
  on_router(tree, kRouterNode, "bgp log-neighbor-changes", "Log neighbor up/down and reset reason",
            ctx, [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.log_neighbor_changes = true;
              return ok();
            });
  on_router(tree, kRouterNode, "no bgp log-neighbor-changes", "Do not log neighbor changes", ctx,
            [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.log_neighbor_changes = false;
              return ok();
            });
  // Like FRR, the default applies to neighbors created afterwards; existing ones keep theirs.
  on_router(tree, kRouterNode, "bgp default ipv4-unicast",
            "Activate ipv4-unicast for a peer by default", ctx,
            [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.default_ipv4_unicast = true;
              return ok();
            });
  on_router(tree, kRouterNode, "no bgp default ipv4-unicast",
            "Do not activate ipv4-unicast for a peer by default", ctx,
            [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.default_ipv4_unicast = false;
              return ok();
            });
  struct Flag {
    const char* pattern;
    const char* help;
    bool RouterBgp::*member;
  };
  for (const Flag& f : {
           Flag{"bgp always-compare-med", "Allow comparing MED from different neighbors",
                &RouterBgp::always_compare_med},
           Flag{"bgp deterministic-med",
                "Pick the best-MED path among paths advertised from the neighboring AS",
                &RouterBgp::deterministic_med},
           Flag{"bgp bestpath as-path multipath-relax",
                "Allow load sharing across routes that have different AS paths (but same length)",
                &RouterBgp::multipath_relax},
           Flag{"bgp route-reflector allow-outbound-policy",
                "Allow modifications made by out route-map on ibgp neighbors",
                &RouterBgp::allow_outbound_policy},
           Flag{"bgp ebgp-requires-policy", "Require in and out policy for eBGP peers (RFC 8212)",
                &RouterBgp::ebgp_requires_policy},
       }) {
    for (bool set : {true, false}) {
      on_router(tree, kRouterNode, std::string(set ? "" : "no ") + f.pattern, f.help, ctx,
                [member = f.member, set](RouterBgp& bgp, const Invocation&, Session&) {
                  bgp.*member = set;
                  return ok();
                });
    }
  }
  on_router(tree, kRouterNode, "bgp cluster-id A.B.C.D$id", "Configure Route-Reflector Cluster-id",
            ctx, [](RouterBgp& bgp, const Invocation& inv, Session&) {
              bgp.cluster_id = IpAddress::parse(inv.get("id"));
              return ok();
            });
  on_router(tree, kRouterNode, "no bgp cluster-id [A.B.C.D]", "Use the router-id as cluster-id",
            ctx, [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.cluster_id.reset();
              return ok();
            });
  on_router(
      tree, kRouterNode, "timers bgp (0-65535)$keepalive (0-65535)$hold", "Adjust routing timers",
      ctx, [](RouterBgp& bgp, const Invocation& inv, Session&) {
        auto hold = number(inv.get("hold"));
        // RFC 4271 §4.2: the hold time is zero or at least three seconds.
        if (hold != 0 && hold < 3)
          return CommandResult::failure("% hold time value must be either 0 or greater than 3");
        bgp.timers = Timers{static_cast<std::uint16_t>(number(inv.get("keepalive"))),
                            static_cast<std::uint16_t>(hold)};
        // FRR keeps the values, not whether they were given: the profile's own are not
        // written back, so they are not kept as set either (render, reload equal).
        if (*bgp.timers == bgp.defaults.timers) bgp.timers.reset();
        return ok();
      });
  on_router(tree, kRouterNode, "no timers bgp [(0-65535) (0-65535)]", "Reset the BGP timers", ctx,
            [](RouterBgp& bgp, const Invocation&, Session&) {
              bgp.timers.reset();
              return ok();
            });
  // Emitted by quagga's `bgp config-type cisco`; they name vipd's only behaviour.
  for (const char* pattern : {"no synchronization", "no auto-summary"})
    on_router(tree, kRouterNode, pattern, "Cisco-style defaults (always in effect)", ctx,
              [](RouterBgp&, const Invocation&, Session&) { return ok(); });
}

void install_address_family(CommandTree& tree, const ContextPtr& ctx) {
  // quagga writes `address-family ipv6` without `unicast`.
  on_router(tree, kRouterNode, "address-family <ipv4|ipv6>$afi [unicast]",
            "Enter Address Family command mode", ctx,
            [](RouterBgp&, const Invocation& inv, Session& s) {
              s.push(kRouterAfNode, inv.get("afi"));
              return ok();
            });
  tree.install(kRouterAfNode, "exit-address-family", "Exit from Address Family configuration mode",
               [](const Invocation&, Session& s) {
                 s.pop();
                 return ok();
               });
}

// `network P` / `no network P`: at router level the prefix must be IPv4 (quagga), inside an
// address family it must be of that family (checked here rather than left to the grammar, so that
// a mismatch is an error instead of silently leaving the address-family node).
void install_networks(CommandTree& tree, const ContextPtr& ctx) {
  auto handler = [ctx](bool add) {
    return [add, ctx](RouterBgp& bgp, const Invocation& inv, Session& s) {
      AddressFamily af = session_family(s);
      // FRR refuses a prefix with host bits set rather than guessing what was meant.
      auto prefix = Prefix::parse(inv.get("prefix"), /*strict=*/true);
      if (!prefix) return CommandResult::failure("% Inconsistent address and mask");
      if (family_of(*prefix) != af)
        return CommandResult::failure(fmt::format("% {} is not a prefix of address family {}",
                                                  prefix->to_string(), to_string(af)));
      auto& networks = bgp.in(af).networks;
      const Prefix* found = find_network(*ctx, bgp, af, *prefix);
      if (add) {
        if (!found) networks.push_back(*prefix);
        // FRR's bgp_static_set(): `network P` again replaces the route map (none: removed).
        set_network_route_map(bgp.in(af), *prefix, inv.get("map"));
      } else {
        if (!found) return CommandResult::failure("% Can't find static route specified");
        networks.erase(networks.begin() + (found - networks.data()));
        set_network_route_map(bgp.in(af), *prefix, "");
        forget_positions(*ctx);
      }
      return ok();
    };
  };
  // `route-map NAME`: the map runs on the route before it is originated (FRR's
  // bgp_static_update(); deny: not originated).
  on_router(tree, kRouterNode, "network A.B.C.D/M$prefix [route-map WORD$map]",
            "Specify a network to announce via BGP", ctx, handler(true));
  on_router(tree, kRouterNode, "no network A.B.C.D/M$prefix [route-map WORD]",
            "Stop announcing a network", ctx, handler(false));
  on_router(tree, kRouterAfNode, "network <A.B.C.D/M|X:X::X:X/M>$prefix [route-map WORD$map]",
            "Specify a network to announce via BGP", ctx, handler(true));
  on_router(tree, kRouterAfNode, "no network <A.B.C.D/M|X:X::X:X/M>$prefix [route-map WORD]",
            "Stop announcing a network", ctx, handler(false));
}

void install_maximum_paths(CommandTree& tree, const ContextPtr& ctx) {
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    on_router(tree, node, "maximum-paths [ibgp$ibgp] (1-256)$paths",
              "Forward packets over multiple paths", ctx,
              [](RouterBgp& bgp, const Invocation& inv, Session& s) {
                auto& af = bgp.in(session_family(s));
                auto paths = static_cast<std::uint16_t>(number(inv.get("paths")));
                (inv.has("ibgp") ? af.maximum_paths_ibgp : af.maximum_paths) = paths;
                return ok();
              });
    on_router(tree, node, "no maximum-paths [ibgp$ibgp] [(1-256)]", "Use the default path count",
              ctx, [](RouterBgp& bgp, const Invocation& inv, Session& s) {
                auto& af = bgp.in(session_family(s));
                (inv.has("ibgp") ? af.maximum_paths_ibgp : af.maximum_paths).reset();
                return ok();
              });
  }
}

}  // namespace

// FRR 8.4's router-level graceful-restart lines (bgpd/bgp_vty.c), in the order
// bgp_config_write() writes them. vipd does not implement graceful restart: they are kept
// and written back, and the notice says what vipd does instead.
void install_router_graceful_restart(CommandTree& tree, const ContextPtr& ctx) {
  struct Kept {
    const char* pattern;
    const char* no_pattern;
    std::size_t key_words;
  };
  static const Kept kKept[] = {
      {"bgp graceful-restart stalepath-time (1-4095)",
       "no bgp graceful-restart stalepath-time [(1-4095)]", 3},
      {"bgp graceful-restart restart-time (0-4095)",
       "no bgp graceful-restart restart-time [(0-4095)]", 3},
      {"bgp graceful-restart select-defer-time (0-3600)",
       "no bgp graceful-restart select-defer-time [(0-3600)]", 3},
      {"bgp graceful-restart", "no bgp graceful-restart", 2},
      {"bgp graceful-restart-disable", "no bgp graceful-restart-disable", 2},
      {"bgp graceful-restart preserve-fw-state", "no bgp graceful-restart preserve-fw-state", 3},
      {"bgp graceful-restart rib-stale-time (1-3600)",
       "no bgp graceful-restart rib-stale-time [(1-3600)]", 3},
  };
  static constexpr const char* kWhy =
      "vipd does not implement graceful restart (RFC 4724) and advertises no such capability: "
      "a session that ends withdraws its routes at once on both sides";
  // The line's place in FRR's order: the index of the entry whose key words it has.
  auto rank = [](const KeptLine& line) {
    for (std::size_t i = 0; i < std::size(kKept); ++i) {
      std::string_view pattern = kKept[i].pattern;
      std::size_t end = 0;
      for (std::size_t w = 0; w < kKept[i].key_words && end != std::string_view::npos; ++w)
        end = pattern.find(' ', end == 0 ? 0 : end + 1);
      if (pattern.substr(0, end) == line.key) return i;
    }
    return std::size(kKept);
  };
  for (const Kept& k : kKept) {
    const std::size_t words = k.key_words;
    on_router(tree, kRouterNode, k.pattern, "Graceful restart capability parameters", ctx,
              [words, rank](RouterBgp& bgp, const Invocation& inv, Session&) {
                auto result = keep_line(bgp.kept, kept_key(inv, words), inv.line(), kWhy);
                std::stable_sort(
                    bgp.kept.begin(), bgp.kept.end(),
                    [&](const KeptLine& a, const KeptLine& b) { return rank(a) < rank(b); });
                return result;
              });
    on_router(tree, kRouterNode, k.no_pattern, "Graceful restart capability parameters", ctx,
              [words](RouterBgp& bgp, const Invocation& inv, Session&) {
                return forget_line(bgp.kept, kept_key(inv, words));
              });
  }
}

void install_router_commands(CommandTree& tree, const ContextPtr& ctx) {
  install_instance(tree, ctx);
  install_router_graceful_restart(tree, ctx);
  install_address_family(tree, ctx);
  install_networks(tree, ctx);
  install_maximum_paths(tree, ctx);
  install_redistribute_commands(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
