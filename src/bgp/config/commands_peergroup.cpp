// Peer groups (`neighbor NAME peer-group`, `neighbor A peer-group NAME`) and dynamic neighbors
// (`bgp listen range`, `bgp listen limit`), as FRR 8.4's bgpd does them (bgpd.c:
// peer_group_bind(), peer_group2peer_config_copy(), peer_group_delete(); bgp_vty.c). Options set
// on a group reach its members through on_neighbor() (commands_neighbor.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {
namespace {

// FRR's peer_sort() as far as groups look at it.
enum class Sort : std::uint8_t { kUnspecified, kInternal, kExternal };
Sort sort_of(const RouterBgp& bgp, const RemoteAs& r) {
  switch (r.kind) {
    case RemoteAs::Kind::kUnspecified:
      return Sort::kUnspecified;
    case RemoteAs::Kind::kInternal:
      return Sort::kInternal;
    case RemoteAs::Kind::kExternal:
      return Sort::kExternal;
    case RemoteAs::Kind::kNumber:
      break;
  }
  return r.asn == bgp.asn ? Sort::kInternal : Sort::kExternal;
}

// The option keys whose fields a neighbor set before it joins a group: it keeps them, as FRR
// keeps a peer's flags_override through peer_group_bind(). A field at its default was not set
// (or was reset with `no`), which is what FRR's override bit says too.
std::set<std::string> own_options(const Context& ctx, const NeighborConfig& n) {
  static const NeighborConfig kDefault;
  std::set<std::string> keys;
  for (const auto& [keyword, option] : *ctx.options) {
    if (option.inherit == NeighborOption::Inherit::kAlways) continue;
    for (auto af : kAddressFamilies) {
      if (!option.per_af && af != AddressFamily::kIpv4Unicast) continue;
      NeighborConfig probe;
      option.copy(n, probe, af);
      if (probe != kDefault)
        keys.insert(option_key(keyword, option.per_af ? std::optional(af) : std::nullopt));
    }
  }
  return keys;
}

const NeighborConfig* first_member(const RouterBgp& bgp, const std::string& group) {
  for (const auto& n : bgp.neighbors)
    if (n.peer_group == group) return &n;
  return nullptr;
}

CommandResult bind_member(const Context& ctx, RouterBgp& bgp, const IpAddress& address,
                          const std::string& name) {
  const PeerGroup* group = bgp.find_group(name);
  if (!group) return fail("Configure the peer-group first");
  const bool group_has_as = group->conf.remote_as.kind != RemoteAs::Kind::kUnspecified;
  NeighborConfig* n = find_neighbor(ctx, bgp, address);
  if (!n) {
    // FRR 8.4 creates the member even when neither has a remote-as yet: `neighbor A remote-as`
    // may follow. Such a neighbor has no session until then.
    NeighborConfig member;
    member.address = address;
    member.remote_as = group->conf.remote_as;
    member.peer_group = name;
    copy_group_options(ctx, *group, member);
    bgp.neighbors.push_back(std::move(member));
    return ok();
  }
  if (n->peer_group == name) return ok();
  if (!n->peer_group.empty()) return fail("Cannot change the peer-group. Deconfigure first");
  if (!group_has_as && n->remote_as.kind != RemoteAs::Kind::kUnspecified) {
    // The group's type is its first member's (FRR's peer_sort() of a group without AS).
    if (const NeighborConfig* first = first_member(bgp, name)) {
      const Sort group_sort = sort_of(bgp, first->remote_as);
      if (group_sort != Sort::kInternal && group_sort != sort_of(bgp, n->remote_as))
        return fail("Peer-group members must be all internal or all external");
    }
  }
  if (group_has_as) n->remote_as = group->conf.remote_as;
  n->overrides = own_options(ctx, *n);
  n->peer_group = name;
  copy_group_options(ctx, *group, *n);
  return ok();
}

void erase_members(const Context& ctx, RouterBgp& bgp, const std::string& group) {
  std::erase_if(bgp.neighbors, [&](const NeighborConfig& n) { return n.peer_group == group; });
  forget_positions(ctx);
}

void install_groups(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kRouterNode, "neighbor WORD$name peer-group", "Configure peer-group",
               [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 RouterBgp& bgp = *lookup.bgp;
                 const std::string& name = inv.get("name");
                 if (IpAddress::parse(name)) return fail("Name conflict with peer-group");
                 if (bgp.find_group(name)) return ok();
                 PeerGroup group;
                 group.name = name;
                 group.conf.remote_as.kind = RemoteAs::Kind::kUnspecified;
                 // FRR's peer_group_get(): active where `bgp default` activates neighbors.
                 group.conf.in(AddressFamily::kIpv4Unicast).active = bgp.default_ipv4_unicast;
                 // Sorted by name, as FRR's bgp->group (peer_group_cmp()).
                 auto at = std::find_if(bgp.peer_groups.begin(), bgp.peer_groups.end(),
                                        [&](const PeerGroup& g) { return g.name > name; });
                 bgp.peer_groups.insert(at, std::move(group));
                 return ok();
               });
  tree.install(kRouterNode, "no neighbor WORD$name peer-group", "Delete a peer-group",
               [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 return remove_group(*ctx, *lookup.bgp, inv.get("name"), false);
               });
  tree.install(kRouterNode, fmt::format("neighbor {} peer-group WORD$group", kPeer),
               "Member of the peer-group", [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 return bind_member(*ctx, *lookup.bgp, *IpAddress::parse(inv.get("peer")),
                                    inv.get("group"));
               });
  // FRR's no_neighbor_set_peer_group: the neighbor is deleted (peer_delete()), not only
  // unbound.
  tree.install(kRouterNode, fmt::format("no neighbor {} peer-group WORD$group", kPeer),
               "Remove a peer-group member", [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 RouterBgp& bgp = *lookup.bgp;
                 if (!bgp.find_group(inv.get("group")))
                   return fail("Configure the peer-group first");
                 auto address = *IpAddress::parse(inv.get("peer"));
                 if (!find_neighbor(*ctx, bgp, address))
                   return fail("Specify remote-as or peer-group commands first");
                 std::erase_if(bgp.neighbors,
                               [&](const NeighborConfig& n) { return n.address == address; });
                 forget_positions(*ctx);
                 return ok();
               });
}

bool overlaps(const Prefix& a, const Prefix& b) {
  return a.family() == b.family() && (a.contains(b.address()) || b.contains(a.address()));
}

void install_listen(CommandTree& tree, const ContextPtr& ctx) {
  tree.install(kRouterNode, "bgp listen range <A.B.C.D/M|X:X::X:X/M>$range peer-group WORD$name",
               "Configure BGP dynamic neighbors listen range",
               [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 RouterBgp& bgp = *lookup.bgp;
                 auto range = Prefix::parse(inv.get("range"));  // host bits cleared (apply_mask)
                 if (!range) return fail("Malformed listen range");
                 if (range->family() == Family::kIpv6 && range->address().is_link_local())
                   return fail("Malformed listen range (link-local address)");
                 const std::string& name = inv.get("name");
                 for (const auto& r : bgp.listen_ranges) {
                   if (r.range != *range) continue;
                   if (r.group == name) return ok();
                   return fail("Same listen range is attached to peer-group " + r.group);
                 }
                 for (const auto& r : bgp.listen_ranges)
                   if (overlaps(r.range, *range))
                     return fail("Listen range overlaps with existing listen range");
                 const PeerGroup* group = bgp.find_group(name);
                 if (!group) return fail("Configure the peer-group first");
                 if (group->conf.remote_as.kind == RemoteAs::Kind::kUnspecified)
                   return fail("Specify remote-as or peer-group remote AS first");
                 // In the order FRR writes them (by group, IPv4 first), so that a rendered file
                 // loads to an equal configuration.
                 auto key = [](const ListenRange& r) {
                   return std::pair{r.group, r.range.family() == Family::kIpv6};
                 };
                 ListenRange added{*range, name};
                 auto at = std::find_if(bgp.listen_ranges.begin(), bgp.listen_ranges.end(),
                                        [&](const ListenRange& r) { return key(r) > key(added); });
                 bgp.listen_ranges.insert(at, std::move(added));
                 return ok();
               });
  tree.install(kRouterNode, "no bgp listen range <A.B.C.D/M|X:X::X:X/M>$range peer-group WORD$name",
               "Unconfigure BGP dynamic neighbors listen range",
               [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 RouterBgp& bgp = *lookup.bgp;
                 auto range = Prefix::parse(inv.get("range"));
                 if (!range) return fail("Malformed listen range");
                 if (!bgp.find_group(inv.get("name"))) return fail("Peer-group does not exist");
                 // The speaker deletes the dynamic neighbors of the range when it goes.
                 auto erased = std::erase_if(bgp.listen_ranges, [&](const ListenRange& r) {
                   return r.range == *range && r.group == inv.get("name");
                 });
                 if (erased == 0)
                   return fail(
                       "Range specified cannot be deleted because it is not part of current "
                       "config.");
                 return ok();
               });
  tree.install(kRouterNode, "bgp listen limit (1-65535)$limit",
               "Maximum number of BGP Dynamic Neighbors that can be created",
               [ctx](const Invocation& inv, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 const auto limit = static_cast<std::uint16_t>(number(inv.get("limit")));
                 // FRR writes the line only when it differs from the default.
                 if (limit == kListenLimitDefault)
                   lookup.bgp->listen_limit.reset();
                 else
                   lookup.bgp->listen_limit = limit;
                 return ok();
               });
  tree.install(kRouterNode, "no bgp listen limit [(1-65535)]",
               "Use the default number of BGP Dynamic Neighbors",
               [ctx](const Invocation&, Session& s) {
                 auto lookup = current_router(*ctx, s);
                 if (!lookup.bgp) return lookup.error;
                 lookup.bgp->listen_limit.reset();
                 return ok();
               });
}

}  // namespace

CommandResult set_group_remote_as(RouterBgp& bgp, const std::string& name, const RemoteAs& remote) {
  PeerGroup* group = bgp.find_group(name);
  if (!group) return fail("Create the peer-group or interface first");
  group->conf.remote_as = remote;
  for (auto& n : bgp.neighbors)
    if (n.peer_group == name) n.remote_as = remote;
  return ok();
}

CommandResult remove_group(const Context& ctx, RouterBgp& bgp, const std::string& name,
                           bool remote_as_only) {
  PeerGroup* group = bgp.find_group(name);
  if (!group) return fail("Create the peer-group first");
  if (remote_as_only) {
    if (group->conf.remote_as.kind == RemoteAs::Kind::kUnspecified) return ok();
    // FRR 8.4: the members that had the group's remote-as go with it.
    group->conf.remote_as = RemoteAs{RemoteAs::Kind::kUnspecified, 0};
    erase_members(ctx, bgp, name);
    return ok();
  }
  for (auto family : {Family::kIpv4, Family::kIpv6}) {
    auto count = std::count_if(
        bgp.listen_ranges.begin(), bgp.listen_ranges.end(),
        [&](const ListenRange& r) { return r.group == name && r.range.family() == family; });
    if (count > 0)
      return CommandResult::failure(fmt::format(
          "%Peer-group {} is attached to {} listen-range(s), delete them first", name, count));
  }
  erase_members(ctx, bgp, name);
  std::erase_if(bgp.peer_groups, [&](const PeerGroup& g) { return g.name == name; });
  return ok();
}

void install_peergroup_commands(CommandTree& tree, const ContextPtr& ctx) {
  static const std::pair<const char*, const char*> kHelp[] = {
      {"peer-group", "Member of the peer-group"},
      {"listen", "BGP Dynamic Neighbors listen commands"},
      {"range", "Configure BGP dynamic neighbors listen range"},
      {"limit", "Maximum number of BGP Dynamic Neighbors that can be created"},
  };
  for (const auto& [keyword, help] : kHelp) tree.describe(keyword, help);
  install_groups(tree, ctx);
  install_listen(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
