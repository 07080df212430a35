// Shared by the commands_*.cpp files (not a public header).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/config/commands.hpp"

namespace vipd::bgp::config::detail {

using control::CommandResult;
using control::CommandTree;
using control::Invocation;
using control::Session;

// What every handler needs: where the configuration lives.
struct Context {
  std::function<BgpConfig&()> target;
};
using ContextPtr = std::shared_ptr<const Context>;

// The `router bgp` instance a router-level command applies to, or the error to print: the
// instance may have been removed (or replaced) by another session since this one entered it.
struct RouterLookup {
  RouterBgp* bgp = nullptr;
  CommandResult error;
};
RouterLookup current_router(const Context& ctx, const Session& session);

// The address family of the session: that of `address-family …` when inside one, else IPv4
// unicast (quagga's router-level commands mean IPv4 unicast).
AddressFamily session_family(const Session& session);

// Parses a number the grammar has already range-checked.
std::uint32_t number(std::string_view text);

inline constexpr const char* kLogLevels =
    "<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>";
inline constexpr const char* kPeer = "<A.B.C.D|X:X::X:X>$peer";

void install_global_commands(CommandTree& tree, const ContextPtr& ctx);
void install_router_commands(CommandTree& tree, const ContextPtr& ctx);
void install_neighbor_commands(CommandTree& tree, const ContextPtr& ctx);
void install_policy_commands(CommandTree& tree, const ContextPtr& ctx);
void install_bfd_commands(CommandTree& tree, const ContextPtr& ctx);
void install_routemap_commands(CommandTree& tree, const ContextPtr& ctx);

}  // namespace vipd::bgp::config::detail
