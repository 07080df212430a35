// Top-level (`config` node) commands: hostname, passwords, logging, `frr version|defaults`, the
// lines vipd keeps without a use for them (`service ...`, `dump bgp ...`), `line vty`,
// `router bgp`, plus the mode changes (`configure terminal`, `exit`, `end`).
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"
#include "bgp/config/frr_lines.hpp"

namespace vipd::bgp::config::detail {
namespace {

void install_modes(CommandTree& tree) {
  tree.install("exec", "configure [terminal]", "Configuration from vty interface",
               [](const Invocation&, Session& s) {
                 s.push(kConfigNode);
                 return ok();
               });
  for (const char* node :
       {kConfigNode, kRouterNode, kRouterAfNode, kLineNode, kRouteMapNode, kInterfaceNode}) {
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
  // First lines of every FRR-written file. The version is kept and written back as given (vipd
  // is not that FRR, and writing its own would claim so); the profile sets the defaults of the
  // `router bgp` instances created after it, as FRR's bgp_create() reads DFLT_BGP_* then.
  tree.install(kConfigNode, "frr version LINE...$version", "FRR version of the file",
               [ctx](const Invocation& inv, Session&) {
                 ctx->target().frr.version = inv.get("version");
                 return ok();
               });
  tree.install(
      kConfigNode, "frr defaults WORD$profile", "FRR defaults profile",
      [ctx](const Invocation& inv, Session&) {
        const std::string& profile = inv.get("profile");
        if (profile != "traditional" && profile != "datacenter")
          return CommandResult::failure(fmt::format(
              "% unknown defaults profile '{}': FRR has 'traditional' and 'datacenter'", profile));
        ctx->target().frr.defaults = profile;
        return ok();
      });
}

}  // namespace

CommandResult keep_line(std::vector<KeptLine>& kept, std::string key, std::string text,
                        std::string_view why) {
  auto it = std::find_if(kept.begin(), kept.end(), [&](const KeptLine& k) { return k.key == key; });
  KeptLine line{std::move(key), std::move(text)};
  std::string notice = fmt::format("% {} ({})", kept_line_notice(line), why);
  if (it == kept.end())
    kept.push_back(std::move(line));
  else
    *it = std::move(line);
  return CommandResult::success(std::move(notice));
}

CommandResult forget_line(std::vector<KeptLine>& kept, const std::string& key) {
  kept.erase(
      std::remove_if(kept.begin(), kept.end(), [&](const KeptLine& k) { return k.key == key; }),
      kept.end());
  return CommandResult::success();
}

std::string kept_key(const Invocation& inv, std::size_t key_words) {
  std::string key;
  const auto& words = inv.words();
  std::size_t first = words.front() == "no" ? 1 : 0;
  for (std::size_t i = first; i < words.size() && i < first + key_words; ++i)
    key += (key.empty() ? "" : " ") + words[i];
  return key;
}

namespace {

// A kept top-level command and its `no` form, in BgpConfig::frr.kept.
void install_kept(CommandTree& tree, const ContextPtr& ctx, const std::string& pattern,
                  const std::string& no_pattern, std::size_t key_words, std::string why) {
  tree.install(kConfigNode, pattern, why, [ctx, key_words, why](const Invocation& inv, Session&) {
    return keep_line(ctx->target().frr.kept, kept_key(inv, key_words), inv.line(), why);
  });
  tree.install(kConfigNode, no_pattern, why, [ctx, key_words](const Invocation& inv, Session&) {
    return forget_line(ctx->target().frr.kept, kept_key(inv, key_words));
  });
}

void install_kept_lines(CommandTree& tree, const ContextPtr& ctx) {
  const std::string level = std::string("[") + kLogLevels + "]";
  const std::string facilities =
      "<kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|local0|local1|local2|local3|local4|"
      "local5|local6|local7>";
  struct Kept {
    std::string pattern;
    std::string no_pattern;
    std::size_t key_words;
    const char* why;
  };
  constexpr const char* kZebraDebug =
      "vipd runs no zebra; `debug bgp zebra` logs its kernel route changes";
  const Kept kKept[] = {
      {"log monitor " + level, "no log monitor " + level, 2,
       "vipd has no vty monitors; `vipctl` reads the log with the daemon's log file"},
      {"log facility " + facilities, "no log facility [" + facilities + "]", 2,
       "vipd logs to syslog with facility daemon"},
      {"log record-priority", "no log record-priority", 2,
       "vipd's log lines carry no priority prefix"},
      {"log timestamp precision (0-6)", "no log timestamp precision [(0-6)]", 3,
       "vipd's log timestamps have milliseconds"},
      {"service advanced-vty", "no service advanced-vty", 2, "vipctl has no enable mode"},
      {"service integrated-vtysh-config", "no service integrated-vtysh-config", 2,
       "vipd writes back the one file it was given"},
      {"service password-encryption", "no service password-encryption", 2,
       "vipd stores the vty passwords only to write them back"},
      {"service terminal-length (0-512)", "no service terminal-length [(0-512)]", 2,
       "vipctl pages nothing"},
      {"dump bgp <all|all-et|updates|updates-et|routes-mrt>$type WORD$path [INTERVAL]",
       "no dump bgp <all|all-et|updates|updates-et|routes-mrt>$type [WORD [INTERVAL]]", 3,
       "vipd writes no MRT dumps"},
      {"agentx", "no agentx", 1, "vipd has no SNMP agent"},
      {"log commands", "no log commands", 2, "vipctl's commands are not logged"},
      {"domainname WORD", "no domainname [WORD]", 1, "vipd does not set the host's domain name"},
      // bfdd's topics (bfdd/bfdd_vty.c); vipd always logs BFD state changes.
      {"debug bfd <peer|network|zebra|distributed>",
       "no debug bfd <peer|network|zebra|distributed>", 3,
       "vipd logs every BFD state change; it has no further BFD debugging"},
      // zebra's topics (zebra/debug.c); vipd has no zebra: `debug bgp zebra` logs its kernel
      // route changes.
      {"debug zebra <events|vxlan|pseudowires|fpm|pbr|neighbor|mlag|vrf|gr|srv6>",
       "no debug zebra <events|vxlan|pseudowires|fpm|pbr|neighbor|mlag|vrf|gr|srv6>", 3,
       kZebraDebug},
      {"debug zebra <nht|mpls|rib|dplane> [detailed]",
       "no debug zebra <nht|mpls|rib|dplane> [detailed]", 3, kZebraDebug},
      {"debug zebra nexthop [detail]", "no debug zebra nexthop [detail]", 3, kZebraDebug},
      {"debug zebra packet [<recv|send>] [detail]", "no debug zebra packet [<recv|send>] [detail]",
       3, kZebraDebug},
      {"debug zebra kernel [msgdump [<recv|send>]]",
       "no debug zebra kernel [msgdump [<recv|send>]]", 3, kZebraDebug},
      {"debug zebra evpn mh <es|nh|mac|neigh>", "no debug zebra evpn mh <es|nh|mac|neigh>", 5,
       kZebraDebug},
      {"ip nht resolve-via-default", "no ip nht resolve-via-default", 4,
       "vipd resolves next hops through the kernel's routes, the default route included"},
      {"ipv6 nht resolve-via-default", "no ipv6 nht resolve-via-default", 4,
       "vipd resolves next hops through the kernel's routes, the default route included"},
  };
  for (const auto& k : kKept) install_kept(tree, ctx, k.pattern, k.no_pattern, k.key_words, k.why);
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
                   // FRR's bgp_create(): the profile's defaults, which the lines that follow
                   // may change.
                   config.bgp->defaults = profile_defaults(config.frr.defaults);
                   config.bgp->log_neighbor_changes = config.bgp->defaults.log_neighbor_changes;
                   config.bgp->deterministic_med = config.bgp->defaults.deterministic_med;
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
  install_kept_lines(tree, ctx);
  install_vty(tree, ctx);
  install_router_bgp(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
