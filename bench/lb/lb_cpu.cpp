// CPU time and peak memory of the load balancer's decisions at scale (bench/lb/README.md):
// the controller's allocation (allocator::reconcile) and a speaker's announcement plan
// (plan_bgp) for 10,000 Services over 20 pools, in two workload shapes:
//   uniform  every Service IPv4 single stack, Cluster policy, automatic allocation
//   mixed    a fifth dual stack, a tenth sharing an address by key, a tenth Local policy with
//            endpoints on some nodes, a twentieth asking for an address, namespaces restricted
//            to some pools, pools with priorities and avoidBuggyIPs
// For each: the first allocation (empty status), the same again with every address recorded
// (what each later cluster change costs), one Service added, and the plan of one node.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "lb/allocator/allocator.hpp"
#include "lb/announce.hpp"
#include "lb/crd/validate.hpp"

namespace vipd::lb {
namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

struct Workload {
  crd::LbConfig config;
  cluster::ClusterState state;
};

Workload make(bool mixed, int services, int pools) {
  Workload w;
  for (int p = 0; p < pools; ++p) {
    crd::IpAddressPool pool;
    pool.meta.name = "pool-" + std::to_string(p);
    // A /22 of IPv4 per pool (20 x 1,024 addresses for 10,000 Services), and in the mixed shape
    // an IPv6 /64 beside it.
    std::string v4 = "10." + std::to_string(p) + ".0.0/22";
    pool.addresses.push_back(v4);
    pool.ranges.push_back(*crd::parse_address_range(v4));
    if (mixed) {
      std::string v6 = "fd00:" + std::to_string(p) + "::/64";
      pool.addresses.push_back(v6);
      pool.ranges.push_back(*crd::parse_address_range(v6));
      if (p % 4 == 0) pool.avoid_buggy_ips = true;
      if (p % 5 == 0)
        pool.service_allocation =
            crd::ServiceAllocation{p, {"tenant-" + std::to_string(p)}, {}, {}};
    }
    w.config.pools.push_back(std::move(pool));
  }
  crd::BgpPeer peer;
  peer.meta.name = "router";
  peer.my_asn = 65009;
  peer.peer_asn = 65000;
  peer.peer_address = *IpAddress::parse("192.168.5.1");
  w.config.peers.push_back(peer);
  crd::BgpAdvertisement adv;
  adv.meta.name = "all";
  w.config.bgp_advertisements.push_back(adv);

  const int nodes = 6;
  for (int n = 0; n < nodes; ++n) {
    cluster::Node node;
    node.name = "node-" + std::to_string(n);
    node.labels = {{"kubernetes.io/hostname", node.name}};
    w.state.nodes[node.name] = node;
  }
  for (int i = 0; i < services; ++i) {
    cluster::Service s;
    std::string ns = "tenant-" + std::to_string(i % 50);
    w.state.namespaces[ns] = cluster::Namespace{ns, {{"team", std::to_string(i % 7)}}};
    s.key = {ns, "svc-" + std::to_string(i)};
    s.type = "LoadBalancer";
    s.ports = {{"http", "TCP", static_cast<std::uint16_t>(80 + (i % 3)), 0}};
    if (mixed) {
      if (i % 5 == 0) {
        s.ip_family_policy = cluster::Service::IpFamilyPolicy::kPreferDualStack;
        s.ip_families = {Family::kIpv4, Family::kIpv6};
      }
      if (i % 10 == 1)
        s.annotations[allocator::kAllowSharedIpAnnotation] = "key-" + std::to_string(i / 30);
      if (i % 10 == 2) s.external_traffic_policy_local = true;
      if (i % 20 == 3)
        // A distinct address per asking Service: pool (i / 20) % 20, host i / 400.
        s.annotations[allocator::kLoadBalancerIpsAnnotation] =
            "10." + std::to_string((i / 20) % 20) + ".3." + std::to_string(i / 400 + 1);
    }
    cluster::EndpointSlice slice;
    slice.key = {ns, s.key.name + "-x"};
    slice.service_name = s.key.name;
    cluster::Endpoint e;
    e.addresses = {IpAddress::v4(0x0a800000u + static_cast<std::uint32_t>(i))};
    e.node_name = "node-" + std::to_string(i % nodes);
    slice.endpoints.push_back(e);
    w.state.endpoint_slices[slice.key] = slice;
    w.state.services[s.key] = std::move(s);
  }
  return w;
}

void run(const char* shape, bool mixed, int services, int pools) {
  Workload w = make(mixed, services, pools);

  double t0 = cpu_seconds();
  auto first = allocator::reconcile(w.config.pools, w.state);
  double first_cpu = cpu_seconds() - t0;
  std::size_t assigned = 0, failed = 0;
  for (auto& [key, decision] : first.decisions) {
    if (decision.kind == allocator::Decision::Kind::kAssigned) {
      ++assigned;
      w.state.services.at(key).ingress = decision.ips;
    } else if (decision.kind == allocator::Decision::Kind::kFailed) {
      ++failed;
    }
  }

  t0 = cpu_seconds();
  auto steady = allocator::reconcile(w.config.pools, w.state);
  double steady_cpu = cpu_seconds() - t0;
  std::size_t moved = 0;
  for (auto& [key, decision] : steady.decisions) moved += decision.changed ? 1 : 0;

  cluster::Service extra;
  extra.key = {"tenant-1", "one-more"};
  extra.type = "LoadBalancer";
  w.state.services[extra.key] = extra;
  t0 = cpu_seconds();
  auto added = allocator::reconcile(w.config.pools, w.state);
  double added_cpu = cpu_seconds() - t0;

  t0 = cpu_seconds();
  auto plan = plan_bgp(w.config, w.state, "node-2");
  double plan_cpu = cpu_seconds() - t0;

  std::printf(
      "%-8s services=%d pools=%d assigned=%zu failed=%zu | first allocation %.1f ms CPU | "
      "steady reconcile %.1f ms (moved %zu) | one added %.1f ms | node plan %.1f ms "
      "(%zu routes) | first allocation + plan %.3f s CPU (target < 1 s) | peak RSS %.1f MiB\n",
      shape, services, pools, assigned, failed, first_cpu * 1e3, steady_cpu * 1e3, moved,
      added_cpu * 1e3, plan_cpu * 1e3, plan.routes.size(), first_cpu + plan_cpu,
      static_cast<double>(peak_rss_kib()) / 1024.0);
  (void)added;
}

}  // namespace
}  // namespace vipd::lb

int main(int argc, char** argv) {
  int services = argc > 1 ? std::stoi(argv[1]) : 10000;
  int pools = argc > 2 ? std::stoi(argv[2]) : 20;
  vipd::lb::run("uniform", false, services, pools);
  vipd::lb::run("mixed", true, services, pools);
  return 0;
}
