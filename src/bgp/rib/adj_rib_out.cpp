#include "bgp/rib/adj_rib_out.hpp"

#include <algorithm>

namespace vipd::bgp::rib {

AdjRibOut::AdjRibOut(AdjRibOutSetup setup, wire::Options options, AttributeStore& store,
                     SourceLookup sources, UpdatePacker::Sink sink)
    : setup_(std::move(setup)),
      store_(store),
      sources_(std::move(sources)),
      packer_(options, std::move(sink)) {
  // Any non-empty attribute set: only its identity matters (never equal to an export).
  wire::PathAttributes marker;
  marker.unknown.push_back(wire::RawAttribute{0xC0, 255, Bytes{0x76}});
  unknown_source_ = store_.intern(std::move(marker));
}

bool AdjRibOut::carries(wire::AfiSafi family) const {
  return std::find(setup_.families.begin(), setup_.families.end(), family) != setup_.families.end();
}

AttrRef AdjRibOut::export_attributes(const AdjRibOutSetup& setup, wire::AfiSafi family,
                                     const SelectedPath& path, bool& source_known) {
  CacheKey key{&setup, path.attrs.get(), path.peer, family};
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const ExportPeer* from = sources_(path.peer, family);
  source_known = from != nullptr;
  if (!from) return {};  // not cached: the answer depends on assume_sent
  ExportResult r = export_path(family, *path.attrs, *from, setup.target, setup.context);
  AttrRef out;
  if (r.verdict == ExportVerdict::kSent) out = store_.intern(std::move(r.attributes));
  cache_.emplace(key, out);
  return out;
}

AttrRef AdjRibOut::exported(const AdjRibOutSetup& setup, wire::AfiSafi family, const Prefix& prefix,
                            const SelectedPath& path, bool assume_sent) {
  if (setup.permit && !setup.permit(family, prefix)) return {};
  bool source_known = true;
  AttrRef out = export_attributes(setup, family, path, source_known);
  // A withdrawal for a route the neighbor never got is harmless (RFC 4271 §9.1.3 lets it
  // ignore it); a missed one is not.
  if (!source_known && assume_sent) return unknown_source_;
  return out;
}

void AdjRibOut::send(wire::AfiSafi family, const Prefix& prefix, const AttrRef& before,
                     const AttrRef& after) {
  if (after) {
    if (after == before) return;
    packer_.announce(family, after, prefix);
    if (!before) ++advertised_;
  } else if (before) {
    packer_.withdraw(family, prefix);
    if (advertised_) --advertised_;
  }
}

void AdjRibOut::apply(std::span<const Change> changes) {
  for (const Change& c : changes) {
    if (!carries(c.family)) continue;
    AttrRef before, after;
    if (c.previous_best) before = exported(setup_, c.family, c.prefix, *c.previous_best, true);
    if (!c.removed && !c.paths.empty())
      after = exported(setup_, c.family, c.prefix, c.paths.front(), false);
    send(c.family, c.prefix, before, after);
  }
  packer_.flush();
  clear_cache();
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
    AttrRef out = exported(setup_, family, prefix, selected.front(), false);
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
  std::vector<SelectedPath> selected;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    if (!carries(family)) continue;
    rib.for_each(family, [&](const Prefix& prefix, const PathList&) {
      selected = rib.selected(family, prefix);
      if (selected.empty()) return;
      AttrRef before = exported(old, family, prefix, selected.front(), true);
      AttrRef after = exported(setup_, family, prefix, selected.front(), false);
      send(family, prefix, before, after);
    });
  }
  packer_.flush();
  clear_cache();
}

}  // namespace vipd::bgp::rib
