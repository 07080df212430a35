// Address families, instances and daemons vipd does not implement: each gets one error that
// names the feature (never "Unknown command"). While a file is read, the lines of the refused
// block are skipped (parser.cpp), so that the block costs one error, not one per line.
#include <fmt/format.h>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {
namespace {

// Fails with `message`; while a file is read (ctx.index is set only then) the session enters
// kUnsupportedNode, which tells the reader to skip the block's lines.
CommandResult refuse_block(const Context& ctx, Session& s, const std::string& message) {
  if (ctx.index) s.push(kUnsupportedNode);
  return CommandResult::failure("% " + message);
}

struct Refusal {
  const char* node;
  const char* pattern;
  const char* feature;
};

}  // namespace

void install_scope_commands(CommandTree& tree, const ContextPtr& ctx) {
  static constexpr Refusal kAddressFamilies[] = {
      {kRouterNode, "address-family l2vpn evpn", "EVPN (address-family l2vpn evpn)"},
      {kRouterNode, "address-family <ipv4|ipv6>$afi vpn", "BGP/MPLS VPNs (address-family {} vpn)"},
      {kRouterNode, "address-family <ipv4|ipv6>$afi flowspec",
       "Flowspec (address-family {} flowspec)"},
      {kRouterNode, "address-family <ipv4|ipv6>$afi labeled-unicast",
       "labeled unicast (address-family {} labeled-unicast)"},
      {kRouterNode, "address-family <ipv4|ipv6>$afi multicast",
       "multicast SAFI (address-family {} multicast)"},
      {kRouterNode, "address-family <ipv4|ipv6>$afi vrf WORD", "VRFs (address-family {} vrf)"},
      {kConfigNode, "router bgp (1-4294967295) <vrf|view> WORD", "BGP VRF and view instances"},
      {kConfigNode, "vrf WORD", "VRFs (vrf blocks)"},
      {kConfigNode, "rpki", "RPKI origin validation (rpki)"},
      {kConfigNode, "segment-routing", "segment routing (segment-routing)"},
      {kConfigNode, "mpls LINE...", "MPLS (mpls)"},
      {kConfigNode, "interface WORD vrf WORD", "VRFs (interface NAME vrf NAME)"},
  };
  for (const auto& r : kAddressFamilies) {
    tree.install(r.node, r.pattern, r.feature,
                 [ctx, feature = std::string(r.feature)](const Invocation& inv, Session& s) {
                   std::string what = fmt::format(fmt::runtime(feature), inv.get("afi"));
                   return refuse_block(*ctx, s,
                                       fmt::format("vipd does not implement {}: this block is "
                                                   "not loaded; run FRR for it",
                                                   what));
                 });
  }
  // Other FRR daemons' blocks of an integrated frr.conf: name the daemon vipd does not replace.
  static constexpr std::pair<const char*, const char*> kDaemons[] = {
      {"ospf", "ospfd"},   {"ospf6", "ospf6d"}, {"isis", "isisd"},     {"rip", "ripd"},
      {"ripng", "ripngd"}, {"eigrp", "eigrpd"}, {"babel", "babeld"},   {"openfabric", "fabricd"},
      {"pim", "pimd"},     {"nhrp", "nhrpd"},   {"static", "staticd"},
  };
  for (const auto& [protocol, daemon] : kDaemons) {
    tree.install(kConfigNode, fmt::format("router {} [LINE...]", protocol),
                 fmt::format("{} configuration (not vipd's)", daemon),
                 [ctx, protocol = std::string(protocol), daemon = std::string(daemon)](
                     const Invocation&, Session& s) {
                   return refuse_block(
                       *ctx, s,
                       fmt::format("'router {}' configures FRR's {}, which vipd does not replace: "
                                   "keep it in {}'s own configuration file",
                                   protocol, daemon, daemon));
                 });
  }
  // Single lines of features vipd does not implement, or of other daemons: one error naming
  // them (the lines of a real frr.conf that would otherwise say "Unknown command").
  static constexpr std::pair<const char*, const char*> kIsisd = {
      "isisd",
      "'{}' configures FRR's isisd, which vipd does not replace: keep it in isisd's own "
      "configuration file"};
  struct LineRefusal {
    const char* node;
    const char* pattern;
    const char* message;  // `{}`: the line as given
  };
  static constexpr LineRefusal kLines[] = {
      {kRouteMapNode, "match rpki <valid|invalid|notfound>",
       "vipd does not implement RPKI origin validation ('{}')"},
      {kRouteMapNode, "no match rpki [<valid|invalid|notfound>]",
       "vipd does not implement RPKI origin validation ('{}')"},
      {kRouteMapNode, "match interface WORD",
       "vipd does not implement 'match interface' (zebra's interface of a redistributed "
       "route): '{}'"},
      {kRouteMapNode, "set originator-id A.B.C.D",
       "vipd does not implement 'set originator-id' (RFC 4456 ORIGINATOR_ID is set only by "
       "reflection): '{}'"},
      {kInterfaceNode, "<ip|ipv6> router <isis|openfabric> WORD", kIsisd.second},
      {kInterfaceNode, "isis LINE...", kIsisd.second},
      {kInterfaceNode, "ip ospf LINE...",
       "'{}' configures FRR's ospfd, which vipd does not replace: keep it in ospfd's own "
       "configuration file"},
      {kInterfaceNode, "ipv6 ospf6 LINE...",
       "'{}' configures FRR's ospf6d, which vipd does not replace: keep it in ospf6d's own "
       "configuration file"},
      {kConfigNode, "<ip|ipv6> route LINE...",
       "'{}' is a static route of FRR's staticd, which vipd does not replace: keep it in "
       "staticd's configuration or the host's network configuration"},
      {kConfigNode, "bgp multiple-instance",
       "'{}' (quagga) is not supported: vipd runs one BGP instance (one `router bgp`)"},
      {kRouterNode, "bgp confederation LINE...",
       "vipd does not implement BGP confederations (RFC 5065): '{}'"},
      {kRouterNode, "bgp bestpath as-path confed",
       "vipd does not implement BGP confederations (RFC 5065): '{}'"},
      {kRouterNode, "no bgp client-to-client reflection",
       "'{}' is not supported: vipd always reflects routes between its route-reflector clients"},
  };
  for (const auto& r : kLines) {
    tree.install(
        r.node, r.pattern, "Not implemented by vipd",
        [message = std::string(r.message)](const Invocation& inv, Session&) {
          return CommandResult::failure("% " + fmt::format(fmt::runtime(message), inv.line()));
        });
  }
  // `network P backdoor` (a route preferred as if learned by an IGP), at router level and per
  // address family.
  // At router level (IPv4 unicast) only an IPv4 prefix, as FRR's grammar.
  for (const auto& [node, prefix] :
       {std::pair{kRouterNode, "A.B.C.D/M"}, std::pair{kRouterAfNode, "<A.B.C.D/M|X:X::X:X/M>"}}) {
    tree.install(node, fmt::format("network {} backdoor [LINE...]", prefix),
                 "Not implemented by vipd", [](const Invocation& inv, Session&) {
                   return CommandResult::failure(fmt::format(
                       "% vipd does not implement backdoor networks: '{}'", inv.line()));
                 });
  }
  // What vipd always does (the default of FRR and quagga): accepted, nothing to keep.
  for (const char* pattern : {"bgp client-to-client reflection", "bgp enforce-first-as"})
    tree.install(kRouterNode, pattern, "vipd's behaviour (always in effect)",
                 [](const Invocation&, Session&) { return CommandResult::success(); });

  // Only the skipping reader enters this node; `exit` leaves it like any block.
  tree.install(kUnsupportedNode, "<exit|quit|exit-address-family|exit-vrf>", "Leave the block",
               [](const Invocation&, Session& s) {
                 s.pop();
                 return CommandResult::success();
               });
}

}  // namespace vipd::bgp::config::detail
