// Interned path attributes (DESIGN principle 5, hash-consing as in BIRD's rta cache and FRR's
// attrhash): every distinct wire::PathAttributes exists once; routes hold an AttrRef, a
// pointer-sized handle with an intrusive reference count. The copy is released when the last
// AttrRef to it goes away. Single-threaded (DESIGN principle 4): counts are plain integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "bgp/rib/linear_probing.hpp"
#include "bgp/wire/attributes.hpp"

namespace vipd::bgp::rib {

class AttributeStore;

namespace detail {
// One shared, immutable attribute set and its bookkeeping.
struct AttrNode {
  // The bookkeeping first: a reference count change touches one cache line.
  std::uint32_t refs = 0;
  std::size_t hash = 0;
  // Unique across stores and never reused (a freed node's address may be): what caches that outlive
  // the references they were made from key on (AdjRibOut's export verdicts).
  std::uint64_t serial = 0;
  AttributeStore* store = nullptr;  // null once the store is gone (the node then frees itself)
  wire::PathAttributes attrs;
};
void release_node(AttrNode* node) noexcept;
}  // namespace detail

// A counted reference to one interned attribute set. Two AttrRefs from the same store hold equal
// attributes exactly when they point at the same copy, so operator== compares pointers.
class AttrRef {
 public:
  AttrRef() = default;
  AttrRef(const AttrRef& other) noexcept : node_(other.node_) {
    if (node_) ++node_->refs;
  }
  AttrRef(AttrRef&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  AttrRef& operator=(const AttrRef& other) noexcept {
    AttrRef copy(other);
    std::swap(node_, copy.node_);
    return *this;
  }
  AttrRef& operator=(AttrRef&& other) noexcept {
    AttrRef moved(std::move(other));
    std::swap(node_, moved.node_);
    return *this;
  }
  ~AttrRef() { reset(); }

  void reset() noexcept {
    if (node_ && --node_->refs == 0) detail::release_node(node_);
    node_ = nullptr;
  }
  const wire::PathAttributes& operator*() const { return node_->attrs; }
  const wire::PathAttributes* operator->() const { return &node_->attrs; }
  const wire::PathAttributes* get() const { return node_ ? &node_->attrs : nullptr; }
  explicit operator bool() const { return node_ != nullptr; }
  // Number of AttrRefs sharing this copy (0 for an empty handle).
  std::uint32_t use_count() const { return node_ ? node_->refs : 0; }
  // The copy's serial number (detail::AttrNode::serial); 0 for an empty handle.
  std::uint64_t serial() const { return node_ ? node_->serial : 0; }

  friend bool operator==(const AttrRef& a, const AttrRef& b) { return a.node_ == b.node_; }

 private:
  friend class AttributeStore;
  explicit AttrRef(detail::AttrNode* node) noexcept : node_(node) { ++node_->refs; }
  detail::AttrNode* node_ = nullptr;
};
static_assert(sizeof(AttrRef) == sizeof(void*));

// Hash over every field of the attribute set (equality is PathAttributes::operator==).
std::size_t hash_attributes(const wire::PathAttributes& attrs);

class AttributeStore {
 public:
  AttributeStore() = default;
  // AttrRefs may outlive the store: their copies are then freed by the last reference.
  ~AttributeStore();
  AttributeStore(const AttributeStore&) = delete;
  AttributeStore& operator=(const AttributeStore&) = delete;

  // The shared copy equal to `attrs`, made if there is none yet.
  AttrRef intern(wire::PathAttributes attrs);
  // Distinct attribute sets currently referenced.
  std::size_t size() const { return size_; }
  // Bytes of the index (not of the sets).
  std::size_t index_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  friend void detail::release_node(detail::AttrNode* node) noexcept;

  // The index: open addressing with linear probing and backward-shift deletion (as
  // PrefixTable), each slot the node and its hash, so a probe reads a node only when the hashes
  // agree. A full table interns some 250,000 sets: 16 bytes a slot instead of a hash node and a
  // bucket each.
  struct Slot {
    detail::AttrNode* node = nullptr;
    std::size_t hash = 0;
  };
  std::size_t home(std::size_t hash) const { return probing::home(hash, slots_.size()); }
  std::size_t next(std::size_t i) const { return probing::next(i, slots_.size()); }
  void grow();
  void erase(const detail::AttrNode* node);

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace vipd::bgp::rib
