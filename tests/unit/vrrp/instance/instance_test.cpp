// An instance's actions: adverts on the wire, VIPs through netlink, gratuitous ARP/NA bursts,
// notify scripts, priority changes, VMAC, interface faults and the clean stop.
#include <gtest/gtest.h>

#include <algorithm>

#include "fakes.hpp"
#include "l2/wire/arp.hpp"
#include "l2/wire/ndp.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

// Alone on the link with priority 100: master after Master_Down_Interval, 3 + 156/256 s.
TEST(Instance, BecomesMasterAddsTheVipOnceAndAnnouncesIt) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  ASSERT_EQ(h.network.listens.size(), 1u);
  EXPECT_EQ(h.network.listens[0].ifindex, 2);
  EXPECT_EQ(h.network.listens[0].group, ip("224.0.0.18"));
  EXPECT_EQ(logs.count("(VI_1) Entering BACKUP STATE (init)"), 1u);
  h.clock.advance(3609ms);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  h.clock.advance(1ms);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  EXPECT_EQ(logs.count("(VI_1) Entering MASTER STATE"), 1u);
  EXPECT_EQ(logs.count("(VI_1) setting VIPs."), 1u);

  // The advert: v2, VRID 51, priority 100, PASS "1111", from the primary address to the group.
  ASSERT_EQ(h.network.adverts.size(), 1u);
  const auto& sent = h.network.adverts[0];
  EXPECT_EQ(sent.ifindex, 2);
  EXPECT_EQ(sent.source, ip("192.168.5.2"));
  EXPECT_EQ(sent.destination, ip("224.0.0.18"));
  wire::Advert a = sent.decoded();
  EXPECT_EQ(a.version, wire::Version::kV2);
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.priority, 100);
  EXPECT_EQ(a.auth_type, wire::kAuthSimple);
  EXPECT_EQ(a.auth_data, wire::auth_data_from_password("1111"));
  EXPECT_EQ(a.advert_interval_s, 1);
  EXPECT_EQ(a.addresses, std::vector<IpAddress>{ip("192.168.5.1")});

  // Removed at startup (a crashed run may have left it), added once on becoming master.
  EXPECT_EQ(h.network.ops, (std::vector<std::string>{"delete 192.168.5.1/16 ifindex 2",
                                                     "add 192.168.5.1/16 ifindex 2"}));
  // garp_master_repeat 5 gratuitous ARPs from eth0's MAC, a second burst garp_master_delay later;
  // the first held 10 ms (fsm::Config::first_garp_hold: a colliding master may still win).
  EXPECT_TRUE(h.network.frames.empty());
  h.clock.advance(10ms);
  ASSERT_EQ(h.network.frames.size(), 5u);
  const Bytes expected =
      l2::wire::build_gratuitous_arp(h.network.interfaces["eth0"].mac, ip("192.168.5.1"));
  for (const auto& f : h.network.frames) {
    EXPECT_EQ(f.ifindex, 2);
    EXPECT_EQ(f.frame, expected);
  }
  EXPECT_EQ(logs.count("(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.168.5.1"), 1u);
  EXPECT_EQ(logs.count("Sending gratuitous ARP on eth0 for 192.168.5.1"), 5u);
  h.clock.advance(5s);
  EXPECT_EQ(h.network.frames.size(), 10u);
  EXPECT_EQ(h.instance().counters().garp_sent, 10u);
  // One advert a second.
  EXPECT_EQ(h.network.adverts.size(), 6u);
  EXPECT_EQ(h.instance().router()->stats().became_master, 1u);
}

TEST(Instance, GarpIntervalSpacesTheBurst) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse("global_defs {\n vrrp_garp_interval 0.1\n}\n" + seed_instance(100)));
  h.clock.advance(3610ms);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  h.clock.advance(10ms);
  EXPECT_EQ(h.network.frames.size(), 1u);
  h.clock.advance(250ms);
  EXPECT_EQ(h.network.frames.size(), 3u);
  h.clock.advance(1s);
  EXPECT_EQ(h.network.frames.size(), 5u);
}

TEST(Instance, HigherPriorityMasterTakesOverAndTheVipGoes) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  PeerAdvert peer;
  peer.priority = 150;
  h.deliver(peer.packet());
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  EXPECT_EQ(logs.count("(VI_1) Master received advert from 192.168.5.9 with higher priority 150, "
                       "ours 100"),
            1u);
  EXPECT_EQ(logs.count("(VI_1) removing VIPs."), 2u);  // at startup and now
  EXPECT_TRUE(h.network.installed.empty());
  EXPECT_EQ(h.network.ops.back(), "delete 192.168.5.1/16 ifindex 2");
}

TEST(Instance, CleanStopSendsPriorityZeroAndRemovesTheVip) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  ASSERT_EQ(h.network.installed.size(), 1u);
  const auto adverts = h.network.adverts.size();
  h.module.stop();
  ASSERT_EQ(h.network.adverts.size(), adverts + 1);
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 0);  // RFC 5798 §6.4.3
  EXPECT_TRUE(h.network.installed.empty());
  EXPECT_EQ(h.instance().router()->stats().priority_zero_sent, 1u);
  // Nothing more after the stop: no adverts, no reaction to packets.
  h.clock.advance(10s);
  h.deliver(PeerAdvert{}.packet());
  EXPECT_EQ(h.network.adverts.size(), adverts + 1);
  EXPECT_EQ(h.instance().router()->stats().adverts_received, 0u);
}

// The daemon's stop (SIGTERM): the VIP stays until the backup that takes over advertises, so
// the address is reachable during the backup's Skew_Time; `done` runs once it is released.
TEST(Instance, StopHandsTheVipOverToTheNextMaster) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  int done = 0;
  h.module.stop([&] { ++done; });
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 0);
  EXPECT_EQ(h.network.installed.size(), 1u);
  EXPECT_FALSE(h.instance().running());
  EXPECT_TRUE(h.instance().listening());
  // Seed backup, priority 10: Skew_Time 246/256 s.
  h.clock.advance(961ms);
  EXPECT_EQ(done, 0);
  PeerAdvert successor;
  successor.priority = 10;
  h.deliver(successor.packet());
  // Kept 20 ms more: the successor's own gratuitous ARPs may be held 10 ms.
  EXPECT_EQ(h.network.installed.size(), 1u);
  h.clock.advance(20ms);
  EXPECT_TRUE(h.network.installed.empty());
  EXPECT_FALSE(h.instance().listening());
  h.clock.advance(1ms);
  EXPECT_EQ(done, 1);
  // Nothing sent after the priority 0 advert.
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 0);
}

TEST(Instance, StopWithoutSuccessorReleasesTheVipAfterTheLongestSkew) {
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  int done = 0;
  h.module.stop([&] { ++done; });
  // Skew_Time at priority 1 (255/256 s) and 100 ms.
  h.clock.advance(1095ms);
  EXPECT_EQ(h.network.installed.size(), 1u);
  EXPECT_EQ(done, 0);
  h.clock.advance(6ms);
  EXPECT_TRUE(h.network.installed.empty());
  EXPECT_EQ(done, 1);
}

TEST(Instance, SecondStopGivesUpWaiting) {
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  int done = 0;
  h.module.stop([&] { ++done; });
  h.module.stop();
  EXPECT_TRUE(h.network.installed.empty());
  h.clock.advance(1ms);
  EXPECT_EQ(done, 1);
}

TEST(Instance, BackupStopIsDoneAtOnce) {
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  int done = 0;
  h.module.stop([&] { ++done; });
  h.clock.advance(1ms);
  EXPECT_EQ(done, 1);
  EXPECT_TRUE(h.network.adverts.empty());
}

TEST(Instance, BackupStopSendsNothing) {
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.module.stop();
  EXPECT_TRUE(h.network.adverts.empty());
}

TEST(Instance, VipctlPriorityChangesTheAdvertAndCanBeUndone) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  h.mutable_instance().set_priority_override(200);
  EXPECT_EQ(h.instance().base_priority(), 200);
  EXPECT_EQ(logs.count("(VI_1) Changing effective priority from 100 to 200"), 1u);
  h.clock.advance(1s);
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 200);
  h.mutable_instance().set_priority_override(std::nullopt);
  h.clock.advance(1s);
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 100);
  EXPECT_EQ(h.instance().router()->fsm_state().priority, 100);
}

TEST(Instance, NotifyScriptsGetKeepalivedArguments) {
  Harness h;
  h.module.apply(parse(seed_instance(
      100,
      " notify_master \"/etc/vipd/master.sh up\"\n notify_backup /etc/vipd/backup.sh\n"
      " notify_stop /etc/vipd/stop.sh\n notify /etc/vipd/any.sh\n")));
  EXPECT_EQ(h.processes.commands(),
            (std::vector<std::string>{"/etc/vipd/backup.sh",
                                      "/etc/vipd/any.sh INSTANCE VI_1 BACKUP 100"}));
  h.clock.advance(4s);
  h.module.stop();
  EXPECT_EQ(h.processes.commands(),
            (std::vector<std::string>{
                "/etc/vipd/backup.sh", "/etc/vipd/any.sh INSTANCE VI_1 BACKUP 100",
                "/etc/vipd/master.sh up", "/etc/vipd/any.sh INSTANCE VI_1 MASTER 100",
                "/etc/vipd/stop.sh", "/etc/vipd/any.sh INSTANCE VI_1 STOP 100"}));
  // Notify scripts run without a timeout and nobody waits for them.
  for (const auto& run : h.processes.runs) EXPECT_FALSE(run.timeout);
}

// Issue 15, D8: a master answers a lower-priority advert with an advert, a gratuitous ARP
// burst, a log line and notify_master_rx_lower_pri (keepalived's "forcing new election"). Forged
// ones must not be amplified: at most one answer per advert interval, one script at a time.
TEST(Instance, ForgedLowerPriorityFloodIsAnsweredOncePerAdvertInterval) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100, " notify_master_rx_lower_pri /etc/vipd/lower.sh\n")));
  h.clock.advance(9s);  // master, both takeover bursts out
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  const std::size_t adverts_before = h.network.adverts.size();
  const std::size_t frames_before = h.network.frames.size();
  auto lower_runs = [&] {
    return std::count_if(h.processes.runs.begin(), h.processes.runs.end(),
                         [](const auto& r) { return r.argv[0] == "/etc/vipd/lower.sh"; });
  };
  // 600 forged adverts of priority 10 in 2 s (advert_int 1).
  PeerAdvert forged;
  forged.priority = 10;
  const ReceivedPacket packet = forged.packet();
  for (int i = 0; i < 600; ++i) {
    h.deliver(packet);
    h.clock.advance(std::chrono::microseconds(3333));
  }
  h.clock.advance(std::chrono::microseconds(2));
  EXPECT_EQ(h.instance().state(), fsm::State::kMaster);
  const std::size_t answers = logs.count("with lower priority 10, ours 100, forcing new election");
  EXPECT_GE(answers, 1u);
  EXPECT_LE(answers, 3u);
  // Answers plus the periodic adverts (a flood no longer postpones them), not 600.
  EXPECT_LE(h.network.adverts.size() - adverts_before, 5u);
  const std::size_t bursts = (h.network.frames.size() - frames_before) / 5;
  EXPECT_GE(bursts, 1u);
  EXPECT_LE(bursts, 3u);
  // The script never exited: the first run is the only one, later triggers are counted.
  EXPECT_EQ(lower_runs(), 1);
  EXPECT_EQ(h.instance().counters().notify_dropped, answers - 1);
  // Once it has exited, the next answer runs it again.
  h.processes.finish("/etc/vipd/lower.sh", 0);
  h.clock.advance(1s);
  h.deliver(packet);
  EXPECT_EQ(lower_runs(), 2);
}

TEST(Instance, InterfaceDownIsAFault) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  h.module.link_changed("eth0", false);
  EXPECT_EQ(logs.count("Netlink reports eth0 down"), 1u);
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  EXPECT_TRUE(h.network.installed.empty());
  h.module.link_changed("eth0", true);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  // Links nobody tracks are not logged.
  h.module.link_changed("eth9", false);
  EXPECT_EQ(logs.count("eth9"), 0u);
}

TEST(Instance, StartsInFaultWhenTheInterfaceIsDown) {
  LogCapture logs;
  Harness h;
  h.network.interfaces["eth0"].up = false;
  h.module.apply(parse(seed_instance(100)));
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  // keepalived 2.2.7's two lines: the cause from the tracking set-up, then the state.
  EXPECT_EQ(logs.count("(VI_1): entering FAULT state (interface eth0 down)"), 1u);
  EXPECT_EQ(logs.count("(VI_1) entering FAULT state"), 1u);
  EXPECT_LT(std::find(logs.lines.begin(), logs.lines.end(),
                      "(VI_1): entering FAULT state (interface eth0 down)"),
            std::find(logs.lines.begin(), logs.lines.end(), "(VI_1) entering FAULT state"));
  EXPECT_EQ(logs.count("Entering BACKUP STATE"), 0u);
  EXPECT_TRUE(h.network.installed.empty());
  // It leaves FAULT as a backup when the link comes up.
  h.module.link_changed("eth0", true);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
}

TEST(Instance, AddressOwnerCheckedAtStart) {
  // eth0's own address is 192.168.5.2 (FakeNetwork).
  const std::string owned =
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
      " priority 100\n virtual_ipaddress {\n  192.168.5.2/16\n }\n}\n";
  {
    LogCapture logs;
    Harness h;
    h.module.apply(parse(owned));
    EXPECT_EQ(logs.count("(VI_1) owns virtual address 192.168.5.2 (configured on this router) but "
                         "has priority 100; the address owner must use priority 255"),
              1u);
    // keepalived does not make it the owner either: priority and start as configured.
    EXPECT_EQ(h.instance().router()->fsm_state().priority, 100);
    EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  }
  {
    LogCapture logs;
    Harness h;
    std::string owner = owned;
    owner.replace(owner.find("priority 100"), 12, "priority 255");
    h.module.apply(parse(owner));
    EXPECT_EQ(logs.count("address owner"), 0u);
    EXPECT_EQ(h.instance().state(), fsm::State::kMaster);  // 255 without state: MASTER
  }
  {
    LogCapture logs;
    Harness h;
    h.module.apply(
        parse("vrrp_instance VI_1 {\n state MASTER\n interface eth0\n"
              " virtual_router_id 51\n virtual_ipaddress {\n  192.168.5.1/16\n }\n}\n"));
    EXPECT_EQ(logs.count("(VI_1) priority 255 is reserved for the address owner, but no virtual "
                         "address of it is configured on this router"),
              1u);
  }
}

TEST(Instance, InterfaceCreatedAfterTheStartIsPickedUp) {
  // keepalived 2.2.7 with dynamic_interfaces, an instance on eth9 before eth9 exists.
  LogCapture logs;
  Harness h;
  const std::string conf =
      "global_defs {\n dynamic_interfaces\n}\n"
      "vrrp_instance VI_1 {\n interface eth9\n virtual_router_id 51\n priority 100\n"
      " virtual_ipaddress {\n  10.9.9.100/24\n }\n}\n";
  h.module.apply(parse(conf));
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  EXPECT_FALSE(h.instance().attached());
  EXPECT_TRUE(h.network.listens.empty());
  const std::vector<std::string> start_lines = {
      "Configuration specifies interface eth9 which doesn't currently exist - will use if created",
      "(VI_1): entering FAULT state (interface eth9 down)",
      "(VI_1) entering FAULT state (no IPv4 address for interface)", "(VI_1) entering FAULT state"};
  std::vector<std::string> seen;
  for (const auto& line : logs.lines)
    if (std::find(start_lines.begin(), start_lines.end(), line) != start_lines.end())
      seen.push_back(line);
  EXPECT_EQ(seen, start_lines);
  h.clock.advance(10s);
  EXPECT_TRUE(h.network.adverts.empty());

  // Created (down), then up: the socket is opened and FAULT left once.
  InterfaceInfo eth9 = h.network.interfaces["eth0"];
  eth9.ifindex = 9;
  eth9.name = "eth9";
  eth9.up = false;
  eth9.ipv4 = ip("10.9.9.2");
  h.network.interfaces["eth9"] = eth9;
  h.module.link_added("eth9", false);
  EXPECT_EQ(logs.count("Interface eth9 added"), 1u);
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  h.network.interfaces["eth9"].up = true;
  h.module.link_changed("eth9", true);
  EXPECT_TRUE(h.instance().attached());
  ASSERT_EQ(h.network.listens.size(), 1u);
  EXPECT_EQ(h.network.listens[0].ifindex, 9);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  EXPECT_EQ(logs.count("(VI_1) Entering BACKUP STATE"), 1u);
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  ASSERT_FALSE(h.network.adverts.empty());
  EXPECT_EQ(h.network.adverts.back().ifindex, 9);
  EXPECT_EQ(h.network.adverts.back().source, ip("10.9.9.2"));
  EXPECT_EQ(h.network.installed.count(ip("10.9.9.100")), 1u);

  // Deleted: FAULT; created again (with another index, already up): back on the new one.
  h.network.interfaces.erase("eth9");
  h.module.link_changed("eth9", false);
  h.module.link_removed("eth9");
  EXPECT_EQ(logs.count("Interface eth9 deleted"), 1u);
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  EXPECT_FALSE(h.instance().attached());
  eth9.ifindex = 19;
  eth9.up = true;
  h.network.interfaces["eth9"] = eth9;
  h.module.link_added("eth9", true);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  EXPECT_EQ(h.instance().receive_ifindex(), 19);
  PeerAdvert peer;
  peer.addresses = {ip("10.9.9.100")};
  ReceivedPacket packet = peer.packet();
  packet.ifindex = 19;
  h.deliver(packet);  // reaches the instance (and is dropped: PASS auth, the instance has none)
  EXPECT_EQ(h.instance().counters().total_drops(), 1u);
}

TEST(Instance, MissingInterfaceWithoutDynamicInterfacesWaitsToo) {
  LogCapture logs;
  Harness h;
  h.module.apply(
      parse("vrrp_instance VI_1 {\n interface eth9\n virtual_router_id 51\n"
            " virtual_ipaddress {\n  10.9.9.100/24\n }\n}\n"));
  // keepalived refuses to start here ("Non-existent interface specified in configuration").
  EXPECT_EQ(logs.count("WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist"), 1u);
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  InterfaceInfo eth9 = h.network.interfaces["eth0"];
  eth9.ifindex = 9;
  eth9.name = "eth9";
  h.network.interfaces["eth9"] = eth9;
  h.module.link_added("eth9", true);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
}

TEST(Instance, TrackInterfaceWeightChangesThePriority) {
  Harness h;
  InterfaceInfo eth1 = h.network.interfaces["eth0"];
  eth1.ifindex = 3;
  eth1.name = "eth1";
  h.network.interfaces["eth1"] = eth1;
  h.module.apply(parse(seed_instance(100, " track_interface {\n  eth1 weight -30\n }\n")));
  EXPECT_EQ(h.instance().total_priority(), 100);
  h.module.link_changed("eth1", false);
  EXPECT_EQ(h.instance().total_priority(), 70);
  EXPECT_EQ(h.instance().router()->fsm_state().priority, 70);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
  h.module.link_changed("eth1", true);
  EXPECT_EQ(h.instance().router()->fsm_state().priority, 100);
}

TEST(Instance, MissingInterfaceOrSourceIsAStartError) {
  LogCapture logs;
  Harness h;
  h.network.interfaces["eth0"].ipv4.reset();
  h.module.apply(parse(seed_instance(100)));
  EXPECT_EQ(h.module.find("VI_1"), nullptr);
  EXPECT_EQ(logs.count("(VI_1) Cannot find an IP address to use for interface eth0"), 1u);
}

TEST(Instance, UseVmacSendsFromTheMacvlanAndDeletesItOnStop) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100, " use_vmac\n")));
  ASSERT_EQ(h.network.vmacs.size(), 1u);
  EXPECT_EQ(h.network.ops[0], "create vrrp.51 on 2 mac 00:00:5e:00:01:33");
  // Received on eth0, sent from the VMAC with the virtual MAC.
  EXPECT_EQ(h.network.listens[0].ifindex, 2);
  h.clock.advance(4s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  EXPECT_EQ(h.network.adverts[0].ifindex, 100);
  EXPECT_EQ(h.network.adverts[0].source, ip("192.168.5.2"));
  EXPECT_EQ(h.network.installed.at(ip("192.168.5.1")).ifindex, 100);
  EXPECT_EQ(h.network.frames[0].ifindex, 100);
  EXPECT_EQ(h.network.frames[0].frame,
            l2::wire::build_gratuitous_arp(*l2::wire::MacAddress::parse("00:00:5e:00:01:33"),
                                           ip("192.168.5.1")));
  h.module.stop();
  EXPECT_EQ(h.network.ops.back(), "delete link 100");
}

TEST(Instance, Ipv6UsesTheLinkLocalSourceAndUnsolicitedNas) {
  LogCapture logs;
  Harness h;
  h.module.apply(
      parse("vrrp_instance V6 {\n interface eth0\n virtual_router_id 7\n priority 100\n version 3\n"
            " advert_int 0.5\n virtual_ipaddress {\n  2001:db8:5::1/64\n }\n}\n"));
  ASSERT_EQ(h.network.listens.size(), 1u);
  EXPECT_EQ(h.network.listens[0].family, Family::kIpv6);
  EXPECT_EQ(h.network.listens[0].group, ip("ff02::12"));
  h.clock.advance(2s);
  ASSERT_EQ(h.instance("V6").state(), fsm::State::kMaster);
  const auto& sent = h.network.adverts.at(0);
  EXPECT_EQ(sent.source, ip("fe80::2"));
  EXPECT_EQ(sent.destination, ip("ff02::12"));
  wire::Advert a = sent.decoded();
  EXPECT_EQ(a.version, wire::Version::kV3);
  EXPECT_EQ(a.max_advert_interval_cs, 50);
  EXPECT_EQ(h.network.ops.at(1), "add 2001:db8:5::1/64 ifindex 2 nodad");
  ASSERT_FALSE(h.network.frames.empty());
  EXPECT_EQ(h.network.frames[0].frame, l2::wire::build_unsolicited_neighbor_advert(
                                           h.network.interfaces["eth0"].mac, ip("2001:db8:5::1")));
  EXPECT_EQ(
      logs.count("(V6) Sending/queueing Unsolicited Neighbour Adverts on eth0 for 2001:db8:5::1"),
      1u);
}

// A router (IPv6 forwarding on the interface) says so in its NAs (RFC 4861 §4.4 R flag), or
// hosts that learn the VIP's MAC from them would drop it from their default router list.
TEST(Instance, Ipv6NaCarriesTheRouterFlagWhenForwarding) {
  Harness h;
  h.network.forwarding.insert("eth0");
  h.module.apply(
      parse("vrrp_instance V6 {\n interface eth0\n virtual_router_id 7\n priority 100\n version 3\n"
            " advert_int 0.5\n virtual_ipaddress {\n  2001:db8:5::1/64\n }\n}\n"));
  h.clock.advance(2s);
  ASSERT_FALSE(h.network.frames.empty());
  const auto na = l2::wire::parse_neighbor_advert_frame(h.network.frames[0].frame);
  ASSERT_TRUE(na.ok());
  EXPECT_TRUE(na->router);
  EXPECT_TRUE(na->override);
}

TEST(Instance, SendErrorsAreCountedAndLoggedOnce) {
  LogCapture logs;
  Harness h;
  h.network.fail_send = true;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(6s);
  EXPECT_GE(h.instance().counters().send_errors, 3u);
  EXPECT_EQ(logs.count("(VI_1): send advert error (sendto: Network is unreachable)"), 1u);
}

}  // namespace
}  // namespace vipd::vrrp::testing
