// `neighbor A …` commands, at router level and (activation) per address family.
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {

// Installs `neighbor PEER <rest>` for an existing neighbor: like FRR, options of a neighbor that
// has no remote-as yet are refused.
void on_neighbor(CommandTree& tree, std::string_view node, std::string_view rest,
                 std::string_view help, const ContextPtr& ctx, NeighborBody body, bool no) {
  std::string pattern = fmt::format("{}neighbor {} {}", no ? "no " : "", kPeer, rest);
  tree.install(
      node, pattern, help, [ctx, body = std::move(body)](const Invocation& inv, Session& s) {
        auto lookup = current_router(*ctx, s);
        if (!lookup.bgp) return lookup.error;
        auto address = IpAddress::parse(inv.get("peer"));
        NeighborConfig* neighbor = address ? find_neighbor(*ctx, *lookup.bgp, *address) : nullptr;
        if (!neighbor)
          return CommandResult::failure("% Specify remote-as or peer-group commands first");
        return body(*lookup.bgp, *neighbor, inv, s);
      });
}

namespace {

CommandResult ok() {
  return CommandResult::success();
}

void install_remote_as(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(
      kRouterNode,
      fmt::format("neighbor {} remote-as <(1-4294967295)$asn|internal$internal|external$external>",
                  kPeer),
      "Specify a BGP neighbor", [ctx](const Invocation& inv, Session& s) {
        auto lookup = current_router(*ctx, s);
        if (!lookup.bgp) return lookup.error;
        RouterBgp& bgp = *lookup.bgp;
        RemoteAs remote;
        if (inv.has("internal")) {
          remote.kind = RemoteAs::Kind::kInternal;
        } else if (inv.has("external")) {
          remote.kind = RemoteAs::Kind::kExternal;
        } else {
          remote.asn = number(inv.get("asn"));
        }
        auto address = *IpAddress::parse(inv.get("peer"));
        if (auto* existing = find_neighbor(*ctx, bgp, address)) {
          existing->remote_as = remote;
          return ok();
        }
        NeighborConfig neighbor;
        neighbor.address = address;
        neighbor.remote_as = remote;
        for (auto af : kAddressFamilies)
          neighbor.in(af).active = bgp.active_by_default(address, af);
        bgp.neighbors.push_back(std::move(neighbor));
        return ok();
      });
  // As in quagga/FRR, any `no neighbor A [remote-as …]` removes the neighbor entirely.
  tree.install(kRouterNode,
               fmt::format("no neighbor {} [remote-as <(1-4294967295)|internal|external>]", kPeer),
               "Remove a BGP neighbor", [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 auto address = *IpAddress::parse(inv.get("peer"));
                 std::erase_if(lookup.bgp->neighbors,
                               [&](const NeighborConfig& n) { return n.address == address; });
                 forget_positions(*ctx);
                 return ok();
               });
}

void install_texts(CommandTree& tree, const ContextPtr& ctx) {
  on_neighbor(tree, kRouterNode, "description LINE...$text", "Neighbor specific description", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.description = inv.get("text");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "description [LINE...]", "Remove the description", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.description.clear();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "password WORD$password", "Set a password (TCP MD5)", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.password = inv.get("password");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "password [WORD]", "Remove the password", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.password.clear();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "update-source <A.B.C.D|X:X::X:X|WORD>$source",
              "Source of routing updates", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.update_source = inv.get("source");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "update-source [<A.B.C.D|X:X::X:X|WORD>]", "Remove the update source", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.update_source.clear();
        return ok();
      },
      true);
}

void install_session_options(CommandTree& tree, const ContextPtr& ctx) {
  on_neighbor(
      tree, kRouterNode, "timers (0-65535)$keepalive (0-65535)$hold", "BGP per neighbor timers",
      ctx, [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
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
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.timers.reset();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "timers connect (1-65535)$seconds", "BGP connect timer", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.connect_retry = static_cast<std::uint16_t>(number(inv.get("seconds")));
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "timers connect [(1-65535)]", "Use the default connect timer", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.connect_retry.reset();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "passive", "Don't send open messages to this neighbor", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
                n.passive = true;
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "passive", "Send open messages to this neighbor", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.passive = false;
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "shutdown [message LINE...$message]",
              "Administratively shut down this neighbor", ctx,
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
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.shutdown = false;
        n.shutdown_message.clear();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "ebgp-multihop [(1-255)$hops]",
              "Allow EBGP neighbors not on directly connected networks", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.ebgp_multihop =
                    static_cast<std::uint8_t>(inv.has("hops") ? number(inv.get("hops")) : 255);
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "ebgp-multihop [(1-255)]", "Only directly connected EBGP neighbors", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.ebgp_multihop.reset();
        return ok();
      },
      true);
  on_neighbor(tree, kRouterNode, "port (0-65535)$port", "Neighbor's BGP port", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.port = static_cast<std::uint16_t>(number(inv.get("port")));
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "port [(0-65535)]", "Use the BGP port 179", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.port.reset();
        return ok();
      },
      true);
}

// `neighbor A bfd [profile NAME]` (FRR bgpd/bgp_bfd.c): BFD watches the neighbor.
void install_bfd(CommandTree& tree, const ContextPtr& ctx) {
  on_neighbor(tree, kRouterNode, "bfd", "Enables BFD support", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
                n.bfd = true;
                return ok();
              });
  on_neighbor(tree, kRouterNode, "bfd profile WORD$name", "Use BFD profile", ctx,
              [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session&) {
                n.bfd = true;
                n.bfd_profile = inv.get("name");
                return ok();
              });
  on_neighbor(
      tree, kRouterNode, "bfd", "Disables BFD support", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.bfd = false;
        n.bfd_profile.clear();
        return ok();
      },
      true);
  on_neighbor(
      tree, kRouterNode, "bfd profile [WORD]", "Remove BFD profile", ctx,
      [](RouterBgp&, NeighborConfig& n, const Invocation&, Session&) {
        n.bfd_profile.clear();
        return ok();
      },
      true);
}

// `neighbor A activate`: at router level it means IPv4 unicast, as in quagga.
void install_activation(CommandTree& tree, const ContextPtr& ctx) {
  for (const char* node : {kRouterNode, kRouterAfNode}) {
    for (bool no : {false, true}) {
      on_neighbor(
          tree, node, "activate",
          no ? "Disable the Address Family for this Neighbor"
             : "Enable the Address Family for this Neighbor",
          ctx,
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
            tree, node, f.keyword, f.help, ctx,
            [member = f.member, no](RouterBgp& bgp, NeighborConfig& n, const Invocation&,
                                    Session& s) {
              // RFC 4456 §6: reflection happens between internal peers only.
              if (member == &NeighborAfConfig::route_reflector_client && !no &&
                  n.remote_as.kind != RemoteAs::Kind::kInternal &&
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
    on_neighbor(tree, node, "prefix-list WORD$name <in|out>$direction",
                "Filter updates to/from this neighbor", ctx,
                [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session& s) {
                  auto& af = n.in(session_family(s));
                  (inv.get("direction") == "in" ? af.prefix_list_in : af.prefix_list_out) =
                      inv.get("name");
                  return ok();
                });
    on_neighbor(
        tree, node, "prefix-list [WORD] <in|out>$direction", "Remove a prefix-list filter", ctx,
        [](RouterBgp&, NeighborConfig& n, const Invocation& inv, Session& s) {
          auto& af = n.in(session_family(s));
          (inv.get("direction") == "in" ? af.prefix_list_in : af.prefix_list_out).clear();
          return ok();
        },
        true);
    on_neighbor(tree, node,
                "maximum-prefix (1-4294967295)$limit [(1-100)$threshold] "
                "[<warning-only$warning|restart (1-65535)$restart>]",
                "Maximum number of prefixes accepted from this peer", ctx,
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
        [](RouterBgp&, NeighborConfig& n, const Invocation&, Session& s) {
          n.in(session_family(s)).maximum_prefix.reset();
          return ok();
        },
        true);
  }
}

}  // namespace

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
