#include "bgp/rib/export_group.hpp"

namespace vipd::bgp::rib {

AttrRef apply_outbound_map(AttributeStore& store, const AdjRibOutSetup& setup, wire::AfiSafi family,
                           const Prefix& prefix, const wire::PathAttributes& selected,
                           const ExportPeer& from, const AttrRef& out) {
  if (!out) return {};
  wire::PathAttributes mapped = *out;
  if (!setup.shape(family, prefix, selected, from, mapped)) return {};
  // Most paths leave a route server's map as they came: no second copy to intern then.
  if (mapped == *out) return out;
  return store.intern(std::move(mapped));
}

ExportGroup::ExportGroup(AdjRibOutSetup setup, AttributeStore& store)
    : setup_(std::move(setup)), store_(store) {}

ExportGroup::~ExportGroup() {
  if (slot_) verdicts_->leave(*slot_);
}

void ExportGroup::share_verdicts(std::shared_ptr<ExportVerdicts> shared) {
  auto slot = shared->join();
  if (!slot) return;  // every slot taken: this group keeps a table of its own
  if (slot_) verdicts_->leave(*slot_);
  verdicts_ = std::move(shared);
  slot_ = slot;
  mapped_ = {};
}

void ExportGroup::forget_verdicts() {
  if (slot_) verdicts_->forget(*slot_);
  mapped_ = {};
}

void ExportGroup::sources_changed() {
  clear_cache();
  forget_verdicts();
}

void ExportGroup::end_batch() {
  clear_cache();
}

void ExportGroup::clear_cache() {
  // clear() costs the bucket count, which one large batch leaves high: start afresh then.
  if (cache_.bucket_count() > 64)
    cache_ = {};
  else
    cache_.clear();
  slice_ = nullptr;
  slice_size_ = 0;
  answers_.clear();
}

ExportGroup::Answers& ExportGroup::answers(std::span<const Change> slice, std::size_t index) {
  if (slice.data() != slice_ || slice.size() != slice_size_) {
    slice_ = slice.data();
    slice_size_ = slice.size();
    answers_.assign(slice.size(), Answers{});
  }
  return answers_[index];
}

AttrRef ExportGroup::export_rules(wire::AfiSafi family, const SelectedPath& path,
                                  const ExportPeer& from) {
  const CacheKey key{path.attrs.serial(), path.peer, family, 0, false};
  if (auto cached = cache_.find(key); cached != cache_.end()) return cached->second;
  AttrRef out;
  ExportResult r = export_path(family, *path.attrs, from, setup_.target, setup_.context);
  if (r.verdict == ExportVerdict::kSent) out = store_.intern(std::move(r.attributes));
  cache_.emplace(key, out);
  return out;
}

std::optional<ExportVerdicts::Key> ExportGroup::verdict_key(wire::AfiSafi family,
                                                            const Prefix& prefix,
                                                            const SelectedPath& path) const {
  if (!slot_ || !setup_.shape || !setup_.shape_class) return std::nullopt;
  return ExportVerdicts::Key{path.attrs.serial(), setup_.shape_class(family, prefix), path.peer,
                             static_cast<std::uint8_t>(index(family))};
}

AttrRef ExportGroup::exported(wire::AfiSafi family, const Prefix& prefix, const SelectedPath& path,
                              const ExportPeer& from) {
  if (!setup_.shape) return export_rules(family, path, from);
  return exported(family, prefix, path, from, verdict_key(family, prefix, path));
}

AttrRef ExportGroup::exported(wire::AfiSafi family, const Prefix& prefix, const SelectedPath& path,
                              const ExportPeer& from,
                              const std::optional<ExportVerdicts::Key>& kept) {
  if (kept) {
    // The verdict table holds the export rules' verdict too (what they refuse the map denies).
    if (auto sent = verdicts_->find(*kept, *slot_)) {
      if (!*sent) return {};
      if (mapped_.size() > 0)
        if (const AttrRef* mapped = mapped_.find(*kept)) return *mapped;
      // Left as the export rules made it: those, without running the map.
      return export_rules(family, path, from);
    }
  }
  // What the export rules refuse (no-export, iBGP to iBGP...) needs no map.
  if (export_verdict(*path.attrs, from, setup_.target) != ExportVerdict::kSent) {
    if (kept) verdicts_->set(*kept, *slot_, false);
    return {};
  }
  if (!setup_.shape_class) {
    // A map that cannot be cached runs for every prefix.
    return apply_outbound_map(store_, setup_, family, prefix, *path.attrs, from,
                              export_rules(family, path, from));
  }
  if (!kept) {
    // No slot in the verdict table: cached for the batch only.
    const CacheKey key{path.attrs.serial(), path.peer, family, setup_.shape_class(family, prefix),
                       true};
    if (auto cached = cache_.find(key); cached != cache_.end()) return cached->second;
    AttrRef result = apply_outbound_map(store_, setup_, family, prefix, *path.attrs, from,
                                        export_rules(family, path, from));
    cache_.emplace(key, result);
    return result;
  }
  AttrRef out = export_rules(family, path, from);
  AttrRef result = apply_outbound_map(store_, setup_, family, prefix, *path.attrs, from, out);
  verdicts_->set(*kept, *slot_, static_cast<bool>(result));
  if (result && result != out) {
    if (mapped_.size() >= ExportVerdicts::kMaxEntries) mapped_ = {};
    mapped_[*kept] = result;
  }
  return result;
}

bool ExportGroup::was_exported(wire::AfiSafi family, const Prefix& prefix, const SelectedPath& path,
                               const ExportPeer& from) {
  if (setup_.shape && setup_.shape_class) {
    // The verdict the map gave the path's attribute set and class (same inputs, same answer).
    const auto key = verdict_key(family, prefix, path);
    if (auto sent = key ? verdicts_->find(*key, *slot_) : std::nullopt) return *sent;
    return static_cast<bool>(exported(family, prefix, path, from, key));
  }
  if (export_verdict(*path.attrs, from, setup_.target) != ExportVerdict::kSent) return false;
  if (!setup_.shape) return true;
  // The outbound map may have denied it: ask it again (same inputs, same answer).
  ExportResult r = export_path(family, *path.attrs, from, setup_.target, setup_.context);
  return r.verdict == ExportVerdict::kSent &&
         setup_.shape(family, prefix, *path.attrs, from, r.attributes);
}

}  // namespace vipd::bgp::rib
