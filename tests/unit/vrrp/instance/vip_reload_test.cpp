// A reload that changes an instance's VIPs keeps the instance in its state (keepalived's reload
// does the same): a master deletes the dropped VIPs and adds and announces the new ones, a backup
// only takes the new list, a master handing over gives up the dropped ones and adds nothing.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "l2/wire/arp.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

// The seed instance with `vips` as its virtual_ipaddress block.
std::string with_vips(const std::string& vips, int priority = 100, const std::string& extra = "",
                      const std::string& globals = "") {
  return globals + "vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n" +
         " priority " + std::to_string(priority) +
         "\n advert_int 1\n authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n"
         " virtual_ipaddress {\n" +
         vips + " }\n" + extra + "}\n";
}

const std::string kOld = "  192.168.5.1/16 dev eth0\n  192.168.5.3/32\n";
const std::string kNew = "  192.168.5.1/16 dev eth0\n  192.168.5.4/32\n";

std::vector<IpAddress> installed(const FakeNetwork& network) {
  std::vector<IpAddress> out;
  for (const auto& [address, a] : network.installed) out.push_back(address);
  return out;
}

// Master with kOld, both takeover bursts sent; the recorded calls cleared.
void become_master(Harness& h, const std::string& config) {
  h.module.apply(parse(config));
  h.clock.advance(9s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  h.network.ops.clear();
  h.network.frames.clear();
}

TEST(VipReload, MasterAddsAndRemovesVipsWithoutAStateChange) {
  LogCapture logs;
  Harness h;
  become_master(h, with_vips(kOld));
  const Instance* vi1 = &h.instance();
  const auto adverts = h.network.adverts.size();

  h.module.apply(parse(with_vips(kNew)));
  EXPECT_EQ(&h.instance(), vi1);
  EXPECT_EQ(vi1->state(), fsm::State::kMaster);
  EXPECT_EQ(vi1->router()->stats().became_master, 1u);
  EXPECT_EQ(vi1->router()->stats().transitions, 2u);
  EXPECT_EQ(logs.count("(VI_1) configuration changed, applied without a restart"), 1u);
  EXPECT_EQ(logs.count("(VI_1) removing VIP 192.168.5.3/32 on reload"), 1u);
  EXPECT_EQ(logs.count("(VI_1) adding VIP 192.168.5.4/32 on reload"), 1u);
  // Only the change, the kept VIP untouched.
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"delete 192.168.5.3/32 ifindex 2",
                                                     "add 192.168.5.4/32 ifindex 2"}));
  EXPECT_EQ(installed(h.network), (std::vector<IpAddress>{ip("192.168.5.1"), ip("192.168.5.4")}));
  // garp_master_repeat (5) gratuitous ARPs for the new VIP only, at once.
  const Bytes garp =
      l2::wire::build_gratuitous_arp(h.network.interfaces["eth0"].mac, ip("192.168.5.4"));
  ASSERT_EQ(h.network.frames.size(), 5u);
  for (const auto& f : h.network.frames) {
    EXPECT_EQ(f.ifindex, 2);
    EXPECT_EQ(f.frame, garp);
  }
  // No priority 0, no extra advert; the next one carries the new list.
  EXPECT_EQ(h.network.adverts.size(), adverts);
  h.clock.advance(1s);
  ASSERT_EQ(h.network.adverts.size(), adverts + 1);
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 100);
  EXPECT_EQ(h.network.adverts.back().decoded().addresses,
            (std::vector<IpAddress>{ip("192.168.5.1"), ip("192.168.5.4")}));
  // No later burst for it (garp_master_delay is for a new master).
  h.clock.advance(6s);
  EXPECT_EQ(h.network.frames.size(), 5u);
  EXPECT_EQ(h.network.ops.size(), 2u);
}

TEST(VipReload, BackupMakesNoKernelCallsAndAddsTheNewListAsMaster) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(with_vips(kOld)));
  h.clock.advance(1s);
  ASSERT_EQ(h.instance().state(), fsm::State::kBackup);
  h.network.ops.clear();

  h.module.apply(parse(with_vips(kNew)));
  EXPECT_EQ(logs.count("(VI_1) configuration changed, applied without a restart"), 1u);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  EXPECT_TRUE(h.network.ops.empty());
  EXPECT_TRUE(h.network.frames.empty());
  EXPECT_EQ(h.instance().config().virtual_ipaddress.back().address, ip("192.168.5.4"));
  // The Master_Down_Timer kept running: master 3.61 s after the start, with the new list.
  h.clock.advance(2610ms);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"add 192.168.5.1/16 ifindex 2",
                                                     "add 192.168.5.4/32 ifindex 2"}));
}

// SIGTERM's handover (Instance::stop with `done`), then a reload: the dropped VIP goes at once,
// the new one is never added, and the release deletes only what was held.
TEST(VipReload, HandingOverRemovesTheDroppedVipAndAddsNothing) {
  LogCapture logs;
  Harness h;
  become_master(h, with_vips(kOld));
  int done = 0;
  h.module.stop([&] { ++done; });
  ASSERT_TRUE(h.instance().listening());
  ASSERT_FALSE(h.instance().running());
  ASSERT_EQ(installed(h.network).size(), 2u);

  h.mutable_instance().retune(parse(with_vips(kNew)).instances.at(0));
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"delete 192.168.5.3/32 ifindex 2"}));
  EXPECT_EQ(installed(h.network), (std::vector<IpAddress>{ip("192.168.5.1")}));
  EXPECT_TRUE(h.network.frames.empty());
  EXPECT_EQ(done, 0);
  ASSERT_EQ(h.instance().config().virtual_ipaddress.size(), 1u);

  // A stopping instance keeps the advert checks it had (the address list too).
  PeerAdvert successor;
  successor.priority = 10;
  successor.addresses = {ip("192.168.5.1"), ip("192.168.5.3")};
  h.deliver(successor.packet());
  h.clock.advance(21ms);
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"delete 192.168.5.3/32 ifindex 2",
                                                     "delete 192.168.5.1/16 ifindex 2"}));
  EXPECT_TRUE(h.network.installed.empty());
  EXPECT_EQ(done, 1);
}

TEST(VipReload, VipChangeWithAPriorityChange) {
  LogCapture logs;
  Harness h;
  become_master(h, with_vips(kOld));
  h.module.apply(parse(with_vips(kNew, 150)));
  EXPECT_EQ(h.instance().state(), fsm::State::kMaster);
  EXPECT_EQ(logs.count("(VI_1) configuration changed, applied without a restart"), 1u);
  EXPECT_EQ(logs.count("(VI_1) Changing effective priority from 100 to 150"), 1u);
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"delete 192.168.5.3/32 ifindex 2",
                                                     "add 192.168.5.4/32 ifindex 2"}));
  EXPECT_EQ(h.network.frames.size(), 5u);
  h.clock.advance(1s);
  const wire::Advert advert = h.network.adverts.back().decoded();
  EXPECT_EQ(advert.priority, 150);
  EXPECT_EQ(advert.addresses, (std::vector<IpAddress>{ip("192.168.5.1"), ip("192.168.5.4")}));
  for (int p : h.network.advert_priorities()) EXPECT_NE(p, 0);
}

// A VIP moved to another interface is dropped there and added here; a change the kernel does
// not see (no_track, moving between virtual_ipaddress and virtual_ipaddress_excluded) is not.
TEST(VipReload, ChangedDevIsRemovedAndAdded) {
  Harness h;
  InterfaceInfo eth1 = h.network.interfaces["eth0"];
  eth1.ifindex = 3;
  eth1.name = "eth1";
  eth1.mac = *l2::wire::MacAddress::parse("02:00:00:00:00:03");
  h.network.interfaces["eth1"] = eth1;
  become_master(h, with_vips(kOld));

  h.module.apply(parse(with_vips("  192.168.5.1/16 dev eth0\n  192.168.5.3/32 dev eth1\n")));
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"delete 192.168.5.3/32 ifindex 2",
                                                     "add 192.168.5.3/32 ifindex 3"}));
  ASSERT_EQ(h.network.frames.size(), 5u);
  EXPECT_EQ(h.network.frames[0].ifindex, 3);
  EXPECT_EQ(h.network.frames[0].frame, l2::wire::build_gratuitous_arp(eth1.mac, ip("192.168.5.3")));

  h.network.ops.clear();
  h.network.frames.clear();
  h.module.apply(
      parse(with_vips("  192.168.5.1/16 no_track\n", 100,
                      " virtual_ipaddress_excluded {\n  192.168.5.3/32 dev eth1\n }\n")));
  EXPECT_EQ(h.instance().state(), fsm::State::kMaster);
  EXPECT_TRUE(h.network.ops.empty());
  EXPECT_TRUE(h.network.frames.empty());
}

// vrrp_garp_interval spaces a burst: the frames of a VIP dropped before they are out are not
// sent (they would claim an address the master gave up).
TEST(VipReload, QueuedGarpsOfADroppedVipAreNotSent) {
  Harness h;
  const std::string globals = "global_defs {\n vrrp_garp_interval 0.1\n}\n";
  become_master(h, with_vips(kOld, 100, "", globals));
  h.clock.advance(1s);  // the second takeover burst, spaced too
  h.network.frames.clear();
  h.module.apply(parse(with_vips(kNew, 100, "", globals)));
  EXPECT_EQ(h.network.frames.size(), 1u);
  h.clock.advance(150ms);
  EXPECT_EQ(h.network.frames.size(), 2u);
  h.module.apply(parse(with_vips(kOld, 100, "", globals)));
  // The new burst is for .3; none of .4's three left.
  h.clock.advance(2s);
  const Bytes four =
      l2::wire::build_gratuitous_arp(h.network.interfaces["eth0"].mac, ip("192.168.5.4"));
  const auto fours = std::count_if(h.network.frames.begin(), h.network.frames.end(),
                                   [&](const auto& f) { return f.frame == four; });
  EXPECT_EQ(fours, 2);
  EXPECT_EQ(h.network.frames.size(), 7u);
}

}  // namespace
}  // namespace vipd::vrrp::testing
