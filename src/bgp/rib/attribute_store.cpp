#include "bgp/rib/attribute_store.hpp"

#include <atomic>
#include <memory>

namespace vipd::bgp::rib {

namespace {

// Serials are unique across stores: a Loc-RIB may hold sets interned by another store (a
// peer's own, in tests).
std::atomic<std::uint64_t> next_serial{1};

// Accumulates values into a 64-bit hash (multiply-xorshift mixing, as in splitmix64).
class Hasher {
 public:
  void add(std::uint64_t v) {
    h_ ^= v + 0x9e3779b97f4a7c15ULL + (h_ << 6) + (h_ >> 2);
    h_ = (h_ ^ (h_ >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h_ = (h_ ^ (h_ >> 27)) * 0x94d049bb133111ebULL;
    h_ ^= h_ >> 31;
  }
  template <typename T>
  void add(const std::optional<T>& v) {
    add(v.has_value());
    if (v) add(*v);
  }
  template <typename T>
  void add(const Boxed<T>& v) {
    add(v.has_value());
    if (v) add(*v);
  }
  template <typename T>
  void add(const std::vector<T>& v) {
    add(static_cast<std::uint64_t>(v.size()));
    for (const auto& x : v) add(x);
  }
  void add(const IpAddress& a) { add(static_cast<std::uint64_t>(std::hash<IpAddress>()(a))); }
  void add(const Prefix& p) { add(static_cast<std::uint64_t>(std::hash<Prefix>()(p))); }
  void add(const wire::AfiSafi& f) {
    add((static_cast<std::uint64_t>(f.afi) << 8) | static_cast<std::uint64_t>(f.safi));
  }
  void add(wire::Origin o) { add(static_cast<std::uint64_t>(o)); }
  void add(const wire::AsSegment& s) {
    add(static_cast<std::uint64_t>(s.type));
    add(s.asns);
  }
  void add(const wire::AsPath& p) { add(p.segments); }
  void add(const wire::Aggregator& a) {
    add(static_cast<std::uint64_t>(a.asn));
    add(a.address);
  }
  void add(const wire::LargeCommunity& c) {
    add((static_cast<std::uint64_t>(c.global_admin) << 32) | c.local_data1);
    add(static_cast<std::uint64_t>(c.local_data2));
  }
  void add(const wire::MpReach& m) {
    add(m.afi_safi);
    add(m.next_hop);
    add(m.link_local_next_hop);
    add(m.nlri);
    add(m.opaque_next_hop);
    add(m.opaque_nlri);
  }
  void add(const wire::MpUnreach& m) {
    add(m.afi_safi);
    add(m.withdrawn);
    add(m.opaque_withdrawn);
  }
  void add(const wire::RawAttribute& r) {
    add((static_cast<std::uint64_t>(r.flags) << 8) | r.type);
    add(r.value);
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0;
};

}  // namespace

std::size_t hash_attributes(const wire::PathAttributes& a) {
  Hasher h;
  h.add(a.origin);
  h.add(a.as_path);
  h.add(a.next_hop);
  h.add(a.med);
  h.add(a.local_pref);
  h.add(a.atomic_aggregate);
  h.add(a.aggregator);
  h.add(a.communities);
  h.add(a.originator_id);
  h.add(a.cluster_list);
  h.add(a.mp_reach);
  h.add(a.mp_unreach);
  h.add(a.as4_path);
  h.add(a.as4_aggregator);
  h.add(a.large_communities);
  h.add(a.unknown);
  h.add(a.weight);
  return static_cast<std::size_t>(h.value());
}

namespace detail {

void release_node(AttrNode* node) noexcept {
  if (node->store) node->store->erase(node);
  delete node;
}

}  // namespace detail

AttributeStore::~AttributeStore() {
  for (const auto& slot : slots_)
    if (slot.node) slot.node->store = nullptr;
}

AttrRef AttributeStore::intern(wire::PathAttributes attrs) {
  // The hash spreads over 64 bits (splitmix64 finish, hash_attributes()): home() takes its
  // high bits.
  const std::size_t hash = hash_attributes(attrs);
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  std::size_t i = home(hash);
  for (; slots_[i].node; i = next(i))
    if (slots_[i].hash == hash && slots_[i].node->attrs == attrs) return AttrRef(slots_[i].node);
  auto* node = new detail::AttrNode();
  node->attrs = std::move(attrs);
  node->hash = hash;
  node->serial = next_serial.fetch_add(1, std::memory_order_relaxed);
  node->store = this;
  slots_[i] = {node, hash};
  ++size_;
  return AttrRef(node);
}

void AttributeStore::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_ = std::vector<Slot>(old.empty() ? 64 : old.size() + old.size() / 2);
  for (const auto& s : old) {
    if (!s.node) continue;
    std::size_t i = home(s.hash);
    while (slots_[i].node) i = next(i);
    slots_[i] = s;
  }
}

void AttributeStore::erase(const detail::AttrNode* node) {
  if (slots_.empty()) return;
  std::size_t hole = home(node->hash);
  for (; slots_[hole].node != node; hole = next(hole))
    if (!slots_[hole].node) return;
  for (std::size_t j = next(hole); slots_[j].node; j = next(j)) {
    if (probing::stays(home(slots_[j].hash), hole, j)) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = Slot{};
  --size_;
}

}  // namespace vipd::bgp::rib
