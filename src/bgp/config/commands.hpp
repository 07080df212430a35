// The `bgpd.conf` grammar as CommandTree commands. The same commands read config files
// (parser.hpp), serve the interactive `vipctl` shell (`configure terminal`, `router bgp N`, ...)
// and answer `?` help and completion.
#pragma once

#include <functional>

#include "bgp/config/model.hpp"
#include "control/cli.hpp"

namespace vipd::bgp::config {

// Node names (and prompts) used by these commands; other modules may install into them too.
inline constexpr const char* kConfigNode = "config";
inline constexpr const char* kRouterNode = "config-router";
inline constexpr const char* kRouterAfNode = "config-router-af";
inline constexpr const char* kLineNode = "config-line";
// FRR bfdd's nodes: `bfd`, its `profile NAME` and `peer A ...` blocks.
inline constexpr const char* kBfdNode = "config-bfd";
inline constexpr const char* kBfdProfileNode = "config-bfd-profile";
inline constexpr const char* kBfdPeerNode = "config-bfd-peer";
// `route-map NAME permit|deny SEQ` (FRR's RMAP_NODE); the node argument is "NAME SEQ".
inline constexpr const char* kRouteMapNode = "config-route-map";
// zebra's `interface NAME` block of an integrated frr.conf; the argument is the name.
inline constexpr const char* kInterfaceNode = "config-if";
// Entered by a file reader after a refused block opener (`address-family l2vpn evpn`, `router
// ospf`): the reader skips the block's lines (parser.cpp).
inline constexpr const char* kUnsupportedNode = "config-unsupported";

// Adds the config nodes (when not yet present) and installs every supported command plus its
// `no` form, `exit`/`quit`/`end` in the config nodes and `configure terminal` in exec. Each
// handler calls `target` for the configuration to change, so the caller decides whether commands
// edit a scratch copy (file parsing) or the live configuration (interactive shell). `indexed`
// (file parsing only: nothing else may change the configuration meanwhile) finds lists and
// neighbors by hash instead of a scan of all of them per line.
void install_config_commands(control::CommandTree& tree, std::function<BgpConfig&()> target,
                             bool indexed = false);

}  // namespace vipd::bgp::config
