// Speaker: the interface other modules of the daemon use: route origination (origination.hpp)
// and the liveness input (BFD).
#include "bgp/propagation.hpp"
#include "common/log.hpp"

namespace vipd::bgp {
namespace {

wire::AfiSafi family_of(const Prefix& prefix) {
  return prefix.family() == Family::kIpv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}

}  // namespace

bool Speaker::neighbor_down(const IpAddress& address, std::uint8_t cease_subcode,
                            const std::string& reason) {
  auto it = neighbors_.find(address);
  if (it == neighbors_.end()) return false;
  return it->second.peer->liveness_lost(cease_subcode, reason);
}

const OriginationSource* Speaker::origination_source(rib::PeerId id) const {
  auto it = source_ids_.find(id);
  return it == source_ids_.end() ? nullptr : it->second;
}

void Speaker::update_source_peers() {
  // FRR's "peer_self", for `network` routes and every source alike: weight 32768.
  rib::PeerInfo self;
  self.ebgp = false;
  self.local = true;
  self.router_id = router_id_;
  self.as = local_as();
  loc_rib_.set_peer(kLocalPeer, self);
  loc_rib_.set_peer(kRedistributedPeer, self);
  for (const auto& [name, source] : sources_) loc_rib_.set_peer(source->id(), self);
}

void Speaker::originate(const std::string& source_name, OriginatedRoute route) {
  if (route.advertisements.empty()) {
    withdraw_originated(source_name, route.prefix);
    return;
  }
  auto it = sources_.find(source_name);
  if (it == sources_.end()) {
    rib::PeerId id = allocate_id(nullptr);
    auto source = std::make_unique<OriginationSource>(source_name, id);
    source_ids_.emplace(id, source.get());
    it = sources_.emplace(source_name, std::move(source)).first;
    update_source_peers();
    refresh_export_peers();
  }
  OriginationSource& source = *it->second;
  const auto family = family_of(route.prefix);
  if (const OriginatedRoute* before = source.find(route.prefix)) {
    if (*before == route) return;
    // The Adj-RIB-Outs decide what they withdraw by the policy of now: when the neighbors a
    // route reaches change, it leaves under the old policy first.
    if (OriginationSource::reach_changed(*before, route)) {
      loc_rib_.withdraw(family, route.prefix, source.id());
      publish();
    }
  }
  auto attributes = attributes_.intern(OriginationSource::attributes(route));
  const Prefix prefix = route.prefix;
  source.set(std::move(route));
  loc_rib_.update(family, prefix, source.id(), attributes);
  publish_soon();
}

void Speaker::withdraw_originated(const std::string& source_name, const Prefix& prefix) {
  auto it = sources_.find(source_name);
  if (it == sources_.end() || !it->second->find(prefix)) return;
  // Withdrawn while the policy still knows the route, so that the neighbors that had it are
  // sent the withdrawal.
  loc_rib_.withdraw(family_of(prefix), prefix, it->second->id());
  publish();
  it->second->erase(prefix);
}

void Speaker::withdraw_source(const std::string& source_name) {
  auto it = sources_.find(source_name);
  if (it == sources_.end()) return;
  OriginationSource& source = *it->second;
  for (const auto& [prefix, route] : source.routes())
    loc_rib_.withdraw(family_of(prefix), prefix, source.id());
  publish();
  const rib::PeerId id = source.id();
  source_ids_.erase(id);
  sources_.erase(it);
  refresh_export_peers();
  log::info("bgp: routes of {} withdrawn", source_name);
}

}  // namespace vipd::bgp
