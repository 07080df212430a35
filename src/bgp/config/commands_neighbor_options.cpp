// The per-neighbor options of issue 9's deliverable 3, as FRR 8.4's bgpd/bgp_vty.c defines them:
// per address family (at router level they mean IPv4 unicast, as FRR's hidden aliases do) and
// session-wide ones, and `default-originate`. The options vipd does not implement are refused with
// a message naming them. Every option takes part in peer groups (on_neighbor()): set on a group, it
// reaches the members that do not set their own, as FRR's flags_override does.
#include <fmt/format.h>

#include "bgp/config/commands_detail.hpp"
#include "bgp/config/frr_lines.hpp"

namespace vipd::bgp::config::detail {
namespace {

using AfBody = std::function<CommandResult(NeighborAfConfig&, const Invocation&)>;

// `[no] neighbor PEER <rest>` in the router node and every address-family node.
void on_neighbor_af(CommandTree& tree, std::string_view rest, std::string_view help,
                    const ContextPtr& ctx, const NeighborOption& option, AfBody body,
                    bool no = false) {
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    on_neighbor(
        tree, node, rest, help, ctx, option,
        [body](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session& s) {
          return body(n.in(session_family(s)), inv);
        },
        no);
  }
}

void install_soft_reconfiguration(CommandTree& tree, const ContextPtr& ctx) {
  const auto option = af_option("soft-reconfiguration", &NeighborAfConfig::soft_reconfiguration);
  for (bool no : {false, true}) {
    on_neighbor_af(
        tree, "soft-reconfiguration inbound",
        "Allow inbound soft reconfiguration for this neighbor", ctx, option,
        [no](NeighborAfConfig& af, const Invocation&) {
          af.soft_reconfiguration = !no;
          return ok();
        },
        no);
  }
}

// FRR's neighbor_send_community_type: `standard`, `extended`, `large`, `both` (standard and
// extended), `all`; without a keyword, standard. For peer groups the three kinds are one
// option (FRR has a flag each): a member's `no send-community large` makes it keep its own
// value of all three.
void install_send_community(CommandTree& tree, const ContextPtr& ctx) {
  auto option = af_option("send-community", &NeighborAfConfig::send_community,
                          &NeighborAfConfig::send_extended_community,
                          &NeighborAfConfig::send_large_community);
  option.inverted = true;  // FRR's af_flags_invert: sent unless `no`
  for (bool no : {false, true}) {
    on_neighbor_af(
        tree, "send-community [<both|all|extended|standard|large>$type]",
        no ? "Do not send the Community attributes" : "Send Community attribute to this neighbor",
        ctx, option,
        [no](NeighborAfConfig& af, const Invocation& inv) {
          const std::string type = inv.has("type") ? inv.get("type") : "standard";
          const bool all = type == "all";
          if (all || type == "both" || type == "standard") af.send_community = !no;
          if (all || type == "both" || type == "extended") af.send_extended_community = !no;
          if (all || type == "large") af.send_large_community = !no;
          return ok();
        },
        no);
  }
}

void install_weight(CommandTree& tree, const ContextPtr& ctx) {
  const auto option = af_option("weight", &NeighborAfConfig::weight);
  on_neighbor_af(tree, "weight (0-65535)$weight",
                 "Set default weight for routes from this neighbor", ctx, option,
                 [](NeighborAfConfig& af, const Invocation& inv) {
                   af.weight = static_cast<std::uint16_t>(number(inv.get("weight")));
                   return ok();
                 });
  on_neighbor_af(
      tree, "weight [(0-65535)]", "Remove the default weight", ctx, option,
      [](NeighborAfConfig& af, const Invocation&) {
        af.weight.reset();
        return ok();
      },
      true);
}

void install_as_path_options(CommandTree& tree, const ContextPtr& ctx) {
  const auto remove_private = af_option("remove-private-AS", &NeighborAfConfig::remove_private_as,
                                        &NeighborAfConfig::remove_private_as_all,
                                        &NeighborAfConfig::remove_private_as_replace);
  on_neighbor_af(tree, "remove-private-AS [all$all] [replace-AS$replace]",
                 "Remove private ASNs in outbound updates", ctx, remove_private,
                 [](NeighborAfConfig& af, const Invocation& inv) {
                   af.remove_private_as = true;
                   af.remove_private_as_all = inv.has("all");
                   af.remove_private_as_replace = inv.has("replace");
                   return ok();
                 });
  on_neighbor_af(
      tree, "remove-private-AS [all] [replace-AS]", "Keep private ASNs in outbound updates", ctx,
      remove_private,
      [](NeighborAfConfig& af, const Invocation&) {
        af.remove_private_as = af.remove_private_as_all = af.remove_private_as_replace = false;
        return ok();
      },
      true);
  for (bool no : {false, true}) {
    on_neighbor_af(
        tree, "as-override", "Override ASNs in outbound updates if aspath equals remote-as", ctx,
        af_option("as-override", &NeighborAfConfig::as_override),
        [no](NeighborAfConfig& af, const Invocation&) {
          af.as_override = !no;
          return ok();
        },
        no);
  }
  // FRR's neighbor_attr_unchanged: no keyword means all three; keywords set those listed and
  // clear the others. One option for peer groups (a member's `no attribute-unchanged med` gives
  // it the group's three).
  const auto unchanged =
      af_option("attribute-unchanged", &NeighborAfConfig::as_path_unchanged,
                &NeighborAfConfig::next_hop_unchanged, &NeighborAfConfig::med_unchanged);
  on_neighbor_af(tree, "attribute-unchanged [as-path$aspath] [next-hop$nexthop] [med$med]",
                 "BGP attribute is propagated unchanged to this neighbor", ctx, unchanged,
                 [](NeighborAfConfig& af, const Invocation& inv) {
                   bool any = inv.has("aspath") || inv.has("nexthop") || inv.has("med");
                   af.as_path_unchanged = !any || inv.has("aspath");
                   af.next_hop_unchanged = !any || inv.has("nexthop");
                   af.med_unchanged = !any || inv.has("med");
                   return ok();
                 });
  // FRR's no_neighbor_attr_unchanged: no keyword clears all three, else those listed.
  on_neighbor_af(
      tree, "attribute-unchanged [as-path$aspath] [next-hop$nexthop] [med$med]",
      "Do not propagate attributes unchanged", ctx, unchanged,
      [](NeighborAfConfig& af, const Invocation& inv) {
        bool any = inv.has("aspath") || inv.has("nexthop") || inv.has("med");
        if (!any || inv.has("aspath")) af.as_path_unchanged = false;
        if (!any || inv.has("nexthop")) af.next_hop_unchanged = false;
        if (!any || inv.has("med")) af.med_unchanged = false;
        return ok();
      },
      true);
  const auto allowas =
      af_option("allowas-in", &NeighborAfConfig::allowas_in, &NeighborAfConfig::allowas_in_origin);
  on_neighbor_af(tree, "allowas-in [<(1-10)$count|origin$origin>]",
                 "Accept as-path with my AS present in it", ctx, allowas,
                 [](NeighborAfConfig& af, const Invocation& inv) {
                   af.allowas_in_origin = inv.has("origin");
                   af.allowas_in.reset();
                   // FRR's default count is 3.
                   if (!af.allowas_in_origin)
                     af.allowas_in =
                         static_cast<std::uint8_t>(inv.has("count") ? number(inv.get("count")) : 3);
                   return ok();
                 });
  on_neighbor_af(
      tree, "allowas-in [<(1-10)|origin>]", "Do not accept my AS in the as-path", ctx, allowas,
      [](NeighborAfConfig& af, const Invocation&) {
        af.allowas_in.reset();
        af.allowas_in_origin = false;
        return ok();
      },
      true);
}

// FRR's neighbor_default_originate(_rmap): a later line replaces the map (or drops it); the
// `no` form clears both whatever map it names (no_neighbor_default_originate). One option for
// peer groups, as FRR's PEER_FLAG_DEFAULT_ORIGINATE with its default_rmap.
void install_default_originate(CommandTree& tree, const ContextPtr& ctx) {
  const auto option = af_option("default-originate", &NeighborAfConfig::default_originate,
                                &NeighborAfConfig::default_originate_map);
  on_neighbor_af(tree, "default-originate [route-map WORD$map]",
                 "Originate default route to this neighbor", ctx, option,
                 [](NeighborAfConfig& af, const Invocation& inv) {
                   af.default_originate = true;
                   af.default_originate_map = inv.has("map") ? inv.get("map") : "";
                   return ok();
                 });
  on_neighbor_af(
      tree, "default-originate [route-map WORD]", "Do not originate a default route", ctx, option,
      [](NeighborAfConfig& af, const Invocation&) {
        af.default_originate = false;
        af.default_originate_map.clear();
        return ok();
      },
      true);
}

// Session-wide options (FRR's peer->flags), at router level only.
void install_session_flags(CommandTree& tree, const ContextPtr& ctx) {
  const auto interval =
      global_option("advertisement-interval", &NeighborConfig::advertisement_interval);
  on_neighbor(tree, kRouterNode, "advertisement-interval (0-600)$seconds",
              "Minimum interval between sending BGP routing updates", ctx, interval,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.advertisement_interval = static_cast<std::uint16_t>(number(inv.get("seconds")));
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "advertisement-interval [(0-600)]", "Use the default interval", ctx,
      interval,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.advertisement_interval.reset();
        return ok();
      },
      true);
  struct Flag {
    const char* rest;
    const char* keyword;
    const char* help;
    bool NeighborConfig::*member;
  };
  for (const Flag& f : {
           // `enforce-multihop` is FRR's other name for it.
           Flag{"<disable-connected-check|enforce-multihop>", "disable-connected-check",
                "One-hop away EBGP peer using loopback address",
                &NeighborConfig::disable_connected_check},
           Flag{"enforce-first-as", "enforce-first-as", "Enforce the first AS for EBGP routes",
                &NeighborConfig::enforce_first_as},
       }) {
    for (bool no : {false, true}) {
      on_neighbor(
          tree, kRouterNode, f.rest, f.help, ctx, global_option(f.keyword, f.member),
          [member = f.member, no](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
            n.*member = !no;
            return ok();
          },
          no);
    }
  }
}

// FRR 8.4's per-peer graceful-restart modes: accepted, written back, and noticed (vipd does not
// implement graceful restart, RFC 4724; the router-level lines are in commands_router.cpp).
void install_neighbor_graceful_restart(CommandTree& tree, const ContextPtr& ctx) {
  const auto option = global_option("graceful-restart", &NeighborConfig::graceful_restart);
  const std::string modes = "<graceful-restart|graceful-restart-helper|graceful-restart-disable>";
  on_neighbor(
      tree, kRouterNode, modes + "$mode", "Graceful restart mode of this neighbor", ctx, option,
      [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
        n.graceful_restart = inv.get("mode");
        const KeptLine line{"", fmt::format("neighbor {} {}", inv.get("peer"), n.graceful_restart)};
        return CommandResult::success(
            fmt::format("% {} (vipd does not implement graceful restart, RFC 4724, and "
                        "advertises no such capability)",
                        kept_line_notice(line)));
      });
  on_neighbor(
      tree, kRouterNode, modes, "Graceful restart mode of this neighbor", ctx, option,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.graceful_restart.clear();
        return ok();
      },
      true);
}

// What vipd does not implement: one clear error naming the option, never "Unknown command".
void install_refused(CommandTree& tree, const ContextPtr& ctx) {
  struct Refused {
    const char* keyword;
    const char* rest;
    const char* help;
    const char* why;
    bool af;
  };
  for (const Refused& r : {
           Refused{"local-as", "local-as (1-4294967295) [no-prepend [replace-as]]",
                   "Specify a local-as number",
                   "% neighbor local-as is not supported by vipd (one local AS per instance)",
                   false},
           Refused{"addpath-tx-all-paths", "addpath-tx-all-paths",
                   "Use addpath to advertise all paths",
                   "% neighbor addpath-tx-all-paths: vipd does not implement ADD-PATH (RFC 7911)",
                   true},
           Refused{"addpath-tx-bestpath-per-AS", "addpath-tx-bestpath-per-AS",
                   "Use addpath to advertise the bestpath per each neighboring AS",
                   "% neighbor addpath-tx-bestpath-per-AS: vipd does not implement ADD-PATH "
                   "(RFC 7911)",
                   true},
           Refused{"addpath-rx-paths-limit", "addpath-rx-paths-limit (1-65535)",
                   "Paths limit for Addpath to receive from the peer",
                   "% neighbor addpath-rx-paths-limit: vipd does not implement ADD-PATH (RFC 7911)",
                   true},
           Refused{"capability dynamic", "capability dynamic", "Advertise dynamic capability",
                   "% neighbor capability dynamic is not supported by vipd (the dynamic capability "
                   "draft)",
                   false},
           Refused{"capability orf", "capability orf prefix-list <both|send|receive>",
                   "Advertise ORF capability",
                   "% neighbor capability orf is not supported by vipd (Outbound Route Filtering, "
                   "RFC 5291)",
                   true},
           Refused{"filter-list", "filter-list WORD <in|out>", "Establish BGP filters",
                   "% neighbor filter-list is not supported by vipd: use a route map with "
                   "`match as-path LIST` (neighbor A route-map NAME in|out)",
                   true},
           Refused{"ttl-security", "ttl-security hops (1-254)", "BGP ttl-security parameters",
                   "% neighbor ttl-security is not supported by vipd (GTSM, RFC 5082): use "
                   "ebgp-multihop",
                   false},
           Refused{"capability extended-nexthop", "capability extended-nexthop",
                   "Advertise extended next-hop capability",
                   "% neighbor capability extended-nexthop (RFC 8950) is not supported by vipd: "
                   "IPv4 routes need an IPv4 next hop",
                   false},
       }) {
    // Nothing is set, so nothing is inherited.
    const NeighborOption option{r.keyword, r.af, NeighborOption::Inherit::kNever, false,
                                [](const NeighborConfig&, NeighborConfig&, AddressFamily) {}};
    for (bool no : {false, true}) {
      const std::string why = r.why;
      for (const char* node : {kRouterNode, kRouterAfNode}) {
        if (!r.af && node == kRouterAfNode) continue;
        on_neighbor(
            tree, node, r.rest, r.help, ctx, option,
            [why](RouterBgp&, NeighborConfig&, const Invocation&, Session&) {
              return CommandResult::failure(why);
            },
            no);
      }
    }
  }
}

}  // namespace

void install_neighbor_option_commands(CommandTree& tree, const ContextPtr& ctx) {
  // FRR's help texts of the keywords (`?` in the shell); the describe() table is shared by
  // every node, so generic words (`all`, `origin`, …) keep their command's help.
  static const std::pair<const char*, const char*> kHelp[] = {
      {"soft-reconfiguration", "Per neighbor soft reconfiguration"},
      {"inbound", "Allow inbound soft reconfiguration for this neighbor"},
      {"send-community", "Send Community attribute to this neighbor"},
      {"weight", "Set default weight for routes from this neighbor"},
      {"remove-private-AS", "Remove private ASNs in outbound updates"},
      {"replace-AS", "Replace private ASNs with our ASN in outbound updates"},
      {"as-override", "Override ASNs in outbound updates if aspath equals remote-as"},
      {"attribute-unchanged", "BGP attribute is propagated unchanged to this neighbor"},
      {"allowas-in", "Accept as-path with my AS present in it"},
      {"advertisement-interval", "Minimum interval between sending BGP routing updates"},
      {"disable-connected-check", "One-hop away EBGP peer using loopback address"},
      {"enforce-multihop", "Enforce EBGP neighbors perform multihop"},
      {"enforce-first-as", "Enforce the first AS for EBGP routes"},
      {"graceful-restart", "Graceful Restart (kept; vipd does not implement it)"},
      {"graceful-restart-helper", "Graceful Restart Helper (kept; vipd does not implement it)"},
      {"graceful-restart-disable", "Graceful Restart Disable (kept; vipd does not implement it)"},
      {"local-as", "Specify a local-as number (not supported)"},
      {"default-originate", "Originate default route to this neighbor"},
      {"capability", "Advertise capability to the peer"},
      {"extended-nexthop", "Advertise extended next-hop capability (not supported)"},
      {"dynamic", "Advertise dynamic capability (not supported)"},
      {"orf", "Advertise ORF capability (not supported)"},
      {"addpath-tx-all-paths", "Use addpath to advertise all paths (not supported)"},
      {"addpath-tx-bestpath-per-AS",
       "Use addpath to advertise the bestpath per each neighboring AS (not supported)"},
      {"addpath-rx-paths-limit", "Paths limit for Addpath to receive (not supported)"},
      {"ttl-security", "BGP ttl-security parameters (not supported)"},
      {"filter-list", "Establish BGP filters (not supported: use a route map)"},
  };
  for (const auto& [keyword, help] : kHelp) tree.describe(keyword, help);
  install_soft_reconfiguration(tree, ctx);
  install_send_community(tree, ctx);
  install_weight(tree, ctx);
  install_as_path_options(tree, ctx);
  install_default_originate(tree, ctx);
  install_session_flags(tree, ctx);
  install_neighbor_graceful_restart(tree, ctx);
  install_refused(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
