// Top-level (`config` node) commands: hostname, passwords, logging, `line vty`, `router bgp`,
// plus the mode changes (`configure terminal`, `exit`, `end`).
#include <fmt/format.h>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {
namespace {

CommandResult ok() {
  return CommandResult::success();
}

void install_modes(CommandTree& tree) {
  tree.install("exec", "configure [terminal]", "Configuration from vty interface",
               [](const Invocation&, Session& s) {
                 s.push(kConfigNode);
                 return ok();
               });
  for (const char* node : {kConfigNode, kRouterNode, kRouterAfNode, kLineNode, kRouteMapNode}) {
    tree.install(node, "end", "End current mode and change to enable mode",
                 [](const Invocation&, Session& s) {
                   s.reset_to_exec();
                   return ok();
                 });
    // `exit` from (config) returns to exec, as in vtysh; elsewhere it leaves one level.
    tree.install(node, "<exit|quit>", "Exit current mode and down to previous mode",
                 [](const Invocation&, Session& s) {
                   s.pop();
                   return ok();
                 });
  }
}

void install_host(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kConfigNode, "bgp no-rib", "Do not install BGP routes in the kernel",
               [ctx](const Invocation&, Session&) {
                 ctx->target().no_rib = true;
                 return CommandResult::success();
               });
  tree.install(kConfigNode, "no bgp no-rib", "Install BGP routes in the kernel",
               [ctx](const Invocation&, Session&) {
                 ctx->target().no_rib = false;
                 return CommandResult::success();
               });
  tree.install(kConfigNode, "hostname WORD$name", "Set system's network name",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().hostname = inv.get("name");
                 return ok();
               });
  tree.install(kConfigNode, "no hostname [WORD]", "Reset system's network name",
               [ctx](const Invocation&, Session&) {
                 ctx->target().hostname.clear();
                 return ok();
               });
  tree.install(kConfigNode, "password WORD$password", "Assign the terminal connection password",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().password = inv.get("password");
                 return ok();
               });
  tree.install(kConfigNode, "no password [WORD]", "Remove the terminal connection password",
               [ctx](const Invocation&, Session&) {
                 ctx->target().password.clear();
                 return ok();
               });
  tree.install(kConfigNode, "enable password WORD$password", "Assign the privileged level password",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().enable_password = inv.get("password");
                 return ok();
               });
  tree.install(kConfigNode, "no enable password [WORD]", "Remove the privileged level password",
               [ctx](const Invocation&, Session&) {
                 ctx->target().enable_password.clear();
                 return ok();
               });
  // First lines of every FRR-written file; they describe FRR itself, so they are accepted and
  // not kept. Only the traditional defaults are the ones vipd implements.
  tree.install(kConfigNode, "frr version LINE...", "FRR version of the file",
               [](const Invocation&, Session&) { return ok(); });
  tree.install(
      kConfigNode, "frr defaults WORD$profile", "FRR defaults profile",
      [](const Invocation& inv, Session&) {
        if (inv.get("profile") == "traditional") return ok();
        return CommandResult::failure(fmt::format(
            "% vipd implements the 'traditional' defaults only, not '{}'", inv.get("profile")));
      });
  tree.install(kConfigNode, "service integrated-vtysh-config", "Write one configuration file",
               [](const Invocation&, Session&) { return ok(); });
}

void install_log(CommandTree& tree, const ContextPtr& ctx) {
  const std::string level = std::string(" [") + kLogLevels + "$level]";
  tree.install(kConfigNode, "log file WORD$path" + level, "Logging to file",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().log.file = LogDestination{inv.get("path"), inv.get("level")};
                 return ok();
               });
  tree.install(kConfigNode, "no log file [WORD" + level + "]", "Stop logging to file",
               [ctx](const Invocation&, Session&) {
                 ctx->target().log.file.reset();
                 return ok();
               });
  tree.install(kConfigNode, "log stdout" + level, "Logging to standard output",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().log.stdout_ = LogDestination{{}, inv.get("level")};
                 return ok();
               });
  tree.install(kConfigNode, "no log stdout" + level, "Stop logging to standard output",
               [ctx](const Invocation&, Session&) {
                 ctx->target().log.stdout_.reset();
                 return ok();
               });
  tree.install(kConfigNode, "log syslog" + level, "Logging to syslog",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().log.syslog = LogDestination{{}, inv.get("level")};
                 return ok();
               });
  tree.install(kConfigNode, "no log syslog" + level, "Stop logging to syslog",
               [ctx](const Invocation&, Session&) {
                 ctx->target().log.syslog.reset();
                 return ok();
               });
}

// quagga's `write memory` always ends the file with a `line vty` block; it must load back.
void install_vty(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kConfigNode, "line vty", "Configure a terminal line",
               [ctx](const Invocation&, Session& s) {
                 ctx->target().vty.present = true;
                 s.push(kLineNode);
                 return ok();
               });
  tree.install(kLineNode, "exec-timeout (0-35791)$minutes [(0-2147483)$seconds]",
               "Set timeout value", [ctx](const Invocation& inv, Session&) {
                 ctx->target().vty.exec_timeout =
                     std::pair{number(inv.get("minutes")), number(inv.get("seconds"))};
                 return ok();
               });
  tree.install(kLineNode, "no exec-timeout", "Set the default timeout",
               [ctx](const Invocation&, Session&) {
                 ctx->target().vty.exec_timeout.reset();
                 return ok();
               });
  tree.install(kLineNode, "access-class WORD$list", "Filter connections based on an access list",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().vty.access_class = inv.get("list");
                 return ok();
               });
  tree.install(kLineNode, "no access-class [WORD]", "Remove the access list",
               [ctx](const Invocation&, Session&) {
                 ctx->target().vty.access_class.clear();
                 return ok();
               });
  tree.install(kLineNode, "ipv6 access-class WORD$list", "Filter connections (IPv6)",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().vty.ipv6_access_class = inv.get("list");
                 return ok();
               });
  tree.install(kLineNode, "no ipv6 access-class [WORD]", "Remove the IPv6 access list",
               [ctx](const Invocation&, Session&) {
                 ctx->target().vty.ipv6_access_class.clear();
                 return ok();
               });
  tree.install(kLineNode, "login", "Enable password checking", [ctx](const Invocation&, Session&) {
    ctx->target().vty.no_login = false;
    return ok();
  });
  tree.install(kLineNode, "no login", "Disable password checking",
               [ctx](const Invocation&, Session&) {
                 ctx->target().vty.no_login = true;
                 return ok();
               });
}

void install_router_bgp(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kConfigNode, "router bgp (1-4294967295)$asn", "Enable a BGP process",
               [ctx](const Invocation& inv, Session& s) {
                 BgpConfig& config = ctx->target();
                 std::uint32_t asn = number(inv.get("asn"));
                 if (config.bgp && config.bgp->asn != asn)
                   return CommandResult::failure(
                       fmt::format("% BGP is already running; AS is {}", config.bgp->asn));
                 if (!config.bgp) {
                   config.bgp.emplace();
                   config.bgp->asn = asn;
                 }
                 s.push(kRouterNode, std::to_string(asn));
                 return ok();
               });
  tree.install(kConfigNode, "no router bgp [(1-4294967295)$asn]", "Remove the BGP process",
               [ctx](const Invocation& inv, Session&) {
                 BgpConfig& config = ctx->target();
                 if (!config.bgp) return CommandResult::failure("% No BGP process is configured");
                 if (inv.has("asn") && number(inv.get("asn")) != config.bgp->asn)
                   return CommandResult::failure("% Can't find BGP instance");
                 config.bgp.reset();
                 return ok();
               });
}

}  // namespace

void install_global_commands(CommandTree& tree, const ContextPtr& ctx) {
  install_modes(tree);
  install_host(tree, ctx);
  install_log(tree, ctx);
  install_vty(tree, ctx);
  install_router_bgp(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
