// Dynamic neighbors (`bgp listen range PREFIX peer-group NAME`, `bgp listen limit`), as FRR's
// bgpd makes them (bgpd.c: peer_lookup_dynamic_neighbor(), peer_create_bind_dynamic_neighbor();
// bgp_fsm.c: bgp_stop() deletes them): a connection from an unconfigured address inside a range
// creates a neighbor with the group's options; it is deleted when its connection closes. The
// session itself runs as any other (peer/peer.hpp); only its creation and end are here.
#include "bgp/propagation.hpp"
#include "bgp/speaker.hpp"
#include "common/log.hpp"

namespace vipd::bgp {

std::size_t Speaker::dynamic_limit() const {
  if (!running_.bgp) return config::kListenLimitDefault;
  return running_.bgp->listen_limit.value_or(config::kListenLimitDefault);
}

std::unique_ptr<peer::Peer> Speaker::make_peer(const peer::PeerSettings& settings) {
  auto p = std::make_unique<peer::Peer>(clock_, transport_, settings, options_.jitter);
  p->set_observer(this);
  p->set_attribute_store(&attributes_);
  p->set_output_limits(options_.output_limits);
  return p;
}

peer::PeerSettings Speaker::dynamic_settings(const config::RouterBgp& bgp,
                                             const config::NeighborConfig& n) const {
  auto s = settings_for(bgp, n);
  // It exists for the connection it came with: it never connects out (FRR creates it with
  // CONNECTION_INCOMING and deletes it when that connection ends).
  s.timers.passive = true;
  return s;
}

Speaker::Neighbor* Speaker::add_dynamic(const IpAddress& address) {
  if (!running_.bgp) return nullptr;
  const config::RouterBgp& bgp = *running_.bgp;
  const config::ListenRange* range = bgp.listen_range_of(address);
  if (!range) return nullptr;
  const config::PeerGroup* group = bgp.find_group(range->group);
  if (!group) return nullptr;
  const std::string who = address.to_string();
  if (dynamic_count_ >= dynamic_limit()) {
    // Notice (FRR: debug): the operator must learn that the limit refuses a neighbor; one line
    // per attempt, and only from addresses of the ranges.
    log::notice("bgp: dynamic neighbor {} rejected - at limit {}", who, dynamic_limit());
    return nullptr;
  }
  if (group->conf.shutdown) {
    log::debug("bgp: dynamic neighbor {} rejected - group {} disabled", who, group->name);
    return nullptr;
  }
  bool any_family = false;
  for (auto af : config::kAddressFamilies) any_family = any_family || group->conf.in(af).active;
  if (!any_family) {
    log::debug("bgp: dynamic neighbor {} rejected - no AF activated for group {}", who,
               group->name);
    return nullptr;
  }
  auto conf = std::make_unique<config::NeighborConfig>(bgp.dynamic_neighbor(*group, address));
  auto p = make_peer(dynamic_settings(bgp, *conf));
  Neighbor& n = neighbors_.try_emplace(address).first->second;
  n.peer = std::move(p);
  n.dynamic = std::move(conf);
  configured_[address] = n.dynamic.get();
  ++dynamic_count_;
  log::info("bgp: dynamic neighbor {} added, group {} count {}", who, group->name, dynamic_count_);
  if (dynamic_count_ == dynamic_limit())
    log::warning(
        "bgp: dynamic neighbor {} added as last connection. Peer-group {} reached maximum "
        "listen limit {}",
        who, group->name, dynamic_limit());
  n.peer->start();
  refresh_export_peers();
  return &n;
}

void Speaker::remove_dynamic(std::map<IpAddress, Neighbor>::iterator it,
                             const std::string& reason) {
  log::info("bgp: {} (dynamic neighbor) deleted ({})", it->first.to_string(), reason);
  forget(it->second);
  configured_.erase(it->first);
  neighbors_.erase(it);
  --dynamic_count_;
  refresh_export_peers();
}

void Speaker::connection_closed(peer::Peer& p) {
  Neighbor* n = neighbor_of(p);
  if (!n || !n->dynamic) return;
  // Not from inside the peer's own call stack, which still uses it.
  clock_.post([this, alive = alive_, address = p.settings().address, raw = &p] {
    if (!*alive) return;
    auto it = neighbors_.find(address);
    if (it == neighbors_.end() || !it->second.dynamic || it->second.peer.get() != raw) return;
    if (it->second.peer->remote_endpoint()) return;  // a connection came again meanwhile
    std::string reason = it->second.peer->last_reset_text();
    it->second.peer->stop(wire::cease_subcode::kPeerDeconfigured);
    remove_dynamic(it, reason.empty() ? "connection closed" : reason);
  });
}

bool Speaker::keep_dynamic(const config::RouterBgp& bgp, const IpAddress& address) const {
  const config::ListenRange* range = bgp.listen_range_of(address);
  const config::PeerGroup* group = range ? bgp.find_group(range->group) : nullptr;
  auto it = neighbors_.find(address);
  return group && it != neighbors_.end() && it->second.dynamic &&
         it->second.dynamic->peer_group == group->name;
}

void Speaker::update_dynamic(const config::RouterBgp& bgp) {
  for (auto& [address, n] : neighbors_) {
    if (!n.dynamic) continue;
    const config::PeerGroup* group = bgp.find_group(n.dynamic->peer_group);
    if (!group) continue;  // removed by apply() already
    *n.dynamic = bgp.dynamic_neighbor(*group, address);
    auto settings = dynamic_settings(bgp, *n.dynamic);
    // A change that needs a new session closes this one, which deletes the neighbor: it comes
    // back with its next connection (FRR resets dynamic peers the same way).
    if (n.peer->settings() != settings && n.peer->reconfigure(settings))
      log::info("bgp: dynamic neighbor {} reset to apply its group's new configuration",
                address.to_string());
  }
}

}  // namespace vipd::bgp
