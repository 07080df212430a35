// The seed file, lexing through the parser, and the errors with their FILE:LINE.
#include "vrrp/config/parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "test_util.hpp"

namespace vipd::vrrp::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace test;

const std::string kSeedPath = kSourceDir + "/tests/data/keepalived/seed.conf";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_seed(const KeepalivedConfig& c) {
  EXPECT_EQ(c.global_defs.router_id, "LVS_DEVEL");
  EXPECT_EQ(c.global_defs, [] {
    GlobalDefs g;
    g.router_id = "LVS_DEVEL";
    return g;
  }());
  EXPECT_THAT(c.scripts, IsEmpty());
  EXPECT_THAT(c.sync_groups, IsEmpty());
  ASSERT_EQ(c.instances.size(), 1u);
  const VrrpInstance& v = c.instances[0];
  EXPECT_EQ(v.name, "VI_1");
  EXPECT_EQ(v.state, InitialState::kBackup);
  EXPECT_EQ(v.interface, "eth0");
  EXPECT_EQ(v.virtual_router_id, 51);
  EXPECT_EQ(v.priority, 10);
  EXPECT_EQ(v.advert_int, Milliseconds(1000));
  EXPECT_EQ(v.version, 2);
  EXPECT_EQ(v.family, Family::kIpv4);
  EXPECT_EQ(v.auth_type, AuthType::kPass);
  EXPECT_EQ(v.auth_pass, "1111");
  ASSERT_EQ(v.virtual_ipaddress.size(), 1u);
  const VirtualAddress& vip = v.virtual_ipaddress[0];
  EXPECT_EQ(vip.address, ip("192.168.5.1"));  // host bits kept
  EXPECT_EQ(vip.prefix_length, 16);
  EXPECT_EQ(vip.dev, "eth0");
  EXPECT_EQ(vip.scope, 0);
  EXPECT_EQ(vip.label, "");
  EXPECT_FALSE(vip.broadcast);
  EXPECT_EQ(vip.to_string(), "192.168.5.1/16 dev eth0");
  EXPECT_THAT(v.virtual_ipaddress_excluded, IsEmpty());
  EXPECT_THAT(v.track_interface, IsEmpty());
  EXPECT_THAT(v.track_script, IsEmpty());
  EXPECT_THAT(v.unicast_peer, IsEmpty());
  EXPECT_FALSE(v.source_address);
  EXPECT_FALSE(v.nopreempt);
  EXPECT_EQ(v.preempt_delay, Milliseconds(0));
  EXPECT_TRUE(v.accept);
  EXPECT_FALSE(v.strict_mode);
  EXPECT_FALSE(v.skip_check_adv_addr);
  EXPECT_FALSE(v.smtp_alert);
  EXPECT_FALSE(v.dont_track_primary);
  EXPECT_FALSE(v.use_vmac);
  EXPECT_EQ(v.garp_master_delay, Seconds(5));
  EXPECT_EQ(v.garp_master_repeat, 5u);
  EXPECT_EQ(v.garp_master_refresh, Seconds(0));
  EXPECT_EQ(v.garp_master_refresh_repeat, 1u);
  EXPECT_EQ(v.garp_lower_prio_delay, Seconds(5));
  EXPECT_EQ(v.garp_lower_prio_repeat, 5u);
  EXPECT_FALSE(v.lower_prio_no_advert);
  EXPECT_FALSE(v.higher_prio_send_advert);
  EXPECT_EQ(v.debug, 0);
  EXPECT_EQ(v.notify, Notify{});
  EXPECT_THAT(v.other, IsEmpty());
}

TEST(KeepalivedSeed, FileIsTheSeedVerbatim) {
  // The fixture is a byte-for-byte copy: the UTF-8 comment and the trailing blanks are there.
  std::string text = read_file(kSeedPath);
  EXPECT_NE(text.find("    state BACKUP #默认的主节点值为 MASTER\n"), std::string::npos);
  EXPECT_NE(text.find("virtual_ipaddress {        \n"), std::string::npos);
}

TEST(KeepalivedSeed, LoadsVerbatimWithEveryField) {
  std::vector<ConfigWarning> warnings;
  auto r = load_keepalived_config(kSeedPath, &warnings);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  expect_seed(*r);
  EXPECT_THAT(warnings, IsEmpty());  // `keepalived -t` prints nothing for it either
}

TEST(KeepalivedSeed, SameWithDosLineEnds) {
  std::string text = read_file(kSeedPath);
  std::string dos;
  for (char c : text) dos += c == '\n' ? std::string("\r\n") : std::string(1, c);
  auto p = parse(dos);
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  expect_seed(*p.result);
  EXPECT_THAT(p.warnings, IsEmpty());
}

TEST(Lexing, BracesOnTheNextLineAndAfterContent) {
  auto c = parsed_ok(
      "global_defs { router_id LVS_DEVEL }\n"
      "vrrp_instance VI_1\n"
      "{\n"
      " interface eth0\n"
      " virtual_router_id 51\n"
      " virtual_ipaddress\n"
      " {\n"
      "  10.0.0.1 } authentication { auth_type PASS\n"
      "auth_pass secret }\n"
      "} vrrp_instance VI_2 { interface eth1\n"
      " virtual_router_id 52 }\n");
  EXPECT_EQ(c.global_defs.router_id, "LVS_DEVEL");
  ASSERT_EQ(c.instances.size(), 2u);
  EXPECT_EQ(c.instances[0].virtual_ipaddress.size(), 1u);
  EXPECT_EQ(c.instances[0].auth_type, AuthType::kPass);
  EXPECT_EQ(c.instances[0].auth_pass, "secret");
  EXPECT_EQ(c.instances[1].interface, "eth1");
  EXPECT_EQ(c.instances[1].virtual_router_id, 52);
}

TEST(Lexing, CommentsBlankLinesAndLastLineWithoutNewline) {
  auto c = parsed_ok(
      "! Configuration File for keepalived\n"
      "\n"
      "global_defs {   # comment after a brace\n"
      "   router_id R1!x\n"
      "}\n"
      "vrrp_instance VI_1 { interface eth0\n"
      "virtual_router_id 51 } # trailing comment");
  EXPECT_EQ(c.global_defs.router_id, "R1");
  ASSERT_EQ(c.instances.size(), 1u);
  EXPECT_EQ(c.instances[0].virtual_router_id, 51);
}

TEST(Lexing, QuotedValuesKeepBlanks) {
  auto c = parsed_ok(
      "global_defs {\n"
      " router_id \"my router\"\n"
      "}\n");
  EXPECT_EQ(c.global_defs.router_id, "my router");
}

// As keepalived (lib/parser.c process_stream()): an unknown keyword is reported with its file
// and line, not refused; its block is skipped, nested braces included.
TEST(Warnings, UnknownKeywordNamesFileAndLine) {
  EXPECT_THAT(warnings_of("global_defs {\n router_id R\n bogus_kw 1\n}\n"),
              ElementsAre("k.conf:3: Unknown keyword 'bogus_kw'"));
  EXPECT_THAT(warnings_of("bogus_root {\n}\n"),
              ElementsAre("k.conf:1: Unknown keyword 'bogus_root'"));
  EXPECT_THAT(warnings_of(instance(" bogus_inst 1")),
              ElementsAre("k.conf:4: Unknown keyword 'bogus_inst'"));
  EXPECT_THAT(warnings_of(instance(" authentication {\n  auth_typo PASS\n }")),
              ElementsAre("k.conf:5: Unknown keyword 'auth_typo'"));
  EXPECT_THAT(warnings_of("vrrp_script chk {\n script /bin/true\n frobnicate 2\n}\n"),
              ElementsAre("k.conf:3: Unknown keyword 'frobnicate'"));
  EXPECT_THAT(
      warnings_of("vrrp_sync_group G {\n group {\n  VI_1\n }\n frobnicate\n}\n" + instance("")),
      ::testing::Contains("k.conf:5: Unknown keyword 'frobnicate'"));
}

// As keepalived (vrrp_parser.c, lib/parser.c): a VIP that is no address (a template's
// placeholder left in) is skipped, and an extra '}' is reported; the rest of the file loads.
TEST(Warnings, InvalidVipAndExtraBraceAreSkipped) {
  const std::string text = instance("", "10.0.0.300\n  __VIRTUAL_IP__/27\n  010.0.0.1\n  10.0.0.2");
  EXPECT_THAT(warnings_of(text),
              ElementsAre("k.conf:6: VRRP parsed invalid IP 10.0.0.300 - skipping it",
                          "k.conf:7: VRRP parsed invalid IP __VIRTUAL_IP__/27 - skipping it",
                          "k.conf:8: VRRP parsed invalid IP 010.0.0.1 - skipping it"));
  const auto vrrp = instance_of(text);
  ASSERT_EQ(vrrp.virtual_ipaddress.size(), 1u);
  EXPECT_EQ(vrrp.virtual_ipaddress[0].address, ip("10.0.0.2"));
  EXPECT_THAT(warnings_of("global_defs {\n router_id R\n}\n}\n"),
              ElementsAre("k.conf:4: Extra '}' found - ignoring it"));
}

// A real deployment's file: VRRP with vrrp_script, notify, track_interface and unicast_peer,
// beside LVS sections (virtual_server with nested real_server and checker blocks).
TEST(Warnings, RealFileWithLvsSectionsLoads) {
  std::vector<ConfigWarning> warnings;
  const std::string path = kSourceDir + "/tests/data/keepalived/lvs_and_vrrp.conf";
  auto r = load_keepalived_config(path, &warnings);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->instances.size(), 1u);
  const auto& vi = r->instances[0];
  EXPECT_EQ(vi.name, "VI_WEB");
  EXPECT_EQ(vi.priority, 150);
  EXPECT_EQ(vi.unicast_peer.size(), 1u);
  EXPECT_EQ(vi.track_interface.size(), 2u);
  EXPECT_EQ(vi.track_script.size(), 1u);
  EXPECT_FALSE(vi.notify.master.empty());
  std::vector<std::string> texts;
  for (const auto& w : warnings) texts.push_back(w.to_string());
  using ::testing::Contains;
  EXPECT_THAT(texts, Contains(path + ":14: Unknown keyword 'garp_master_delay'"));
  EXPECT_THAT(texts, Contains(HasSubstr(path + ":55: 'local_address_group' configures")));
  EXPECT_THAT(texts, Contains(HasSubstr(path + ":59: 'virtual_server_group' configures")));
  EXPECT_THAT(texts, Contains(HasSubstr(path + ":64: 'virtual_server' configures")));
  EXPECT_EQ(texts.size(), 4u) << ::testing::PrintToString(texts);
}

TEST(Warnings, UnknownBlockIsSkippedWithNestedBraces) {
  auto c =
      parsed_ok("bogus_block {\n inner {\n  deeper {\n   vrrp_instance X {\n  }\n  }\n }\n}\n" +
                instance(" priority 120"));
  ASSERT_EQ(c.instances.size(), 1u);
  EXPECT_EQ(c.instances[0].name, "VI_1");
  EXPECT_EQ(c.instances[0].priority, 120);
  // In an instance, too: the lines inside the block are not read as the instance's.
  auto vi = instance_of(instance(" bogus {\n  priority 7\n  { nested }\n }\n priority 99"));
  EXPECT_EQ(vi.priority, 99);
}

// keepalived's global_defs knows vrrp_garp_master_delay, not garp_master_delay (an instance
// keyword): keepalived warns and goes on; so does vipd.
TEST(Warnings, GarpMasterDelayInGlobalDefs) {
  auto p = parse("global_defs {\n garp_master_delay 10\n}\n" + instance(""));
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(p.warnings, ElementsAre("k.conf:2: Unknown keyword 'garp_master_delay'"));
  EXPECT_EQ(p.result->instances[0].garp_master_delay, Seconds(5));
}

TEST(Warnings, LocalAddressGroupIsSkipped) {
  auto p =
      parse("local_address_group laddr_g1 {\n 192.168.1.100\n 10.0.0.1-20\n}\n" + instance(""));
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(p.warnings, ElementsAre(HasSubstr("k.conf:1: 'local_address_group' configures "
                                                "keepalived's checker")));
}

TEST(Errors, MissingValue) {
  EXPECT_EQ(error_of(instance(" priority")), "k.conf:4: missing value after 'priority'");
  EXPECT_EQ(error_of("global_defs {\n router_id\n}\n"),
            "k.conf:2: missing value after 'router_id'");
  EXPECT_EQ(error_of(instance(" state")), "k.conf:4: missing value after 'state'");
  EXPECT_EQ(error_of("vrrp_instance {\n}\n"), "k.conf:1: vrrp_instance must have a name");
  EXPECT_EQ(error_of("vrrp_script {\n}\n"), "k.conf:1: vrrp_script must have a name");
  EXPECT_EQ(error_of(instance(" notify_master")),
            "k.conf:4: missing command after 'notify_master'");
  EXPECT_EQ(error_of(instance("", "10.0.0.1 label")),
            "k.conf:6: No label parameter specified for 10.0.0.1");
  EXPECT_EQ(error_of(instance("", "10.0.0.1 dev")),
            "k.conf:6: No dev parameter specified for 10.0.0.1");
}

TEST(Errors, BadNumber) {
  EXPECT_EQ(error_of(instance(" priority abc")), "k.conf:4: invalid number 'abc' for 'priority'");
  EXPECT_EQ(error_of(instance(" advert_int 1s")), "k.conf:4: invalid number '1s' for 'advert_int'");
  EXPECT_EQ(error_of(instance(" advert_int nan")),
            "k.conf:4: invalid number 'nan' for 'advert_int'");
  EXPECT_EQ(error_of(instance(" garp_master_delay 0.5")),
            "k.conf:4: invalid number '0.5' for 'garp_master_delay'");
  EXPECT_EQ(error_of("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id x51\n}\n"),
            "k.conf:3: invalid number 'x51' for 'virtual_router_id'");
  EXPECT_EQ(error_of(instance(" track_interface {\n  eth1 weight heavy\n }")),
            "k.conf:5: invalid number 'heavy' for the weight of track_interface eth1");
}

TEST(Errors, BadAddress) {
  EXPECT_EQ(error_of(instance("", "10.0.0.1/")),
            "k.conf:6: invalid prefix length '' in '10.0.0.1/'");
  EXPECT_EQ(error_of(instance("", "10.0.0.1 brd 10.0.0.256")),
            "k.conf:6: invalid IP address '10.0.0.256'");
  EXPECT_EQ(error_of(instance(" unicast_src_ip 10.0.0.300")),
            "k.conf:4: invalid IP address '10.0.0.300'");
  EXPECT_EQ(error_of(instance(" unicast_peer {\n  10.1.1\n }")),
            "k.conf:5: invalid IP address '10.1.1'");
  EXPECT_EQ(error_of("global_defs {\n vrrp_mcast_group4 224.0.0\n}\n"),
            "k.conf:2: invalid IP address '224.0.0'");
  EXPECT_EQ(error_of(instance("", "fe80::1 brd +")),
            "k.conf:6: a broadcast address cannot be set for the IPv6 address fe80::1");
}

TEST(Errors, UnbalancedBraces) {
  EXPECT_EQ(error_of("global_defs {\n router_id R\n"),
            "k.conf:1: Missing '}': the 'global_defs' block started here is not closed");
  EXPECT_EQ(error_of("vrrp_instance VI_1 {\n interface eth0\n authentication {\n  auth_type "
                     "PASS\n }\n"),
            "k.conf:1: Missing '}': the 'vrrp_instance' block started here is not closed");
  EXPECT_EQ(error_of("vrrp_instance VI_1 {\n authentication {\n  auth_type PASS\n"),
            "k.conf:2: Missing '}': the 'authentication' block started here is not closed");
  EXPECT_EQ(error_of("global_defs\nrouter_id R\n}\n"),
            "k.conf:2: Missing '{' at beginning of configuration block 'global_defs'");
  EXPECT_EQ(error_of("global_defs"), "k.conf:1: Missing '{' after 'global_defs'");
  EXPECT_EQ(error_of("{\n}\n"), "k.conf:1: Unexpected '{'");
  EXPECT_EQ(error_of(instance(" priority 100 {\n }")), "k.conf:4: Unexpected '{'");
}

TEST(Errors, LexingErrors) {
  EXPECT_EQ(error_of(instance(" notify_master \"/bin/x")),
            "k.conf:4: unterminated quote in 'notify_master \"/bin/x'");
  EXPECT_EQ(error_of(instance(" notify_master \"/bin/x 'a\"")),
            "k.conf:4: string '/bin/x 'a': missing terminating '");
}

TEST(Errors, DuplicateVridSameInterfaceAndFamily) {
  std::string two = instance("") +
                    "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 51\n"
                    " virtual_ipaddress {\n  10.0.0.2\n }\n}\n";
  // keepalived -t: "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0"
  EXPECT_EQ(error_of(two), "k.conf:11: VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0");
}

TEST(Errors, DuplicateVridAllowedOnOtherInterfaceOrFamily) {
  std::string other_if = instance("") +
                         "vrrp_instance VI_2 {\n interface eth1\n virtual_router_id 51\n"
                         " virtual_ipaddress {\n  10.0.0.2\n }\n}\n";
  EXPECT_EQ(parsed_ok(other_if).instances.size(), 2u);
  std::string other_family = instance("") +
                             "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 51\n"
                             " virtual_ipaddress {\n  fe80::2\n }\n}\n";
  EXPECT_EQ(parsed_ok(other_family).instances.size(), 2u);
}

TEST(Errors, DuplicateVridUnicastNeedsASharedPeer) {
  auto with_peer = [](const char* name, const char* peer) {
    return fmt::format(
        "vrrp_instance {} {{\n interface eth0\n virtual_router_id 51\n unicast_peer {{\n  {}\n"
        " }}\n virtual_ipaddress {{\n  10.0.0.1\n }}\n}}\n",
        name, peer);
  };
  EXPECT_EQ(parsed_ok(with_peer("A", "10.1.1.1") + with_peer("B", "10.1.1.2")).instances.size(),
            2u);
  EXPECT_EQ(parsed_ok(with_peer("A", "10.1.1.1") + instance("")).instances.size(), 2u);
  EXPECT_EQ(error_of(with_peer("A", "10.1.1.1") + with_peer("B", "10.1.1.1")),
            "k.conf:13: (B) duplicate VRID conflict with A VRID 51");
}

TEST(Errors, DuplicateNames) {
  EXPECT_EQ(error_of(instance("") + instance("")), "k.conf:9: vrrp instance VI_1 already defined");
  EXPECT_EQ(
      error_of("vrrp_script s {\n script /bin/true\n}\nvrrp_script s {\n script /bin/true\n}\n"),
      "k.conf:4: vrrp_script s already defined");
}

TEST(Errors, UnknownScriptReference) {
  EXPECT_EQ(error_of(instance(" track_script {\n  nosuch\n }")),
            "k.conf:5: (VI_1) track script nosuch not found");
}

TEST(Errors, ScriptDefinedAfterTheInstance) {
  // keepalived 2.2 prints "track script chk not found, ignoring..." here and never runs it.
  std::string text =
      instance(" track_script {\n  chk\n }") + "vrrp_script chk {\n script /bin/true\n}\n";
  EXPECT_EQ(error_of(text),
            "k.conf:5: (VI_1) track script chk is defined after this line; keepalived 2.2 "
            "ignores such an entry - move the vrrp_script block before it");
}

TEST(Errors, UnknownInstanceInSyncGroup) {
  std::string text = instance("") + "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_9\n }\n}\n";
  EXPECT_EQ(error_of(text),
            "k.conf:12: Virtual router VI_9 specified in sync group G1 doesn't exist");
}

TEST(Errors, InstanceInTwoSyncGroups) {
  std::string text = instance("") +
                     "vrrp_sync_group G1 {\n group {\n  VI_1\n }\n}\n"
                     "vrrp_sync_group G2 {\n group {\n  VI_1\n }\n}\n";
  EXPECT_EQ(error_of(text),
            "k.conf:16: Virtual router VI_1 cannot exist in more than one sync "
            "group (G1 and G2)");
}

TEST(Errors, MissingVridOrInterface) {
  EXPECT_EQ(
      error_of("vrrp_instance X {\n interface eth0\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n"),
      "k.conf:1: (X) the virtual router id must be set");
  // An out-of-range VRID is ignored with keepalived's warning, which leaves it unset.
  auto p = parse("vrrp_instance X {\n interface eth0\n virtual_router_id 256\n}\n");
  ASSERT_FALSE(p.result.ok());
  EXPECT_EQ(p.result.error().to_string(), "k.conf:1: (X) the virtual router id must be set");
  EXPECT_THAT(p.warnings,
              ElementsAre("k.conf:3: (X): VRID '256' not valid - must be between 1 & 255"));
}

TEST(Errors, UnsupportedKeepalivedFeatures) {
  EXPECT_EQ(error_of("@node1 global_defs {\n}\n"),
            "k.conf:1: lines starting with '@' (keepalived config-id selection) are not "
            "supported by vipd");
  EXPECT_EQ(error_of("$VIP=10.0.0.1\n"),
            "k.conf:1: parameter definitions ($NAME=...) are not supported by vipd");
  EXPECT_EQ(error_of("~SEQ(i, 1, 3)\n"), "k.conf:1: ~SEQ lines are not supported by vipd");
}

// Sections keepalived knows and vipd does not implement: a warning that says what is then not
// done, the block skipped (an error only with `vipd --strict`).
TEST(Warnings, UnimplementedSectionsAreSkipped) {
  EXPECT_THAT(warnings_of("static_ipaddress {\n 10.0.0.1/24 dev eth0\n}\n"),
              ElementsAre("k.conf:1: 'static_ipaddress' is not implemented by vipd - ignoring "
                          "it: the addresses, routes or tracking it configures are not set up"));
  EXPECT_THAT(warnings_of(instance(" virtual_routes {\n  10.1.0.0/16 via 10.0.0.254\n }")),
              ElementsAre("k.conf:4: 'virtual_routes' is not implemented by vipd - ignoring it: "
                          "instance VI_1 runs without it"));
}

TEST(Errors, IncludeWithoutALoader) {
  EXPECT_EQ(error_of("include other.conf\n"),
            "k.conf:1: include is not available when the text is not read from a file");
  EXPECT_EQ(error_of("include a.conf b.conf\n"),
            "k.conf:1: include takes exactly one file name or pattern");
}

TEST(Errors, FileThatCannotBeRead) {
  auto r = load_keepalived_config("/nonexistent/keepalived.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "/nonexistent/keepalived.conf: No such file or directory");
}

TEST(CheckerBlocks, SkippedWithAWarning) {
  auto p = parse(
      "virtual_server 10.0.0.1 80 {\n"
      " real_server 10.0.1.1 80 {\n"
      "  TCP_CHECK {\n"
      "   connect_timeout 3\n"
      "  }\n"
      " }\n"
      "}\n" +
      instance(""));
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_EQ(p.result->instances.size(), 1u);
  EXPECT_THAT(p.warnings,
              ElementsAre("k.conf:1: 'virtual_server' configures keepalived's checker or BFD "
                          "process, which vipd does not run - ignoring the block"));
}

}  // namespace
}  // namespace vipd::vrrp::config
