// The Kubernetes objects the load balancer reads (core/v1 Service, Node, Namespace and
// discovery.k8s.io/v1 EndpointSlice), reduced to the fields MetalLB's controller and speaker
// use. Sources (source.hpp) produce them; the allocator and the speaker consume them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "lb/labels.hpp"

namespace vipd::lb::cluster {

// namespace/name of a namespaced object.
struct ObjectKey {
  std::string namespace_;
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
  bool operator==(const ObjectKey&) const = default;
  std::string to_string() const { return namespace_ + "/" + name; }
};

struct ServicePort {
  std::string name;
  std::string protocol = "TCP";  // TCP, UDP, SCTP
  std::uint16_t port = 0;
  std::uint16_t node_port = 0;
  bool operator==(const ServicePort&) const = default;
};

struct Service {
  enum class IpFamilyPolicy { kSingleStack, kPreferDualStack, kRequireDualStack };
  ObjectKey key;
  Labels labels;
  Labels annotations;              // metallb.io/loadBalancerIPs, metallb.io/address-pool, ...
  std::string type = "ClusterIP";  // only "LoadBalancer" gets addresses
  std::string load_balancer_ip;    // spec.loadBalancerIP (deprecated, still honoured)
  std::optional<std::string> load_balancer_class;
  std::vector<ServicePort> ports;
  bool external_traffic_policy_local = false;  // spec.externalTrafficPolicy: Local
  std::vector<Family> ip_families;             // spec.ipFamilies; empty: IPv4
  IpFamilyPolicy ip_family_policy = IpFamilyPolicy::kSingleStack;
  std::vector<IpAddress> cluster_ips;
  // status.loadBalancer.ingress[].ip: what the controller assigned (read back on restart).
  std::vector<IpAddress> ingress;
  std::string where;  // "FILE:LINE" of the manifest, for messages
  bool operator==(const Service&) const = default;
};

struct Endpoint {
  std::vector<IpAddress> addresses;
  std::string node_name;  // empty: unknown
  // conditions; unset means true for ready and serving, false for terminating (k8s API).
  std::optional<bool> ready;
  std::optional<bool> serving;
  std::optional<bool> terminating;
  bool operator==(const Endpoint&) const = default;
};

struct EndpointSlice {
  ObjectKey key;
  std::string service_name;  // label kubernetes.io/service-name
  Family address_type = Family::kIpv4;
  std::vector<Endpoint> endpoints;
  bool operator==(const EndpointSlice&) const = default;
};

struct Node {
  std::string name;
  Labels labels;
  bool ready = true;                 // condition Ready (missing: true)
  bool network_unavailable = false;  // condition NetworkUnavailable
  bool operator==(const Node&) const = default;
};

struct Namespace {
  std::string name;
  Labels labels;
  bool operator==(const Namespace&) const = default;
};

// MetalLB's ServiceL2Status (metallb.io/v1beta1, status): the node that announces a Service in
// L2 mode, and on which interfaces. The speaker that owns the address writes it.
struct ServiceL2Status {
  ObjectKey service;
  std::string node;
  std::vector<std::string> interfaces;
  bool operator==(const ServiceL2Status&) const = default;
};

// MetalLB's ServiceBGPStatus: the BGPPeers a node announces a Service to (by their names).
struct ServiceBGPStatus {
  ObjectKey service;
  std::string node;
  std::vector<std::string> peers;
  bool operator==(const ServiceBGPStatus&) const = default;
};

// A BGP session of a node's speaker as the BGPSessionStatus resource of MetalLB's status design
// shows it: one per node and BGPPeer, the state strings as FRR prints them.
struct BgpSessionStatus {
  std::string node;
  std::string peer;          // the BGPPeer's name
  std::string peer_address;  // its spec.peerAddress
  std::string vrf;
  std::string bgp_status;  // "Established", "Active", ...
  std::string bfd_status;  // "Up", "Down", "N/A" (no BFD profile)
  bool operator==(const BgpSessionStatus&) const = default;
};

// An IPAddressPool's status counts (MetalLB's controller keeps them).
struct PoolStatus {
  std::string pool;
  std::uint64_t assigned_ipv4 = 0, assigned_ipv6 = 0, available_ipv4 = 0, available_ipv6 = 0;
  bool operator==(const PoolStatus&) const = default;
};

// A full view of the cluster at one moment, as a source last saw it.
struct ClusterState {
  std::map<ObjectKey, Service> services;
  std::map<ObjectKey, EndpointSlice> endpoint_slices;
  std::map<std::string, Node> nodes;
  std::map<std::string, Namespace> namespaces;
  bool operator==(const ClusterState&) const = default;

  // The slices of one Service (label kubernetes.io/service-name in its namespace).
  std::vector<const EndpointSlice*> slices_of(const ObjectKey& service) const;
  // Whether `node` has a ready endpoint of the Service (externalTrafficPolicy: Local), with
  // MetalLB's rule (epslices.EndpointCanServe): an endpoint with addresses that is ready (unset
  // counts as ready) or, when not ready, serving. Terminating is not consulted: a serving
  // terminating endpoint keeps the address announced during graceful shutdown, as in MetalLB.
  bool has_local_endpoint(const ObjectKey& service, const std::string& node) const;
  const Namespace* find_namespace(const std::string& name) const;
};

// MetalLB's epslices.EndpointCanServe (objects.cpp says why it reads so).
bool endpoint_can_serve(const Endpoint& endpoint);

// Endpoint slices by the Service they belong to, built once for a pass over every Service
// (slices_of() scans a namespace: a pass calling it per Service would be quadratic).
class SliceIndex {
 public:
  explicit SliceIndex(const ClusterState& state);
  const std::vector<const EndpointSlice*>& of(const ObjectKey& service) const;
  // Whether one of the Service's endpoints with an address can serve, on `node` (empty: on
  // any node): MetalLB's speaker announces a Local-policy Service only from nodes with such an
  // endpoint, and a Cluster-policy one only while it has one anywhere.
  bool has_serving_endpoint(const ObjectKey& service, const std::string& node) const;

 private:
  std::map<ObjectKey, std::vector<const EndpointSlice*>> by_service_;
};

}  // namespace vipd::lb::cluster
