#include "bgp/rib/adj_rib_out.hpp"

#include <algorithm>

namespace vipd::bgp::rib {

AdjRibOut::AdjRibOut(AdjRibOutSetup setup, wire::Options options, AttributeStore& store,
                     SourceLookup sources, UpdatePacker::Sink sink, UpdatePacker::Oversize oversize)
    : setup_(std::move(setup)),
      store_(store),
      sources_(std::move(sources)),
      packer_(options, std::move(sink), std::move(oversize)) {}

bool AdjRibOut::carries(wire::AfiSafi family) const {
  return std::find(setup_.families.begin(), setup_.families.end(), family) != setup_.families.end();
}

void AdjRibOut::clear_cache() {
  // clear() costs the bucket count, which one large batch leaves high: start afresh then.
  if (cache_.bucket_count() > 64)
    cache_ = {};
  else
    cache_.clear();
}

AttrRef AdjRibOut::exported(const AdjRibOutSetup& setup, wire::AfiSafi family, const Prefix& prefix,
                            const SelectedPath& path) {
  if (setup.permit && !setup.permit(family, prefix)) return {};
  CacheKey key{&setup, path.attrs.get(), path.peer, family};
  auto cached = cache_.find(key);
  if (cached != cache_.end() && !setup.shape) return cached->second;
  const ExportPeer* from = sources_(path.peer, family);
  if (!from) return {};
  AttrRef out;
  if (from->origin) {
    // An originated route whose attributes depend on the prefix and the neighbor: never cached
    // (the cache is per attribute set), and there are few of them.
    wire::PathAttributes shaped = *path.attrs;
    if (!from->origin->shape(family, prefix, setup.target, shaped)) return {};
    ExportResult r = export_path(family, shaped, *from, setup.target, setup.context);
    if (r.verdict == ExportVerdict::kSent) out = store_.intern(std::move(r.attributes));
  } else if (cached != cache_.end()) {
    out = cached->second;
  } else {
    ExportResult r = export_path(family, *path.attrs, *from, setup.target, setup.context);
    if (r.verdict == ExportVerdict::kSent) out = store_.intern(std::move(r.attributes));
    cache_.emplace(key, out);
  }
  if (!out || !setup.shape) return out;
  wire::PathAttributes shaped = *out;
  if (!setup.shape(family, prefix, *path.attrs, *from, shaped)) return {};
  return store_.intern(std::move(shaped));
}

bool AdjRibOut::was_exported(const AdjRibOutSetup& setup, wire::AfiSafi family,
                             const Prefix& prefix, const SelectedPath& path) const {
  if (setup.permit && !setup.permit(family, prefix)) return false;
  const ExportPeer* from = sources_(path.peer, family);
  if (!from) return true;
  if (from->origin) {
    wire::PathAttributes shaped = *path.attrs;
    if (!from->origin->shape(family, prefix, setup.target, shaped)) return false;
    if (!setup.shape) return export_verdict(shaped, *from, setup.target) == ExportVerdict::kSent;
    ExportResult r = export_path(family, shaped, *from, setup.target, setup.context);
    return r.verdict == ExportVerdict::kSent &&
           setup.shape(family, prefix, *path.attrs, *from, r.attributes);
  }
  if (!setup.shape) return export_verdict(*path.attrs, *from, setup.target) == ExportVerdict::kSent;
  // The outbound map may have denied it: ask it again (same inputs, same answer).
  ExportResult r = export_path(family, *path.attrs, *from, setup.target, setup.context);
  return r.verdict == ExportVerdict::kSent &&
         setup.shape(family, prefix, *path.attrs, *from, r.attributes);
}

void AdjRibOut::send(wire::AfiSafi family, const Prefix& prefix, bool before, const AttrRef& after,
                     bool unchanged) {
  if (after) {
    if (before && unchanged) return;
    packer_.announce(family, after, prefix);
    if (!before) ++advertised_;
  } else if (before) {
    packer_.withdraw(family, prefix);
    if (advertised_) --advertised_;
  }
}

void AdjRibOut::apply(std::span<const Change> changes) {
  take(changes);
  finish();
}

void AdjRibOut::finish() {
  packer_.flush();
  clear_cache();
}

void AdjRibOut::take(std::span<const Change> changes) {
  for (const Change& c : changes) {
    if (!carries(c.family)) continue;
    bool kept = !c.removed && !c.paths.empty();
    // Only the multipath set moved: the best path, hence the export, is the same.
    if (kept && c.previous_best && *c.previous_best == c.paths.front()) continue;
    bool before = c.previous_best && was_exported(setup_, c.family, c.prefix, *c.previous_best);
    AttrRef after;
    if (kept) after = exported(setup_, c.family, c.prefix, c.paths.front());
    send(c.family, c.prefix, before, after, false);
  }
}

void AdjRibOut::announce_all(const LocRib& rib, wire::AfiSafi family) {
  if (!carries(family)) return;
  // Prefixes grouped by export attributes so each UPDATE is full; a group is sent as soon as it
  // fills a message, which bounds what is held here.
  struct Group {
    AttrRef attrs;
    std::vector<Prefix> prefixes;
    std::size_t bytes = 0;
  };
  std::unordered_map<const wire::PathAttributes*, Group> groups;
  constexpr std::size_t kGroupBytes = 3500;
  auto send_group = [&](Group& g) {
    for (const auto& p : g.prefixes) packer_.announce(family, g.attrs, p);
    packer_.flush();
    g.prefixes.clear();
    g.bytes = 0;
  };
  std::vector<SelectedPath> selected;
  rib.for_each(family, [&](const Prefix& prefix, const PathList&) {
    selected = rib.selected(family, prefix);
    if (selected.empty()) return;
    AttrRef out = exported(setup_, family, prefix, selected.front());
    if (!out) return;
    Group& g = groups[out.get()];
    if (!g.attrs) g.attrs = out;
    g.prefixes.push_back(prefix);
    g.bytes += encoded_prefix_size(prefix);
    ++advertised_;
    if (g.bytes >= kGroupBytes) send_group(g);
  });
  for (auto& [key, g] : groups) send_group(g);
  clear_cache();
}

void AdjRibOut::resync(const LocRib& rib, AdjRibOutSetup next) {
  AdjRibOutSetup old = std::move(setup_);
  setup_ = std::move(next);
  // Only the prefix filter changed: what stays permitted was sent with the same attributes. An
  // outbound route map may have changed them: then everything permitted is sent again.
  bool same_rewrite =
      old.target == setup_.target && old.context == setup_.context && !old.shape && !setup_.shape;
  std::vector<SelectedPath> selected;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    if (!carries(family)) continue;
    rib.for_each(family, [&](const Prefix& prefix, const PathList&) {
      selected = rib.selected(family, prefix);
      if (selected.empty()) return;
      bool before = was_exported(old, family, prefix, selected.front());
      AttrRef after = exported(setup_, family, prefix, selected.front());
      send(family, prefix, before, after, same_rewrite);
    });
  }
  packer_.flush();
  clear_cache();
}

}  // namespace vipd::bgp::rib
