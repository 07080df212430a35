#include "bgp/rib/loc_rib.hpp"

#include <fmt/format.h>

#include "common/log_topics.hpp"

#include <algorithm>
#include <tuple>

namespace vipd::bgp::rib {
namespace {

bool key_less(const V4Key& a, const V4Key& b) {
  return a.bits < b.bits;
}
bool key_less(const V6Key& a, const V6Key& b) {
  return std::tie(a.high, a.low, a.length) < std::tie(b.high, b.low, b.length);
}
template <typename Key>
void sort_unique(std::vector<Key>& keys) {
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return key_less(a, b); });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

}  // namespace

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
  std::optional<PeerInfo> before = std::exchange(peers_[peer], info);
  if (!known) return;
  bool has_paths = paths_of(peer, wire::kIpv4Unicast) + paths_of(peer, wire::kIpv6Unicast) > 0;
  if (has_paths && (before->local != info.local || before->single_hop != info.single_hop)) {
    // Whether and how the peer's paths are resolved: the index counts them by that. (A peer id
    // goes to a new neighbor only once the old one's paths are gone.)
    rebuild_index();
    rerun(true, std::nullopt);
    return;
  }
  // The peer's facts take part in the decision (RFC 4271 §9.1.2.2 (d), (f), (g)); a single-hop
  // neighbor's next hops resolve differently (RFC 4271 §9.1.2.1).
  rerun(before->single_hop != info.single_hop, peer);
}

void LocRib::set_resolver(NextHopResolver resolver) {
  resolver_ = std::move(resolver);
  rebuild_index();
  rerun(true, std::nullopt);
}

std::optional<LocRib::NextHopKey> LocRib::key_of(wire::AfiSafi family,
                                                 const wire::PathAttributes& attrs,
                                                 PeerId peer_id) const {
  if (!resolver_) return std::nullopt;
  const PeerInfo* info = peer(peer_id);
  // Our own routes (`network`, next hop 0.0.0.0) are valid as they are, as FRR's without
  // `bgp network import-check`.
  if (!info || info->local) return std::nullopt;
  auto next_hop = next_hop_of(attrs, family);
  if (!next_hop) return std::nullopt;
  return NextHopKey{static_cast<std::uint8_t>(family == wire::kIpv4Unicast ? 0 : 1), *next_hop};
}

LocRib::NextHopEntry* LocRib::entry(const NextHopKey& key) {
  if (last_entry_ && last_key_ == key) return last_entry_;
  auto it = next_hop_index_.find(key);
  if (it == next_hop_index_.end()) return nullptr;
  last_key_ = key;
  last_entry_ = &it->second;
  return last_entry_;
}

void LocRib::track(wire::AfiSafi family, const Prefix& prefix, const Path& path) {
  auto key = key_of(family, *path.attrs, path.peer);
  if (!key) return;
  NextHopEntry* e = entry(*key);
  if (!e) {
    // A next hop not in use yet: resolved once here, then again only by revalidate().
    e = &next_hop_index_[*key];
    e->cost = {resolver_(key->address, false), resolver_(key->address, true)};
    last_key_ = *key;
    last_entry_ = e;
  }
  ++e->paths;
  if (peers_[path.peer]->single_hop) ++e->single_hop_paths;
  if (key->family == 0) {
    e->v4.push_back(V4Key::of(prefix));
    if (e->v4.size() > 2 * e->paths + 64) compact(*key, e->v4, v4_);
  } else {
    e->v6.push_back(V6Key::of(prefix));
    if (e->v6.size() > 2 * e->paths + 64) compact(*key, e->v6, v6_);
  }
}

void LocRib::untrack(wire::AfiSafi family, const wire::PathAttributes& attrs, PeerId peer_id) {
  auto key = key_of(family, attrs, peer_id);
  if (!key) return;
  NextHopEntry* e = entry(*key);
  if (!e) return;
  if (peers_[peer_id]->single_hop) --e->single_hop_paths;
  if (--e->paths > 0) return;
  // Its last path is gone: the prefixes listed for it need no re-decision any more.
  last_key_.reset();
  last_entry_ = nullptr;
  next_hop_index_.erase(*key);
}

template <typename Key, typename Table>
void LocRib::compact(const NextHopKey& key, std::vector<Key>& keys, Table& table) {
  const auto family = key.family == 0 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
  std::erase_if(keys, [&](const Key& k) {
    const PathList* list = table.find(k);
    if (!list) return true;
    for (const auto& path : list->paths())
      if (key_of(family, *path.attrs, path.peer) == key) return false;
    return true;
  });
  sort_unique(keys);
}

void LocRib::rebuild_index() {
  next_hop_index_.clear();
  last_key_.reset();
  last_entry_ = nullptr;
  if (!resolver_) return;
  v4_.for_each([&](const V4Key& k, PathList& list) {
    for (const auto& path : list.paths()) track(wire::kIpv4Unicast, k.prefix(), path);
  });
  v6_.for_each([&](const V6Key& k, PathList& list) {
    for (const auto& path : list.paths()) track(wire::kIpv6Unicast, k.prefix(), path);
  });
}

template <typename Key, typename Table>
std::size_t LocRib::redecide(std::vector<Key>& keys, Table& table, wire::AfiSafi family) {
  sort_unique(keys);
  std::size_t decided = 0;
  for (const Key& k : keys) {
    PathList* list = table.find(k);
    if (!list) continue;
    collect(*list, before_);
    for (auto& path : list->paths()) validate(family, path);
    decide(family, k.prefix(), *list);
    ++decided;
  }
  return decided;
}

std::vector<LocRib::NextHopState> LocRib::next_hops() const {
  std::vector<NextHopState> out;
  for (const auto& [key, e] : next_hop_index_)
    out.push_back({key.family == 0 ? wire::kIpv4Unicast : wire::kIpv6Unicast, key.address, e.paths,
                   e.single_hop_paths, e.cost[0], e.cost[1]});
  return out;
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

SelectedPaths LocRib::selected(wire::AfiSafi family, const Prefix& prefix) const {
  SelectedPaths out;
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

void LocRib::collect(const PathList& list, SelectedPaths& out) {
  out.clear();
  for (const auto& p : list.paths())
    if (p.best()) out.push_back({p.peer, p.attrs});
  for (const auto& p : list.paths())
    if (p.multipath() && !p.best()) out.push_back({p.peer, p.attrs});
}

void LocRib::validate(wire::AfiSafi family, Path& path) {
  path.flags &= static_cast<std::uint8_t>(~path_flag::kValid);
  path.igp_cost = 0;
  // RFC 4271 §9.1.2: a route whose AS_PATH holds our AS is excluded from Phase 2.
  // RFC 4271 §9.1.2 / RFC 4456 §8: a route that comes back to us is excluded from Phase 2.
  const auto& from = peers_[path.peer];
  if (from ? loops_back(*path.attrs, options_, *from, family) : loops_back(*path.attrs, options_))
    return;
  // RFC 4271 §9.1.2.1: a route whose NEXT_HOP does not resolve is excluded too.
  auto next_hop = next_hop_of(*path.attrs, family);
  if (!next_hop) return;
  if (auto key = key_of(family, *path.attrs, path.peer)) {
    bool connected_only = peers_[path.peer]->single_hop;
    std::optional<std::uint32_t> cost;
    if (const NextHopEntry* e = entry(*key))
      cost = e->cost[connected_only ? 1 : 0];
    else
      cost = resolver_(*next_hop, connected_only);
    if (!cost) return;
    path.igp_cost = *cost;
  }
  path.flags |= path_flag::kValid;
}

// FRR's bgp_best_selection() debug line, with `debug bgp bestpath PREFIX`.
void LocRib::debug_bestpath(const Prefix& prefix) const {
  const std::string text = prefix.to_string();
  if (!log::wants(log::Topic::kBgpBestpath, text)) return;
  auto who = [&](const SelectedPaths& selected) -> std::string {
    if (selected.empty()) return "NONE";
    const PeerInfo* info = peer(selected.front().peer);
    if (!info) return "NONE";
    return info->local ? std::string("Static") : info->address.to_string();
  };
  log::write_topic_line(fmt::format("{}: After path selection, newbest is {} oldbest was {}", text,
                                    who(after_), who(before_)));
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
  if (log::topic_on(log::Topic::kBgpBestpath)) debug_bestpath(prefix);
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
    AttrRef old = std::exchange(path->attrs, std::move(attrs));
    // The new next hop first: when it is the old one, its entry stays.
    track(family, prefix, *path);
    untrack(family, *old, peer_id);
  } else {
    path = &list->add(Path{std::move(attrs), peer_id});
    ++(family == wire::kIpv4Unicast ? v4_paths_ : v6_paths_);
    ++peer_paths(peer_id, family);
    track(family, prefix, *path);
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
  untrack(family, *path->attrs, peer_id);
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
    untrack(family, *path->attrs, peer_id);
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

std::size_t LocRib::revalidate() {
  if (!resolver_) {
    rerun(true, std::nullopt);
    return v4_.size() + v6_.size();
  }
  // Each next hop in use is asked again (a few dozen on a router, however many prefixes);
  // only the prefixes of those whose answer changed are decided again, each once.
  std::vector<V4Key> v4;
  std::vector<V6Key> v6;
  for (auto& [key, e] : next_hop_index_) {
    std::array<std::optional<std::uint32_t>, 2> now{resolver_(key.address, false),
                                                    resolver_(key.address, true)};
    if (now == e.cost) continue;
    e.cost = now;
    if (key.family == 0) {
      compact(key, e.v4, v4_);
      v4.insert(v4.end(), e.v4.begin(), e.v4.end());
    } else {
      compact(key, e.v6, v6_);
      v6.insert(v6.end(), e.v6.begin(), e.v6.end());
    }
  }
  return redecide(v4, v4_, wire::kIpv4Unicast) + redecide(v6, v6_, wire::kIpv6Unicast);
}

}  // namespace vipd::bgp::rib
