// Builders for the allocator's tests: pools from MetalLB's address notations and Services with
// the fields the allocator reads.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "lb/allocator/address_math.hpp"
#include "lb/allocator/allocator.hpp"

namespace vipd {
// Readable addresses in gtest's messages.
inline void PrintTo(const IpAddress& address, std::ostream* out) {
  *out << address.to_string();
}
}  // namespace vipd

namespace vipd::lb::allocator::testing {

inline IpAddress ip(const std::string& text) {
  return *IpAddress::parse(text);
}

// "10.0.0.0/24" (host bits ignored, as MetalLB reads CIDRs), "10.0.0.1-10.0.0.9" or one address.
inline crd::AddressRange range(const std::string& text) {
  if (auto dash = text.find('-'); dash != std::string::npos)
    return {ip(text.substr(0, dash)), ip(text.substr(dash + 1))};
  auto prefix = *Prefix::parse(text);
  auto host_bits = prefix.address().size() * 8 - prefix.length();
  auto first = address_math::to_integer(prefix.address());
  auto span =
      host_bits >= 128 ? address_math::kUint128Max : (address_math::Uint128{1} << host_bits) - 1;
  return {prefix.address(), address_math::from_integer(prefix.family(), first + span)};
}

inline crd::IpAddressPool pool(const std::string& name, const std::vector<std::string>& addresses) {
  crd::IpAddressPool p;
  p.meta.name = name;
  p.meta.namespace_ = "metallb-system";
  p.addresses = addresses;
  for (const auto& a : addresses) p.ranges.push_back(range(a));
  return p;
}

inline LabelSelector labels_selector(Labels labels) {
  LabelSelector selector;
  selector.match_labels = std::move(labels);
  return selector;
}

// serviceAllocation with a priority and namespaces only.
inline crd::ServiceAllocation allocate_to(std::optional<int> priority,
                                          std::vector<std::string> namespaces = {}) {
  crd::ServiceAllocation allocation;
  allocation.priority = priority;
  allocation.namespaces = std::move(namespaces);
  return allocation;
}

inline cluster::Service load_balancer(const std::string& ns, const std::string& name) {
  cluster::Service s;
  s.key = {ns, name};
  s.type = "LoadBalancer";
  s.ports = {{.name = "http", .protocol = "TCP", .port = 80}};
  return s;
}

inline cluster::ServicePort port(const std::string& protocol, std::uint16_t number) {
  return {.name = protocol + std::to_string(number), .protocol = protocol, .port = number};
}

inline void add(cluster::ClusterState& state, const cluster::Service& service) {
  state.services[service.key] = service;
}

inline const Decision& decision_of(const Result& result, const std::string& ns,
                                   const std::string& name) {
  return result.decisions.at({ns, name});
}

// The state a controller would see next: every Service's status set to what was decided.
inline cluster::ClusterState with_statuses(cluster::ClusterState state, const Result& result) {
  for (auto& [key, service] : state.services) {
    const Decision& d = result.decisions.at(key);
    if (d.changed) service.ingress = d.ips;
  }
  return state;
}

inline std::vector<IpAddress> ips(const std::vector<std::string>& texts) {
  std::vector<IpAddress> out;
  for (const auto& t : texts) out.push_back(ip(t));
  return out;
}

}  // namespace vipd::lb::allocator::testing
