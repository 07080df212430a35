// Bytes per route of the Loc-RIB: interns K attribute sets, then inserts P synthetic IPv4 prefixes
// from N peers sharing K distinct attribute sets and reports the resident set growth per route
// (DESIGN principle 5: well under BIRD's ~150 bytes/route), the insert and withdraw rates, and, for
// comparison, the same routes in today's per-peer AdjRibIn.
//
//   bench_rib_memory [prefixes=1000000] [peers=4] [attribute-sets=10000] [--adj-rib-in]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "bgp/rib/adj_rib_in.hpp"
#include "bgp/rib/loc_rib.hpp"

namespace {

using namespace vipd;
using namespace vipd::bgp;

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

IpAddress peer_address(std::size_t peer) {
  return IpAddress::v4(0xc0a80100u + 51 + static_cast<std::uint32_t>(peer));  // 192.168.1.51..
}

// K attribute sets, K/N per peer (the peer's address as next hop), Internet-like: AS paths of
// 2-6 ASes, a MED on some, one to three communities on most.
std::vector<wire::PathAttributes> make_attribute_sets(std::size_t k, std::size_t peers) {
  std::mt19937 rng(42);
  std::vector<wire::PathAttributes> sets;
  for (std::size_t i = 0; i < k; ++i) {
    std::size_t peer = i % peers;
    wire::PathAttributes a;
    a.origin = wire::Origin::kIgp;
    wire::AsSegment seg{wire::SegmentType::kAsSequence, {65001 + static_cast<std::uint32_t>(peer)}};
    for (std::size_t n = 1 + rng() % 5; n > 0; --n) seg.asns.push_back(1 + rng() % 400000);
    a.as_path = wire::AsPath{{seg}};
    a.next_hop = peer_address(peer);
    if (rng() % 2) a.med = rng() % 1000;
    if (rng() % 4) {
      std::vector<std::uint32_t> communities;
      for (std::size_t n = 1 + rng() % 3; n > 0; --n) communities.push_back(rng());
      a.communities = communities;
    }
    sets.push_back(std::move(a));
  }
  return sets;
}

Prefix prefix_at(std::size_t i) {
  // Consecutive /24s from 1.0.0.0.
  return Prefix(IpAddress::v4(0x01000000u + static_cast<std::uint32_t>(i) * 256), 24);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<const char*> numbers;
  bool adj_rib_in = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--adj-rib-in") == 0)
      adj_rib_in = true;
    else
      numbers.push_back(argv[i]);
  }
  auto arg = [&](std::size_t i, std::size_t fallback) {
    return i < numbers.size() ? std::strtoull(numbers[i], nullptr, 10) : fallback;
  };
  const std::size_t prefixes = arg(0, 1000000), peers = arg(1, 4), k = arg(2, 10000);
  const std::size_t routes = prefixes * peers;

  std::size_t rss_start = rss_bytes();
  rib::AttributeStore store;
  std::vector<rib::AttrRef> sets;
  for (auto& a : make_attribute_sets(k, peers)) sets.push_back(store.intern(std::move(a)));
  std::size_t attribute_bytes = rss_bytes() - rss_start;
  const std::size_t per_peer = k / peers;

  rib::DecisionOptions options;
  options.local_as = 65000;
  options.maximum_paths = 8;
  rib::LocRib loc_rib(options);
  for (std::size_t p = 0; p < peers; ++p)
    loc_rib.set_peer(static_cast<rib::PeerId>(p + 1),
                     rib::PeerInfo{true, peer_address(p).v4_host_order(), peer_address(p),
                                   65001 + static_cast<std::uint32_t>(p)});

  std::size_t rss_before = rss_bytes();
  auto start = std::chrono::steady_clock::now();
  std::size_t changes = 0;
  for (std::size_t peer = 0; peer < peers; ++peer) {
    for (std::size_t i = 0; i < prefixes; ++i) {
      const auto& attrs = sets[peer + peers * ((i * 7919) % per_peer)];
      loc_rib.update(wire::kIpv4Unicast, prefix_at(i), static_cast<rib::PeerId>(peer + 1), attrs);
      if (loc_rib.pending_changes() >= 4096) changes += loc_rib.drain_changes().size();
    }
  }
  changes += loc_rib.drain_changes().size();
  double insert_seconds = seconds_since(start);
  std::size_t rss_after = rss_bytes();

  std::printf("Loc-RIB: %zu prefixes x %zu peers = %zu routes, %zu attribute sets\n", prefixes,
              peers, routes, store.size());
  std::printf("  RSS growth        %8.1f bytes/route (%.1f MiB)\n",
              double(rss_after - rss_before) / double(routes),
              double(rss_after - rss_before) / 1048576.0);
  std::printf("  tables (counted)  %8.1f bytes/route\n",
              double(loc_rib.memory_bytes()) / double(routes));
  std::printf(
      "  attribute sets    %8.1f bytes/route (upper bound: RSS growth while interning, %.0f "
      "bytes/set)\n",
      double(attribute_bytes) / double(routes), double(attribute_bytes) / double(k));
  std::printf("  insert            %8.2f s, %.0f routes/s, %zu changes\n", insert_seconds,
              double(routes) / insert_seconds, changes);

  start = std::chrono::steady_clock::now();
  std::size_t withdrawn = 0;
  for (std::size_t peer = 0; peer < peers; ++peer) {
    withdrawn += loc_rib.withdraw_peer(static_cast<rib::PeerId>(peer + 1));
    loc_rib.drain_changes();
  }
  std::printf("  withdraw (peers)  %8.2f s, %.0f routes/s\n", seconds_since(start),
              double(withdrawn) / seconds_since(start));
  if (withdrawn != routes || loc_rib.prefix_count(wire::kIpv4Unicast) != 0) {
    std::fprintf(stderr, "withdrew %zu of %zu routes\n", withdrawn, routes);
    return 1;
  }

  if (adj_rib_in) {
    // The Adj-RIB-In per peer (prefix -> interned attribute set), for comparison.
    const std::vector<rib::AttributesHandle>& shared = sets;
    std::vector<rib::AdjRibIn> tables(peers);
    rss_before = rss_bytes();
    for (std::size_t peer = 0; peer < peers; ++peer)
      for (std::size_t i = 0; i < prefixes; ++i)
        tables[peer].announce(wire::kIpv4Unicast, prefix_at(i),
                              shared[peer + peers * ((i * 7919) % per_peer)]);
    std::printf("AdjRibIn (per peer): RSS growth %.1f bytes/route\n",
                double(rss_bytes() - rss_before) / double(routes));
  }
  return 0;
}
