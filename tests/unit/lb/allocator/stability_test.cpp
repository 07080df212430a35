// The allocator's promises over sequences of changes: an untouched Service never loses its
// address, reconciling a result again changes nothing (so a restart decides the same), and the
// assignments never break MetalLB's sharing rules. Plus a timing check on a large cluster.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>
#include <set>

#include "allocator_test_support.hpp"
#include "lb/allocator/allocator.hpp"

namespace vipd::lb::allocator {
namespace {

using namespace testing;
using Kind = Decision::Kind;
using Policy = cluster::Service::IpFamilyPolicy;

std::vector<crd::IpAddressPool> random_test_pools() {
  auto buggy = pool("buggy", {"10.0.0.250-10.0.1.5"});
  buggy.avoid_buggy_ips = true;
  auto dual = pool("dual", {"10.0.2.0/29", "2001:db8:2::/125"});
  auto v6 = pool("v6", {"2001:db8:6::/124"});
  auto reserved = pool("reserved", {"10.0.9.0/29"});
  reserved.auto_assign = false;
  auto team = pool("team", {"10.0.3.0/29"});
  team.service_allocation = allocate_to(1, {"ns1"});
  auto labelled = pool("labelled", {"10.0.4.0/30", "2001:db8:4::/126"});
  labelled.service_allocation = allocate_to(2);
  labelled.service_allocation->service_selectors = {labels_selector({{"tier", "front"}})};
  return {buggy, dual, v6, reserved, team, labelled};
}

// A random Service spec (no status): the knobs the allocator reads.
cluster::Service random_service(std::mt19937& rng, const cluster::ObjectKey& key) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  cluster::Service s = load_balancer(key.namespace_, key.name);
  if (pick(10) == 0) s.type = "ClusterIP";
  if (pick(3) == 0) s.labels["tier"] = "front";
  switch (pick(6)) {
    case 0:
      s.ip_families = {Family::kIpv6};
      break;
    case 1:
      s.ip_family_policy = Policy::kPreferDualStack;
      break;
    case 2:
      s.ip_family_policy = Policy::kRequireDualStack;
      break;
    default:
      break;
  }
  static const char* kKeys[] = {"", "", "k1", "k2"};
  if (std::string key_text = kKeys[pick(4)]; !key_text.empty())
    s.annotations[kAllowSharedIpAnnotation] = key_text;
  s.ports = {port(pick(2) ? "TCP" : "UDP", static_cast<std::uint16_t>(80 + pick(3)))};
  s.external_traffic_policy_local = pick(4) == 0;
  switch (pick(12)) {
    case 0:
      s.annotations[kAddressPoolAnnotation] = "reserved";
      break;
    case 1:
      s.annotations[kAddressPoolAnnotation] = "dual";
      break;
    case 2:
      s.annotations[kLoadBalancerIpsAnnotation] = fmt::format("10.0.2.{}", pick(8));
      break;
    case 3:
      s.annotations[kLoadBalancerIpsAnnotation] = fmt::format("10.0.9.{}", pick(8));
      break;
    default:
      break;
  }
  return s;
}

// Every address is used by Services that MetalLB would let share it, from a pool admitting them.
void expect_sharing_rules_hold(const std::vector<crd::IpAddressPool>& pools,
                               const cluster::ClusterState& state, const Result& result) {
  std::map<IpAddress, std::vector<const cluster::Service*>> users;
  for (const auto& [key, d] : result.decisions) {
    if (d.kind != Kind::kAssigned) continue;
    for (const auto& address : d.ips) {
      users[address].push_back(&state.services.at(key));
      const auto* p = pool_containing(pools, address);
      ASSERT_NE(p, nullptr) << address.to_string();
      EXPECT_EQ(p->meta.name, d.pool);
    }
  }
  auto sharing_key = [](const cluster::Service* s) {
    auto it = s->annotations.find(kAllowSharedIpAnnotation);
    return it == s->annotations.end() ? std::string() : it->second;
  };
  for (const auto& [address, services] : users) {
    if (services.size() < 2) continue;
    std::set<std::pair<std::string, std::uint16_t>> ports;
    for (const auto* s : services) {
      EXPECT_FALSE(sharing_key(s).empty());
      EXPECT_EQ(sharing_key(s), sharing_key(services[0]));
      EXPECT_EQ(s->external_traffic_policy_local, services[0]->external_traffic_policy_local);
      for (const auto& p : s->ports)
        EXPECT_TRUE(ports.insert({p.protocol, p.port}).second)
            << address.to_string() << " " << p.protocol << "/" << p.port;
    }
  }
}

void expect_fixed_point(const std::vector<crd::IpAddressPool>& pools,
                        const cluster::ClusterState& state, const Result& result) {
  auto restarted = reconcile(pools, with_statuses(state, result));
  for (const auto& [key, d] : result.decisions) {
    const Decision& again = restarted.decisions.at(key);
    EXPECT_EQ(again.kind, d.kind) << key.to_string();
    EXPECT_EQ(again.ips, d.ips) << key.to_string();
    EXPECT_EQ(again.pool, d.pool) << key.to_string();
    EXPECT_FALSE(again.changed) << key.to_string() << " " << again.message;
  }
  EXPECT_EQ(restarted.usage, result.usage);
}

TEST(LbAllocatorStability, RandomChangesNeverMoveAnUntouchedService) {
  auto pools = random_test_pools();
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    cluster::ClusterState state;
    int next_name = 0;
    auto new_key = [&] {
      return cluster::ObjectKey{fmt::format("ns{}", rng() % 3), fmt::format("s{}", next_name++)};
    };
    for (int i = 0; i < 25; ++i) {
      auto key = new_key();
      add(state, random_service(rng, key));
    }
    Result result = reconcile(pools, state);
    for (int step = 0; step < 60; ++step) {
      cluster::ClusterState next = with_statuses(state, result);
      std::set<cluster::ObjectKey> touched;
      int what = static_cast<int>(rng() % 3);
      if (what == 0 || next.services.empty()) {
        auto key = new_key();
        add(next, random_service(rng, key));
        touched.insert(key);
      } else {
        auto it = std::next(next.services.begin(), static_cast<long>(rng() % next.services.size()));
        touched.insert(it->first);
        if (what == 1) {
          next.services.erase(it);
        } else {
          auto ingress = it->second.ingress;
          it->second = random_service(rng, it->first);
          it->second.ingress = ingress;  // a spec change keeps the status
        }
      }
      // Services sharing an address with a touched one may lose it if the change makes them
      // incompatible (then the first in name order keeps it): not untouched.
      std::set<IpAddress> touched_addresses;
      for (const auto& key : touched)
        if (auto it = result.decisions.find(key); it != result.decisions.end())
          touched_addresses.insert(it->second.ips.begin(), it->second.ips.end());

      Result after = reconcile(pools, next);
      for (const auto& [key, before] : result.decisions) {
        if (touched.contains(key) || before.kind != Kind::kAssigned) continue;
        bool shares_with_touched =
            std::any_of(before.ips.begin(), before.ips.end(),
                        [&](const IpAddress& a) { return touched_addresses.contains(a); });
        if (shares_with_touched) continue;
        const Decision& now = after.decisions.at(key);
        ASSERT_EQ(now.kind, Kind::kAssigned)
            << "seed " << seed << " step " << step << " " << key.to_string() << ": " << now.message;
        // A PreferDualStack Service may gain its missing family; nothing else changes.
        for (const auto& address : before.ips) {
          EXPECT_NE(std::find(now.ips.begin(), now.ips.end(), address), now.ips.end())
              << "seed " << seed << " step " << step << " " << key.to_string();
        }
        if (next.services.at(key).ip_family_policy != Policy::kPreferDualStack) {
          EXPECT_EQ(now.ips, before.ips);
        }
      }
      expect_sharing_rules_hold(pools, next, after);
      expect_fixed_point(pools, next, after);
      EXPECT_EQ(reconcile(pools, next).decisions, after.decisions);  // a pure function
      if (HasFailure()) return;
      state = std::move(next);
      result = std::move(after);
    }
  }
}

TEST(LbAllocatorStability, RestartWithTheRecordedStatusesDecidesTheSame) {
  auto pools = random_test_pools();
  std::mt19937 rng(7);
  cluster::ClusterState state;
  for (int i = 0; i < 60; ++i) {
    cluster::ObjectKey key{fmt::format("ns{}", i % 3), fmt::format("s{}", i)};
    add(state, random_service(rng, key));
  }
  auto first = reconcile(pools, state);
  expect_sharing_rules_hold(pools, state, first);
  expect_fixed_point(pools, state, first);
}

// 10,000 Services over 20 pools: /24s, ranges, dual-stack pools and IPv6 /64s, priorities,
// namespaces and sharing. Prints the time; asserts only on the outcome.
TEST(LbAllocatorStability, TenThousandServicesOverTwentyPoolsTiming) {
  std::vector<crd::IpAddressPool> pools;
  for (int i = 0; i < 6; ++i)
    pools.push_back(pool(fmt::format("c24-{}", i), {fmt::format("10.1.{}.0/24", i)}));
  for (int i = 0; i < 4; ++i)
    pools.push_back(pool(fmt::format("range-{}", i),
                         {fmt::format("10.2.{}.10-10.2.{}.250", i * 4, i * 4 + 3)}));
  for (int i = 0; i < 4; ++i) {
    auto p = pool(fmt::format("dual-{}", i),
                  {fmt::format("10.3.{}.0/23", i * 2), fmt::format("2001:db8:3:{}::/64", i)});
    p.avoid_buggy_ips = true;
    pools.push_back(p);
  }
  for (int i = 0; i < 4; ++i)
    pools.push_back(pool(fmt::format("v6-{}", i), {fmt::format("2001:db8:6:{}::/64", i)}));
  auto team = pool("team", {"10.4.0.0/22"});
  team.service_allocation = allocate_to(5, {"ns3"});
  pools.push_back(team);
  auto front = pool("front", {"10.5.0.0/22", "2001:db8:5::/64"});
  front.service_allocation = allocate_to(1);
  front.service_allocation->service_selectors = {labels_selector({{"tier", "front"}})};
  pools.push_back(front);
  ASSERT_EQ(pools.size(), 20u);

  cluster::ClusterState state;
  for (int i = 0; i < 10000; ++i) {
    auto s = load_balancer(fmt::format("ns{}", i % 8), fmt::format("svc-{:05}", i));
    if (i % 7 == 0) s.labels["tier"] = "front";
    if (i % 4 == 1) s.ip_families = {Family::kIpv6};
    if (i % 10 == 3) s.ip_family_policy = Policy::kPreferDualStack;
    if (i % 10 == 4) s.ip_family_policy = Policy::kRequireDualStack;
    if (i % 5 == 2) {
      // Pairs sharing one address: TCP and UDP 53 under one key.
      s.annotations[kAllowSharedIpAnnotation] = fmt::format("dns-{}", i / 2);
      s.ports = {port(i % 2 ? "UDP" : "TCP", 53)};
    }
    add(state, s);
  }

  // CPU time of this thread as well as wall time: the machine running the tests is shared.
  auto cpu_now = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
  };
  auto timed = [&](const cluster::ClusterState& input, Result& output) {
    auto wall_start = std::chrono::steady_clock::now();
    auto cpu_start = cpu_now();
    output = reconcile(pools, input);
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    return std::pair{ms(std::chrono::steady_clock::now() - wall_start), ms(cpu_now() - cpu_start)};
  };
  Result result;
  auto [fresh_wall, fresh_cpu] = timed(state, result);
  auto recorded = with_statuses(state, result);
  Result restarted;
  auto [restart_wall, restart_cpu] = timed(recorded, restarted);

  std::size_t assigned = 0;
  for (const auto& [key, d] : result.decisions) assigned += d.kind == Kind::kAssigned;
  std::printf(
      "reconcile of 10000 Services over 20 pools: from nothing %.1f ms (%.1f ms CPU), keeping "
      "every recorded address %.1f ms (%.1f ms CPU); %zu assigned\n",
      fresh_wall, fresh_cpu, restart_wall, restart_cpu, assigned);
  EXPECT_EQ(assigned, 10000u);
  for (const auto& [key, d] : restarted.decisions) EXPECT_FALSE(d.changed) << key.to_string();
}

}  // namespace
}  // namespace vipd::lb::allocator
