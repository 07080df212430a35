// Adj-RIB-In (RFC 4271 §3.2): the routes one peer advertised to us and that we accepted, per
// address family. Attribute sets are shared between the prefixes of one UPDATE.
#pragma once

#include <map>
#include <memory>
#include <unordered_map>

#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

using AttributesHandle = std::shared_ptr<const wire::PathAttributes>;

class AdjRibIn {
 public:
  // Adds or replaces the route for `prefix` (an implicit withdraw of the old one, §3.1).
  void announce(wire::AfiSafi family, const Prefix& prefix, AttributesHandle attributes);
  // True if there was a route to remove.
  bool withdraw(wire::AfiSafi family, const Prefix& prefix);
  void clear();

  std::size_t count(wire::AfiSafi family) const;
  std::size_t total() const;
  const AttributesHandle* find(wire::AfiSafi family, const Prefix& prefix) const;
  template <typename Fn>  // fn(const Prefix&, const AttributesHandle&)
  void for_each(wire::AfiSafi family, Fn&& fn) const {
    auto it = tables_.find(family);
    if (it == tables_.end()) return;
    for (const auto& [prefix, attributes] : it->second) fn(prefix, attributes);
  }

 private:
  std::map<wire::AfiSafi, std::unordered_map<Prefix, AttributesHandle>> tables_;
};

}  // namespace vipd::bgp::rib
