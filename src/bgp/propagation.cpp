// Route propagation: inbound policy into the Loc-RIB, the Adj-RIB-Out of every established
// neighbor, `network` origination, maximum-prefix, and re-applying policy after configuration
// changes (FRR's automatic soft reconfiguration).
#include <algorithm>
#include <unordered_set>

#include "bgp/propagation.hpp"
#include "bgp/route_policy.hpp"
#include "common/log.hpp"

namespace vipd::bgp {
namespace {

// What the export rules need to know about our side of a session: an address of ours in each
// family on the interface that carries it, and our subnets the neighbor is on. Without a view of
// the interfaces only the session's own address is known.
void fill_local_facts(rib::ExportTarget& t, const IpAddress& local, const IpAddress& remote,
                      const netlink::InterfaceView* interfaces) {
  (local.is_v4() ? t.local_v4 : t.local_v6) = local;
  if (!interfaces) return;
  interfaces->for_each_address([&](const netlink::InterfaceAddress& a) {
    Prefix subnet(a.address, a.prefix_length);
    if (subnet.contains(remote) && std::find(t.shared_subnets.begin(), t.shared_subnets.end(),
                                             subnet) == t.shared_subnets.end())
      t.shared_subnets.push_back(subnet);
  });
  auto link = interfaces->link_of(local);
  if (!link) return;
  for (const auto& a : interfaces->addresses(*link)) {
    if (a.address.is_link_local()) continue;
    // RFC 2545 §2: the global address of the interface is the IPv6 next hop.
    if (a.address.is_v6() && !t.local_v6) t.local_v6 = a.address;
    if (a.address.is_v4() && !t.local_v4) t.local_v4 = a.address;
  }
}

rib::ExportOptions export_options(const config::NeighborAfConfig& af) {
  rib::ExportOptions o;
  o.send_community = af.send_community;
  o.send_extended_community = af.send_extended_community;
  o.send_large_community = af.send_large_community;
  o.remove_private_as = af.remove_private_as;
  o.remove_private_as_all = af.remove_private_as_all;
  o.remove_private_as_replace = af.remove_private_as_replace;
  o.as_override = af.as_override;
  o.as_path_unchanged = af.as_path_unchanged;
  o.next_hop_unchanged = af.next_hop_unchanged;
  o.med_unchanged = af.med_unchanged;
  return o;
}

}  // namespace

std::optional<rib::ExportPeer> Speaker::make_export_peer(rib::PeerId id,
                                                         wire::AfiSafi family) const {
  rib::ExportPeer e;
  e.id = id;
  if (id == kLocalPeer || id == kRedistributedPeer || origination_source(id)) {
    e.ebgp = false;
    e.local = true;
    e.router_id = router_id_;
    e.origin = origination_source(id);  // nullptr for `network` routes
    return e;
  }
  const peer::Peer* p = peer_of(id);
  if (!p || !running_.bgp) return std::nullopt;
  const config::NeighborConfig* n = configured(p->settings().address);
  if (!n) return std::nullopt;
  const auto& af = n->in(config_family(family));
  e.ebgp = !p->settings().is_ibgp();
  e.rr_client = af.route_reflector_client;
  e.rs_client = af.route_server_client;
  e.router_id = p->negotiated() ? p->negotiated()->peer_bgp_identifier : 0;
  e.address = p->settings().address;
  e.as = p->negotiated() ? p->negotiated()->peer_as : 0;
  return e;
}

void Speaker::refresh_export_peers() {
  // Looked up once per exported prefix: a table, rebuilt when configuration or sessions change.
  auto before = std::move(export_peers_);
  export_peers_.assign(by_id_.size(), {});
  for (rib::PeerId id = 0; id < by_id_.size(); ++id)
    for (std::size_t i = 0; i < Routing::kFamilies; ++i)
      export_peers_[id][i] = make_export_peer(id, family_at(i));
  if (export_peers_ == before) return;
  // The Adj-RIBs-Out cache what the export rules made of each source's paths.
  export_verdicts_->clear();
  for (auto& [address, n] : neighbors_)
    if (n.routing)
      for (auto& out : n.routing->out)
        if (out) out->sources_changed();
}

const rib::ExportPeer* Speaker::export_peer(rib::PeerId id, wire::AfiSafi family) const {
  if (id >= export_peers_.size()) return nullptr;
  const auto& e = export_peers_[id][family_index(family)];
  return e ? &*e : nullptr;
}

Speaker::ExportKey Speaker::export_key(const Neighbor& neighbor, wire::AfiSafi family) const {
  const peer::Peer& p = *neighbor.peer;
  ExportKey k;
  k.family = family;
  k.target.peer = *make_export_peer(neighbor.id, family);
  const config::RouterBgp& bgp = *running_.bgp;
  const config::NeighborConfig* n = configured(p.settings().address);
  const auto& af = n->in(config_family(family));
  k.target.next_hop_self = af.next_hop_self;
  k.target.options = export_options(af);
  if (auto local = p.local_endpoint(); local) {
    fill_local_facts(k.target, local->first, p.settings().address, interfaces_);
  }
  k.context.local_as = bgp.asn;
  k.context.cluster_id = bgp.cluster_id ? bgp.cluster_id->v4_host_order() : router_id_;
  k.context.allow_outbound_policy = bgp.allow_outbound_policy;
  if (!af.prefix_list_out.empty()) {
    if (auto l = matchers_.find({config_family(family), af.prefix_list_out}); l != matchers_.end())
      k.prefix_list = l->second;
    else
      k.deny_all = true;  // FRR: a missing prefix list denies
  } else if (bgp.ebgp_requires_policy && k.target.peer.ebgp && af.route_map_out.empty()) {
    k.deny_all = true;  // RFC 8212 §3
  }
  if (!af.route_map_out.empty()) {
    k.route_map = af.route_map_out;
    k.policy = policy_;
  }
  return k;
}

Speaker::ImportKey Speaker::import_key(const peer::Peer& p, wire::AfiSafi family) const {
  ImportKey k;
  if (!running_.bgp) return k;
  const config::RouterBgp& bgp = *running_.bgp;
  const config::NeighborConfig* n = configured(p.settings().address);
  if (!n) return k;
  const auto& af = n->in(config_family(family));
  k.maximum_prefix = af.maximum_prefix;
  k.weight = af.weight;
  k.allowas_in = af.allowas_in;
  k.allowas_in_origin = af.allowas_in_origin;
  k.soft_reconfiguration = af.soft_reconfiguration;
  if (!af.prefix_list_in.empty()) {
    if (auto l = matchers_.find({config_family(family), af.prefix_list_in}); l != matchers_.end())
      k.prefix_list = l->second;
    else
      k.deny_all = true;
  } else if (bgp.ebgp_requires_policy && !p.settings().is_ibgp() && af.route_map_in.empty()) {
    k.deny_all = true;  // RFC 8212 §3
  }
  if (!af.route_map_in.empty()) {
    k.route_map = af.route_map_in;
    k.policy = policy_;
  }
  return k;
}

rib::AdjRibOutSetup Speaker::export_setup(const ExportKey& key) const {
  rib::AdjRibOutSetup s;
  s.target = key.target;
  s.context = key.context;
  s.families = {key.family};
  if (key.deny_all) {
    s.permit = [](wire::AfiSafi, const Prefix&) { return false; };
  } else if (key.prefix_list) {
    s.permit = [list = key.prefix_list](wire::AfiSafi, const Prefix& p) {
      return list->permits(p);
    };
  }
  if (!key.route_map.empty()) {
    // The snapshot the key was made with: what this setup sent stays computable after the
    // running policy changes (AdjRibOut::resync()).
    s.shape = [policy = key.policy, name = key.route_map, target = key.target,
               context = key.context](wire::AfiSafi family, const Prefix& prefix,
                                      const wire::PathAttributes& selected,
                                      const rib::ExportPeer& from, wire::PathAttributes& exported) {
      return apply_export_map(name, policy->policy_environment(), family, prefix, selected, from,
                              target, context, exported);
    };
    // The map's prefix clauses: its results are cached per attribute set and their answers.
    if (auto classifier = this->classifier(key.policy, key.route_map)) {
      s.shape_class = [classifier](wire::AfiSafi, const Prefix& prefix) {
        return classifier->classify(prefix);
      };
    }
  }
  return s;
}

// The key of a neighbor's update group: its export key without who the receiver is (its id,
// address, BGP Identifier; its AS unless an option rewrites the path by it), which each member
// applies for itself (rib::export_excluded()). FRR's updgrp_hash_key_make() leaves out the
// peer's address and AS likewise. A map that reads the neighbor (`match peer`) keeps it whole:
// a group of one.
Speaker::ExportKey Speaker::group_key(ExportKey key) {
  if (!key.route_map.empty() &&
      policy::reads_neighbor(key.route_map, key.policy->policy_environment()))
    return key;
  rib::ExportPeer& peer = key.target.peer;
  peer.id = rib::kGroupTarget;
  peer.router_id = 0;
  peer.address = {};
  const rib::ExportOptions& o = key.target.options;
  if (!o.as_override && !o.remove_private_as) peer.as = 0;
  return key;
}

std::shared_ptr<rib::ExportGroup> Speaker::export_group(const ExportKey& key) {
  const ExportKey shared = group_key(key);
  std::erase_if(export_groups_, [](const ExportGroupEntry& e) { return e.group.expired(); });
  for (const auto& e : export_groups_)
    if (e.key == shared) return e.group.lock();
  auto group = std::make_shared<rib::ExportGroup>(export_setup(shared), attributes_);
  group->share_verdicts(export_verdicts_);
  export_groups_.push_back({shared, group});
  return group;
}

std::shared_ptr<PrefixClassifier> Speaker::classifier(
    const std::shared_ptr<const config::BgpConfig>& policy, const std::string& map) const {
  if (policy != policy_) return PrefixClassifier::make(policy, map);
  if (classifiers_policy_ != policy_.get()) {
    classifiers_.clear();
    classifiers_policy_ = policy_.get();
  }
  auto [it, added] = classifiers_.try_emplace(map);
  if (added) it->second = PrefixClassifier::make(policy, map);
  return it->second;
}

void Speaker::start_routing(Neighbor& n) {
  peer::Peer& p = *n.peer;
  auto r = std::make_unique<Routing>();
  const auto* negotiated = p.negotiated() ? &p.negotiated()->afi_safis : nullptr;
  for (std::size_t i = 0; i < Routing::kFamilies; ++i) {
    auto family = family_at(i);
    r->import_keys[i] = import_key(p, family);
    // Before the first UPDATE: the session has just come up.
    p.keep_adj_rib_in(family, r->import_keys[i].soft_reconfiguration);
    if (!negotiated ||
        std::find(negotiated->begin(), negotiated->end(), family) == negotiated->end())
      continue;
    r->export_keys[i] = export_key(n, family);
    auto group = export_group(*r->export_keys[i]);
    r->out[i] = std::make_unique<rib::AdjRibOut>(
        export_setup(*r->export_keys[i]), p.send_options(), attributes_,
        [this](rib::PeerId id, wire::AfiSafi f) { return export_peer(id, f); },
        [&p](Bytes b) { p.send_update(std::move(b)); },
        [&p, routing = r.get()](wire::AfiSafi, const Prefix& prefix, std::size_t octets,
                                std::size_t limit) {
          // RFC 8654: without the extended message capability an UPDATE is at most 4096
          // octets; the prefix was withdrawn instead (UpdatePacker::announce()).
          if (!routing->oversize_logged.insert(prefix).second) return;
          log::warning(
              "bgp: prefix {}: UPDATE too long for neighbor {} ({} octets > {}), withdrawn",
              prefix.to_string(), p.settings().address.to_string(), octets, limit);
        },
        std::move(group));
  }
  n.routing = std::move(r);
  for (std::size_t i = 0; i < Routing::kFamilies; ++i) configure_default_route(n, i);
  // UPDATEs are generated while the connection takes them, and the rest when it has drained
  // (output_ready()): a neighbor that stops reading holds no more than the output limits
  // (peer::OutputLimits, issue 15 D1).
  for (auto& out : n.routing->out)
    if (out)
      out->set_flow([&p] { return p.accepts_updates(); },
                    [&p](wire::AfiSafi family) { p.send_end_of_rib(family); });
  // RFC 4271 §9.1.3: the whole Adj-RIB-Out goes out when the session comes up, then End-of-RIB
  // (RFC 4724 §2).
  for (auto& out : n.routing->out)
    if (out) out->announce_all(loc_rib_, out->setup().families.front());
}

void Speaker::refresh_requested(peer::Peer& p, wire::AfiSafi family) {
  Neighbor* n = neighbor_of(p);
  Routing* r = n ? n->routing.get() : nullptr;
  const bool unicast = family == wire::kIpv4Unicast || family == wire::kIpv6Unicast;
  rib::AdjRibOut* out = r && unicast ? r->out[family_index(family)].get() : nullptr;
  if (!out) {
    p.send_end_of_rib(family);  // nothing to advertise in that family
    return;
  }
  publish();
  // Coalesced with a walk still under way (AdjRibOut::announce_all()), which sends End-of-RIB.
  out->announce_all(loc_rib_, family);
}

void Speaker::output_ready(peer::Peer& p) {
  Neighbor* n = neighbor_of(p);
  if (!n || !n->routing) return;
  for (auto& out : n->routing->out)
    if (out) out->pump(loc_rib_);
}

void Speaker::import(Neighbor& n, rib::PeerId id, wire::AfiSafi family,
                     std::span<const Prefix> prefixes, const rib::AttrRef& attrs,
                     const ImportKey& policy) {
  // RFC 4271 §9.1.2 and RFC 4456 §8: a route carrying our own AS in its AS_PATH, our router-id
  // as ORIGINATOR_ID or our cluster id in CLUSTER_LIST is dropped on receipt, as FRR does
  // ("DENIED due to: as-path contains our own AS"): not stored, not counted in pfxRcd or
  // towards maximum-prefix. (FRR neighbors send our own routes back to us.)
  const rib::PeerInfo* info = loc_rib_.peer(id);
  bool looped = info ? rib::loops_back(*attrs, loc_rib_.options(), *info, family)
                     : rib::loops_back(*attrs, loc_rib_.options());
  // RFC 4271 §6.3: a martian or own next hop (martian.hpp); the route is ignored, which
  // replaces what the neighbor announced before for the prefix, as FRR does.
  bool martian = false;
  if (!looped) {
    if (martians_stale_) {
      martians_.reset(interfaces_);
      martians_stale_ = false;
    }
    std::optional<IpAddress> session_local;
    if (auto local = n.peer->local_endpoint()) session_local = local->first;
    if (auto why = martians_.check(*attrs, family, session_local)) {
      martian = true;
      n.martian_next_hops += prefixes.size();
      if (!n.martian_logged) {
        n.martian_logged = true;
        log::info(
            "bgp: neighbor {}: {} route(s) ignored: {} (RFC 4271 §6.3; logged once per neighbor, "
            "counted as martianNextHopRoutesIgnored in `show ip bgp neighbors json`)",
            n.peer->settings().address.to_string(), prefixes.size(), *why);
      }
    }
  }
  const bool ignored = looped || martian;
  // `neighbor A weight N` comes before the route map (FRR's bgp_update()).
  rib::AttrRef weighted = attrs;
  if (!ignored && policy.weight) {
    wire::PathAttributes copy = *attrs;
    copy.weight = *policy.weight ? std::optional<std::uint32_t>(*policy.weight) : std::nullopt;
    weighted = attributes_.intern(std::move(copy));
  }
  if (!ignored && policy.plain()) {
    for (const auto& prefix : prefixes) loc_rib_.update(family, prefix, id, attrs);
  } else if (!ignored && !policy.deny_all && !policy.prefix_list && policy.route_map.empty()) {
    for (const auto& prefix : prefixes) loc_rib_.update(family, prefix, id, weighted);
  } else {
    // A denied prefix replaces what the neighbor announced before for it (RFC 4271 §3.1).
    std::optional<policy::Environment> env;
    std::optional<IpAddress> local;
    // The map's result per class of prefix (policy::PrefixClasses): the prefixes of one UPDATE
    // share their attributes, so the map runs once per class rather than once per prefix.
    std::shared_ptr<PrefixClassifier> classes;
    constexpr std::size_t kImportClasses = 16;                     // searched linearly
    std::vector<std::pair<std::uint64_t, rib::AttrRef>> by_class;  // empty AttrRef: denied
    for (const auto& prefix : prefixes) {
      if (ignored || !policy.permits(prefix)) {
        loc_rib_.withdraw(family, prefix, id);
        continue;
      }
      if (policy.route_map.empty()) {
        loc_rib_.update(family, prefix, id, weighted);
        continue;
      }
      // `neighbor A route-map NAME in`, after the prefix list as in FRR (bgp_input_filter()
      // then bgp_input_modifier()).
      if (!env) {
        env = policy.policy->policy_environment();
        if (auto endpoint = n.peer->local_endpoint()) local = endpoint->first;
        classes = classifier(policy.policy, policy.route_map);
      }
      const std::uint64_t prefix_class = classes ? classes->classify(prefix) : 0;
      auto known = std::find_if(by_class.begin(), by_class.end(),
                                [&](const auto& c) { return c.first == prefix_class; });
      rib::AttrRef result;
      if (classes && known != by_class.end()) {
        result = known->second;
      } else {
        auto outcome =
            apply_import_map(policy.route_map, *env, prefix, *weighted, n.peer->settings().address,
                             local, rib::ExportContext{}.default_local_pref);
        // Unchanged by the map: the attribute set as received, already interned.
        if (outcome.changed)
          result = attributes_.intern(std::move(*outcome.changed));
        else if (outcome.permit)
          result = weighted;
        if (classes && by_class.size() < kImportClasses)
          by_class.emplace_back(prefix_class, result);
      }
      if (result)
        loc_rib_.update(family, prefix, id, std::move(result));
      else
        loc_rib_.withdraw(family, prefix, id);
    }
  }
  check_prefix_limit(n, family);
}

void Speaker::reimport(Neighbor& n, wire::AfiSafi family, const ImportKey& policy) {
  peer::Peer& p = *n.peer;
  if (!policy.soft_reconfiguration) {
    // FRR's bgp_route_map_process_peer(): without the Adj-RIB-In, the neighbor is asked for its
    // routes again (RFC 2918); each comes back through the new policy, replacing or withdrawing
    // what the old one made of it. A neighbor without the capability keeps the old result until
    // its session is reset, as in FRR.
    if (p.established() && !p.request_refresh(family))
      log::warning(
          "bgp: neighbor {}: inbound policy changed, but it does not support route refresh and "
          "soft-reconfiguration inbound is off: the change applies from its next session "
          "(clear bgp {})",
          p.settings().address.to_string(), p.settings().address.to_string());
    return;
  }
  // The Adj-RIB-In holds what the neighbor sent before policy: no ROUTE-REFRESH needed.
  rib::PeerId id = id_of(n);
  std::vector<Prefix> one(1);
  p.adj_rib_in().for_each(family, [&](const Prefix& prefix, const rib::AttributesHandle& a) {
    one[0] = prefix;
    import(n, id, family, one, a, policy);
  });
}

void Speaker::check_prefix_limit(Neighbor& n, wire::AfiSafi family) {
  if (!n.routing) return;
  Routing& r = *n.routing;
  const peer::Peer& p = *n.peer;
  std::size_t i = family_index(family);
  const auto& limit = r.import_keys[i].maximum_prefix;
  if (!limit) return;
  std::size_t count = loc_rib_.paths_of(id_of(n), family);
  std::size_t threshold = std::size_t{limit->limit} * limit->threshold.value_or(75) / 100;
  if (count > limit->limit) {
    log::warning("%MAXPFXEXCEED: No. of {} prefix received from {} reaches {}, max {}",
                 family_text(family), p.settings().address.to_string(), count, limit->limit);
    if (limit->warning_only) return;
    std::optional<event::Duration> restart;
    if (limit->restart_minutes) restart = std::chrono::minutes(*limit->restart_minutes);
    // The session goes down (its routes leave through session_down()), but not from inside the
    // peer's UPDATE processing that called us: later, on the loop, if it is still configured.
    clock_.post([this, address = p.settings().address, family, limit = limit->limit, restart] {
      auto found = neighbors_.find(address);
      if (found != neighbors_.end() && found->second.peer->established())
        found->second.peer->stop_for_prefix_limit(family, limit, restart);
    });
  } else if (count >= threshold && !r.threshold_logged[i]) {
    r.threshold_logged[i] = true;
    log::warning("%MAXPFX: No. of {} prefix received from {} reaches {}, max {}",
                 family_text(family), p.settings().address.to_string(), count, limit->limit);
  } else if (count < threshold) {
    r.threshold_logged[i] = false;
  }
}

void Speaker::update_routing() {
  for (auto& [address, n] : neighbors_) {
    if (!n.routing) continue;
    Routing* r = n.routing.get();
    const peer::Peer& p = *n.peer;
    // allowas-in, disable-connected-check: the Loc-RIB re-validates the neighbor's paths.
    loc_rib_.set_peer(id_of(n), peer_info(p));
    for (std::size_t i = 0; i < Routing::kFamilies; ++i) {
      auto family = family_at(i);
      ImportKey in = import_key(p, family);
      if (!(in == r->import_keys[i])) {
        bool filters_changed = !in.same_filters(r->import_keys[i]);
        bool soft_changed = in.soft_reconfiguration != r->import_keys[i].soft_reconfiguration;
        r->import_keys[i] = in;
        bool refreshed = false;
        if (soft_changed) {
          // FRR (peer_change_reset_in()): turning it on fills the Adj-RIB-In through a route
          // refresh, which also re-applies any new policy; turning it off forgets it.
          n.peer->keep_adj_rib_in(family, in.soft_reconfiguration);
          if (in.soft_reconfiguration && n.peer->established())
            refreshed = n.peer->request_refresh(family);
        }
        if (filters_changed) {
          log::info("bgp: neighbor {}: inbound policy changed, re-applying it",
                    p.settings().address.to_string());
          if (!refreshed) reimport(n, family, in);
          publish();
        } else {
          check_prefix_limit(n, family);
        }
      }
      if (!r->out[i]) continue;
      ExportKey out = export_key(n, family);
      if (!r->export_keys[i] || !(out == *r->export_keys[i])) {
        log::info("bgp: neighbor {}: outbound policy changed, re-advertising",
                  p.settings().address.to_string());
        publish();
        r->export_keys[i] = out;
        r->out[i]->resync(loc_rib_, export_setup(out), export_group(out));
      }
      configure_default_route(n, i);
    }
  }
}

void Speaker::configure_default_route(Neighbor& n, std::size_t i) {
  Routing& r = *n.routing;
  rib::AdjRibOut* out = r.out[i].get();
  if (!out) return;
  const auto family = family_at(i);
  const config::NeighborConfig* c = configured(n.peer->settings().address);
  Routing::DefaultRoute want;
  if (c && running_.bgp) {
    const auto& af = c->in(config_family(family));
    want.on = af.default_originate;
    want.map = af.default_originate_map;
    if (want.on && !want.map.empty()) want.policy = policy_;
  }
  Routing::DefaultRoute& d = r.defaults[i];
  if (d.same(want)) return;
  const std::uint32_t local_pref = rib::ExportContext{}.default_local_pref;
  d = std::move(want);
  rib::AttrRef route;
  if (d.on && d.map.empty()) {
    route = attributes_.intern(default_route_attributes(local_pref));
  } else if (d.on) {
    d.conditional = std::make_unique<ConditionalDefault>(
        family, d.map, d.policy, local_pref, [this](rib::PeerId id) -> std::optional<IpAddress> {
          if (is_local(id)) return std::nullopt;
          const peer::Peer* from = peer_of(id);
          return from ? from->settings().address : IpAddress{};
        });
    d.conditional->rebuild(loc_rib_);
    if (auto a = d.conditional->attributes()) route = attributes_.intern(std::move(*a));
  }
  out->set_default_route(loc_rib_, family, std::move(route));
}

void Speaker::update_default_routes(std::span<const rib::Change> changes) {
  for (auto& [address, n] : neighbors_) {
    if (!n.routing) continue;
    for (std::size_t i = 0; i < Routing::kFamilies; ++i) {
      ConditionalDefault* conditional = n.routing->defaults[i].conditional.get();
      rib::AdjRibOut* out = n.routing->out[i].get();
      if (!conditional || !out) continue;
      const std::size_t before = conditional->matches();
      for (const auto& change : changes) conditional->update(change);
      if (before == 0 && conditional->matches() == 0) continue;
      rib::AttrRef route;
      if (auto a = conditional->attributes()) route = attributes_.intern(std::move(*a));
      out->set_default_route(loc_rib_, family_at(i), std::move(route));
    }
  }
}

void Speaker::sync_networks() {
  std::vector<std::pair<config::AddressFamily, Prefix>> wanted;
  if (running_.bgp)
    for (auto af : config::kAddressFamilies)
      for (const auto& prefix : running_.bgp->in(af).networks) wanted.emplace_back(af, prefix);
  auto family = [](config::AddressFamily af) {
    return af == config::AddressFamily::kIpv4Unicast ? wire::kIpv4Unicast : wire::kIpv6Unicast;
  };
  // A set, not a scan of `wanted` per network: N networks cost O(N) (issue 15).
  // Those whose route map denies them or that fail the import check are not originated.
  const auto present = import_check_view();
  std::array<std::unordered_set<Prefix>, config::kAddressFamilyCount> keep;
  std::vector<std::pair<config::AddressFamily, Prefix>> originated;
  for (const auto& [af, prefix] : wanted) {
    auto path = network_path(af, prefix, present ? &*present : nullptr);
    if (!path) continue;
    keep[config::index(af)].insert(prefix);
    originated.emplace_back(af, prefix);
    loc_rib_.update(family(af), prefix, kLocalPeer, attributes_.intern(*path));
  }
  for (const auto& [af, prefix] : originated_)
    if (!keep[config::index(af)].contains(prefix))
      loc_rib_.withdraw(family(af), prefix, kLocalPeer);
  originated_ = std::move(originated);
}

std::size_t Speaker::accepted(const peer::Peer& p, wire::AfiSafi family) const {
  const Neighbor* n = neighbor_of(p);
  return n && n->id != 0 ? loc_rib_.paths_of(n->id, family) : 0;
}

std::size_t Speaker::advertised(const peer::Peer& p, wire::AfiSafi family) const {
  const Neighbor* n = neighbor_of(p);
  if (!n || !n->routing) return 0;
  const auto& out = n->routing->out[family_index(family)];
  return out ? out->advertised() : 0;
}

}  // namespace vipd::bgp
