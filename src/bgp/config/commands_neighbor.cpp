// `neighbor A …` commands, at router level and (activation) per address family.
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {
namespace {

using Inherit = NeighborOption::Inherit;

// The options of this file, as peer groups copy them.
template <typename T>
NeighborOption own_option(std::string keyword, T NeighborConfig::*field) {
  // Per peer in FRR: a group keeps its own, members are not given it.
  NeighborOption o = global_option(std::move(keyword), field);
  o.inherit = Inherit::kNever;
  return o;
}

RemoteAs remote_as_of(const Invocation& inv) {
  RemoteAs remote;
  if (inv.has("internal")) {
    remote.kind = RemoteAs::Kind::kInternal;
  } else if (inv.has("external")) {
    remote.kind = RemoteAs::Kind::kExternal;
  } else {
    remote.asn = number(inv.get("asn"));
  }
  return remote;
}

void install_remote_as(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(
      kRouterNode,
      fmt::format("neighbor {} remote-as <(1-4294967295)$asn|internal$internal|external$external>",
                  kPeerOrGroup),
      "Specify a BGP neighbor", [ctx](const Invocation& inv, Session& s) {
        auto lookup = current_router(*ctx, s);
        if (!lookup.bgp) return lookup.error;
        RouterBgp& bgp = *lookup.bgp;
        const RemoteAs remote = remote_as_of(inv);
        auto address = IpAddress::parse(inv.get("peer"));
        if (!address) return set_group_remote_as(bgp, inv.get("peer"), remote);
        if (auto* existing = find_neighbor(*ctx, bgp, *address)) {
          // FRR 8.4's peer_remote_as(): a group's remote-as is its members' (even the same).
          const PeerGroup* group =
              existing->peer_group.empty() ? nullptr : bgp.find_group(existing->peer_group);
          if (group && group->conf.remote_as.kind != RemoteAs::Kind::kUnspecified)
            return CommandResult::failure(
                "% Peer-group member cannot override remote-as of peer-group");
          existing->remote_as = remote;
          return ok();
        }
        NeighborConfig neighbor;
        neighbor.address = *address;
        neighbor.remote_as = remote;
        for (auto af : kAddressFamilies)
          neighbor.in(af).active = bgp.active_by_default(*address, af);
        bgp.neighbors.push_back(std::move(neighbor));
        return ok();
      });
  // As in quagga/FRR, any `no neighbor A [remote-as …]` removes the neighbor entirely; for a
  // group see remove_group().
  tree.install(
      kRouterNode,
      fmt::format("no neighbor {} [remote-as$remote_as <(1-4294967295)|internal|external>]",
                  kPeerOrGroup),
      "Remove a BGP neighbor", [ctx](const Invocation& inv, Session& s) {
        auto lookup = current_router(*ctx, s);
        if (!lookup.bgp) return lookup.error;
        auto address = IpAddress::parse(inv.get("peer"));
        if (!address) return remove_group(*ctx, *lookup.bgp, inv.get("peer"), inv.has("remote_as"));
        std::erase_if(lookup.bgp->neighbors,
                      [&](const NeighborConfig& n) { return n.address == *address; });
        forget_positions(*ctx);
        return ok();
      });
}

void install_texts(CommandTree& tree, const ContextPtr& ctx) {
  on_neighbor(tree, kRouterNode, "description LINE...$text", "Neighbor specific description", ctx,
              own_option("description", &NeighborConfig::description),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.description = inv.get("text");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "description [LINE...]", "Remove the description", ctx,
      own_option("description", &NeighborConfig::description),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.description.clear();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "password WORD$password", "Set a password (TCP MD5)", ctx,
              global_option("password", &NeighborConfig::password),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.password = inv.get("password");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "password [WORD]", "Remove the password", ctx,
      global_option("password", &NeighborConfig::password),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.password.clear();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "update-source <A.B.C.D|X:X::X:X|WORD>$source",
              "Source of routing updates", ctx,
              global_option("update-source", &NeighborConfig::update_source),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.update_source = inv.get("source");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "update-source [<A.B.C.D|X:X::X:X|WORD>]", "Remove the update source", ctx,
      global_option("update-source", &NeighborConfig::update_source),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.update_source.clear();
        return ok();
      },
      true);
  // FRR's `neighbor A interface IFNAME` (a peer's, not a group's): the session is bound to the
  // interface, as FRR's bgp_bind() does with SO_BINDTODEVICE.
  on_neighbor(tree, kRouterNode, "interface WORD$ifname", "Interface", ctx,
              own_option("interface", &NeighborConfig::interface),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.interface = inv.get("ifname");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "interface [WORD]", "Interface", ctx,
      own_option("interface", &NeighborConfig::interface),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.interface.clear();
        return ok();
      },
      true);
}

void install_session_options(CommandTree& tree, const ContextPtr& ctx) {
  on_neighbor(
      tree, kRouterNode, "timers (0-65535)$keepalive (0-65535)$hold", "BGP per neighbor timers",
      ctx, global_option("timers", &NeighborConfig::timers),
      [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
        auto hold = number(inv.get("hold"));
        // RFC 4271 §4.2: the hold time is zero or at least three seconds.
        if (hold != 0 && hold < 3)
          return CommandResult::failure("% hold time value must be either 0 or greater than 3");
        n.timers = Timers{static_cast<std::uint16_t>(number(inv.get("keepalive"))),
                          static_cast<std::uint16_t>(hold)};
        return ok();
      });
  on_neighbor(
      tree, kRouterNode, "timers [(0-65535) (0-65535)]", "Use the instance timers", ctx,
      global_option("timers", &NeighborConfig::timers),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.timers.reset();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "timers connect (1-65535)$seconds", "BGP connect timer", ctx,
              global_option("timers connect", &NeighborConfig::connect_retry),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.connect_retry = static_cast<std::uint16_t>(number(inv.get("seconds")));
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "timers connect [(1-65535)]", "Use the default connect timer", ctx,
      global_option("timers connect", &NeighborConfig::connect_retry),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.connect_retry.reset();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "passive", "Don't send open messages to this neighbor", ctx,
              global_option("passive", &NeighborConfig::passive),
              [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
                n.passive = true;
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "passive", "Send open messages to this neighbor", ctx,
      global_option("passive", &NeighborConfig::passive),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.passive = false;
        return ok();
      },
      true);
  on_neighbor(
      tree, kRouterNode, "shutdown [message LINE...$message]",
      "Administratively shut down this neighbor", ctx,
      global_option("shutdown", &NeighborConfig::shutdown, &NeighborConfig::shutdown_message),
      [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
        // RFC 9003 §2: the Shutdown Communication is at most 255 octets.
        if (inv.get("message").size() > 255)
          return CommandResult::failure("% Shutdown message is longer than 255 octets");
        n.shutdown = true;
        n.shutdown_message = inv.get("message");
        return ok();
      });
  on_neighbor(
      tree, kRouterNode, "shutdown [message LINE...]", "Enable this neighbor again", ctx,
      global_option("shutdown", &NeighborConfig::shutdown, &NeighborConfig::shutdown_message),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.shutdown = false;
        n.shutdown_message.clear();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "ebgp-multihop [(1-255)$hops]",
              "Allow EBGP neighbors not on directly connected networks", ctx,
              global_option("ebgp-multihop", &NeighborConfig::ebgp_multihop),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.ebgp_multihop =
                    static_cast<std::uint8_t>(inv.has("hops") ? number(inv.get("hops")) : 255);
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "ebgp-multihop [(1-255)]", "Only directly connected EBGP neighbors", ctx,
      global_option("ebgp-multihop", &NeighborConfig::ebgp_multihop),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.ebgp_multihop.reset();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "port (0-65535)$port", "Neighbor's BGP port", ctx,
              own_option("port", &NeighborConfig::port),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.port = static_cast<std::uint16_t>(number(inv.get("port")));
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "port [(0-65535)]", "Use the BGP port 179", ctx,
      own_option("port", &NeighborConfig::port),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.port.reset();
        return ok();
      },
      true);
}

// `neighbor A bfd [profile NAME]` (FRR bgpd/bgp_bfd.c): BFD watches the neighbor.
void install_bfd(CommandTree& tree, const ContextPtr& ctx) {
  on_neighbor(tree, kRouterNode, "bfd", "Enables BFD support", ctx,
              global_option("bfd", &NeighborConfig::bfd, &NeighborConfig::bfd_profile),
              [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
                n.bfd = true;
                return ok();
              });
  on_neighbor(tree, kRouterNode, "bfd profile WORD$name", "Use BFD profile", ctx,
              global_option("bfd", &NeighborConfig::bfd, &NeighborConfig::bfd_profile),
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.bfd = true;
                n.bfd_profile = inv.get("name");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "bfd", "Disables BFD support", ctx,
      global_option("bfd", &NeighborConfig::bfd, &NeighborConfig::bfd_profile),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.bfd = false;
        n.bfd_profile.clear();
        return ok();
      },
      true);
  on_neighbor(
      tree, kRouterNode, "bfd profile [WORD]", "Remove BFD profile", ctx,
      global_option("bfd", &NeighborConfig::bfd, &NeighborConfig::bfd_profile),
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.bfd_profile.clear();
        return ok();
      },
      true);
}

// `neighbor A activate`: at router level it means IPv4 unicast, as in quagga.
void install_activation(CommandTree& tree, const ContextPtr& ctx) {
  // FRR's peer_activate() on a group activates every member, whatever they said.
  NeighborOption activation = af_option("activate", &NeighborAfConfig::active);
  activation.inherit = Inherit::kAlways;
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    for (bool no : {false, true}) {
      on_neighbor(
          tree, node, "activate",
          no ? "Disable the Address Family for this Neighbor"
             : "Enable the Address Family for this Neighbor",
          ctx, activation,
          [no](RouterBgp&, NeighborConfig& n, const Invocation&, Session& s) {
            n.in(session_family(s)).active = !no;
            return ok();
          },
          no);
    }
  }
}

// Per address family options; at router level they mean IPv4 unicast, as in quagga.
void install_af_flags(CommandTree& tree, const ContextPtr& ctx) {
  struct Flag {
    const char* keyword;
    const char* help;
    bool NeighborAfConfig::*member;
  };
  for (const Flag& f : {
           Flag{"next-hop-self", "Disable the next hop calculation for this neighbor",
                &NeighborAfConfig::next_hop_self},
           Flag{"route-reflector-client", "Configure a neighbor as Route Reflector client",
                &NeighborAfConfig::route_reflector_client},
           Flag{"route-server-client", "Configure a neighbor as Route Server client",
                &NeighborAfConfig::route_server_client},
       }) {
    for (const char* node : {kRouterNode, kRouterAfNode}) {
      for (bool no : {false, true}) {
        on_neighbor(
            tree, node, f.keyword, f.help, ctx, af_option(f.keyword, f.member),
            [member = f.member, no](RouterBgp& bgp, NeighborConfig& n, const Invocation&,
                                    Session& s) {
              // RFC 4456 §6: reflection happens between internal peers only.
              // A group without remote-as counts as internal (FRR's peer_sort()).
              if (member == &NeighborAfConfig::route_reflector_client && !no &&
                  n.remote_as.kind != RemoteAs::Kind::kInternal &&
                  n.remote_as.kind != RemoteAs::Kind::kUnspecified &&
                  !(n.remote_as.kind == RemoteAs::Kind::kNumber && n.remote_as.asn == bgp.asn))
                return CommandResult::failure("% Invalid command. Not an internal neighbor");
              n.in(session_family(s)).*member = !no;
              return ok();
            },
            no);
      }
    }
  }
}

void install_af_policy(CommandTree& tree, const ContextPtr& ctx) {
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    // One option per direction: a member may override the group's `in` list only.
    for (auto each : {std::pair{"in", &NeighborAfConfig::prefix_list_in},
                      std::pair{"out", &NeighborAfConfig::prefix_list_out}}) {
      // Not a structured binding: clang 14 cannot capture one in a lambda (C++20 P1091).
      const char* direction = each.first;
      auto field = each.second;
      const auto option = af_option(fmt::format("prefix-list {}", direction), field);
      on_neighbor(tree, node, fmt::format("prefix-list WORD$name {}", direction),
                  "Filter updates to/from this neighbor", ctx, option,
                  [field](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session& s) {
                    n.in(session_family(s)).*field = inv.get("name");
                    return ok();
                  });
      on_neighbor(
          tree, node, fmt::format("prefix-list [WORD] {}", direction),
          "Remove a prefix-list filter", ctx, option,
          [field](RouterBgp&, NeighborConfig& n, const Invocation&, Session& s) {
            (n.in(session_family(s)).*field).clear();
            return ok();
          },
          true);
    }
    on_neighbor(tree, node,
                "maximum-prefix (1-4294967295)$limit [(1-100)$threshold] "
                "[<warning-only$warning|restart (1-65535)$restart>]",
                "Maximum number of prefixes accepted from this peer", ctx,
                af_option("maximum-prefix", &NeighborAfConfig::maximum_prefix),
                [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session& s) {
                  MaximumPrefix m;
                  m.limit = number(inv.get("limit"));
                  if (inv.has("threshold"))
                    m.threshold = static_cast<std::uint8_t>(number(inv.get("threshold")));
                  m.warning_only = inv.has("warning");
                  if (inv.has("restart"))
                    m.restart_minutes = static_cast<std::uint16_t>(number(inv.get("restart")));
                  n.in(session_family(s)).maximum_prefix = m;
                  return ok();
                });
    on_neighbor(
        tree, node, "maximum-prefix [LINE...]", "Remove the prefix limit", ctx,
        af_option("maximum-prefix", &NeighborAfConfig::maximum_prefix),
        [](RouterBgp&, NeighborConfig& n, const Invocation&, Session& s) {
          n.in(session_family(s)).maximum_prefix.reset();
          return ok();
        },
        true);
  }
}

}  // namespace

void on_neighbor(CommandTree& tree, std::string_view node, std::string_view rest,
                 std::string_view help, const ContextPtr& ctx, const NeighborOption& option,
                 NeighborBody body, bool no) {
  ctx->options->emplace(option.keyword, option);
  std::string pattern = fmt::format("{}neighbor {} {}", no ? "no " : "", kPeerOrGroup, rest);
  tree.install(
      node, pattern, help,
      [ctx, option, no, body = std::move(body)](const Invocation& inv, Session& s) {
        auto lookup = current_router(*ctx, s);
        if (!lookup.bgp) return lookup.error;
        RouterBgp& bgp = *lookup.bgp;
        const AddressFamily af = session_family(s);
        const std::string key =
            option_key(option.keyword, option.per_af ? std::optional(af) : std::nullopt);
        const std::string& name = inv.get("peer");
        if (auto address = IpAddress::parse(name)) {
          NeighborConfig* n = find_neighbor(*ctx, bgp, *address);
          if (!n) return CommandResult::failure("% Specify remote-as or peer-group commands first");
          auto result = body(bgp, *n, inv, s);
          if (!result.ok || n->peer_group.empty() || option.inherit == Inherit::kAlways)
            return result;
          // FRR's peer_flag_modify(): a member's own value overrides the group's, and
          // its `no` form inherits the group's again.
          if (no == option.inverted) {
            n->overrides.insert(key);
          } else {
            n->overrides.erase(key);
            const PeerGroup* g = bgp.find_group(n->peer_group);
            if (g && option.inherit == Inherit::kOverridable) option.copy(g->conf, *n, af);
          }
          return result;
        }
        PeerGroup* group = bgp.find_group(name);
        if (!group)
          return CommandResult::failure("% Specify remote-as or peer-group commands first");
        auto result = body(bgp, group->conf, inv, s);
        if (!result.ok || option.inherit == Inherit::kNever) return result;
        for (auto& member : bgp.neighbors) {
          if (member.peer_group != group->name) continue;
          if (option.inherit == Inherit::kOverridable && member.overrides.contains(key)) continue;
          option.copy(group->conf, member, af);
        }
        return result;
      });
}

void copy_group_options(const Context& ctx, const PeerGroup& group, NeighborConfig& member) {
  for (const auto& [keyword, option] : *ctx.options) {
    if (option.inherit == Inherit::kNever) continue;
    for (auto af : kAddressFamilies) {
      if (!option.per_af && af != AddressFamily::kIpv4Unicast) continue;
      const auto f = option.per_af ? std::optional(af) : std::nullopt;
      if (option.inherit == Inherit::kOverridable &&
          member.overrides.contains(option_key(keyword, f)))
        continue;
      option.copy(group.conf, member, af);
    }
  }
}

void install_neighbor_commands(CommandTree& tree, const ContextPtr& ctx) {
  install_remote_as(tree, ctx);
  install_texts(tree, ctx);
  install_session_options(tree, ctx);
  install_bfd(tree, ctx);
  install_activation(tree, ctx);
  install_af_flags(tree, ctx);
  install_af_policy(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
