// MetalLB's controller, as a pure function: which addresses each LoadBalancer Service gets
// (metallb/metallb internal/allocator and controller/service.go). Stateless over its inputs:
// the assignments in force are the Services' status.loadBalancer.ingress, so a restart, or a
// second controller taking over, decides exactly what the first one did.
//
// Stability (a user's main worry): an address recorded in a Service's status stays with it as
// long as it is still valid for it (its pool exists, still holds the address and still admits
// the Service, the requested IPs/pool/family still agree, sharing is still compatible). Those
// are claimed first, before any new allocation, so adding, changing or removing one Service
// never moves another's address.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "lb/cluster/objects.hpp"
#include "lb/crd/resources.hpp"

namespace vipd::lb::allocator {

// Annotations MetalLB reads on a Service.
inline constexpr const char* kLoadBalancerIpsAnnotation = "metallb.io/loadBalancerIPs";
inline constexpr const char* kAddressPoolAnnotation = "metallb.io/address-pool";
inline constexpr const char* kAllowSharedIpAnnotation = "metallb.io/allow-shared-ip";
// Their metallb.universe.tf forms, which MetalLB still reads when the metallb.io one is absent.
inline constexpr const char* kDeprecatedLoadBalancerIpsAnnotation =
    "metallb.universe.tf/loadBalancerIPs";
inline constexpr const char* kDeprecatedAddressPoolAnnotation = "metallb.universe.tf/address-pool";
inline constexpr const char* kDeprecatedAllowSharedIpAnnotation =
    "metallb.universe.tf/allow-shared-ip";

struct Options {
  // spec.loadBalancerClass this controller serves; nullopt: only Services without one (MetalLB
  // without --lb-class).
  std::optional<std::string> load_balancer_class;
};

// Whether `service` is one this load balancer serves: a LoadBalancer Service of its
// loadBalancerClass (MetalLB's controller and speaker both filter so).
bool serves(const cluster::Service& service, const std::optional<std::string>& load_balancer_class);

struct Decision {
  enum class Kind {
    kAssigned,  // has addresses (kept or new)
    kFailed,    // wanted addresses, got none: `message` says why (AllocationFailed)
    kIgnored,   // not ours: not a LoadBalancer, another loadBalancerClass
  };
  Kind kind = Kind::kIgnored;
  std::vector<IpAddress> ips;  // IPv4 first
  std::string pool;
  bool changed = false;  // ips differ from the Service's status
  // kFailed: MetalLB's error, which its AllocationFailed event prints as `Failed to allocate IP
  // for "<namespace>/<name>": <message>`. kAssigned: why a recorded address was dropped and a
  // new one given, or a note on a kept one. kIgnored: why the Service is not ours.
  std::string message;
  bool operator==(const Decision&) const = default;
};

struct PoolUsage {
  std::string name;
  // Addresses the pool can give (avoidBuggyIPs excluded) and those assigned, per family.
  std::uint64_t ipv4_total = 0, ipv4_used = 0;
  std::uint64_t ipv6_total = 0, ipv6_used = 0;  // saturated at UINT64_MAX for huge ranges
  bool operator==(const PoolUsage&) const = default;
};

struct Result {
  std::map<cluster::ObjectKey, Decision> decisions;  // every Service in the state
  std::vector<PoolUsage> usage;                      // in pool order of the config
};

Result reconcile(const std::vector<crd::IpAddressPool>& pools, const cluster::ClusterState& state,
                 const Options& options = {});

// The pool an address belongs to (pools do not overlap once validated); nullptr: none.
const crd::IpAddressPool* pool_containing(const std::vector<crd::IpAddressPool>& pools,
                                          const IpAddress& address);

}  // namespace vipd::lb::allocator
