// `debug bgp TOPIC ...` and `no debug bgp ...` (FRR's bgpd/bgp_debug.c of FRR 8.4) in the config
// node, and `show debugging [bgp]`. The topics are kept in BgpConfig::frr.debug, written back and
// applied to the log by the module (frr_lines.hpp apply_debug()).
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"
#include "bgp/config/frr_lines.hpp"

namespace vipd::bgp::config::detail {
namespace {

constexpr const char* kPeerArg = "<A.B.C.D|X:X::X:X|WORD>$peer";
constexpr const char* kPrefixArg = "<A.B.C.D/M|X:X::X:X/M>$prefix";

// FRR's filters name peers as written (an address, or an interface / peer-group name) and
// prefixes with their host bits cleared (apply_mask()).
std::string subject_of(const Invocation& inv) {
  if (inv.has("prefix")) {
    auto p = Prefix::parse(inv.get("prefix"));
    return p ? p->to_string() : inv.get("prefix");
  }
  if (inv.has("peer")) {
    auto a = IpAddress::parse(inv.get("peer"));
    return a ? a->to_string() : inv.get("peer");
  }
  return {};
}

// Turns `key` on, for `subject` only when given (added to the ones already on), or for every
// subject (the filters dropped, as FRR's bgp_debug_list_free()).
void turn_on(DebugTopics& topics, const std::string& key, const std::string& subject) {
  auto& only = topics[key];
  if (subject.empty()) {
    only.clear();
    return;
  }
  if (std::find(only.begin(), only.end(), subject) == only.end()) only.push_back(subject);
}

// Removes `subject` from `key`'s filters, and the topic once none is left (FRR turns the debug
// off with the last filter); without a subject, the whole topic.
void turn_off(DebugTopics& topics, const std::string& key, const std::string& subject) {
  auto it = topics.find(key);
  if (it == topics.end()) return;
  if (!subject.empty()) {
    auto& only = it->second;
    only.erase(std::remove(only.begin(), only.end(), subject), only.end());
    if (!only.empty()) return;
  }
  topics.erase(it);
}

void install_topic(CommandTree& tree, const ContextPtr& ctx, std::string pattern,
                   std::string no_pattern, std::string help,
                   std::function<std::string(const Invocation&)> key_of) {
  tree.install(kConfigNode, "debug bgp " + pattern, help,
               [ctx, key_of](const Invocation& inv, Session&) {
                 turn_on(ctx->target().frr.debug, key_of(inv), subject_of(inv));
                 return CommandResult::success();
               });
  tree.install(kConfigNode, "no debug bgp " + no_pattern, "Disable " + help,
               [ctx, key_of](const Invocation& inv, Session&) {
                 turn_off(ctx->target().frr.debug, key_of(inv), subject_of(inv));
                 return CommandResult::success();
               });
}

std::function<std::string(const Invocation&)> fixed(std::string key) {
  return [key = std::move(key)](const Invocation&) { return key; };
}

}  // namespace

void install_debug_commands(CommandTree& tree, const ContextPtr& ctx) {
  tree.describe("debug", "Debugging functions");
  tree.describe("debugging", "Debugging functions");
  install_topic(tree, ctx,
                "<as4|nht|update-groups|graceful-restart|allow-martians|flowspec|labelpool|bfd>$t",
                "<as4|nht|update-groups|graceful-restart|allow-martians|flowspec|labelpool|bfd>$t",
                "BGP debugging of a topic", [](const Invocation& inv) { return inv.get("t"); });
  install_topic(tree, ctx, "as4 segment", "as4 segment", "BGP AS4 aspath segment handling",
                fixed("as4 segment"));
  install_topic(tree, ctx, "vpn <leak-from-vrf|leak-to-vrf|rmap-event|label>$t",
                "vpn <leak-from-vrf|leak-to-vrf|rmap-event|label>$t", "VPN route leaking",
                [](const Invocation& inv) { return "vpn " + inv.get("t"); });
  install_topic(tree, ctx, "pbr [error$error]", "pbr [error$error]", "BGP policy based routing",
                [](const Invocation& inv) { return inv.has("error") ? "pbr error" : "pbr"; });
  install_topic(tree, ctx, "evpn mh <es|route>$t", "evpn mh <es|route>$t", "EVPN multihoming",
                [](const Invocation& inv) { return "evpn mh " + inv.get("t"); });
  for (const char* topic : {"neighbor-events", "keepalives"})
    install_topic(tree, ctx, std::string(topic) + " [" + kPeerArg + "]",
                  std::string(topic) + " [" + kPeerArg + "]", std::string("BGP ") + topic,
                  fixed(topic));
  install_topic(tree, ctx, std::string("bestpath ") + kPrefixArg,
                std::string("bestpath [") + kPrefixArg + "]", "BGP bestpath", fixed("bestpath"));
  install_topic(tree, ctx, std::string("updates <in|out>$dir [") + kPeerArg + "]",
                std::string("updates <in|out>$dir [") + kPeerArg + "]", "BGP updates",
                [](const Invocation& inv) { return "updates " + inv.get("dir"); });
  install_topic(tree, ctx, std::string("updates prefix ") + kPrefixArg,
                std::string("updates prefix ") + kPrefixArg, "BGP updates about a prefix",
                fixed("updates prefix"));
  install_topic(tree, ctx, std::string("zebra [prefix ") + kPrefixArg + "]",
                std::string("zebra [prefix ") + kPrefixArg + "]", "BGP zebra messages",
                fixed("zebra"));
  // `debug bgp updates`: both directions for every peer; its `no` form ends every updates debug.
  tree.install(kConfigNode, "debug bgp updates", "BGP updates", [ctx](const Invocation&, Session&) {
    auto& topics = ctx->target().frr.debug;
    topics.erase("updates prefix");
    topics["updates in"].clear();
    topics["updates out"].clear();
    return CommandResult::success();
  });
  tree.install(kConfigNode, "no debug bgp updates", "Disable BGP updates debugging",
               [ctx](const Invocation&, Session&) {
                 auto& topics = ctx->target().frr.debug;
                 for (const char* key : {"updates in", "updates out", "updates prefix"})
                   topics.erase(key);
                 return CommandResult::success();
               });
  tree.install(kConfigNode, "no debug bgp", "Disable all BGP debugging",
               [ctx](const Invocation&, Session&) {
                 ctx->target().frr.debug.clear();
                 return CommandResult::success();
               });
  tree.install("exec", "show debugging [bgp]", "State of each debugging option",
               [ctx](const Invocation&, Session&) {
                 return CommandResult::success(show_debugging(ctx->target().frr.debug));
               });
}

}  // namespace vipd::bgp::config::detail
