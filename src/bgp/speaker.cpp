#include "bgp/speaker.hpp"

#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <unordered_set>
#include "bgp/fib_routes.hpp"
#include "bgp/propagation.hpp"

#include "common/log.hpp"

namespace vipd::bgp {

std::uint32_t pick_router_id(const netlink::InterfaceView& interfaces) {
  std::uint32_t best = 0, best_loopback = 0;
  for (const auto& [ifindex, link] : interfaces.links()) {
    if (!link.admin_up()) continue;
    for (const auto& address : interfaces.addresses(ifindex)) {
      if (!address.address.is_v4()) continue;
      std::uint32_t a = address.address.v4_host_order();
      if (link.flags & IFF_LOOPBACK) {
        if ((a >> 24) != 127) best_loopback = std::max(best_loopback, a);
      } else {
        best = std::max(best, a);
      }
    }
  }
  return best_loopback ? best_loopback : best;
}

Speaker::Speaker(event::Clock& clock, peer::Transport& transport, SpeakerOptions options)
    : clock_(clock), transport_(transport), options_(options), null_fib_(&clock) {}

Speaker::~Speaker() {
  *alive_ = false;
  // The daemon's table outlives the speaker: it must not call back into it.
  if (fib_is_kernel_) fib_->set_reachability_listener(nullptr);
}

void Speaker::set_interfaces(netlink::InterfaceView* view) {
  interfaces_ = view;
  interface_changes_.reset();
  martians_stale_ = true;
  watch_local_routes();
  if (!view) return;
  interface_changes_ = view->subscribe([this](const netlink::Event& event) {
    if (std::holds_alternative<netlink::RouteEvent>(event)) return;
    // At once, not posted: an UPDATE read in the same turn is judged by the new addresses.
    martians_stale_ = true;
    // Once per burst (a link going down removes all its addresses at once).
    if (interfaces_check_posted_) return;
    interfaces_check_posted_ = true;
    clock_.post([this, alive = alive_] {
      if (!*alive) return;
      interfaces_check_posted_ = false;
      interfaces_changed();
    });
  });
}

void Speaker::interfaces_changed() {
  if (!interfaces_ || !running_.bgp || running_.bgp->router_id) return;
  const std::uint32_t picked = pick_router_id(*interfaces_);
  if (picked == router_id_) return;
  log::notice("bgp: router-id {} picked from the interfaces (was {})",
              IpAddress::v4(picked).to_string(), IpAddress::v4(router_id_).to_string());
  // apply() picks it again and resets the sessions.
  const config::BgpConfig config = running_;
  if (auto applied = apply(config); !applied)
    log::error("bgp: new router-id not applied: {}", applied.error());
}

std::uint32_t Speaker::local_as() const {
  return running_.bgp ? running_.bgp->asn : 0;
}

peer::PeerSettings Speaker::settings_for(const config::RouterBgp& bgp,
                                         const config::NeighborConfig& n) const {
  peer::PeerSettings s;
  s.address = n.address;
  s.port = n.port.value_or(179);
  s.local_as = bgp.asn;
  s.router_id = router_id_;
  switch (n.remote_as.kind) {
    case config::RemoteAs::Kind::kNumber:
      s.remote_as_kind = peer::PeerSettings::RemoteAsKind::kNumber;
      break;
    case config::RemoteAs::Kind::kInternal:
      s.remote_as_kind = peer::PeerSettings::RemoteAsKind::kInternal;
      break;
    case config::RemoteAs::Kind::kExternal:
    case config::RemoteAs::Kind::kUnspecified:  // never started (apply())
      s.remote_as_kind = peer::PeerSettings::RemoteAsKind::kExternal;
      break;
  }
  s.remote_as = n.remote_as.asn;
  s.description = n.description;
  s.password = n.password;
  if (!n.update_source.empty()) {
    if (auto a = IpAddress::parse(n.update_source))
      s.update_source = *a;
    else
      s.update_source_interface = n.update_source;
  }
  // `neighbor A interface IFNAME` binds the session to the interface (FRR's bgp_bind()).
  if (!n.interface.empty()) s.update_source_interface = n.interface;
  s.shutdown = n.shutdown;
  s.shutdown_message = n.shutdown_message;
  s.ebgp_multihop = n.ebgp_multihop.value_or(0);
  // Neighbor timers override `timers bgp`, which overrides the `frr defaults` profile's (60/180
  // traditional, 3/9 datacenter).
  const config::Timers timers = n.timers.value_or(bgp.timers.value_or(bgp.defaults.timers));
  s.timers.keepalive = std::chrono::seconds(timers.keepalive);
  s.timers.hold_time = std::chrono::seconds(timers.hold);
  s.timers.connect_retry_time =
      std::chrono::seconds(n.connect_retry.value_or(bgp.defaults.connect_retry));
  s.timers.passive = n.passive;
  s.ipv4_unicast = n.in(config::AddressFamily::kIpv4Unicast).active;
  s.ipv6_unicast = n.in(config::AddressFamily::kIpv6Unicast).active;
  return s;
}

Status<std::string> Speaker::open_listeners() {
  if (!options_.listen || !listeners_.empty()) return Ok{};
  std::string errors;
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    std::error_code ec;
    auto l = transport_.listen(
        options_.listen_port, f,
        [this](std::unique_ptr<peer::Connection> c) { on_accept(std::move(c)); }, ec);
    if (!l) {
      errors +=
          fmt::format("{}cannot listen on {} port {}: {}", errors.empty() ? "" : "; ",
                      f == Family::kIpv4 ? "IPv4" : "IPv6", options_.listen_port, ec.message());
      continue;
    }
    listeners_.emplace_back(f, std::move(l));
  }
  if (listeners_.empty()) return unexpected(errors);
  if (!errors.empty()) log::warning("bgp: {}", errors);
  listener_keys_.clear();
  return Ok{};
}

void Speaker::update_listener_keys() {
  std::map<IpAddress, std::string> wanted;
  for (const auto& [address, n] : neighbors_)
    if (!n.peer->settings().password.empty()) wanted[address] = n.peer->settings().password;
  auto set = [&](const IpAddress& address, const std::string& key) {
    for (auto& [family, l] : listeners_) {
      if ((family == Family::kIpv4) != address.is_v4()) continue;
      if (auto ec = l->set_md5_key(address, key))
        log::error("bgp: cannot set the TCP MD5 key for {}: {}", address.to_string(), ec.message());
    }
  };
  for (const auto& [address, key] : listener_keys_)
    if (!wanted.contains(address)) set(address, "");  // an empty key removes it
  for (const auto& [address, key] : wanted) {
    auto it = listener_keys_.find(address);
    if (it == listener_keys_.end() || it->second != key) set(address, key);
  }
  listener_keys_ = std::move(wanted);
}

void Speaker::on_accept(std::unique_ptr<peer::Connection> connection) {
  const IpAddress address = connection->remote().address;
  auto it = neighbors_.find(address);
  if (it == neighbors_.end()) {
    if (Neighbor* dynamic = add_dynamic(address)) {
      dynamic->peer->accept(std::move(connection));
      return;
    }
    // Debug, as FRR logs it: anyone reaching TCP port 179 could otherwise fill the log (1.8 MB
    // in 2 s). ss/conntrack or a firewall log is where such probes belong.
    log::debug("bgp: connection from {} refused: not a configured neighbor", address.to_string());
    return;
  }
  it->second.peer->accept(std::move(connection));
}

void Speaker::remove_all(std::uint8_t cease_subcode, const std::string& message) {
  for (auto& [address, n] : neighbors_) {
    n.peer->stop(cease_subcode, message);
    forget(n);
  }
  neighbors_.clear();
  dynamic_count_ = 0;
}

Speaker::Neighbor* Speaker::neighbor_of(const peer::Peer& p) {
  // The session's address is the configuration's key (settings_for()).
  auto it = neighbors_.find(p.settings().address);
  return it != neighbors_.end() && it->second.peer.get() == &p ? &it->second : nullptr;
}

const Speaker::Neighbor* Speaker::neighbor_of(const peer::Peer& p) const {
  return const_cast<Speaker*>(this)->neighbor_of(p);
}

rib::PeerId Speaker::id_of(Neighbor& n) {
  if (n.id == 0) n.id = allocate_id(&n);
  return n.id;
}

rib::PeerId Speaker::allocate_id(Neighbor* n) {
  // Id 0 is kLocalPeer, 1 kRedistributedPeer; origination sources hold theirs with a null entry.
  rib::PeerId id = kRedistributedPeer + 1;
  while (id < by_id_.size() && (by_id_[id] || source_ids_.contains(id))) ++id;
  if (id == by_id_.size())
    by_id_.push_back(n);
  else
    by_id_[id] = n;
  return id;
}

void Speaker::forget(Neighbor& n) {
  n.routing.reset();
  if (n.id == 0) return;
  loc_rib_.withdraw_peer(n.id);
  // The other neighbors' withdrawals go out while the export rules still know this one.
  publish();
  by_id_[n.id] = nullptr;
  n.id = 0;
  refresh_export_peers();
}

const peer::Peer* Speaker::peer_of(rib::PeerId id) const {
  if (id == kLocalPeer || id >= by_id_.size() || !by_id_[id]) return nullptr;
  return by_id_[id]->peer.get();
}

rib::DecisionOptions Speaker::decision_options(const config::RouterBgp& bgp) const {
  rib::DecisionOptions o;
  o.local_as = bgp.asn;
  o.always_compare_med = bgp.always_compare_med;
  o.deterministic_med = bgp.deterministic_med;
  o.multipath_relax = bgp.multipath_relax;
  o.router_id = router_id_;
  o.cluster_id = bgp.cluster_id ? bgp.cluster_id->v4_host_order() : router_id_;
  // quagga and FRR take `maximum-paths` at router level as IPv4 unicast; IPv6 unicast has its
  // own under `address-family ipv6 unicast` (FRR).
  const auto& v4 = bgp.in(config::AddressFamily::kIpv4Unicast);
  o.maximum_paths = v4.maximum_paths.value_or(1);
  o.maximum_paths_ibgp = v4.maximum_paths_ibgp.value_or(1);
  const auto& v6 = bgp.in(config::AddressFamily::kIpv6Unicast);
  o.maximum_paths_v6 = v6.maximum_paths.value_or(1);
  o.maximum_paths_ibgp_v6 = v6.maximum_paths_ibgp.value_or(1);
  return o;
}

void Speaker::publish() {
  // The Loc-RIB queues what changed; the kernel FIB and every Adj-RIB-Out take it in turn.
  if (loc_rib_.pending_changes() == 0) return;
  // The last batch's room (a nested publish() finds none and makes its own).
  std::vector<rib::Change> changes = std::move(publishing_);
  loc_rib_.drain_changes(changes);
  install(changes);
  std::vector<rib::AdjRibOut*> outs;
  for (auto& [address, n] : neighbors_) {
    if (!n.routing) continue;
    for (auto& out : n.routing->out)
      if (out) outs.push_back(out.get());
  }
  // Change-major, in slices: the attribute sets a slice touches are still in cache when the
  // next neighbor looks at them (neighbor-major order fetches every one again per neighbor,
  // from memory when the batch is large).
  constexpr std::size_t kSlice = 256;
  const std::span<const rib::Change> all(changes);
  for (std::size_t i = 0; i < all.size(); i += kSlice) {
    const auto slice = all.subspan(i, std::min(kSlice, all.size() - i));
    for (rib::AdjRibOut* out : outs) out->take(slice);
  }
  for (rib::AdjRibOut* out : outs) out->finish();
  update_default_routes(changes);
  changes.clear();  // the references to released paths' attributes go now
  publishing_ = std::move(changes);
}

std::uint8_t Speaker::distance_of(rib::PeerId id) const {
  if (id == kLocalPeer) return fib::distance::kIbgp;
  const peer::Peer* from = peer_of(id);
  return from && from->settings().is_ibgp() ? fib::distance::kIbgp : fib::distance::kEbgp;
}

void Speaker::install(std::span<const rib::Change> changes) {
  // `bgp no-rib`: the table only counts, nothing to convert.
  if (!fib_->tracking()) return;
  // In slices: the converted routes of a full table need not all exist at once.
  constexpr std::size_t kSlice = 16384;
  const DistanceOf distance = [this](rib::PeerId id) { return distance_of(id); };
  const FibFilter filter = fib_filter();
  std::vector<fib::Route> routes;
  for (std::size_t i = 0; i < changes.size(); i += kSlice) {
    routes.clear();
    append_fib_routes(changes.subspan(i, std::min(kSlice, changes.size() - i)),
                      fib_->max_next_hops(), distance, routes, filter);
    fib_->apply(routes);
  }
}

void Speaker::leave_fib() {
  if (fib_is_kernel_) {
    fib_->set_reachability_listener(nullptr);
    fib_->withdraw_all(fib::Source::kBgp);
  } else {
    fib_->remove_all();
  }
}

Status<std::string> Speaker::select_fib(bool no_rib) {
  bool kernel = !no_rib && kernel_fib_;
  if (kernel == fib_is_kernel_ && (kernel || fib_->tracking() == !no_rib)) return Ok{};
  fib::Fib* next = &null_fib_;
  if (kernel) {
    auto made = kernel_fib_();
    if (!made) return unexpected("kernel FIB: " + made.error());
    next = *made;
  }
  publish();  // the old table is current before it hands over
  leave_fib();
  fib_ = next;
  fib_is_kernel_ = kernel;
  // `bgp no-rib`: nothing to install and nothing to show in `show ip route`.
  if (!kernel) null_fib_.set_tracking(!no_rib);
  // Next hops resolve over the new backend's view (or are all reachable again) before it is
  // filled; what that changes reaches the Adj-RIB-Outs with the next publish().
  track_next_hops();
  // The new backend starts with every selected path of the Loc-RIB.
  install_all();
  log::info("bgp: best paths go to the {} FIB{}", fib_->name(),
            kernel ? "" : " (not installed in the kernel)");
  publish();
  return Ok{};
}

void Speaker::track_next_hops() {
  if (!fib_->reachability()) {
    fib_->set_reachability_listener(nullptr);
    if (loc_rib_.has_resolver()) loc_rib_.set_resolver({});
    return;
  }
  fib_->set_reachability_listener([this] { next_hops_changed(); });
  // FRR's nexthop tracking: a single-hop eBGP neighbor's next hops must be on a connected
  // network; iBGP and multihop next hops may also resolve over a kernel route (netlink/
  // reachability.hpp). The IGP cost is the resolving route's metric (0 when connected).
  loc_rib_.set_resolver(
      [this](const IpAddress& next_hop, bool connected_only) -> std::optional<std::uint32_t> {
        const netlink::Reachability* view = fib_->reachability();
        if (!view) return 0;
        auto r = view->resolve(next_hop, connected_only ? netlink::Reachability::Mode::kConnected
                                                        : netlink::Reachability::Mode::kRecursive);
        if (!r.reachable) return std::nullopt;
        return r.metric;
      });
}

void Speaker::next_hops_changed() {
  std::size_t decided = loc_rib_.revalidate();
  if (decided > 0)
    log::debug("bgp: next-hop reachability changed, {} prefixes decided again", decided);
  publish();
}

rib::PeerInfo Speaker::peer_info(const peer::Peer& p) const {
  rib::PeerInfo info;
  info.ebgp = !p.settings().is_ibgp();
  info.address = p.settings().address;
  if (p.received_open()) info.router_id = p.received_open()->bgp_identifier;
  if (p.negotiated()) info.as = p.negotiated()->peer_as;
  const config::NeighborConfig* n = configured(p.settings().address);
  // FRR's connected check: an eBGP neighbor without ebgp-multihop (TTL 1), unless
  // `disable-connected-check`.
  info.single_hop =
      info.ebgp && p.settings().ebgp_multihop <= 1 && !(n && n->disable_connected_check);
  if (n) {
    for (auto af : config::kAddressFamilies) {
      info.allowas_in[config::index(af)] = n->in(af).allowas_in.value_or(0);
      info.allowas_in_origin[config::index(af)] = n->in(af).allowas_in_origin;
    }
  }
  return info;
}

void Speaker::session_up(peer::Peer& p) {
  Neighbor* n = neighbor_of(p);
  if (!n) return;
  loc_rib_.set_peer(id_of(*n), peer_info(p));
  publish();
  refresh_export_peers();
  start_routing(*n);
}

void Speaker::session_down(peer::Peer& p) {
  Neighbor* n = neighbor_of(p);
  if (!n) return;
  n->routing.reset();
  loc_rib_.withdraw_peer(id_of(*n));
  publish();
}

void Speaker::routes_withdrawn(peer::Peer& p, wire::AfiSafi family,
                               std::span<const Prefix> prefixes) {
  Neighbor* n = neighbor_of(p);
  if (!n) return;
  rib::PeerId id = id_of(*n);
  for (const auto& prefix : prefixes) loc_rib_.withdraw(family, prefix, id);
  publish_soon();
}

void Speaker::routes_announced(peer::Peer& p, wire::AfiSafi family,
                               std::span<const Prefix> prefixes, const rib::AttrRef& attributes) {
  Neighbor* n = neighbor_of(p);
  if (!n || !n->routing) return;
  import(*n, id_of(*n), family, prefixes, attributes,
         n->routing->import_keys[family_index(family)]);
  publish_soon();
}

void Speaker::publish_soon() {
  // Every UPDATE of one socket read is taken in before the changes go out: larger batches,
  // fuller UPDATEs to the neighbors, one write per neighbor instead of one per UPDATE read.
  if (publish_posted_) return;
  publish_posted_ = true;
  clock_.post([this, alive = alive_] {
    if (!*alive) return;
    publish_posted_ = false;
    publish();
  });
}

void Speaker::set_running(const config::BgpConfig& next) {
  // Lists whose entries are unchanged keep their matcher (and the policies using them stay
  // equal); the others are compiled once, however many neighbors use them.
  std::map<ListKey, const config::PrefixList*> before;
  for (const auto& l : running_.prefix_lists) before.emplace(ListKey{l.af, l.name}, &l);
  decltype(matchers_) matchers;
  for (const auto& l : next.prefix_lists) {
    ListKey key{l.af, l.name};
    if (matchers.contains(key)) continue;  // the first of a name, as find_prefix_list()
    auto old = before.find(key);
    auto kept = matchers_.find(key);
    if (old != before.end() && kept != matchers_.end() && old->second->entries == l.entries)
      matchers.emplace(key, kept->second);
    else
      matchers.emplace(key, std::make_shared<const config::PrefixMatcher>(l));
  }
  matchers_ = std::move(matchers);
  running_ = next;
  configured_.clear();
  if (running_.bgp)
    for (const auto& n : running_.bgp->neighbors) configured_.emplace(n.address, &n);
  for (const auto& [address, n] : neighbors_)
    if (n.dynamic) configured_.emplace(address, n.dynamic.get());
}

const config::NeighborConfig* Speaker::configured(const IpAddress& address) const {
  auto it = configured_.find(address);
  return it == configured_.end() ? nullptr : it->second;
}

Status<std::string> Speaker::apply(const config::BgpConfig& next) {
  if (auto selected = select_fib(next.no_rib); !selected) return selected;
  // RFC 4271 §9.2.1.1 MRAI is accepted and kept, not applied: vipd sends changes at once, in
  // batches (docs/config-bgp.md). Said once per daemon, not per reload.
  static bool mrai_noted = false;
  if (next.bgp && !mrai_noted) {
    for (const auto& n : next.bgp->neighbors) {
      if (!n.advertisement_interval) continue;
      mrai_noted = true;
      log::notice(
          "bgp: neighbor {} advertisement-interval {}: accepted without effect, vipd sends "
          "route changes without a minimum interval",
          n.address.to_string(), *n.advertisement_interval);
      break;
    }
  }
  if (!next.bgp) {
    remove_all(wire::cease_subcode::kPeerDeconfigured);
    set_running(next);
    sync_networks();
    sync_redistribution();
    publish();
    listeners_.clear();
    listener_keys_.clear();
    return Ok{};
  }
  if (auto opened = open_listeners(); !opened) return opened;

  const config::RouterBgp& bgp = *next.bgp;
  std::uint32_t router_id = 0;
  if (bgp.router_id)
    router_id = bgp.router_id->v4_host_order();
  else if (interfaces_)
    router_id = pick_router_id(*interfaces_);
  bool identity_changed = !running_.bgp || running_.bgp->asn != bgp.asn || router_id != router_id_;
  if (identity_changed && !neighbors_.empty()) {
    // RFC 4486 §4 "Other Configuration Change": our AS or BGP Identifier is in every OPEN.
    log::notice("bgp: local AS or router-id changed, resetting every session");
    remove_all(wire::cease_subcode::kOtherConfigurationChange);
  }
  router_id_ = router_id;
  if (auto options = decision_options(bgp); options != loc_rib_.options())
    loc_rib_.set_options(options);
  // The pseudo-peers of our own routes: `network` statements and other modules' sources.
  update_source_peers();
  if (router_id_ == 0) log::warning("bgp: no router-id configured and no IPv4 address found");

  // Removed neighbors: RFC 4486 §4 "Peer De-configured".
  std::unordered_set<IpAddress> wanted;
  for (const auto& n : bgp.neighbors)
    if (n.remote_as.kind != config::RemoteAs::Kind::kUnspecified) wanted.insert(n.address);
  for (auto it = neighbors_.begin(); it != neighbors_.end();) {
    if (it->second.dynamic) {
      if (wanted.contains(it->first) || !keep_dynamic(bgp, it->first)) {
        it->second.peer->stop(wire::cease_subcode::kPeerDeconfigured);
        auto next = std::next(it);
        remove_dynamic(it, "Peer De-configured");
        it = next;
      } else {
        ++it;
      }
      continue;
    }
    if (!wanted.contains(it->first)) {
      log::info("bgp: neighbor {} removed", it->first.to_string());
      it->second.peer->stop(wire::cease_subcode::kPeerDeconfigured);
      forget(it->second);
      it = neighbors_.erase(it);
    } else {
      ++it;
    }
  }
  if (next.policy != policy_->policy || next.prefix_lists != policy_->prefix_lists) {
    auto snapshot = std::make_shared<config::BgpConfig>();
    snapshot->policy = next.policy;
    snapshot->prefix_lists = next.prefix_lists;
    policy_ = std::move(snapshot);
  }
  set_running(next);
  update_dynamic(bgp);
  std::vector<peer::Peer*> to_start;
  for (const auto& n : bgp.neighbors) {
    auto settings = settings_for(bgp, n);
    auto it = neighbors_.find(n.address);
    if (it == neighbors_.end()) {
      // A member of a group without remote-as yet has no session (FRR's peer_active()).
      if (n.remote_as.kind == config::RemoteAs::Kind::kUnspecified) continue;
      auto p = make_peer(settings);
      to_start.push_back(p.get());
      neighbors_.try_emplace(n.address).first->second.peer = std::move(p);
    } else if (it->second.peer->settings() != settings) {
      if (it->second.peer->reconfigure(settings))
        log::info("bgp: neighbor {} reset to apply its new configuration", n.address.to_string());
    }
  }
  // Keys first: a neighbor may connect as soon as it is started.
  update_listener_keys();
  for (auto* p : to_start) p->start();
  refresh_export_peers();
  sync_networks();
  sync_redistribution();
  // New decision options re-ran the decision process: its changes go out now, then policies
  // and roles that changed are re-applied.
  publish();
  update_routing();
  return Ok{};
}

void Speaker::shutdown(const std::string& message) {
  // The kernel routes go first and at once (one batch of deletes), not as a replace per
  // neighbor while the sessions close one by one; nothing is installed after this.
  leave_fib();
  fib_ = &null_fib_;
  fib_is_kernel_ = false;
  track_next_hops();
  remove_all(wire::cease_subcode::kAdministrativeShutdown, message);
  listeners_.clear();
  listener_keys_.clear();
}

}  // namespace vipd::bgp
