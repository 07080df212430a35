// FRR bfdd's `bfd` node in bgpd.conf: `profile NAME` and `peer A [multihop] [local-address B]
// [interface IF]` blocks with their timer lines (FRR's bfdd/bfdd_cli.c grammar and ranges). The
// BFD module reads them; BGP's own link to BFD is `neighbor A bfd [profile NAME]`
// (commands_neighbor.cpp).
#include <algorithm>

#include "bgp/config/commands_detail.hpp"
#include "common/result.hpp"

namespace vipd::bgp::config::detail {
namespace {

// The settings block the session is in: a profile's or a peer's.
BfdSettings* current_settings(const Context& ctx, const Session& s) {
  BfdConfig& bfd = ctx.target().bfd;
  if (s.node() == kBfdProfileNode) {
    auto name = s.argument_of(kBfdProfileNode);
    for (auto& profile : bfd.profiles)
      if (name && profile.name == *name) return &profile.settings;
  } else if (s.node() == kBfdPeerNode) {
    auto key = s.argument_of(kBfdPeerNode);
    for (auto& peer : bfd.peers)
      if (key && peer.key() == *key) return &peer.settings;
  }
  return nullptr;
}

using SettingsBody = std::function<CommandResult(BfdSettings&, const Invocation&)>;

// FRR bfdd_cli.c: echo lines in a peer block only for single hop peers (RFC 5883 §3: no echo on
// multihop sessions); profiles take them (a multihop peer using the profile ignores them).
bool multihop_peer(const Context& ctx, const Session& s) {
  if (s.node() != kBfdPeerNode) return false;
  auto key = s.argument_of(kBfdPeerNode);
  for (const auto& peer : ctx.target().bfd.peers)
    if (key && peer.key() == *key) return peer.multihop;
  return false;
}

void on_settings(CommandTree& tree, std::string_view pattern, std::string_view help,
                 const ContextPtr& ctx, const SettingsBody& body, bool single_hop_only = false) {
  for (const char* node : {kBfdProfileNode, kBfdPeerNode}) {
    tree.install(
        node, pattern, help, [ctx, body, single_hop_only](const Invocation& inv, Session& s) {
          BfdSettings* settings = current_settings(*ctx, s);
          if (!settings)
            return CommandResult::failure("% The BFD profile or peer no longer exists");
          if (single_hop_only && multihop_peer(*ctx, s))
            return CommandResult::failure("% Echo mode is only available for single hop sessions.");
          return body(*settings, inv);
        });
  }
}

// FRR's echo lines (bfdd_cli.c), milliseconds.
void install_echo_settings(CommandTree& tree, const ContextPtr& ctx) {
  constexpr bool kSingleHop = true;
  for (bool no : {false, true}) {
    on_settings(
        tree, no ? "no echo-mode" : "echo-mode", "Configure echo mode", ctx,
        [no](BfdSettings& b, const Invocation&) {
          b.echo_mode = !no;
          return ok();
        },
        !no && kSingleHop);
  }
  on_settings(
      tree, "echo transmit-interval (10-60000)$interval",
      "Configure desired echo transmit interval", ctx,
      [](BfdSettings& b, const Invocation& inv) {
        b.echo_transmit_interval_ms = number(inv.get("interval"));
        return ok();
      },
      kSingleHop);
  on_settings(tree, "no echo transmit-interval [(10-60000)]",
              "Use the default echo transmit interval", ctx, [](BfdSettings& b, const Invocation&) {
                b.echo_transmit_interval_ms.reset();
                return ok();
              });
  on_settings(
      tree, "echo receive-interval <disabled$disabled|(10-60000)$interval>",
      "Configure required echo receive interval (disabled: do not loop the peer's echoes)", ctx,
      [](BfdSettings& b, const Invocation& inv) {
        b.echo_receive_interval_ms = inv.has("disabled") ? 0 : number(inv.get("interval"));
        return ok();
      },
      kSingleHop);
  on_settings(tree, "no echo receive-interval [<disabled|(10-60000)>]",
              "Use the default echo receive interval", ctx, [](BfdSettings& b, const Invocation&) {
                b.echo_receive_interval_ms.reset();
                return ok();
              });
  // FRR's older form (MetalLB's template writes it): both intervals at once.
  on_settings(
      tree, "echo-interval (10-60000)$interval", "Configure peer echo rx/tx intervals", ctx,
      [](BfdSettings& b, const Invocation& inv) {
        b.echo_transmit_interval_ms = b.echo_receive_interval_ms = number(inv.get("interval"));
        return ok();
      },
      kSingleHop);
  on_settings(tree, "no echo-interval [(10-60000)]", "Use the default echo intervals", ctx,
              [](BfdSettings& b, const Invocation&) {
                b.echo_transmit_interval_ms.reset();
                b.echo_receive_interval_ms.reset();
                return ok();
              });
}

void install_settings(CommandTree& tree, const ContextPtr& ctx) {
  on_settings(tree, "detect-multiplier (2-255)$multiplier", "Configure peer detection multiplier",
              ctx, [](BfdSettings& b, const Invocation& inv) {
                b.detect_multiplier = static_cast<std::uint8_t>(number(inv.get("multiplier")));
                return ok();
              });
  on_settings(tree, "no detect-multiplier [(2-255)]", "Use the default detection multiplier", ctx,
              [](BfdSettings& b, const Invocation&) {
                b.detect_multiplier.reset();
                return ok();
              });
  // Milliseconds, as FRR's bfdd takes them (RFC 5880 carries microseconds).
  on_settings(tree, "receive-interval (10-60000)$interval", "Configure peer receive interval", ctx,
              [](BfdSettings& b, const Invocation& inv) {
                b.receive_interval_ms = number(inv.get("interval"));
                return ok();
              });
  on_settings(tree, "no receive-interval [(10-60000)]", "Use the default receive interval", ctx,
              [](BfdSettings& b, const Invocation&) {
                b.receive_interval_ms.reset();
                return ok();
              });
  on_settings(tree, "transmit-interval (10-60000)$interval", "Configure peer transmit interval",
              ctx, [](BfdSettings& b, const Invocation& inv) {
                b.transmit_interval_ms = number(inv.get("interval"));
                return ok();
              });
  on_settings(tree, "no transmit-interval [(10-60000)]", "Use the default transmit interval", ctx,
              [](BfdSettings& b, const Invocation&) {
                b.transmit_interval_ms.reset();
                return ok();
              });
  on_settings(tree, "minimum-ttl (1-254)$ttl", "Expect packets with at least this TTL", ctx,
              [](BfdSettings& b, const Invocation& inv) {
                b.minimum_ttl = static_cast<std::uint8_t>(number(inv.get("ttl")));
                return ok();
              });
  on_settings(tree, "no minimum-ttl [(1-254)]", "Use the default minimum TTL", ctx,
              [](BfdSettings& b, const Invocation&) {
                b.minimum_ttl.reset();
                return ok();
              });
  struct Flag {
    const char* keyword;
    const char* help;
    bool BfdSettings::*member;
  };
  for (const Flag& flag : {
           Flag{"passive-mode", "Don't attempt to start sessions", &BfdSettings::passive_mode},
           Flag{"shutdown", "Disable BFD peer", &BfdSettings::shutdown},
       }) {
    for (bool no : {false, true}) {
      on_settings(tree, std::string(no ? "no " : "") + flag.keyword, flag.help, ctx,
                  [member = flag.member, no](BfdSettings& b, const Invocation&) {
                    b.*member = !no;
                    return ok();
                  });
    }
  }
}

void install_blocks(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kConfigNode, "bfd", "Configure BFD peers", [ctx](const Invocation&, Session& s) {
    ctx->target().bfd.present = true;
    s.push(kBfdNode);
    return ok();
  });
  tree.install(kConfigNode, "no bfd", "Remove every BFD profile and peer",
               [ctx](const Invocation&, Session&) {
                 ctx->target().bfd = BfdConfig{};
                 return ok();
               });
  tree.install(kBfdNode, "profile WORD$name", "BFD profile",
               [ctx](const Invocation& inv, Session& s) {
                 BfdConfig& bfd = ctx->target().bfd;
                 const std::string name = inv.get("name");
                 if (!bfd.find_profile(name)) bfd.profiles.push_back(BfdProfile{name, {}});
                 s.push(kBfdProfileNode, name);
                 return ok();
               });
  tree.install(kBfdNode, "no profile WORD$name", "Remove a BFD profile",
               [ctx](const Invocation& inv, Session&) {
                 std::erase_if(ctx->target().bfd.profiles,
                               [&](const BfdProfile& p) { return p.name == inv.get("name"); });
                 return ok();
               });
  const std::string peer_pattern =
      "peer <A.B.C.D|X:X::X:X>$peer [multihop$multihop] [local-address "
      "<A.B.C.D|X:X::X:X>$local] [interface WORD$ifname]";
  auto parse_peer = [](const Invocation& inv) -> Result<BfdPeer, std::string> {
    BfdPeer peer;
    peer.address = *IpAddress::parse(inv.get("peer"));
    peer.multihop = inv.has("multihop");
    if (inv.has("local")) peer.local_address = *IpAddress::parse(inv.get("local"));
    if (inv.has("ifname")) peer.interface = inv.get("ifname");
    // RFC 5883 §3: a multihop session is identified by both addresses; FRR requires it.
    if (peer.multihop && !peer.local_address)
      return unexpected(std::string("% local-address is required when using multihop"));
    if (peer.local_address && peer.local_address->family() != peer.address.family())
      return unexpected(std::string("% peer and local-address must be of the same family"));
    return peer;
  };
  tree.install(kBfdNode, peer_pattern, "Configure peer",
               [ctx, parse_peer](const Invocation& inv, Session& s) {
                 auto peer = parse_peer(inv);
                 if (!peer) return CommandResult::failure(peer.error());
                 BfdConfig& bfd = ctx->target().bfd;
                 const std::string key = peer->key();
                 if (std::none_of(bfd.peers.begin(), bfd.peers.end(),
                                  [&](const BfdPeer& p) { return p.key() == key; }))
                   bfd.peers.push_back(*peer);
                 s.push(kBfdPeerNode, key);
                 return ok();
               });
  tree.install(kBfdNode, "no " + peer_pattern, "Remove a BFD peer",
               [ctx, parse_peer](const Invocation& inv, Session&) {
                 auto peer = parse_peer(inv);
                 if (!peer) return CommandResult::failure(peer.error());
                 std::erase_if(ctx->target().bfd.peers,
                               [&](const BfdPeer& p) { return p.key() == peer->key(); });
                 return ok();
               });
  tree.install(kBfdPeerNode, "profile WORD$name", "Use a BFD profile",
               [ctx](const Invocation& inv, Session& s) {
                 auto key = s.argument_of(kBfdPeerNode);
                 for (auto& peer : ctx->target().bfd.peers)
                   if (key && peer.key() == *key) peer.profile = inv.get("name");
                 return ok();
               });
  tree.install(kBfdPeerNode, "no profile [WORD]", "Use no BFD profile",
               [ctx](const Invocation&, Session& s) {
                 auto key = s.argument_of(kBfdPeerNode);
                 for (auto& peer : ctx->target().bfd.peers)
                   if (key && peer.key() == *key) peer.profile.clear();
                 return ok();
               });
  for (const char* node : {kBfdNode, kBfdProfileNode, kBfdPeerNode}) {
    tree.install(node, "end", "End current mode and change to enable mode",
                 [](const Invocation&, Session& s) {
                   s.reset_to_exec();
                   return ok();
                 });
    tree.install(node, "<exit|quit>", "Exit current mode and down to previous mode",
                 [](const Invocation&, Session& s) {
                   s.pop();
                   return ok();
                 });
  }
}

}  // namespace

void install_bfd_commands(CommandTree& tree, const ContextPtr& ctx) {
  install_blocks(tree, ctx);
  install_settings(tree, ctx);
  install_echo_settings(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
