#include <algorithm>
#include <charconv>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config {
namespace detail {

RouterLookup current_router(const Context& ctx, const Session& session) {
  BgpConfig& config = ctx.target();
  if (!config.bgp) return {nullptr, CommandResult::failure("% No BGP process is configured")};
  auto entered = session.argument_of(kRouterNode);
  if (entered && *entered != std::to_string(config.bgp->asn))
    return {nullptr, CommandResult::failure("% BGP instance " + *entered +
                                            " is no longer configured; AS is " +
                                            std::to_string(config.bgp->asn))};
  return {&*config.bgp, CommandResult::success()};
}

AddressFamily session_family(const Session& session) {
  auto afi = session.argument_of(kRouterAfNode);
  return afi && *afi == "ipv6" ? AddressFamily::kIpv6Unicast : AddressFamily::kIpv4Unicast;
}

std::uint32_t number(std::string_view text) {
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

namespace {

// Keyword help as FRR words it; CommandTree shows it wherever the keyword appears.
void describe_keywords(CommandTree& tree) {
  static const std::pair<const char*, const char*> kHelp[] = {
      {"no", "Negate a command or set its defaults"},
      {"configure", "Configuration from vty interface"},
      {"terminal", "Configuration terminal"},
      {"end", "End current mode and change to enable mode"},
      {"exit", "Exit current mode and down to previous mode"},
      {"quit", "Exit current mode and down to previous mode"},
      {"hostname", "Set system's network name"},
      {"password", "Set a password"},
      {"enable", "Modify enable password parameters"},
      {"log", "Logging control"},
      {"file", "Logging to file"},
      {"stdout", "Set stdout logging level"},
      {"syslog", "Set syslog logging level"},
      {"line", "Configure a terminal line"},
      {"vty", "Virtual terminal"},
      {"exec-timeout", "Set timeout value"},
      {"access-class", "Filter connections based on an IP access list"},
      {"login", "Enable login"},
      {"frr", "FRRouting global parameters"},
      {"router", "Enable a routing process"},
      {"bgp", "BGP information"},
      {"router-id", "Override configured router identifier"},
      {"log-neighbor-changes", "Log neighbor up/down and reset reason"},
      {"default", "Configure BGP defaults"},
      {"ipv4-unicast", "Activate ipv4-unicast for a peer by default"},
      {"timers", "Adjust routing timers"},
      {"connect", "BGP connect timer"},
      {"maximum-paths", "Forward packets over multiple paths"},
      {"ibgp", "iBGP-multipath"},
      {"network", "Specify a network to announce via BGP"},
      {"address-family", "Enter Address Family command mode"},
      {"exit-address-family", "Exit from Address Family configuration mode"},
      {"ipv4", "Address Family"},
      {"ipv6", "Address Family"},
      {"unicast", "Address Family modifier"},
      {"neighbor", "Specify neighbor router"},
      {"remote-as", "Specify a BGP neighbor"},
      {"internal", "Internal BGP peer"},
      {"external", "External BGP peer"},
      {"description", "Neighbor specific description"},
      {"update-source", "Source of routing updates"},
      {"passive", "Don't send open messages to this neighbor"},
      {"shutdown", "Administratively shut down this neighbor"},
      {"message", "Add a shutdown message (RFC 9003)"},
      {"ebgp-multihop", "Allow EBGP neighbors not on directly connected networks"},
      {"port", "Neighbor's BGP port"},
      {"activate", "Enable the Address Family for this Neighbor"},
      {"next-hop-self", "Disable the next hop calculation for this neighbor"},
      {"route-reflector-client", "Configure a neighbor as Route Reflector client"},
      {"route-server-client", "Configure a neighbor as Route Server client"},
      {"prefix-list", "Filter updates to/from this neighbor"},
      {"in", "Filter incoming updates"},
      {"out", "Filter outgoing updates"},
      {"maximum-prefix", "Maximum number of prefixes accepted from this peer"},
      {"warning-only", "Only give warning message when limit is exceeded"},
      {"restart", "Restart bgp connection after limit is exceeded"},
      {"cluster-id", "Configure Route-Reflector Cluster-id"},
      {"ebgp-requires-policy", "Require in and out policy for eBGP peers (RFC8212)"},
      {"seq", "sequence number of an entry"},
      {"permit", "Specify packets to forward"},
      {"deny", "Specify packets to reject"},
      {"ge", "Minimum prefix length to be matched"},
      {"le", "Maximum prefix length to be matched"},
      {"any", "Any prefix match. Same as \"0.0.0.0/0 le 32\""},
      {"ip", "IP information"},
      {"bfd", "Enable BFD support"},
      {"profile", "BFD profile"},
      {"peer", "Configure peer"},
      {"multihop", "Configure multihop"},
      {"local-address", "Configure local address"},
      {"interface", "Configure local interface name to use"},
      {"detect-multiplier", "Configure peer detection multiplier"},
      {"receive-interval", "Configure peer receive interval"},
      {"transmit-interval", "Configure peer transmit interval"},
      {"passive-mode", "Don't attempt to start sessions"},
      {"echo-mode", "Configure echo mode"},
      {"echo", "Configure peer echo intervals"},
      {"echo-interval", "Configure peer echo rx/tx intervals"},
      {"disabled", "Disable echo packets receive"},
      {"minimum-ttl", "Expect packets with at least this TTL"},
  };
  for (const auto& [keyword, help] : kHelp) tree.describe(keyword, help);
}

}  // namespace
}  // namespace detail

PrefixList* detail::find_prefix_list(const Context& ctx, BgpConfig& c, AddressFamily af,
                                     std::string_view name) {
  if (!ctx.index) return c.find_prefix_list(af, name);
  std::string key(1, static_cast<char>(af));
  key += name;
  return ctx.index->prefix_lists.find(c.prefix_lists, key);
}

NeighborConfig* detail::find_neighbor(const Context& ctx, RouterBgp& bgp,
                                      const IpAddress& address) {
  return ctx.index ? ctx.index->neighbors.find(bgp.neighbors, address) : bgp.find(address);
}

Prefix* detail::find_network(const Context& ctx, RouterBgp& bgp, AddressFamily af,
                             const Prefix& prefix) {
  auto& networks = bgp.in(af).networks;
  if (ctx.index) return ctx.index->networks[index(af)].find(networks, prefix);
  auto it = std::find_if(networks.begin(), networks.end(), [&](const Prefix& p) {
    ++lookup_steps();
    return p == prefix;
  });
  return it == networks.end() ? nullptr : &*it;
}

void detail::forget_positions(const Context& ctx) {
  if (!ctx.index) return;
  ctx.index->prefix_lists.clear();
  ctx.index->neighbors.clear();
  for (auto& n : ctx.index->networks) n.clear();
}

void install_config_commands(control::CommandTree& tree, std::function<BgpConfig&()> target,
                             bool indexed) {
  for (const char* node :
       {kConfigNode, kRouterNode, kRouterAfNode, kLineNode, kBfdNode, kBfdProfileNode, kBfdPeerNode,
        kRouteMapNode, kInterfaceNode, kUnsupportedNode})
    if (!tree.has_node(node)) tree.add_node(node, node);
  auto ctx = std::make_shared<const detail::Context>(detail::Context{
      std::move(target), indexed ? std::make_shared<detail::ConfigIndex>() : nullptr});
  detail::describe_keywords(tree);
  detail::install_global_commands(tree, ctx);
  detail::install_router_commands(tree, ctx);
  detail::install_policy_commands(tree, ctx);
  detail::install_neighbor_commands(tree, ctx);
  detail::install_bfd_commands(tree, ctx);
  detail::install_routemap_commands(tree, ctx);
  detail::install_debug_commands(tree, ctx);
  detail::install_zebra_commands(tree, ctx);
  detail::install_scope_commands(tree, ctx);
  detail::install_peergroup_commands(tree, ctx);
  detail::install_neighbor_option_commands(tree, ctx);
}

}  // namespace vipd::bgp::config
