// Adj-RIB-In (RFC 4271 §3.2): the routes one peer advertised to us, before inbound policy, per
// address family, so that a policy change is re-applied without asking the peer again. Kept only
// where asked for (FRR's `neighbor A soft-reconfiguration inbound`, BIRD's `import table`): a
// family that is not kept costs nothing, and a policy change then asks the peer for its routes
// again (RFC 2918 ROUTE-REFRESH). Entries are a prefix key and an interned attribute handle in
// an open-addressing table: 16 bytes per slot.
#pragma once

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/prefix_table.hpp"
#include "bgp/wire/constants.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

using AttributesHandle = AttrRef;

class AdjRibIn {
 public:
  // Whether `family`'s routes are kept (both are, until told otherwise). Turning it off
  // forgets them.
  void keep(wire::AfiSafi family, bool on);
  bool kept(wire::AfiSafi family) const;
  // Adds or replaces the route for `prefix` (an implicit withdraw of the old one, §3.1).
  // Families other than IPv4/IPv6 unicast, and families not kept, are ignored.
  void announce(wire::AfiSafi family, const Prefix& prefix, AttributesHandle attributes);
  // True if there was a route to remove.
  bool withdraw(wire::AfiSafi family, const Prefix& prefix);
  void clear();

  std::size_t count(wire::AfiSafi family) const;
  std::size_t total() const { return v4_.size() + v6_.size(); }
  const AttributesHandle* find(wire::AfiSafi family, const Prefix& prefix) const;
  std::size_t memory_bytes() const { return v4_.memory_bytes() + v6_.memory_bytes(); }
  template <typename Fn>  // fn(const Prefix&, const AttributesHandle&)
  void for_each(wire::AfiSafi family, Fn&& fn) const {
    if (family == wire::kIpv4Unicast)
      v4_.for_each([&](const V4Key& k, const AttrRef& a) { fn(k.prefix(), a); });
    else if (family == wire::kIpv6Unicast)
      v6_.for_each([&](const V6Key& k, const AttrRef& a) { fn(k.prefix(), a); });
  }

 private:
  PrefixTable<V4Key, AttrRef> v4_;
  PrefixTable<V6Key, AttrRef> v6_;
  bool keep_v4_ = true;
  bool keep_v6_ = true;
};

}  // namespace vipd::bgp::rib
