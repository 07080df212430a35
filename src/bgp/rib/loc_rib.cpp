#include "bgp/rib/loc_rib.hpp"

#include <algorithm>

namespace vipd::bgp::rib {

LocRib::LocRib(DecisionOptions options, NextHopResolver resolver)
    : options_(options), options_v6_(for_v6(options)), resolver_(std::move(resolver)) {}

DecisionOptions LocRib::for_v6(DecisionOptions options) {
  options.maximum_paths = options.maximum_paths_v6;
  options.maximum_paths_ibgp = options.maximum_paths_ibgp_v6;
  return options;
}

void LocRib::set_peer(PeerId peer, const PeerInfo& info) {
  if (peers_.size() <= peer) peers_.resize(std::size_t{peer} + 1);
  bool known = peers_[peer].has_value();
  if (known && *peers_[peer] == info) return;
  peers_[peer] = info;
  // The peer's facts take part in the decision (RFC 4271 §9.1.2.2 (d), (f), (g)).
  if (known) rerun(false, peer);
}

const PeerInfo* LocRib::peer(PeerId peer) const {
  if (peer >= peers_.size() || !peers_[peer]) return nullptr;
  return &*peers_[peer];
}

PathList* LocRib::lookup(wire::AfiSafi family, const Prefix& prefix) {
  if (family == wire::kIpv4Unicast && prefix.family() == Family::kIpv4)
    return v4_.find(V4Key::of(prefix));
  if (family == wire::kIpv6Unicast && prefix.family() == Family::kIpv6)
    return v6_.find(V6Key::of(prefix));
  return nullptr;
}

PathList* LocRib::insert(wire::AfiSafi family, const Prefix& prefix) {
  if (family == wire::kIpv4Unicast && prefix.family() == Family::kIpv4)
    return &v4_[V4Key::of(prefix)];
  if (family == wire::kIpv6Unicast && prefix.family() == Family::kIpv6)
    return &v6_[V6Key::of(prefix)];
  return nullptr;
}

void LocRib::erase(wire::AfiSafi family, const Prefix& prefix) {
  if (family == wire::kIpv4Unicast)
    v4_.erase(V4Key::of(prefix));
  else
    v6_.erase(V6Key::of(prefix));
}

const PathList* LocRib::find(wire::AfiSafi family, const Prefix& prefix) const {
  return const_cast<LocRib*>(this)->lookup(family, prefix);
}

std::vector<SelectedPath> LocRib::selected(wire::AfiSafi family, const Prefix& prefix) const {
  std::vector<SelectedPath> out;
  if (const PathList* list = find(family, prefix)) collect(*list, out);
  return out;
}

std::size_t LocRib::prefix_count(wire::AfiSafi family) const {
  if (family == wire::kIpv4Unicast) return v4_.size();
  if (family == wire::kIpv6Unicast) return v6_.size();
  return 0;
}

std::size_t LocRib::path_count(wire::AfiSafi family) const {
  if (family == wire::kIpv4Unicast) return v4_paths_;
  if (family == wire::kIpv6Unicast) return v6_paths_;
  return 0;
}

std::size_t& LocRib::peer_paths(PeerId peer, wire::AfiSafi family) {
  if (peer_paths_.size() <= peer) peer_paths_.resize(std::size_t{peer} + 1);
  return peer_paths_[peer][family == wire::kIpv4Unicast ? 0 : 1];
}

std::size_t LocRib::paths_of(PeerId peer, wire::AfiSafi family) const {
  if (peer >= peer_paths_.size()) return 0;
  return peer_paths_[peer][family == wire::kIpv4Unicast ? 0 : 1];
}

std::size_t LocRib::memory_bytes() const {
  std::size_t bytes = v4_.memory_bytes() + v6_.memory_bytes();
  auto add = [&](const auto&, const PathList& l) { bytes += l.heap_bytes(); };
  v4_.for_each(add);
  v6_.for_each(add);
  return bytes;
}

void LocRib::collect(const PathList& list, std::vector<SelectedPath>& out) {
  out.clear();
  for (const auto& p : list.paths())
    if (p.best()) out.push_back({p.peer, p.attrs});
  for (const auto& p : list.paths())
    if (p.multipath() && !p.best()) out.push_back({p.peer, p.attrs});
}

void LocRib::validate(wire::AfiSafi family, Path& path) const {
  path.flags &= static_cast<std::uint8_t>(~path_flag::kValid);
  path.igp_cost = 0;
  // RFC 4271 §9.1.2: a route whose AS_PATH holds our AS is excluded from Phase 2.
  // RFC 4271 §9.1.2 / RFC 4456 §8: a route that comes back to us is excluded from Phase 2.
  if (loops_back(*path.attrs, options_)) return;
  // RFC 4271 §9.1.2.1: a route whose NEXT_HOP does not resolve is excluded too.
  auto next_hop = next_hop_of(*path.attrs, family);
  if (!next_hop) return;
  if (resolver_) {
    auto cost = resolver_(*next_hop);
    if (!cost) return;
    path.igp_cost = *cost;
  }
  path.flags |= path_flag::kValid;
}

void LocRib::decide(wire::AfiSafi family, const Prefix& prefix, PathList& list) {
  scratch_.clear();
  scratch_index_.clear();
  auto paths = list.paths();
  // FRR's path list is newest first; ours keeps arrival order, so walk it backwards.
  for (std::size_t k = paths.size(); k-- > 0;) {
    Path& p = paths[k];
    p.flags &= path_flag::kValid;
    if (!p.valid()) continue;
    scratch_.push_back({&*p.attrs, &*peers_[p.peer], p.peer, p.igp_cost,
                        next_hop_of(*p.attrs, family).value_or(IpAddress{})});
    scratch_index_.push_back(k);
  }
  Selection s = select(scratch_, family == wire::kIpv6Unicast ? options_v6_ : options_);
  if (s.best) {
    for (std::size_t i : s.multipath) paths[scratch_index_[i]].flags |= path_flag::kMultipath;
    paths[scratch_index_[*s.best]].flags |= path_flag::kBest;
  }
  list.set_reason(s.reason);
  collect(list, after_);
  if (after_ != before_) {
    std::optional<SelectedPath> previous;
    if (!before_.empty()) previous = before_.front();
    changes_.push_back(Change{family, prefix, after_.empty(), after_, std::move(previous)});
  }
  // The snapshots hold references: drop them so released routes free their attributes.
  before_.clear();
  after_.clear();
}

bool LocRib::update(wire::AfiSafi family, const Prefix& prefix, PeerId peer_id, AttrRef attrs) {
  if (!peer(peer_id) || !attrs) return false;
  PathList* list = insert(family, prefix);
  if (!list) return false;
  Path* path = list->find(peer_id);
  // The same route again (interned: a pointer comparison): nothing to decide.
  if (path && path->attrs == attrs) return true;
  collect(*list, before_);
  if (path) {
    path->attrs = std::move(attrs);
  } else {
    path = &list->add(Path{std::move(attrs), peer_id});
    ++(family == wire::kIpv4Unicast ? v4_paths_ : v6_paths_);
    ++peer_paths(peer_id, family);
  }
  validate(family, *path);
  decide(family, prefix, *list);
  return true;
}

bool LocRib::withdraw(wire::AfiSafi family, const Prefix& prefix, PeerId peer_id) {
  PathList* list = lookup(family, prefix);
  if (!list) return false;
  Path* path = list->find(peer_id);
  if (!path) return false;
  collect(*list, before_);
  list->remove(static_cast<std::size_t>(path - list->paths().data()));
  --(family == wire::kIpv4Unicast ? v4_paths_ : v6_paths_);
  --peer_paths(peer_id, family);
  decide(family, prefix, *list);
  if (list->empty()) erase(family, prefix);
  return true;
}

template <typename Table>
std::size_t LocRib::withdraw_peer_in(Table& table, wire::AfiSafi family, PeerId peer_id) {
  std::size_t removed = 0;
  std::vector<Prefix> emptied;
  table.for_each([&](const auto& key, PathList& list) {
    Path* path = list.find(peer_id);
    if (!path) return;
    Prefix prefix = key.prefix();
    collect(list, before_);
    list.remove(static_cast<std::size_t>(path - list.paths().data()));
    ++removed;
    decide(family, prefix, list);
    if (list.empty()) emptied.push_back(prefix);
  });
  for (const auto& prefix : emptied) erase(family, prefix);
  return removed;
}

std::size_t LocRib::withdraw_peer(PeerId peer_id) {
  std::size_t v4 = withdraw_peer_in(v4_, wire::kIpv4Unicast, peer_id);
  std::size_t v6 = withdraw_peer_in(v6_, wire::kIpv6Unicast, peer_id);
  peer_paths(peer_id, wire::kIpv4Unicast) = 0;
  peer_paths(peer_id, wire::kIpv6Unicast) = 0;
  v4_paths_ -= v4;
  v6_paths_ -= v6;
  return v4 + v6;
}

template <typename Table>
void LocRib::rerun_in(Table& table, wire::AfiSafi family, bool validate_paths,
                      std::optional<PeerId> only) {
  table.for_each([&](const auto& key, PathList& list) {
    if (only && !list.find(*only)) return;
    collect(list, before_);
    if (validate_paths)
      for (auto& path : list.paths()) validate(family, path);
    decide(family, key.prefix(), list);
  });
}

void LocRib::rerun(bool validate_paths, std::optional<PeerId> only) {
  rerun_in(v4_, wire::kIpv4Unicast, validate_paths, only);
  rerun_in(v6_, wire::kIpv6Unicast, validate_paths, only);
}

void LocRib::set_options(const DecisionOptions& options) {
  if (options == options_) return;
  bool local_as_changed = options.local_as != options_.local_as ||
                          options.router_id != options_.router_id ||
                          options.cluster_id != options_.cluster_id;
  options_ = options;
  options_v6_ = for_v6(options);
  // A new local AS changes which paths loop (RFC 4271 §9.1.2).
  rerun(local_as_changed, std::nullopt);
}

void LocRib::revalidate() {
  rerun(true, std::nullopt);
}

}  // namespace vipd::bgp::rib
