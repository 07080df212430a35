#include "bgp/config/parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config_test_util.hpp"

namespace vipd::bgp::config {
namespace {

using test::ip;

std::string read_seed() {
  std::ifstream in(std::string(VIPD_SOURCE_DIR) + "/tests/data/seed/bgpd.conf");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The parse error of `text`, as the user sees it.
std::string error_of(std::string_view text) {
  auto r = parse_config(text, "bgpd.conf");
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string("(parsed)") : r.error().to_string();
}

TEST(ParseConfig, SeedFileLoadsVerbatim) {
  auto r = load_config_file(std::string(VIPD_SOURCE_DIR) + "/tests/data/seed/bgpd.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const BgpConfig& c = *r;
  ASSERT_TRUE(c.bgp);
  EXPECT_EQ(c.bgp->asn, 65000u);
  EXPECT_EQ(c.bgp->router_id, ip("192.168.5.1"));
  ASSERT_EQ(c.bgp->neighbors.size(), 6u);
  const char* descriptions[] = {"\"k3s-master-1\"", "\"k3s-node-1\"", "\"k3s-node-2\"",
                                "\"k3s-node-3\"",   "\"k3s-node-4",   "\"k3s-node-5\""};
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& n = c.bgp->neighbors[i];
    EXPECT_EQ(n.address, ip("192.168.12." + std::to_string(11 + i)));
    EXPECT_EQ(n.remote_as, (RemoteAs{RemoteAs::Kind::kNumber, 65009}));
    EXPECT_EQ(n.description, descriptions[i]);
    EXPECT_TRUE(n.in(AddressFamily::kIpv4Unicast).active);
    EXPECT_FALSE(n.in(AddressFamily::kIpv6Unicast).active);
    EXPECT_FALSE(n.shutdown);
    EXPECT_FALSE(n.port);
  }
  auto again = parse_config(read_seed(), "seed");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, c);
}

TEST(ParseConfig, QuaggaFileWithCommentsBlanksVtyAndEnd) {
  const char* text =
      "! -*- bgp -*-\n"
      "!\n"
      "hostname bgpd\r\n"
      "password zebra\n"
      "enable password please\n"
      "log file /var/log/quagga/bgpd.log informational\n"
      "log stdout\n"
      "# a shell-style comment\n"
      "\n"
      "   \n"
      "router bgp 7675\n"
      "  bgp router-id 10.0.0.1   \n"
      " no synchronization\n"
      " network 10.0.0.0/8\n"
      " neighbor 10.0.0.2 remote-as 7675\n"
      " neighbor 10.0.0.2 ebgp-multihop\n"
      " no auto-summary\n"
      " address-family ipv6\n"
      " network 2001:db8::/32\n"
      " neighbor 10.0.0.2 activate\n"
      " exit-address-family\n"
      "!\n"
      "line vty\n"
      " exec-timeout 0 0\n"
      " no login\n"
      "!\n"
      "end\n";
  auto r = parse_config(text, "bgpd.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->hostname, "bgpd");
  EXPECT_EQ(r->password, "zebra");
  EXPECT_EQ(r->enable_password, "please");
  ASSERT_TRUE(r->log.file);
  EXPECT_EQ(r->log.file->path, "/var/log/quagga/bgpd.log");
  EXPECT_EQ(r->log.file->level, "informational");
  ASSERT_TRUE(r->log.stdout_);
  EXPECT_EQ(r->log.stdout_->level, "");
  EXPECT_TRUE(r->vty.present);
  EXPECT_EQ(r->vty.exec_timeout, (std::pair<std::uint32_t, std::uint32_t>{0, 0}));
  EXPECT_TRUE(r->vty.no_login);
  ASSERT_TRUE(r->bgp);
  EXPECT_EQ(r->bgp->in(AddressFamily::kIpv4Unicast).networks,
            std::vector<Prefix>{*Prefix::parse("10.0.0.0/8")});
  EXPECT_EQ(r->bgp->in(AddressFamily::kIpv6Unicast).networks,
            std::vector<Prefix>{*Prefix::parse("2001:db8::/32")});
  const auto* n = r->bgp->find(ip("10.0.0.2"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->ebgp_multihop, 255);
  EXPECT_TRUE(n->in(AddressFamily::kIpv6Unicast).active);
}

TEST(ParseConfig, FrrWrittenFileLoads) {
  const char* text =
      "frr version 8.4.4\n"
      "frr defaults traditional\n"
      "hostname r1\n"
      "log syslog informational\n"
      "service integrated-vtysh-config\n"
      "!\n"
      "router bgp 64520\n"
      " bgp router-id 192.0.2.50\n"
      " no bgp default ipv4-unicast\n"
      " neighbor 192.0.2.1 remote-as external\n"
      " neighbor 2001:db8::1 remote-as internal\n"
      " !\n"
      " address-family ipv4 unicast\n"
      "  network 100.64.0.0/24\n"
      "  neighbor 192.0.2.1 activate\n"
      " exit-address-family\n"
      " !\n"
      " address-family ipv6 unicast\n"
      "  neighbor 2001:db8::1 activate\n"
      " exit-address-family\n"
      "exit\n"
      "!\n"
      "end\n";
  auto r = parse_config(text, "frr.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_TRUE(r->bgp);
  EXPECT_FALSE(r->bgp->default_ipv4_unicast);
  const auto* v4 = r->bgp->find(ip("192.0.2.1"));
  const auto* v6 = r->bgp->find(ip("2001:db8::1"));
  ASSERT_TRUE(v4 && v6);
  EXPECT_EQ(v4->remote_as.kind, RemoteAs::Kind::kExternal);
  EXPECT_EQ(v6->remote_as.kind, RemoteAs::Kind::kInternal);
  EXPECT_TRUE(v4->in(AddressFamily::kIpv4Unicast).active);
  EXPECT_FALSE(v4->in(AddressFamily::kIpv6Unicast).active);
  EXPECT_FALSE(v6->in(AddressFamily::kIpv4Unicast).active);
  EXPECT_TRUE(v6->in(AddressFamily::kIpv6Unicast).active);
}

TEST(ParseConfig, ErrorsNameFileLineAndReason) {
  EXPECT_EQ(error_of("router bgp 65000\n bgp routerid 1.2.3.4\n"),
            "bgpd.conf:2: Unknown command: bgp routerid 1.2.3.4; Invalid input at 'routerid'");
  // Not an address: a peer group's name, as in FRR (NEIGHBOR_ADDR_STR2).
  EXPECT_EQ(error_of("router bgp 65000\n neighbor 10.0.0.300 remote-as 1\n"),
            "bgpd.conf:2: Create the peer-group or interface first");
  EXPECT_EQ(error_of("!\nrouter bgp 4294967296\n"),
            "bgpd.conf:2: Unknown command: router bgp 4294967296; Invalid input at '4294967296'");
  EXPECT_EQ(error_of("router bgp 65000\n neighbor 10.0.0.1 remote-as 0\n"),
            "bgpd.conf:2: Unknown command: neighbor 10.0.0.1 remote-as 0; Invalid input at '0'");
  // `neighbor` exists only inside `router bgp`.
  EXPECT_EQ(error_of("hostname r1\nneighbor 10.0.0.1 remote-as 1\n"),
            "bgpd.conf:2: Unknown command: neighbor 10.0.0.1 remote-as 1; Invalid input at "
            "'neighbor'");
  EXPECT_EQ(error_of("router bgp 65000\n neighbor 10.0.0.1 description x\n"),
            "bgpd.conf:2: Specify remote-as or peer-group commands first");
  EXPECT_EQ(error_of("router bgp 65000\n network 10.0.0.1/8\n"),
            "bgpd.conf:2: Inconsistent address and mask");
  EXPECT_EQ(error_of("router bgp 65000\n network 2001:db8::/32\n"),
            "bgpd.conf:2: Unknown command: network 2001:db8::/32; Invalid input at "
            "'2001:db8::/32'");
  EXPECT_EQ(error_of("router bgp 65000\n address-family ipv6 unicast\n  network 10.0.0.0/8\n"),
            "bgpd.conf:3: 10.0.0.0/8 is not a prefix of address family ipv6 unicast");
  EXPECT_EQ(error_of("router bgp 65000\nrouter bgp 65001\n"),
            "bgpd.conf:2: BGP is already running; AS is 65000");
  EXPECT_EQ(error_of("router bgp 65000\n timers bgp 1 2\n"),
            "bgpd.conf:2: hold time value must be either 0 or greater than 3");
  EXPECT_EQ(error_of("router bgp 65000\n neighbor 10.0.0.1 remote-as\n"),
            "bgpd.conf:2: Command incomplete: neighbor 10.0.0.1 remote-as");
  EXPECT_EQ(error_of("frr defaults cloudy\n"),
            "bgpd.conf:1: unknown defaults profile 'cloudy': FRR has 'traditional' and "
            "'datacenter'");
}

TEST(ParseConfig, FirstErrorFailsTheWholeFile) {
  auto r = parse_config("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n bogus\n", "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 3u);
  EXPECT_EQ(r.error().file, "f");
}

// `vipd --check`: every bad line, each with its number, and the lines between them read on.
TEST(CheckConfig, ReportsEveryFailingLine) {
  auto errors = check_config(
      "! a comment\nrouter bgp 65000\n bogus 1\n neighbor 10.0.0.1 remote-as 1\n"
      " neighbor 10.0.0.1 frobnicate\n neighbor 10.0.0.2 description early\n",
      "bgpd.conf");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].line, 3u);
  EXPECT_EQ(errors[1].line, 5u);
  EXPECT_EQ(errors[2].to_string(), "bgpd.conf:6: Specify remote-as or peer-group commands first");
}

TEST(CheckConfig, TheSeedHasNoError) {
  EXPECT_TRUE(check_config(read_seed(), "bgpd.conf").empty());
}

TEST(CheckConfig, MissingFileIsOneError) {
  auto errors = check_config_file("/nonexistent/bgpd.conf");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 0u);
}

TEST(ParseConfig, MissingFileIsAnError) {
  auto r = load_config_file("/nonexistent/bgpd.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 0u);
  EXPECT_EQ(r.error().to_string(),
            "/nonexistent/bgpd.conf: can't open configuration file: No such file or directory");
}

// D2: a directory used to read as an empty configuration (a SIGHUP then removed every
// neighbor); /dev/zero grew memory until abort. Both are now errors that say why, at start
// (`vipd --check` included) as on reload.
TEST(ParseConfig, FileThatIsNotRegularIsAnError) {
  auto directory = load_config_file("/");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().to_string(),
            "/: can't open configuration file: not a regular file (a directory)");
  auto zero = check_config_file("/dev/zero");
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_EQ(zero[0].to_string(),
            "/dev/zero: can't open configuration file: not a regular file (a character device)");
}

TEST(ParseConfig, EmptyTextIsAnEmptyConfig) {
  auto r = parse_config("", "empty");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, BgpConfig{});
}

}  // namespace
}  // namespace vipd::bgp::config
