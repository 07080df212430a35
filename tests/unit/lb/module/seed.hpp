// The seed homelab's load-balancer inputs built by hand (the parsers have their own tests):
// metallb-bgp.yaml's three resources, six nodes, the six LoadBalancer Services of
// `kubectl get svc`, each with one ready endpoint per node.
#pragma once

#include "lb/cluster/objects.hpp"
#include "lb/crd/resources.hpp"
#include "lb/crd/validate.hpp"

namespace vipd::lb::test {

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
inline Prefix prefix(const char* text) {
  return *Prefix::parse(text);
}

inline const std::vector<std::string> kNodes{"k3s-master-1", "k3s-node-1", "k3s-node-2",
                                             "k3s-node-3",   "k3s-node-4", "k3s-node-5"};

// An IPAddressPool with one range ("10.47.40.1/24", "A-B").
inline crd::IpAddressPool pool_of(const std::string& name, const std::string& range) {
  crd::IpAddressPool pool;
  pool.meta.name = name;
  pool.addresses = {range};
  pool.ranges = {*crd::parse_address_range(range)};
  return pool;
}

inline crd::LbConfig seed_config() {
  crd::LbConfig config;
  crd::BgpPeer peer;
  peer.meta.name = "bgp-config";
  peer.meta.namespace_ = "metallb-system";
  peer.api_version = "metallb.io/v1beta2";
  peer.my_asn = 65009;
  peer.peer_asn = 65000;
  peer.peer_address = ip("192.168.5.1");
  config.peers.push_back(peer);
  config.pools.push_back(pool_of("first-pool", "10.47.40.1/24"));
  crd::BgpAdvertisement adv;
  adv.meta.name = "main";
  adv.ip_address_pools = {"first-pool"};
  config.bgp_advertisements.push_back(adv);
  return config;
}

// The seed's L2 design (metallb-l2.yaml): pool 192.168.20.1-192.168.20.250, one
// L2Advertisement.
inline crd::LbConfig l2_seed_config() {
  crd::LbConfig config;
  config.pools.push_back(pool_of("first-pool", "192.168.20.1-192.168.20.250"));
  crd::L2Advertisement adv;
  adv.meta.name = "main";
  adv.ip_address_pools = {"first-pool"};
  config.l2_advertisements.push_back(adv);
  return config;
}

inline cluster::Service lb_service(const std::string& name) {
  cluster::Service s;
  s.key = {"default", name};
  s.type = "LoadBalancer";
  s.ports = {{"redis", "TCP", 6379, 0}, {"bus", "TCP", 16379, 0}};
  return s;
}

inline cluster::EndpointSlice slice_on(const std::string& service,
                                       const std::vector<std::string>& nodes, bool ready = true) {
  cluster::EndpointSlice slice;
  slice.key = {"default", service + "-abcde"};
  slice.service_name = service;
  int host = 10;
  for (const auto& node : nodes) {
    cluster::Endpoint e;
    e.addresses = {IpAddress::v4(0x0a2a0000u + static_cast<std::uint32_t>(host++))};
    e.node_name = node;
    e.ready = ready;
    slice.endpoints.push_back(e);
  }
  return slice;
}

inline cluster::ClusterState seed_cluster(int services = 6) {
  cluster::ClusterState state;
  for (const auto& name : kNodes) {
    cluster::Node node;
    node.name = name;
    node.labels = {{"kubernetes.io/hostname", name}};
    state.nodes[name] = node;
  }
  state.namespaces["default"] = cluster::Namespace{"default", {}};
  for (int i = 0; i < services; ++i) {
    auto name = "shake-test-cluster-" + std::to_string(i) + "-svc";
    state.services[{"default", name}] = lb_service(name);
    auto slice = slice_on(name, kNodes);
    state.endpoint_slices[slice.key] = slice;
  }
  return state;
}

}  // namespace vipd::lb::test
