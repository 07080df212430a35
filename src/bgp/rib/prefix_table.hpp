// A compact open-addressing hash table from prefix to a value, for tables of 1M+ prefixes:
// slots hold the key and value inline (no node per prefix), IPv4 keys are 8 bytes. Linear
// probing with backward-shift deletion (no tombstones); the capacity grows by half when the
// load passes 80%, and the slot index is a multiply-shift of the hash, so any capacity works.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "bgp/rib/linear_probing.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

// IPv4 prefix as (1 << 40) | address << 8 | length; 0 marks an empty slot.
struct V4Key {
  std::uint64_t bits = 0;
  static V4Key of(const Prefix& p) {
    return {(std::uint64_t{1} << 40) | (std::uint64_t{p.address().v4_host_order()} << 8) |
            p.length()};
  }
  Prefix prefix() const {
    return Prefix(IpAddress::v4(static_cast<std::uint32_t>(bits >> 8)),
                  static_cast<std::uint8_t>(bits & 0xff));
  }
  bool used() const { return bits != 0; }
  std::uint64_t hash() const { return bits; }
  bool operator==(const V4Key&) const = default;
};

// IPv6 prefix: the address as two 64-bit halves, the length, and a used marker.
struct V6Key {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::uint8_t length = 0;
  bool in_use = false;
  static V6Key of(const Prefix& p) {
    V6Key k;
    const auto& o = p.address().octets();
    for (int i = 0; i < 8; ++i) k.high = (k.high << 8) | o[i];
    for (int i = 8; i < 16; ++i) k.low = (k.low << 8) | o[i];
    k.length = p.length();
    k.in_use = true;
    return k;
  }
  Prefix prefix() const {
    std::array<std::uint8_t, 16> o{};
    for (int i = 0; i < 8; ++i) o[i] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    for (int i = 0; i < 8; ++i) o[8 + i] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
    return Prefix(IpAddress::v6(o), length);
  }
  bool used() const { return in_use; }
  std::uint64_t hash() const { return high * 0x9e3779b97f4a7c15ULL ^ low ^ length; }
  bool operator==(const V6Key&) const = default;
};

template <typename Key, typename Value>
class PrefixTable {
 public:
  struct Slot {
    Key key;
    Value value;
  };

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

  Value* find(const Key& key) {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = home(key);; i = next(i)) {
      if (!slots_[i].key.used()) return nullptr;
      if (slots_[i].key == key) return &slots_[i].value;
    }
  }
  const Value* find(const Key& key) const { return const_cast<PrefixTable*>(this)->find(key); }

  // The value for `key`, default-constructed if the key is new.
  Value& operator[](const Key& key) {
    if ((size_ + 1) * 5 > slots_.size() * 4) grow();
    std::size_t i = home(key);
    for (; slots_[i].key.used(); i = next(i))
      if (slots_[i].key == key) return slots_[i].value;
    slots_[i].key = key;
    ++size_;
    return slots_[i].value;
  }

  bool erase(const Key& key) {
    if (slots_.empty()) return false;
    std::size_t hole = home(key);
    for (; slots_[hole].key != key; hole = next(hole))
      if (!slots_[hole].key.used()) return false;
    // Backward shift: move later entries of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    for (std::size_t j = next(hole); slots_[j].key.used(); j = next(j)) {
      if (probing::stays(home(slots_[j].key), hole, j)) continue;
      slots_[hole] = std::move(slots_[j]);
      hole = j;
    }
    slots_[hole] = Slot{};
    --size_;
    return true;
  }

  // For a sweep that erases as it goes: the first used slot at `slot` or after it (capacity()
  // when there is none) and its contents. Erasing the entry at the sweep position moves only
  // entries that the sweep has still to see into it, so the sweep stays on that slot; an insert
  // may grow the table and reorder it, so a sweep that must see everything starts over while
  // entries are left.
  std::size_t next_used(std::size_t slot) const {
    while (slot < slots_.size() && !slots_[slot].key.used()) ++slot;
    return slot;
  }
  const Slot& slot(std::size_t i) const { return slots_[i]; }

  template <typename Fn>  // fn(const Key&, Value&)
  void for_each(Fn&& fn) {
    for (auto& s : slots_)
      if (s.key.used()) fn(s.key, s.value);
  }
  template <typename Fn>  // fn(const Key&, const Value&)
  void for_each(Fn&& fn) const {
    for (const auto& s : slots_)
      if (s.key.used()) fn(s.key, s.value);
  }

 private:
  static std::uint64_t mix(std::uint64_t x) {
    // splitmix64 finalizer: structured keys (consecutive prefixes) spread over the table.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  std::size_t home(const Key& key) const { return probing::home(mix(key.hash()), slots_.size()); }
  std::size_t next(std::size_t i) const { return probing::next(i, slots_.size()); }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_ = std::vector<Slot>(old.empty() ? 16 : old.size() + old.size() / 2);
    for (auto& s : old) {
      if (!s.key.used()) continue;
      std::size_t i = home(s.key);
      while (slots_[i].key.used()) i = next(i);
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace vipd::bgp::rib
