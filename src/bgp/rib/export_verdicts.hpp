// What the outbound route maps of a speaker's neighbors made of the paths they were asked
// about, per (attribute set, source, family, prefix class): one table for all neighbors, with a
// bit per neighbor. A route server asks every neighbor about the same path in turn (the speaker
// hands a batch of changes to them slice by slice), so with one table the first neighbor's
// lookup brings the entry into the cache for the others; with a table each, every neighbor pays
// a cache miss per prefix (the cost of a withdrawal phase, measured with bench/route-server).
// Kept across batches: a withdrawal must know whether the neighbor got the path it replaces,
// and withdrawals come in prefix order, not grouped by attributes. Keyed by serial
// (AttrRef::serial()), so an entry never answers for another attribute set.
#pragma once

#include <cstdint>
#include <optional>

#include "bgp/rib/decision.hpp"
#include "bgp/rib/prefix_table.hpp"

namespace vipd::bgp::rib {

class ExportVerdicts {
 public:
  static constexpr unsigned kSlots = 64;  // neighbors with a cached map; others run it per prefix
  static constexpr std::size_t kMaxEntries = std::size_t{1} << 18;  // then forgotten at once

  struct Key {
    std::uint64_t attrs = 0;  // AttrRef::serial(); 0 (no set has it) marks an empty slot
    std::uint64_t prefix_class = 0;
    PeerId source = 0;
    std::uint8_t family = 0;  // 0 IPv4, 1 IPv6 unicast
    bool used() const { return attrs != 0; }
    std::uint64_t hash() const {
      return attrs ^ (std::uint64_t{source} << 40) ^ (prefix_class * 0x9e3779b97f4a7c15ULL) ^
             family;
    }
    bool operator==(const Key&) const = default;
  };

  // A neighbor's slot; nullopt when all are taken.
  std::optional<unsigned> join() {
    for (unsigned slot = 0; slot < kSlots; ++slot) {
      if (taken_ & bit(slot)) continue;
      taken_ |= bit(slot);
      return slot;
    }
    return std::nullopt;
  }
  void leave(unsigned slot) {
    forget(slot);
    taken_ &= ~bit(slot);
  }

  // Whether the map of the neighbor in `slot` sent the path (nullopt: not known).
  std::optional<bool> find(const Key& key, unsigned slot) const {
    const Bits* b = table_.find(key);
    if (!b || !(b->known & bit(slot))) return std::nullopt;
    return (b->sent & bit(slot)) != 0;
  }
  void set(const Key& key, unsigned slot, bool sent) {
    if (table_.size() >= kMaxEntries && !table_.find(key)) table_ = {};
    Bits& b = table_[key];
    b.known |= bit(slot);
    if (sent)
      b.sent |= bit(slot);
    else
      b.sent &= ~bit(slot);
  }
  // The neighbor's setup or its sources changed: what it was told is forgotten (a walk of
  // the table, as rare as the changes that need it).
  void forget(unsigned slot) {
    table_.for_each([&](const Key&, Bits& b) {
      b.known &= ~bit(slot);
      b.sent &= ~bit(slot);
    });
  }
  void clear() { table_ = {}; }
  std::size_t size() const { return table_.size(); }

 private:
  struct Bits {
    std::uint64_t known = 0;
    std::uint64_t sent = 0;
  };
  static std::uint64_t bit(unsigned slot) { return std::uint64_t{1} << slot; }
  PrefixTable<Key, Bits> table_;
  std::uint64_t taken_ = 0;
};

}  // namespace vipd::bgp::rib
