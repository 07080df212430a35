#include "bgp/rib/adj_rib_out.hpp"

#include <algorithm>

namespace vipd::bgp::rib {

Prefix default_prefix(wire::AfiSafi family) {
  return Prefix(family == wire::kIpv4Unicast ? IpAddress::v4(0) : IpAddress::v6({}), 0);
}

AdjRibOut::AdjRibOut(AdjRibOutSetup setup, wire::Options options, AttributeStore& store,
                     SourceLookup sources, UpdatePacker::Sink sink, UpdatePacker::Oversize oversize,
                     std::shared_ptr<ExportGroup> group)
    : setup_(std::move(setup)),
      store_(store),
      sources_(std::move(sources)),
      packer_(
          options,
          [this, sink = std::move(sink)](Bytes message) {
            ready_known_ = false;  // the connection holds more now: ask again
            sink(std::move(message));
          },
          std::move(oversize)),
      group_(group ? std::move(group) : std::make_shared<ExportGroup>(setup_, store)) {}

void AdjRibOut::set_flow(Ready ready, EndOfRib end_of_rib) {
  ready_ = std::move(ready);
  end_of_rib_ = std::move(end_of_rib);
}

bool AdjRibOut::ready() {
  if (!ready_ || ready_known_) return true;
  ready_known_ = ready_();
  return ready_known_;
}

bool AdjRibOut::is_pending(const Prefix& prefix) const {
  if (prefix.family() == Family::kIpv4)
    return pending_v4_.table.size() > 0 && pending_v4_.table.find(V4Key::of(prefix));
  return pending_v6_.table.size() > 0 && pending_v6_.table.find(V6Key::of(prefix));
}

void AdjRibOut::add_pending(const Prefix& prefix, bool before) {
  // The first mark says what the neighbor holds; later changes only make the state to send
  // newer, and that is read from the Loc-RIB when the mark is taken.
  if (prefix.family() == Family::kIpv4) {
    auto key = V4Key::of(prefix);
    if (!pending_v4_.table.find(key)) pending_v4_.table[key] = before;
  } else {
    auto key = V6Key::of(prefix);
    if (!pending_v6_.table.find(key)) pending_v6_.table[key] = before;
  }
}

void AdjRibOut::Batch::announce(const AttrRef& attrs, const Prefix& prefix) {
  ++prefixes;
  for (auto& [a, list] : groups) {
    if (a == attrs) {
      list.push_back(prefix);
      return;
    }
  }
  groups.emplace_back(attrs, std::vector<Prefix>{prefix});
}

void AdjRibOut::emit(wire::AfiSafi family, Batch& batch) {
  for (const auto& p : batch.withdrawals) packer_.withdraw(family, p);
  for (const auto& [attrs, prefixes] : batch.groups)
    for (const auto& p : prefixes) packer_.announce(family, attrs, p);
  packer_.flush();
  batch = {};
}

template <typename Key>
bool AdjRibOut::drain_pending(const LocRib& rib, Pending<Key>& pending, wire::AfiSafi family) {
  auto& table = pending.table;
  if (table.size() == 0) return false;
  Batch batch;
  while (table.size() > 0 && !batch.full()) {
    pending.cursor = table.next_used(pending.cursor);
    if (pending.cursor == table.capacity()) {
      pending.cursor = 0;  // entries were added behind the sweep, or the table grew
      continue;
    }
    const Key key = table.slot(pending.cursor).key;
    const bool before = table.slot(pending.cursor).value;
    table.erase(key);  // what moves into this slot is seen next
    const Prefix prefix = key.prefix();
    AttrRef after = export_now(rib, family, prefix);
    if (after) {
      batch.announce(after, prefix);
      if (!before) ++advertised_;
    } else if (before) {
      batch.withdraw(prefix);
      if (advertised_) --advertised_;
    }
  }
  if (table.size() == 0) {
    table = {};  // a large table's slots go back
    pending.cursor = 0;
  }
  emit(family, batch);
  return true;
}

void AdjRibOut::start_walk(const LocRib& rib, wire::AfiSafi family) {
  Walk& w = walks_[index(family)];
  w.counted = !w.started;
  w.started = true;
  w.active = true;
  w.again = false;
  w.next = 0;
  w.v4.clear();
  w.v6.clear();
  // The originated default goes out with the table even when the Loc-RIB has none.
  const Prefix def = default_prefix(family);
  if (overridden(family, def) && !rib.find(family, def)) {
    if (family == wire::kIpv4Unicast)
      w.v4.push_back(V4Key::of(def));
    else
      w.v6.push_back(V6Key::of(def));
  }
  rib.for_each(family, [&](const Prefix& prefix, const PathList&) {
    if (family == wire::kIpv4Unicast)
      w.v4.push_back(V4Key::of(prefix));
    else
      w.v6.push_back(V6Key::of(prefix));
  });
}

bool AdjRibOut::step_walk(const LocRib& rib, wire::AfiSafi family) {
  Walk& w = walks_[index(family)];
  if (!w.active) return false;
  Batch batch;
  for (; w.next < w.size() && !batch.full(); ++w.next) {
    const Prefix prefix =
        family == wire::kIpv4Unicast ? w.v4[w.next].prefix() : w.v6[w.next].prefix();
    // A pending prefix goes out with the pending ones, in its latest state.
    if (is_pending(prefix)) continue;
    // Nothing: withdrawn since the walk started (sent as a change), or not for this neighbor.
    AttrRef out = export_now(rib, family, prefix);
    if (!out) continue;
    batch.announce(out, prefix);
    if (w.counted) ++advertised_;
  }
  emit(family, batch);
  if (w.next < w.size()) return true;
  const bool again = w.again;
  w.active = false;
  w.next = 0;
  w.v4 = {};
  w.v6 = {};
  if (end_of_rib_) end_of_rib_(family);
  if (again) start_walk(rib, family);
  return true;
}

void AdjRibOut::pump(const LocRib& rib) {
  if (pumping_) return;
  pumping_ = true;
  ready_known_ = false;
  while (ready()) {
    if (drain_pending(rib, pending_v4_, wire::kIpv4Unicast)) continue;
    if (drain_pending(rib, pending_v6_, wire::kIpv6Unicast)) continue;
    if (step_walk(rib, wire::kIpv4Unicast)) continue;
    if (step_walk(rib, wire::kIpv6Unicast)) continue;
    break;
  }
  group_->end_batch();
  pumping_ = false;
}

bool AdjRibOut::carries(wire::AfiSafi family) const {
  return std::find(setup_.families.begin(), setup_.families.end(), family) != setup_.families.end();
}

AdjRibOut::~AdjRibOut() = default;

void AdjRibOut::share_verdicts(std::shared_ptr<ExportVerdicts> shared) {
  group_->share_verdicts(std::move(shared));
}

void AdjRibOut::sources_changed() {
  group_->sources_changed();
}

AttrRef AdjRibOut::export_originated(const AdjRibOutSetup& setup, wire::AfiSafi family,
                                     const Prefix& prefix, const SelectedPath& path,
                                     const ExportPeer& from) {
  wire::PathAttributes shaped = *path.attrs;
  if (!from.origin->shape(family, prefix, setup.target, shaped)) return {};
  ExportResult r = export_path(family, shaped, from, setup.target, setup.context);
  AttrRef out;
  if (r.verdict == ExportVerdict::kSent) out = store_.intern(std::move(r.attributes));
  if (!setup.shape) return out;
  return apply_outbound_map(store_, setup, family, prefix, *path.attrs, from, out);
}

AttrRef AdjRibOut::exported(const AdjRibOutSetup& setup, ExportGroup& group, wire::AfiSafi family,
                            const Prefix& prefix, const SelectedPath& path,
                            ExportGroup::Answers* answers) {
  if (setup.permit && !setup.permit(family, prefix)) return {};
  const ExportPeer* from = sources_(path.peer, family);
  if (!from) return {};
  if (from->origin) return export_originated(setup, family, prefix, path, *from);
  if (export_excluded(*path.attrs, *from, setup.target)) return {};
  if (!answers) return group.exported(family, prefix, path, *from);
  if (!answers->after_known) {
    answers->after = group.exported(family, prefix, path, *from);
    answers->after_known = true;
  }
  return answers->after;
}

AttrRef AdjRibOut::current(const LocRib& rib, wire::AfiSafi family, const Prefix& prefix) {
  if (!carries(family)) return {};
  return export_now(rib, family, prefix);
}

AttrRef AdjRibOut::export_now(const LocRib& rib, wire::AfiSafi family, const Prefix& prefix) {
  if (overridden(family, prefix)) return default_export_[index(family)];
  auto selected = rib.selected(family, prefix);
  if (selected.empty()) return {};
  return exported(setup_, *group_, family, prefix, selected.front());
}

AttrRef AdjRibOut::export_default(const AdjRibOutSetup& setup, wire::AfiSafi family) {
  const AttrRef& route = default_route_[index(family)];
  if (!route) return {};
  // Our own route (a `network` one as far as the export rules go), past the outbound policy.
  ExportPeer self;
  self.ebgp = false;
  self.local = true;
  ExportResult r = export_path(family, *route, self, setup.target, setup.context);
  if (r.verdict != ExportVerdict::kSent) return {};
  return store_.intern(std::move(r.attributes));
}

void AdjRibOut::set_default_route(const LocRib& rib, wire::AfiSafi family, AttrRef attributes) {
  const std::size_t i = index(family);
  if (default_route_[i] == attributes) return;
  const Prefix prefix = default_prefix(family);
  // What the neighbor holds for the default now.
  bool before = false;
  if (default_route_[i]) {
    before = static_cast<bool>(default_export_[i]);
  } else {
    auto selected = rib.selected(family, prefix);
    before = !selected.empty() && was_exported(setup_, *group_, family, prefix, selected.front());
  }
  default_route_[i] = std::move(attributes);
  default_export_[i] = export_default(setup_, family);
  // Before the first walk the neighbor holds nothing and the walk sends it; a pending mark
  // sends the latest state when the connection drains.
  if (!carries(family) || !walks_[i].started || is_pending(prefix)) return;
  ready_known_ = false;
  AttrRef after = export_now(rib, family, prefix);
  if (!ready()) {
    if (before || after) add_pending(prefix, before);
    return;
  }
  send(family, prefix, before, after, false);
  packer_.flush();
  group_->end_batch();
}

bool AdjRibOut::was_exported(const AdjRibOutSetup& setup, ExportGroup& group, wire::AfiSafi family,
                             const Prefix& prefix, const SelectedPath& path,
                             ExportGroup::Answers* answers) {
  if (setup.permit && !setup.permit(family, prefix)) return false;
  const ExportPeer* from = sources_(path.peer, family);
  if (!from) return true;
  if (from->origin) return static_cast<bool>(export_originated(setup, family, prefix, path, *from));
  if (export_excluded(*path.attrs, *from, setup.target)) return false;
  if (!answers) return group.was_exported(family, prefix, path, *from);
  if (answers->before < 0) answers->before = group.was_exported(family, prefix, path, *from);
  return answers->before != 0;
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
  group_->end_batch();
}

void AdjRibOut::take(std::span<const Change> changes) {
  ready_known_ = false;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    // The originated default stays what it is whatever the Loc-RIB selects.
    if (!carries(c.family) || overridden(c.family, c.prefix)) continue;
    bool kept = !c.removed && !c.paths.empty();
    // Only the multipath set moved: the best path, hence the export, is the same.
    if (kept && c.previous_best && *c.previous_best == c.paths.front()) continue;
    // Already pending: its latest state goes out when the connection drains.
    if (is_pending(c.prefix)) continue;
    // What the group answered the members that took the slice before this one.
    ExportGroup::Answers& answers = group_->answers(changes, i);
    bool before = c.previous_best &&
                  was_exported(setup_, *group_, c.family, c.prefix, *c.previous_best, &answers);
    if (!ready()) {
      if (before || kept) add_pending(c.prefix, before);
      continue;
    }
    AttrRef after;
    if (kept) after = exported(setup_, *group_, c.family, c.prefix, c.paths.front(), &answers);
    send(c.family, c.prefix, before, after, false);
  }
}

void AdjRibOut::announce_all(const LocRib& rib, wire::AfiSafi family) {
  if (!carries(family)) return;
  Walk& w = walks_[index(family)];
  if (w.active) {
    // Coalesced (issue 15, D1): a walk that has not sent anything yet answers this request
    // too; one under way starts over once when it ends, for what it already sent.
    if (w.next > 0) w.again = true;
    return;
  }
  start_walk(rib, family);
  pump(rib);
}

void AdjRibOut::resync(const LocRib& rib, AdjRibOutSetup next, std::shared_ptr<ExportGroup> group) {
  AdjRibOutSetup old = std::move(setup_);
  const std::shared_ptr<ExportGroup> old_group = std::move(group_);
  setup_ = std::move(next);
  group_ = group ? std::move(group) : std::make_shared<ExportGroup>(setup_, store_);
  // Only the prefix filter changed: what stays permitted was sent with the same attributes. An
  // outbound route map may have changed them: then everything permitted is sent again.
  bool same_rewrite =
      old.target == setup_.target && old.context == setup_.context && !old.shape && !setup_.shape;
  SelectedPaths selected;
  ready_known_ = false;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    if (!carries(family)) continue;
    rib.for_each(family, [&](const Prefix& prefix, const PathList&) {
      // Pending: sent when the connection drains, under the new setup. The originated
      // default: below.
      if (is_pending(prefix) || overridden(family, prefix)) return;
      selected = rib.selected(family, prefix);
      if (selected.empty()) return;
      bool before = was_exported(old, *old_group, family, prefix, selected.front());
      AttrRef after = exported(setup_, *group_, family, prefix, selected.front());
      if (ready()) {
        send(family, prefix, before, after, same_rewrite);
      } else if ((before || after) && !(before && after && same_rewrite)) {
        add_pending(prefix, before);
      }
    });
    // The originated default under the new setup (a new next hop, new options).
    const std::size_t i = index(family);
    if (!default_route_[i]) continue;
    AttrRef before = default_export_[i];
    default_export_[i] = export_default(setup_, family);
    const Prefix prefix = default_prefix(family);
    if (!walks_[i].started || is_pending(prefix)) continue;
    if (ready())
      send(family, prefix, static_cast<bool>(before), default_export_[i],
           before == default_export_[i]);
    else if ((before || default_export_[i]) && before != default_export_[i])
      add_pending(prefix, static_cast<bool>(before));
  }
  packer_.flush();
  old_group->end_batch();
  group_->end_batch();
}

}  // namespace vipd::bgp::rib
