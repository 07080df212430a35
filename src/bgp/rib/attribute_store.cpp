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
  if (node->store) node->store->nodes_.erase(node);
  delete node;
}

}  // namespace detail

AttributeStore::~AttributeStore() {
  for (auto* node : nodes_) node->store = nullptr;
}

AttrRef AttributeStore::intern(wire::PathAttributes attrs) {
  Probe probe{&attrs, hash_attributes(attrs)};
  if (auto it = nodes_.find(probe); it != nodes_.end()) return AttrRef(*it);
  auto node = std::make_unique<detail::AttrNode>();
  node->attrs = std::move(attrs);
  node->hash = probe.hash;
  node->serial = next_serial.fetch_add(1, std::memory_order_relaxed);
  node->store = this;
  nodes_.insert(node.get());
  return AttrRef(node.release());
}

}  // namespace vipd::bgp::rib
