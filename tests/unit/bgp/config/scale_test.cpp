// Issue 15: loading a large bgpd.conf costs O(lines), and the compiled prefix-list matcher gives
// the same answers as the seq-ordered walk of PrefixList::permits(). Nothing here is timed:
// the parser's lookups count the elements they examine (lookup_steps()), and a quadratic
// lookup shows as a step count that quadruples when the file doubles.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "bgp/config/diff.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/prefix_matcher.hpp"

namespace vipd::bgp::config {
namespace {

// `lists` prefix lists of `per_list` entries in seq order, `neighbors` neighbors with an
// inbound list each: the shape of an IXP route server's file.
std::string large_config(int lists, int per_list, int neighbors) {
  std::string text;
  for (int l = 0; l < lists; ++l)
    for (int i = 0; i < per_list; ++i) {
      int k = l * per_list + i;
      text += fmt::format("ip prefix-list PL{} seq {} permit 10.{}.{}.0/24 le 32\n", l, (i + 1) * 5,
                          (k >> 8) & 255, k & 255);
    }
  text += "router bgp 65000\n";
  for (int j = 0; j < neighbors; ++j)
    text += fmt::format(" neighbor 198.18.{}.{} remote-as {}\n", j >> 8, j & 255, 65001 + j);
  text += " address-family ipv4 unicast\n";
  for (int j = 0; j < neighbors; ++j)
    text +=
        fmt::format("  neighbor 198.18.{}.{} prefix-list PL{} in\n", j >> 8, j & 255, j % lists);
  return text;
}

std::uint64_t steps_to_parse(const std::string& text) {
  lookup_steps() = 0;
  auto parsed = parse_config(text, "t.conf");
  EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
  return lookup_steps();
}

TEST(ConfigScale, PrefixListLinesCostTheSameWhateverTheListLength) {
  // One long list: each entry used to be placed by a scan of the entries before it.
  auto n = steps_to_parse(large_config(1, 4000, 1));
  auto n2 = steps_to_parse(large_config(1, 8000, 1));
  EXPECT_LE(n2, n * 21 / 10) << n << " steps for N lines, " << n2 << " for 2N";
}

TEST(ConfigScale, ManyListsAndNeighborsCostLinearTime) {
  // Many lists of one entry and many neighbors: each line used to scan every list (neighbor).
  auto n = steps_to_parse(large_config(2000, 1, 1000));
  auto n2 = steps_to_parse(large_config(4000, 1, 2000));
  EXPECT_LE(n2, n * 21 / 10) << n << " steps for N lines, " << n2 << " for 2N";
}

TEST(ConfigScale, DiffOfManyNeighborsCostsLinearTime) {
  auto a = parse_config(large_config(1, 1, 2000), "a.conf");
  auto b = parse_config(large_config(1, 1, 4000), "b.conf");
  ASSERT_TRUE(a.ok() && b.ok());
  lookup_steps() = 0;
  auto d = diff(*a, *b);
  auto n = lookup_steps();
  EXPECT_EQ(d.neighbors_added.size(), 2000u);
  lookup_steps() = 0;
  d = diff(*b, *a);
  EXPECT_EQ(d.neighbors_removed.size(), 2000u);
  // Each neighbor is looked up once: a few steps each, not one per neighbor of the other side.
  EXPECT_LE(n + lookup_steps(), 4u * (2000 + 4000));
}

TEST(ConfigScale, OutOfOrderSeqStillSorted) {
  auto c = parse_config(
      "ip prefix-list A seq 20 permit 10.0.0.0/8\n"
      "ip prefix-list A seq 10 deny 10.1.0.0/16\n"
      "ip prefix-list A seq 30 permit 11.0.0.0/8\n"
      "ip prefix-list A seq 20 deny 12.0.0.0/8\n"
      "ip prefix-list A permit 13.0.0.0/8\n",
      "t.conf");
  ASSERT_TRUE(c.ok());
  const auto& e = c->prefix_lists.at(0).entries;
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].seq, 10u);
  EXPECT_EQ(e[1].seq, 20u);
  EXPECT_EQ(e[1].prefix, *Prefix::parse("12.0.0.0/8"));  // replaced
  EXPECT_EQ(e[2].seq, 30u);
  EXPECT_EQ(e[3].seq, 35u);  // FRR: after the highest, in steps of 5
}

TEST(ConfigScale, ListsCreatedDeletedAndRecreatedAreFound) {
  auto c = parse_config(
      "ip prefix-list A seq 5 permit 10.0.0.0/8\n"
      "ip prefix-list B seq 5 permit 11.0.0.0/8\n"
      "no ip prefix-list A\n"
      "ip prefix-list C seq 5 permit 12.0.0.0/8\n"
      "ip prefix-list B seq 10 permit 13.0.0.0/8\n"
      "ip prefix-list A seq 5 permit 14.0.0.0/8\n",
      "t.conf");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->prefix_lists.size(), 3u);
  EXPECT_EQ(c->prefix_lists[0].name, "B");
  EXPECT_EQ(c->prefix_lists[0].entries.size(), 2u);
  EXPECT_EQ(c->prefix_lists[1].name, "C");
  EXPECT_EQ(c->prefix_lists[2].name, "A");
  EXPECT_EQ(c->prefix_lists[2].entries.size(), 1u);
}

TEST(ConfigScale, NeighborsRemovedAndReAddedAreFound) {
  auto c = parse_config(
      "router bgp 65000\n"
      " neighbor 192.0.2.1 remote-as 1\n"
      " neighbor 192.0.2.2 remote-as 2\n"
      " no neighbor 192.0.2.1\n"
      " neighbor 192.0.2.3 remote-as 3\n"
      " neighbor 192.0.2.2 description two\n"
      " neighbor 192.0.2.1 remote-as 4\n",
      "t.conf");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const auto& n = c->bgp->neighbors;
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].description, "two");
  EXPECT_EQ(n[2].remote_as.asn, 4u);
}

// The matcher against the reference walk on random lists: entries of every kind (exact,
// ge, le, ge+le, any, both families, several entries on one prefix, seq out of order). Odd
// rounds have at most 16 entries, which the matcher scans; the others up to 60, which it
// searches by length.
TEST(PrefixMatcher, AgreesWithTheSeqOrderedWalk) {
  std::mt19937 rng(15);
  auto v4 = [&](int length) {
    return Prefix(IpAddress::v4(0x0a000000u | (rng() & 0x00ff0f00u)), length);
  };
  for (int round = 0; round < 80; ++round) {
    PrefixList list;
    int entries = round == 0 ? 0 : 1 + static_cast<int>(rng() % (round % 2 ? 16 : 60));
    for (int i = 0; i < entries; ++i) {
      PrefixListEntry e;
      e.seq = 1 + rng() % 500;
      e.permit = rng() % 2;
      if (rng() % 40 == 0) {
        e.any = true;
      } else if (rng() % 8 == 0) {
        e.prefix = *Prefix::parse(rng() % 2 ? "2001:db8::/32" : "2001:db8:1::/48");
      } else {
        int length = 8 + static_cast<int>(rng() % 17);
        e.prefix = v4(length);
        int kind = rng() % 4;
        if (kind == 1 || kind == 3) e.ge = static_cast<std::uint8_t>(length + 1 + rng() % 4);
        if (kind == 2 || kind == 3)
          e.le = static_cast<std::uint8_t>(
              std::max<int>(e.ge.value_or(length), length + static_cast<int>(rng() % 8)));
      }
      // Sorted by seq, one entry per seq, as the parser keeps them.
      auto at =
          std::lower_bound(list.entries.begin(), list.entries.end(), e.seq,
                           [](const PrefixListEntry& x, std::uint32_t seq) { return x.seq < seq; });
      if (at != list.entries.end() && at->seq == e.seq) continue;
      list.entries.insert(at, e);
    }
    PrefixMatcher matcher(list);
    for (int q = 0; q < 400; ++q) {
      Prefix p = q % 10 == 0 ? *Prefix::parse("2001:db8:1:2::/64") : v4(8 + rng() % 25);
      ASSERT_EQ(matcher.permits(p), list.permits(p))
          << "round " << round << " prefix " << p.to_string();
    }
  }
}

}  // namespace
}  // namespace vipd::bgp::config
