#include "bgp/rib/adj_rib_in.hpp"

namespace vipd::bgp::rib {

void AdjRibIn::announce(wire::AfiSafi family, const Prefix& prefix, AttributesHandle attributes) {
  tables_[family][prefix] = std::move(attributes);
}

bool AdjRibIn::withdraw(wire::AfiSafi family, const Prefix& prefix) {
  auto it = tables_.find(family);
  return it != tables_.end() && it->second.erase(prefix) > 0;
}

void AdjRibIn::clear() {
  tables_.clear();
}

std::size_t AdjRibIn::count(wire::AfiSafi family) const {
  auto it = tables_.find(family);
  return it == tables_.end() ? 0 : it->second.size();
}

std::size_t AdjRibIn::total() const {
  std::size_t n = 0;
  for (const auto& [family, table] : tables_) n += table.size();
  return n;
}

const AttributesHandle* AdjRibIn::find(wire::AfiSafi family, const Prefix& prefix) const {
  auto it = tables_.find(family);
  if (it == tables_.end()) return nullptr;
  auto route = it->second.find(prefix);
  return route == it->second.end() ? nullptr : &route->second;
}

}  // namespace vipd::bgp::rib
