#include "lb/crd/resources.hpp"

#include <algorithm>

namespace vipd::lb::crd {
namespace {

template <typename T>
const T* find_by_name(const std::vector<T>& items, std::string_view name) {
  const auto found = std::find_if(items.begin(), items.end(),
                                  [&](const T& item) { return item.meta.name == name; });
  return found == items.end() ? nullptr : &*found;
}

// MetalLB's default when neither timer is given (native speaker and FRR alike).
constexpr std::chrono::milliseconds kDefaultHoldTime{90000};

}  // namespace

std::string SourceLocation::to_string() const {
  return file + ":" + std::to_string(line);
}

std::string SourceLocation::at(std::string_view field) const {
  // A field that was not written (a missing required one) is pointed at through the nearest
  // enclosing one that was: "spec.communities[0].name" -> "spec.communities[0]" -> "spec".
  std::string path(field);
  while (!path.empty()) {
    if (const auto found = field_lines.find(path); found != field_lines.end()) {
      return file + ":" + std::to_string(found->second);
    }
    const auto cut = path.find_last_of(".[");
    path.resize(cut == std::string::npos ? 0 : cut);
  }
  return to_string();
}

bool AddressRange::contains(const IpAddress& a) const {
  return a.family() == family() && !(a < first) && !(last < a);
}

std::chrono::milliseconds BgpPeer::effective_hold_time() const {
  if (hold_time) return *hold_time;
  if (keepalive_time) return *keepalive_time * 3;
  return kDefaultHoldTime;
}

std::chrono::milliseconds BgpPeer::effective_keepalive_time() const {
  if (keepalive_time) return *keepalive_time;
  return effective_hold_time() / 3;
}

const IpAddressPool* LbConfig::find_pool(std::string_view name) const {
  return find_by_name(pools, name);
}

const BgpPeer* LbConfig::find_peer(std::string_view name) const {
  return find_by_name(peers, name);
}

const BfdProfile* LbConfig::find_bfd_profile(std::string_view name) const {
  return find_by_name(bfd_profiles, name);
}

}  // namespace vipd::lb::crd
