// UpdatePacker and AdjRibOut: what a neighbor is sent, checked by decoding the UPDATEs.
#include "bgp/rib/adj_rib_out.hpp"

#include <gtest/gtest.h>

#include "bgp/wire/message.hpp"
#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::P;

using test::attributes;
using test::v4;

struct Sent {
  std::vector<wire::Update> updates;
  std::size_t bytes_max = 0;
  wire::Options options{true, false};
  UpdatePacker::Sink sink() {
    return [this](Bytes b) {
      bytes_max = std::max(bytes_max, b.size());
      auto m = wire::decode_message(b, options);
      ASSERT_TRUE(m.ok()) << m.error().reason;
      updates.push_back(std::get<wire::Update>(*m));
    };
  }
  std::size_t announced() const {
    std::size_t n = 0;
    for (const auto& u : updates)
      n += u.nlri.size() + (u.attributes.mp_reach ? u.attributes.mp_reach->nlri.size() : 0);
    return n;
  }
  std::size_t withdrawn() const {
    std::size_t n = 0;
    for (const auto& u : updates)
      n += u.withdrawn.size() +
           (u.attributes.mp_unreach ? u.attributes.mp_unreach->withdrawn.size() : 0);
    return n;
  }
};

std::vector<Prefix> many(std::size_t n) {
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(Prefix(IpAddress::v4(0x0A000000u + static_cast<std::uint32_t>(i << 8)), 24));
  return out;
}

TEST(UpdatePacker, PacksSharedAttributesUpToTheMessageSize) {
  AttributeStore store;
  Sent sent;
  UpdatePacker packer(sent.options, sent.sink());
  auto attrs = store.intern(attributes({65001}, "192.0.2.1"));
  for (const auto& p : many(2000)) packer.announce(wire::kIpv4Unicast, attrs, p);
  packer.flush();
  EXPECT_EQ(sent.announced(), 2000u);
  EXPECT_LE(sent.bytes_max, 4096u);
  // 2000 × 4 bytes of NLRI need at least two 4096-byte messages, and packing uses few.
  EXPECT_GE(sent.updates.size(), 2u);
  EXPECT_LE(sent.updates.size(), 3u);
  EXPECT_EQ(packer.messages(), sent.updates.size());
}

// Issue 15, D6: a path whose UPDATE exceeds 4096 octets (a neighbor without RFC 8654 extended
// messages), e.g. after a long AS_PATH prepend, cannot be announced; the prefix is withdrawn so
// that the neighbor does not keep the path it had, and the caller is told (to log it).
TEST(UpdatePacker, TooLongAnnouncementIsWithdrawnAndReported) {
  AttributeStore store;
  Sent sent;
  std::vector<std::pair<Prefix, std::size_t>> reported;
  UpdatePacker packer(sent.options, sent.sink(),
                      [&](wire::AfiSafi, const Prefix& p, std::size_t octets, std::size_t limit) {
                        EXPECT_EQ(limit, 4096u);
                        reported.emplace_back(p, octets);
                      });
  auto fits = store.intern(attributes({65001}, "192.0.2.1"));
  // 1100 four-octet ASes (five segments of 220): about 4.4 kB of AS_PATH.
  wire::PathAttributes prepended = attributes({65001}, "192.0.2.1");
  prepended.as_path->segments.assign(
      5, wire::AsSegment{wire::SegmentType::kAsSequence, std::vector<std::uint32_t>(220, 65001)});
  auto too_long = store.intern(prepended);
  packer.announce(wire::kIpv4Unicast, fits, P("10.0.0.0/24"));
  packer.flush();
  packer.announce(wire::kIpv4Unicast, too_long, P("10.0.0.0/24"));
  packer.announce(wire::kIpv4Unicast, too_long, P("10.0.1.0/24"));
  packer.announce(wire::kIpv4Unicast, fits, P("10.0.2.0/24"));
  packer.flush();
  ASSERT_EQ(sent.updates.size(), 3u);
  EXPECT_EQ(sent.updates[1].withdrawn, (std::vector<Prefix>{P("10.0.0.0/24"), P("10.0.1.0/24")}));
  EXPECT_TRUE(sent.updates[1].nlri.empty());
  EXPECT_EQ(sent.updates[2].nlri, (std::vector<Prefix>{P("10.0.2.0/24")}));
  EXPECT_LE(sent.bytes_max, 4096u);
  ASSERT_EQ(reported.size(), 2u);
  EXPECT_EQ(reported[0].first, P("10.0.0.0/24"));
  EXPECT_GT(reported[0].second, 4096u);
  EXPECT_EQ(packer.unsendable(), 2u);
}

TEST(UpdatePacker, KeepsOrderAcrossKindsAndAttributes) {
  AttributeStore store;
  Sent sent;
  UpdatePacker packer(sent.options, sent.sink());
  auto a = store.intern(attributes({65001}, "192.0.2.1"));
  auto b = store.intern(attributes({65002}, "192.0.2.2"));
  packer.announce(wire::kIpv4Unicast, a, P("10.0.0.0/24"));
  packer.withdraw(wire::kIpv4Unicast, P("10.0.0.0/24"));
  packer.announce(wire::kIpv4Unicast, b, P("10.0.0.0/24"));
  packer.flush();
  ASSERT_EQ(sent.updates.size(), 3u);
  EXPECT_EQ(sent.updates[0].nlri, std::vector<Prefix>{P("10.0.0.0/24")});
  EXPECT_EQ(sent.updates[1].withdrawn, std::vector<Prefix>{P("10.0.0.0/24")});
  EXPECT_EQ(sent.updates[2].attributes.next_hop, v4("192.0.2.2"));
}

TEST(UpdatePacker, Ipv6GoesInMpReachAndMpUnreach) {
  AttributeStore store;
  Sent sent;
  UpdatePacker packer(sent.options, sent.sink());
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = test::sequence({65001});
  a.mp_reach = wire::MpReach{wire::kIpv6Unicast, *IpAddress::parse("2001:db8::1"), {}, {}, {}, {}};
  auto ref = store.intern(a);
  packer.announce(wire::kIpv6Unicast, ref, P("2001:db8:1::/48"));
  packer.announce(wire::kIpv6Unicast, ref, P("2001:db8:2::/48"));
  packer.withdraw(wire::kIpv6Unicast, P("2001:db8:3::/48"));
  packer.flush();
  ASSERT_EQ(sent.updates.size(), 2u);
  ASSERT_TRUE(sent.updates[0].attributes.mp_reach);
  EXPECT_EQ(sent.updates[0].attributes.mp_reach->nlri.size(), 2u);
  EXPECT_TRUE(sent.updates[0].nlri.empty());
  ASSERT_TRUE(sent.updates[1].attributes.mp_unreach);
  EXPECT_EQ(sent.updates[1].attributes.mp_unreach->withdrawn,
            std::vector<Prefix>{P("2001:db8:3::/48")});
}

TEST(UpdatePacker, TwoOctetPeerGetsAsTransAndAs4Path) {
  AttributeStore store;
  Sent sent;
  sent.options = {false, false};
  UpdatePacker packer(sent.options, sent.sink());
  packer.announce(wire::kIpv4Unicast, store.intern(attributes({4200000001}, "192.0.2.1")),
                  P("10.0.0.0/24"));
  packer.flush();
  ASSERT_EQ(sent.updates.size(), 1u);
  EXPECT_EQ(sent.updates[0].attributes.as_path, test::sequence({23456}));  // AS_TRANS
  EXPECT_EQ(sent.updates[0].attributes.as4_path, test::sequence({4200000001}));
}

// A Loc-RIB with two eBGP feeders and an AdjRibOut for a third neighbor.
struct Fixture : ::testing::Test {
  AttributeStore store;
  LocRib rib{DecisionOptions{65000}};
  Sent sent;
  std::vector<ExportPeer> sources{ExportPeer{0, true, false, false, false, 1, {}, 0, nullptr},
                                  ExportPeer{1, true, false, false, false, 2, {}, 0, nullptr},
                                  ExportPeer{2, true, false, false, false, 3, {}, 0, nullptr}};
  std::unique_ptr<AdjRibOut> out;
  void SetUp() override {
    rib.set_peer(0, test::peer_at("198.51.100.1", 65001));
    rib.set_peer(1, test::peer_at("198.51.100.2", 65002));
    out = make(setup());
  }
  AdjRibOutSetup setup() {
    AdjRibOutSetup s;
    s.target.peer = sources[2];
    s.target.local_v4 = v4("192.0.2.1");
    s.context = ExportContext{65000, 1, 100};
    s.families = {wire::kIpv4Unicast};
    return s;
  }
  std::unique_ptr<AdjRibOut> make(AdjRibOutSetup s) {
    return std::make_unique<AdjRibOut>(
        std::move(s), sent.options, store,
        [this](PeerId id, wire::AfiSafi) -> const ExportPeer* {
          return id < sources.size() ? &sources[id] : nullptr;
        },
        sent.sink());
  }
  void publish() {
    auto changes = rib.drain_changes();
    out->apply(changes);
  }
};

// The speaker feeds every neighbor slice by slice (take) and flushes once (finish): the
// UPDATEs are the ones one apply() would send, packed across the slice boundaries.
TEST_F(Fixture, SlicesPackLikeOneApply) {
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  for (const auto& p : many(300)) rib.update(wire::kIpv4Unicast, p, 0, a);
  const auto changes = rib.drain_changes();
  out->take(std::span(changes).first(100));
  out->take(std::span(changes).subspan(100));
  EXPECT_TRUE(sent.updates.empty());  // nothing leaves before finish() (or a full UPDATE)
  out->finish();
  ASSERT_EQ(sent.updates.size(), 1u);
  EXPECT_EQ(sent.announced(), 300u);
  EXPECT_EQ(out->advertised(), 300u);
}

TEST_F(Fixture, BestPathChangesBecomeAnnouncementsAndWithdrawals) {
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  for (const auto& p : many(100)) rib.update(wire::kIpv4Unicast, p, 0, a);
  publish();
  EXPECT_EQ(sent.announced(), 100u);
  EXPECT_EQ(sent.updates.size(), 1u);
  EXPECT_EQ(out->advertised(), 100u);
  EXPECT_EQ(sent.updates[0].attributes.as_path, test::sequence({65000, 65001}));
  EXPECT_EQ(sent.updates[0].attributes.next_hop, v4("192.0.2.1"));
  // A worse path from another neighbor changes nothing that is sent.
  sent.updates.clear();
  auto longer = store.intern(attributes({65002, 65009}, "198.51.100.2"));
  rib.update(wire::kIpv4Unicast, P("10.0.0.0/24"), 1, longer);
  publish();
  EXPECT_TRUE(sent.updates.empty());
  // The best path goes: the other one replaces it (an implicit withdraw, RFC 4271 §3.1).
  rib.withdraw(wire::kIpv4Unicast, P("10.0.0.0/24"), 0);
  publish();
  ASSERT_EQ(sent.updates.size(), 1u);
  EXPECT_EQ(sent.updates[0].attributes.as_path, test::sequence({65000, 65002, 65009}));
  // No path left: withdrawn.
  sent.updates.clear();
  rib.withdraw(wire::kIpv4Unicast, P("10.0.0.0/24"), 1);
  publish();
  EXPECT_EQ(sent.withdrawn(), 1u);
  EXPECT_EQ(out->advertised(), 99u);
  // The neighbor's session to a feeder drops: every prefix is withdrawn, packed.
  sent.updates.clear();
  rib.withdraw_peer(0);
  publish();
  EXPECT_EQ(sent.withdrawn(), 99u);
  EXPECT_EQ(sent.updates.size(), 1u);
  EXPECT_EQ(out->advertised(), 0u);
}

TEST_F(Fixture, RoutesFromTheNeighborItselfAreNotSentBack) {
  sources[2].id = 0;  // the receiver is the feeder
  out = make(setup());
  rib.update(wire::kIpv4Unicast, P("10.0.0.0/24"), 0,
             store.intern(attributes({65001}, "198.51.100.1")));
  publish();
  EXPECT_TRUE(sent.updates.empty());
}

TEST_F(Fixture, AnnounceAllGroupsByAttributesAndPolicyResyncWithdraws) {
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  auto b = store.intern(attributes({65002}, "198.51.100.2"));
  auto prefixes = many(10);
  for (std::size_t i = 0; i < prefixes.size(); ++i)
    rib.update(wire::kIpv4Unicast, prefixes[i], i % 2 ? 0 : 1, i % 2 ? a : b);
  rib.drain_changes();
  out->announce_all(rib, wire::kIpv4Unicast);
  EXPECT_EQ(sent.updates.size(), 2u);  // one per attribute set, not per prefix
  EXPECT_EQ(sent.announced(), 10u);
  // An outbound policy that keeps only the first prefix: the other nine are withdrawn.
  sent.updates.clear();
  auto s = setup();
  s.permit = [&](wire::AfiSafi, const Prefix& p) { return p == prefixes[0]; };
  out->resync(rib, s);
  EXPECT_EQ(sent.withdrawn(), 9u);
  EXPECT_EQ(sent.announced(), 0u);
  EXPECT_EQ(out->advertised(), 1u);
}

// Flow control (issue 15, D1): while the connection takes nothing, changes are only marked; a
// prefix changed ten times goes out once, in its latest state, when the connection drains, and
// one announced and withdrawn meanwhile not at all.
TEST_F(Fixture, HeldBackChangesGoOutOnceInTheirLatestState) {
  bool ready = true;
  out->set_flow([&] { return ready; }, {});
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  auto b = store.intern(attributes({65002}, "198.51.100.2"));
  auto prefixes = many(20);
  for (std::size_t i = 0; i < 10; ++i) rib.update(wire::kIpv4Unicast, prefixes[i], 0, a);
  publish();
  ASSERT_EQ(sent.announced(), 10u);
  sent.updates.clear();
  ready = false;
  for (std::uint32_t i = 0; i < 10; ++i) {
    rib.update(wire::kIpv4Unicast, prefixes[0], 0,
               store.intern(attributes({65001, 64512 + i}, "198.51.100.1")));
    publish();
  }
  rib.withdraw(wire::kIpv4Unicast, prefixes[1], 0);
  publish();
  rib.update(wire::kIpv4Unicast, prefixes[15], 0, a);
  publish();
  rib.withdraw(wire::kIpv4Unicast, prefixes[15], 0);
  publish();
  rib.update(wire::kIpv4Unicast, prefixes[16], 1, b);
  publish();
  EXPECT_TRUE(sent.updates.empty());
  EXPECT_EQ(out->pending(), 4u);
  ready = true;
  out->pump(rib);
  EXPECT_EQ(out->pending(), 0u);
  EXPECT_EQ(sent.announced(), 2u);
  EXPECT_EQ(sent.withdrawn(), 1u);
  for (const auto& u : sent.updates) {
    for (const auto& p : u.nlri) {
      if (p == prefixes[0])
        EXPECT_EQ(u.attributes.as_path, test::sequence({65000, 65001, 64521}));
      else
        EXPECT_EQ(p, prefixes[16]);
    }
    for (const auto& p : u.withdrawn) EXPECT_EQ(p, prefixes[1]);
  }
  EXPECT_EQ(out->advertised(), 10u);
}

// ROUTE-REFRESH while the connection takes nothing costs nothing: 1,500 of them make one walk
// of the table and one End-of-RIB. One that comes while a walk is under way makes it start over
// once at its end.
TEST_F(Fixture, RefreshesAreCoalesced) {
  int budget = 0;  // answers of "ready" that say yes
  std::vector<wire::AfiSafi> eors;
  out->set_flow([&] { return budget-- > 0; }, [&](wire::AfiSafi f) { eors.push_back(f); });
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  for (const auto& p : many(5000)) rib.update(wire::kIpv4Unicast, p, 0, a);
  rib.drain_changes();
  for (int i = 0; i < 1500; ++i) out->announce_all(rib, wire::kIpv4Unicast);
  EXPECT_TRUE(sent.updates.empty());
  EXPECT_TRUE(out->walking(wire::kIpv4Unicast));
  budget = 1000000;
  out->pump(rib);
  EXPECT_EQ(sent.announced(), 5000u);
  EXPECT_EQ(eors.size(), 1u);
  EXPECT_EQ(out->advertised(), 5000u);
  EXPECT_FALSE(out->walking(wire::kIpv4Unicast));

  // One batch goes out, then the connection is full; ten requests come meanwhile.
  sent.updates.clear();
  eors.clear();
  budget = 1;
  out->announce_all(rib, wire::kIpv4Unicast);
  const std::size_t first = sent.announced();
  EXPECT_GT(first, 0u);
  EXPECT_LT(first, 5000u);
  for (int i = 0; i < 10; ++i) out->announce_all(rib, wire::kIpv4Unicast);
  budget = 1000000;
  out->pump(rib);
  EXPECT_EQ(sent.announced(), 10000u);  // the rest of the walk, then the whole table again
  EXPECT_EQ(eors.size(), 2u);
  EXPECT_EQ(out->advertised(), 5000u);  // a refresh does not count again
}

TEST_F(Fixture, FamiliesNotNegotiatedAreNotSent) {
  wire::PathAttributes v6;
  v6.origin = wire::Origin::kIgp;
  v6.as_path = test::sequence({65001});
  v6.mp_reach = wire::MpReach{wire::kIpv6Unicast, *IpAddress::parse("2001:db8::1"), {}, {}, {}, {}};
  rib.update(wire::kIpv6Unicast, P("2001:db8:1::/48"), 0, store.intern(v6));
  publish();
  EXPECT_TRUE(sent.updates.empty());
}

// An outbound map whose answer depends on the prefix only through its class (here: the parity
// of the third octet; policy::PrefixClasses in the speaker) runs once per attribute set and
// class, not once per prefix, and the verdicts it gave are kept for the withdrawals of later
// batches. What is sent is what the map run per prefix sends.
struct MappedOut {
  std::size_t calls = 0;
  Sent sent;
  std::unique_ptr<AdjRibOut> out;
};

TEST_F(Fixture, OutboundMapRunsOncePerAttributeSetAndClass) {
  auto odd = [](const Prefix& p) { return p.address().octets()[2] & 1u; };
  auto make_mapped = [&](MappedOut& m, bool classify) {
    AdjRibOutSetup s = setup();
    s.shape = [&m, odd](wire::AfiSafi, const Prefix& p, const wire::PathAttributes&,
                        const ExportPeer& from, wire::PathAttributes& exported) {
      ++m.calls;
      if (odd(p) && from.id == 0) return false;  // odd /24s of the first feeder are denied
      exported.med = 5 + from.id;
      return true;
    };
    if (classify) s.shape_class = [odd](wire::AfiSafi, const Prefix& p) { return odd(p); };
    m.out = std::make_unique<AdjRibOut>(
        std::move(s), m.sent.options, store,
        [this](PeerId id, wire::AfiSafi) -> const ExportPeer* {
          return id < sources.size() ? &sources[id] : nullptr;
        },
        m.sent.sink());
  };
  MappedOut cached, plain;
  make_mapped(cached, true);
  make_mapped(plain, false);
  auto publish_both = [&] {
    auto changes = rib.drain_changes();
    cached.out->apply(changes);
    plain.out->apply(changes);
  };
  auto same_updates = [&] {
    ASSERT_EQ(cached.sent.updates.size(), plain.sent.updates.size());
    for (std::size_t i = 0; i < cached.sent.updates.size(); ++i)
      EXPECT_EQ(cached.sent.updates[i], plain.sent.updates[i]) << i;
  };
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  auto b = store.intern(attributes({65002}, "198.51.100.2"));
  const auto prefixes = many(300);
  for (const auto& p : prefixes) rib.update(wire::kIpv4Unicast, p, 0, a);
  publish_both();
  same_updates();
  EXPECT_EQ(cached.sent.announced(), 150u);
  EXPECT_EQ(cached.calls, 2u);  // one attribute set, two classes
  EXPECT_EQ(plain.calls, 300u);
  EXPECT_EQ(cached.out->advertised(), 150u);

  // Another feeder's better path for some prefixes, in a later batch: the replaced paths'
  // verdicts are known (an even /24 was sent, an odd one not), only the new set is evaluated.
  cached.calls = plain.calls = 0;
  for (std::size_t i = 0; i < 40; ++i) rib.update(wire::kIpv4Unicast, prefixes[i], 1, b);
  for (std::size_t i = 0; i < 40; ++i) rib.withdraw(wire::kIpv4Unicast, prefixes[i], 0);
  publish_both();
  same_updates();
  EXPECT_EQ(cached.calls, 2u);
  EXPECT_EQ(cached.out->advertised(), 170u);

  // Every prefix withdrawn: no evaluation at all, 170 withdrawals.
  cached.calls = plain.calls = 0;
  cached.sent.updates.clear();
  plain.sent.updates.clear();
  rib.withdraw_peer(0);
  rib.withdraw_peer(1);
  publish_both();
  same_updates();
  EXPECT_EQ(cached.sent.withdrawn(), 170u);
  EXPECT_EQ(cached.calls, 0u);
  EXPECT_GT(plain.calls, 0u);
  EXPECT_EQ(cached.out->advertised(), 0u);
}

// The verdicts kept across batches are the sources' export facts': when those change
// (sources_changed(), a session or configuration change in the speaker) they are asked again.
TEST_F(Fixture, KeptVerdictsAreForgottenWhenTheSourcesChange) {
  std::size_t calls = 0;
  AdjRibOutSetup s = setup();
  s.shape = [&calls](wire::AfiSafi, const Prefix&, const wire::PathAttributes&,
                     const ExportPeer& from, wire::PathAttributes&) {
    ++calls;
    return from.rs_client;  // sent only from route-server clients
  };
  s.shape_class = [](wire::AfiSafi, const Prefix&) { return 0; };
  out = make(std::move(s));
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  rib.update(wire::kIpv4Unicast, P("10.0.0.0/24"), 0, a);
  publish();
  EXPECT_TRUE(sent.updates.empty());  // denied
  EXPECT_EQ(calls, 1u);
  // The feeder becomes a route-server client: a new path from it is sent...
  sources[0].rs_client = true;
  out->sources_changed();
  rib.update(wire::kIpv4Unicast, P("10.0.1.0/24"), 0, a);
  publish();
  EXPECT_EQ(sent.announced(), 1u);
  EXPECT_EQ(calls, 2u);
  // ...and both prefixes are withdrawn when it goes: the verdict kept is the new one (a
  // withdrawal of a prefix never sent is harmless, RFC 4271 §9.1.3; a missed one is not).
  rib.withdraw_peer(0);
  publish();
  EXPECT_EQ(sent.withdrawn(), 2u);
}

// Neighbors keep their maps' verdicts in one table (a bit each): one neighbor's verdict never
// answers for another's, and a neighbor past the table's slots keeps a table of its own.
TEST_F(Fixture, SharedVerdictsAreKeptPerNeighbor) {
  auto shared = std::make_shared<ExportVerdicts>();
  auto mapped_out = [&](Sent& into, bool send) {
    AdjRibOutSetup s = setup();
    s.shape = [send](wire::AfiSafi, const Prefix&, const wire::PathAttributes&, const ExportPeer&,
                     wire::PathAttributes&) { return send; };
    s.shape_class = [](wire::AfiSafi, const Prefix&) { return 0; };
    auto o = std::make_unique<AdjRibOut>(
        std::move(s), into.options, store,
        [this](PeerId id, wire::AfiSafi) -> const ExportPeer* {
          return id < sources.size() ? &sources[id] : nullptr;
        },
        into.sink());
    o->share_verdicts(shared);
    return o;
  };
  Sent to_deny, to_send;
  auto denying = mapped_out(to_deny, false);
  auto sending = mapped_out(to_send, true);
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  for (const auto& p : many(10)) rib.update(wire::kIpv4Unicast, p, 0, a);
  auto changes = rib.drain_changes();
  denying->apply(changes);
  sending->apply(changes);
  EXPECT_EQ(to_deny.announced(), 0u);
  EXPECT_EQ(to_send.announced(), 10u);
  EXPECT_EQ(shared->size(), 1u);  // one entry, a bit per neighbor
  rib.withdraw_peer(0);
  changes = rib.drain_changes();
  denying->apply(changes);
  sending->apply(changes);
  EXPECT_EQ(to_deny.withdrawn(), 0u);
  EXPECT_EQ(to_send.withdrawn(), 10u);
  // Slots run out: the table says so, and a neighbor then works with its own.
  std::vector<unsigned> taken;
  while (auto slot = shared->join()) taken.push_back(*slot);
  EXPECT_EQ(taken.size(), ExportVerdicts::kSlots - 2);
  Sent own;
  auto alone = mapped_out(own, true);
  for (const auto& p : many(3)) rib.update(wire::kIpv4Unicast, p, 0, a);
  alone->apply(rib.drain_changes());
  EXPECT_EQ(own.announced(), 3u);
  EXPECT_EQ(shared->size(), 1u);  // its verdict is not in the shared table
  // A neighbor that goes frees its slot.
  denying.reset();
  EXPECT_TRUE(shared->join());
}

// An update group (export_group.hpp): members that share one evaluation get what members with
// their own would get, each without the paths it sent itself (split horizon is the member's),
// and the map runs once per attribute set and class for all of them.
TEST_F(Fixture, UpdateGroupMembersShareTheMapButNotTheSplitHorizon) {
  std::size_t calls = 0;
  auto odd = [](const Prefix& p) { return p.address().octets()[2] & 1u; };
  auto with_map = [&](ExportPeer receiver) {
    AdjRibOutSetup s = setup();
    s.target.peer = receiver;
    s.shape = [&calls, odd](wire::AfiSafi, const Prefix& p, const wire::PathAttributes&,
                            const ExportPeer& from, wire::PathAttributes& exported) {
      ++calls;
      if (odd(p) && from.id == 1) return false;  // odd /24s of the second feeder are denied
      exported.med = 5 + from.id;
      return true;
    };
    s.shape_class = [odd](wire::AfiSafi, const Prefix& p) { return odd(p); };
    return s;
  };
  ExportPeer neutral = sources[2];
  neutral.id = kGroupTarget;
  auto group = std::make_shared<ExportGroup>(with_map(neutral), store);
  auto lookup = [this](PeerId id, wire::AfiSafi) -> const ExportPeer* {
    return id < sources.size() ? &sources[id] : nullptr;
  };
  // Members: both feeders and the third neighbor; each also once with a group of its own.
  std::array<Sent, 3> shared_sent, own_sent;
  std::vector<std::unique_ptr<AdjRibOut>> members, alone;
  for (PeerId id = 0; id < 3; ++id) {
    members.push_back(std::make_unique<AdjRibOut>(with_map(sources[id]), shared_sent[id].options,
                                                  store, lookup, shared_sent[id].sink(),
                                                  UpdatePacker::Oversize{}, group));
    alone.push_back(std::make_unique<AdjRibOut>(with_map(sources[id]), own_sent[id].options, store,
                                                lookup, own_sent[id].sink()));
  }
  auto a = store.intern(attributes({65001}, "198.51.100.1"));
  auto b = store.intern(attributes({65002}, "198.51.100.2"));
  const auto prefixes = many(200);
  for (std::size_t i = 0; i < prefixes.size(); ++i)
    rib.update(wire::kIpv4Unicast, prefixes[i], i < 100 ? 0 : 1, i < 100 ? a : b);
  // As Speaker::publish(): slice by slice, every member in turn.
  auto publish_all = [&](std::vector<std::unique_ptr<AdjRibOut>>& outs,
                         const std::vector<Change>& changes) {
    for (std::size_t i = 0; i < changes.size(); i += 64) {
      auto slice = std::span(changes).subspan(i, std::min<std::size_t>(64, changes.size() - i));
      for (auto& o : outs) o->take(slice);
    }
    for (auto& o : outs) o->finish();
  };
  auto changes = rib.drain_changes();
  calls = 0;
  publish_all(members, changes);
  EXPECT_EQ(calls, 4u);  // two attribute sets, two classes, for the three members
  calls = 0;
  publish_all(alone, changes);
  EXPECT_EQ(calls, 2u + 2u + 4u);  // alone: each its own; a feeder not for its own paths
  for (std::size_t id = 0; id < 3; ++id) {
    ASSERT_EQ(shared_sent[id].updates, own_sent[id].updates) << id;
    EXPECT_EQ(members[id]->advertised(), alone[id]->advertised()) << id;
  }
  EXPECT_EQ(members[0]->advertised(), 50u);   // the second feeder's even /24s
  EXPECT_EQ(members[1]->advertised(), 100u);  // the first feeder's
  EXPECT_EQ(members[2]->advertised(), 150u);
  // The first feeder goes: its routes are withdrawn from the others, not from itself.
  for (auto& s : shared_sent) s.updates.clear();
  for (auto& s : own_sent) s.updates.clear();
  rib.withdraw_peer(0);
  changes = rib.drain_changes();
  calls = 0;
  publish_all(members, changes);
  publish_all(alone, changes);
  EXPECT_EQ(calls, 0u);  // the verdicts are known
  for (std::size_t id = 0; id < 3; ++id)
    ASSERT_EQ(shared_sent[id].updates, own_sent[id].updates) << id;
  EXPECT_EQ(shared_sent[0].withdrawn(), 0u);
  EXPECT_EQ(shared_sent[1].withdrawn(), 100u);
  EXPECT_EQ(shared_sent[2].withdrawn(), 100u);
}

}  // namespace
}  // namespace vipd::bgp::rib
