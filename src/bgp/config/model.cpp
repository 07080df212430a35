#include "bgp/config/model.hpp"

#include <algorithm>

namespace vipd::bgp::config {

const char* to_string(AddressFamily af) {
  switch (af) {
    case AddressFamily::kIpv4Unicast:
      return "ipv4 unicast";
    case AddressFamily::kIpv6Unicast:
      return "ipv6 unicast";
  }
  return "";
}

AddressFamily family_of(const Prefix& prefix) {
  return prefix.family() == Family::kIpv4 ? AddressFamily::kIpv4Unicast
                                          : AddressFamily::kIpv6Unicast;
}

std::string RemoteAs::to_string() const {
  switch (kind) {
    case Kind::kInternal:
      return "internal";
    case Kind::kExternal:
      return "external";
    case Kind::kUnspecified:
      return "";
    case Kind::kNumber:
      break;
  }
  return std::to_string(asn);
}

std::uint64_t& lookup_steps() {
  thread_local std::uint64_t steps = 0;
  return steps;
}

NeighborConfig* RouterBgp::find(const IpAddress& address) {
  auto it = std::find_if(neighbors.begin(), neighbors.end(), [&](const NeighborConfig& n) {
    ++lookup_steps();
    return n.address == address;
  });
  return it == neighbors.end() ? nullptr : &*it;
}

const NeighborConfig* RouterBgp::find(const IpAddress& address) const {
  return const_cast<RouterBgp*>(this)->find(address);
}

std::string option_key(std::string_view keyword, std::optional<AddressFamily> af) {
  std::string key = af ? std::string(to_string(*af)) + " " : std::string();
  key += keyword;
  return key;
}

PeerGroup* RouterBgp::find_group(std::string_view name) {
  for (auto& g : peer_groups)
    if (g.name == name) return &g;
  return nullptr;
}

const PeerGroup* RouterBgp::find_group(std::string_view name) const {
  return const_cast<RouterBgp*>(this)->find_group(name);
}

const ListenRange* RouterBgp::listen_range_of(const IpAddress& address) const {
  for (const auto& r : listen_ranges)
    if (r.range.contains(address)) return &r;
  return nullptr;
}

NeighborConfig RouterBgp::dynamic_neighbor(const PeerGroup& group, const IpAddress& address) const {
  NeighborConfig n = group.conf;
  n.address = address;
  n.peer_group = group.name;
  n.overrides.clear();
  // Not inherited in FRR (peer_description_set() and peer_port_set() are per peer).
  n.description.clear();
  n.port.reset();
  return n;
}

bool RouterBgp::active_by_default(const IpAddress& neighbor, AddressFamily f) const {
  return f == AddressFamily::kIpv4Unicast && neighbor.is_v4() && default_ipv4_unicast;
}

bool PrefixListEntry::matches(const Prefix& p) const {
  if (any) return true;
  if (!prefix.covers(p)) return false;
  // FRR lib/plist.c: without ge/le only the exact length matches; `ge` alone reaches up to the
  // family's full length.
  if (!ge && !le) return p.length() == prefix.length();
  std::uint8_t max = p.family() == Family::kIpv4 ? 32 : 128;
  return p.length() >= ge.value_or(prefix.length()) && p.length() <= le.value_or(max);
}

bool PrefixList::permits(const Prefix& p) const {
  if (entries.empty()) return true;
  for (const auto& e : entries)
    if (e.matches(p)) return e.permit;
  return false;
}

PrefixList* BgpConfig::find_prefix_list(AddressFamily af, std::string_view name) {
  auto it = std::find_if(prefix_lists.begin(), prefix_lists.end(), [&](const PrefixList& l) {
    ++lookup_steps();
    return l.af == af && l.name == name;
  });
  return it == prefix_lists.end() ? nullptr : &*it;
}

const PrefixList* BgpConfig::find_prefix_list(AddressFamily af, std::string_view name) const {
  return const_cast<BgpConfig*>(this)->find_prefix_list(af, name);
}

std::string BfdPeer::key() const {
  std::string text = "peer " + address.to_string();
  if (multihop) text += " multihop";
  if (local_address) text += " local-address " + local_address->to_string();
  if (!interface.empty()) text += " interface " + interface;
  return text;
}

const BfdProfile* BfdConfig::find_profile(std::string_view name) const {
  for (const auto& profile : profiles)
    if (profile.name == name) return &profile;
  return nullptr;
}

}  // namespace vipd::bgp::config
