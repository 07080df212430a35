// The BGP and VRRP modules through the module interface the daemon drives: load (every error,
// nothing applied), daemon-wide settings, commands, start, reload, stop, running config, status
// and `write memory`.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bgp/module.hpp"
#include "common/file.hpp"
#include "common/log.hpp"
#include "common/log_topics.hpp"
#include "control/cli.hpp"
#include "control/server.hpp"
#include "event/asio_clock.hpp"
#include "vrrp/daemon_module.hpp"

namespace vipd {
namespace {

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/vipd-module-test.XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& file, const std::string& text) const {
    std::string path = path_ + "/" + file;
    std::ofstream(path) << text;
    return path;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
};

constexpr const char* kBgpConf =
    "hostname edge-1\n"
    "log file /var/log/quagga/bgpd.log\n"
    "!\n"
    "router bgp 65000\n"
    " bgp router-id 192.0.2.1\n"
    " neighbor 192.0.2.2 remote-as 65001\n"
    " neighbor 192.0.2.2 shutdown\n"
    "!\n";

class BgpModuleTest : public ::testing::Test {
 protected:
  std::unique_ptr<bgp::BgpModule> make(const std::string& path) {
    bgp::BgpModuleOptions options;
    options.config_file = path;
    options.speaker.listen = false;  // no socket: the module, not the speaker, is under test
    return std::make_unique<bgp::BgpModule>(io_, clock_, options);
  }
  asio::io_context io_;
  event::AsioClock clock_{io_};
  TempDir dir_;
};

TEST_F(BgpModuleTest, LoadReportsEveryErrorAndAppliesNothing) {
  auto path = dir_.write("bgpd.conf",
                         "router bgp 65000\n bogus\n neighbor 192.0.2.2 remote-as 1\n"
                         " neighbor 192.0.2.2 frobnicate\n");
  auto module = make(path);
  auto errors = module->load();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].rfind(path + ":2: ", 0), 0u) << errors[0];
  EXPECT_EQ(errors[1].rfind(path + ":4: ", 0), 0u) << errors[1];
  EXPECT_FALSE(module->speaker().running().bgp.has_value());
  module::DaemonSettings settings;
  module->daemon_settings(settings);
  EXPECT_TRUE(settings.hostname.empty());
}

TEST_F(BgpModuleTest, DaemonSettingsComeFromTheFileAndTheLiveConfiguration) {
  auto module = make(dir_.write("bgpd.conf", kBgpConf));
  ASSERT_TRUE(module->load().empty());
  module::DaemonSettings settings;
  module->daemon_settings(settings);
  EXPECT_EQ(settings.hostname, "edge-1");
  EXPECT_EQ(settings.log_file, "/var/log/quagga/bgpd.log");

  control::CommandTree tree;
  control::install_shell_commands(tree);
  module->install_commands(tree);
  ASSERT_TRUE(module->start().ok());
  control::Session session;
  ASSERT_TRUE(tree.execute(session, "configure terminal").ok);
  ASSERT_TRUE(tree.execute(session, "hostname edge-2").ok);
  module::DaemonSettings live;
  module->daemon_settings(live);
  EXPECT_EQ(live.hostname, "edge-2");
  module->stop({});
}

TEST_F(BgpModuleTest, StartRunsTheFileAndStatusSaysSo) {
  auto module = make(dir_.write("bgpd.conf", kBgpConf));
  ASSERT_TRUE(module->load().empty());
  EXPECT_FALSE(module->speaker().running().bgp.has_value()) << "load() must not apply";
  ASSERT_TRUE(module->start().ok());
  ASSERT_TRUE(module->speaker().running().bgp.has_value());
  EXPECT_EQ(module->summary(), "BGP AS 65000 with 1 neighbors");
  auto status = module->status();
  EXPECT_EQ(status["localAs"], 65000);
  EXPECT_EQ(status["neighbors"], 1);
  EXPECT_EQ(status["established"], 0);
  EXPECT_NE(module->running_config().find(" neighbor 192.0.2.2 remote-as 65001\n"),
            std::string::npos);
  nlohmann::json document = nlohmann::json::object();
  module->running_config_json(document);
  EXPECT_FALSE(document.empty());
  bool done = false;
  module->stop([&] { done = true; });
  EXPECT_TRUE(done);
}

TEST_F(BgpModuleTest, ReloadOfABrokenFileKeepsTheRunningConfiguration) {
  auto path = dir_.write("bgpd.conf", kBgpConf);
  auto module = make(path);
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  dir_.write("bgpd.conf", "router bgp 65000\n neighbor 192.0.2.9 remote-as 1\n bogus\n");
  module->reload();
  ASSERT_TRUE(module->speaker().running().bgp.has_value());
  EXPECT_EQ(module->speaker().neighbors().size(), 1u);
  EXPECT_TRUE(module->speaker().neighbors().contains(*IpAddress::parse("192.0.2.2")));
  dir_.write("bgpd.conf", "router bgp 65000\n neighbor 192.0.2.9 remote-as 1\n");
  module->reload();
  EXPECT_TRUE(module->speaker().neighbors().contains(*IpAddress::parse("192.0.2.9")));
  EXPECT_FALSE(module->speaker().neighbors().contains(*IpAddress::parse("192.0.2.2")));
  module->stop({});
}

// Issue 15: a large bgpd.conf is parsed on a worker thread on reload; the loop keeps running
// (its timers fire) and the result is applied on it. A SIGHUP during that reload runs one more.
TEST_F(BgpModuleTest, ReloadOfALargeFileIsParsedOffTheLoop) {
  auto large = [](const char* neighbor) {
    std::string text;
    for (int i = 0; i < 20000; ++i)  // ~1 MB, above the parse-on-the-loop size
      text += fmt::format("ip prefix-list PL seq {} permit 10.{}.{}.0/24\n", (i + 1) * 5, i / 256,
                          i % 256);
    return text + "router bgp 65000\n neighbor " + neighbor + " remote-as 1\n";
  };
  auto path = dir_.write("bgpd.conf", kBgpConf);
  auto module = make(path);
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  dir_.write("bgpd.conf", large("192.0.2.9"));
  module->reload();
  // Not applied yet: the worker parses while the loop goes on.
  EXPECT_TRUE(module->speaker().neighbors().contains(*IpAddress::parse("192.0.2.2")));
  dir_.write("bgpd.conf", large("192.0.2.10"));
  module->reload();  // during the first: runs once the first is done
  auto has = [&](const char* a) {
    return module->speaker().neighbors().contains(*IpAddress::parse(a));
  };
  for (int i = 0; i < 3000 && !has("192.0.2.10"); ++i) {
    // The worker's result arrives as a posted handler: poll for it (run() would return at once
    // while the loop has nothing to do).
    io_.restart();
    io_.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(has("192.0.2.10"));
  EXPECT_FALSE(has("192.0.2.9"));
  EXPECT_EQ(module->speaker().running().prefix_lists.at(0).entries.size(), 20000u);
  module->stop({});
}

// Collects the log lines of a test at `level` and above.
class LogCapture {
 public:
  explicit LogCapture(log::Level level) {
    log::set_sink([this, level](log::Level l, std::string_view line) {
      if (l >= level) lines_.emplace_back(line);
    });
  }
  ~LogCapture() { log::set_sink(nullptr); }
  bool contains(const std::string& text) const {
    for (const auto& line : lines_)
      if (line.find(text) != std::string::npos) return true;
    return false;
  }
  std::string all() const {
    std::string text;
    for (const auto& line : lines_) text += line + "\n";
    return text;
  }

 private:
  std::vector<std::string> lines_;
};

// D2: bgpd.conf replaced by something that is not a regular file, or by a huge one. Each reload
// must fail with the reason, without blocking or growing memory, and keep the neighbor.
TEST_F(BgpModuleTest, ReloadOfANonRegularOrHugeFileKeepsTheRunningConfiguration) {
  auto path = dir_.write("bgpd.conf", kBgpConf);
  auto module = make(path);
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  const IpAddress neighbor = *IpAddress::parse("192.0.2.2");
  auto reload_keeps_neighbor = [&](const std::string& reason) {
    LogCapture errors(log::Level::kError);
    module->reload();
    EXPECT_TRUE(errors.contains("reload failed, keeping the running configuration: " + path + ": " +
                                reason))
        << errors.all();
    EXPECT_TRUE(module->speaker().neighbors().contains(neighbor)) << reason;
    ASSERT_EQ(::unlink(path.c_str()) == 0 || ::rmdir(path.c_str()) == 0, true);
  };
  std::filesystem::remove(path);
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  reload_keeps_neighbor("not a regular file (a directory)");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  reload_keeps_neighbor("not a regular file (a FIFO)");
  std::filesystem::create_symlink("/dev/zero", path);
  reload_keeps_neighbor("not a regular file (a character device)");
  {
    std::ofstream{path};
    std::filesystem::resize_file(path, kMaxConfigFileBytes + 1);  // sparse: costs no disk
  }
  reload_keeps_neighbor("larger than the limit of 67108864 bytes");
  module->stop({});
}

// An empty bgpd.conf on reload is a half-written file far more often than an intent: refused.
TEST_F(BgpModuleTest, ReloadOfAnEmptyFileIsRefused) {
  auto path = dir_.write("bgpd.conf", kBgpConf);
  auto module = make(path);
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  dir_.write("bgpd.conf", "");
  {
    LogCapture errors(log::Level::kError);
    module->reload();
    EXPECT_TRUE(
        errors.contains("reload refused, keeping the running configuration: " + path + " is empty"))
        << errors.all();
  }
  EXPECT_TRUE(module->speaker().neighbors().contains(*IpAddress::parse("192.0.2.2")));
  module->stop({});
}

// At start an empty bgpd.conf is allowed: a router without BGP yet, as FRR starts.
TEST_F(BgpModuleTest, AnEmptyFileAtStartIsARouterWithoutBgp) {
  auto module = make(dir_.write("bgpd.conf", ""));
  EXPECT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  EXPECT_TRUE(module->speaker().neighbors().empty());
  module->stop({});
}

// A reload that removes every neighbor is applied (the file says so) but warned about, naming
// the neighbors that go.
TEST_F(BgpModuleTest, ReloadRemovingEveryNeighborWarnsNamingThem) {
  auto path = dir_.write("bgpd.conf", kBgpConf);
  auto module = make(path);
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  dir_.write("bgpd.conf", "router bgp 65000\n bgp router-id 192.0.2.1\n!\n");
  {
    LogCapture warnings(log::Level::kWarning);
    module->reload();
    EXPECT_TRUE(warnings.contains("reload of " + path + " removes every BGP neighbor: 192.0.2.2"))
        << warnings.all();
  }
  EXPECT_TRUE(module->speaker().neighbors().empty());
  module->stop({});
}

// The lines around BGP of an integrated frr.conf, applied by the module: the datacenter
// profile's timers on the sessions, `ip forwarding` through the kernel layer (a fake here: unit
// tests write no sysctl), the debug topics on the log, and a notice once per kept line.
TEST_F(BgpModuleTest, FrrLinesAreAppliedAndKeptLinesNoticedOnce) {
  auto path = dir_.write("frr.conf",
                         "frr defaults datacenter\nservice advanced-vty\n"
                         "debug bgp neighbor-events\nip forwarding\nno ipv6 forwarding\n!\n"
                         "router bgp 65000\n bgp router-id 192.0.2.1\n"
                         " neighbor 192.0.2.2 remote-as 65001\n neighbor 192.0.2.2 shutdown\n!\n");
  std::vector<std::pair<std::string, std::string>> sysctls;
  bgp::BgpModuleOptions options;
  options.config_file = path;
  options.speaker.listen = false;
  options.write_sysctl = [&](const std::string& name, const std::string& value) {
    sysctls.emplace_back(name, value);
    return Status<std::string>(Ok{});
  };
  auto module = std::make_unique<bgp::BgpModule>(io_, clock_, options);
  ASSERT_TRUE(module->load().empty());
  {
    LogCapture notices(log::Level::kNotice);
    ASSERT_TRUE(module->start().ok());
    EXPECT_TRUE(notices.contains("bgp: " + path +
                                 ":2: 'service advanced-vty' has no effect in vipd; kept in the "
                                 "running configuration (vipctl has no enable mode)"))
        << notices.all();
  }
  EXPECT_THAT(sysctls,
              ::testing::ElementsAre(
                  std::pair<std::string, std::string>{"net/ipv4/ip_forward", "1"},
                  std::pair<std::string, std::string>{"net/ipv6/conf/all/forwarding", "0"}));
  const auto& settings = module->speaker().neighbors().begin()->second.peer->settings();
  EXPECT_EQ(settings.timers.hold_time, std::chrono::seconds(9));
  EXPECT_EQ(settings.timers.keepalive, std::chrono::seconds(3));
  EXPECT_EQ(settings.timers.connect_retry_time, std::chrono::seconds(10));
  EXPECT_TRUE(log::topic_on(log::Topic::kBgpNeighborEvents));
  {
    LogCapture notices(log::Level::kNotice);
    // Once: a reload of the same file does not say it again, nor writes the sysctls again.
    module->reload();
    EXPECT_EQ(notices.all().find("has no effect"), std::string::npos) << notices.all();
    EXPECT_EQ(sysctls.size(), 2u);
  }

  control::CommandTree tree;
  control::install_shell_commands(tree);
  module->install_commands(tree);
  control::Session session;
  ASSERT_TRUE(tree.execute(session, "configure terminal").ok);
  ASSERT_TRUE(tree.execute(session, "no debug bgp neighbor-events").ok);
  ASSERT_TRUE(tree.execute(session, "debug bgp keepalives 192.0.2.2").ok);
  ASSERT_TRUE(tree.execute(session, "no ip forwarding").ok);
  io_.poll();
  EXPECT_FALSE(log::topic_on(log::Topic::kBgpNeighborEvents));
  EXPECT_TRUE(log::wants(log::Topic::kBgpKeepalives, "192.0.2.2"));
  EXPECT_FALSE(log::wants(log::Topic::kBgpKeepalives, "192.0.2.3"));
  EXPECT_EQ(sysctls.back(), (std::pair<std::string, std::string>{"net/ipv4/ip_forward", "0"}));
  ASSERT_TRUE(tree.execute(session, "end").ok);
  auto shown = tree.execute(session, "show debugging");
  EXPECT_EQ(shown.output,
            "BGP debugging status:\n  BGP keepalives debugging is on for 192.0.2.2\n");
  module->stop({});
  log::clear_topics();
}

bgp::ModuleNeighbors lb_neighbors(std::uint32_t asn, std::initializer_list<const char*> addresses) {
  bgp::ModuleNeighbors brought;
  brought.asn = asn;
  for (const char* a : addresses) {
    bgp::config::NeighborConfig n;
    n.address = *IpAddress::parse(a);
    n.remote_as.asn = 65000;
    n.in(bgp::config::AddressFamily::kIpv4Unicast).active = true;
    brought.neighbors.push_back(n);
  }
  return brought;
}

TEST_F(BgpModuleTest, WithoutAFileAnotherModulesNeighborsMakeTheInstance) {
  auto module = make("");
  EXPECT_TRUE(module->config_files().empty());
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  EXPECT_FALSE(module->speaker().running().bgp.has_value());
  bgp::BgpApi& api = *module;
  ASSERT_TRUE(api.set_neighbors("lb", lb_neighbors(65009, {"192.0.2.1", "192.0.2.3"})).ok());
  ASSERT_TRUE(module->speaker().running().bgp.has_value());
  EXPECT_EQ(module->speaker().running().bgp->asn, 65009u);
  EXPECT_EQ(module->speaker().neighbors().size(), 2u);
  // Not part of any file: nothing to show as bgpd.conf, nothing to save.
  EXPECT_EQ(module->running_config().find("neighbor"), std::string::npos);
  EXPECT_FALSE(module->save_config().has_value());
  // Replacing the set removes what is gone; an empty set removes the instance's neighbors.
  ASSERT_TRUE(api.set_neighbors("lb", lb_neighbors(65009, {"192.0.2.3"})).ok());
  EXPECT_EQ(module->speaker().neighbors().size(), 1u);
  EXPECT_TRUE(module->speaker().neighbors().contains(*IpAddress::parse("192.0.2.3")));
  ASSERT_TRUE(api.set_neighbors("lb", {}).ok());
  EXPECT_TRUE(module->speaker().neighbors().empty());
  module->stop({});
}

TEST_F(BgpModuleTest, AnotherModulesNeighborsJoinTheFilesAndMustShareItsAs) {
  auto module = make(dir_.write("bgpd.conf", kBgpConf));
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  bgp::BgpApi& api = *module;
  auto refused = api.set_neighbors("lb", lb_neighbors(65009, {"192.0.2.7"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "lb: local AS 65009 differs from the running `router bgp 65000`");
  EXPECT_EQ(module->speaker().neighbors().size(), 1u) << "a refused set changes nothing";
  // Same AS: merged; the file's own neighbor keeps the file's settings.
  ASSERT_TRUE(api.set_neighbors("lb", lb_neighbors(65000, {"192.0.2.7", "192.0.2.2"})).ok());
  EXPECT_EQ(module->speaker().neighbors().size(), 2u);
  EXPECT_TRUE(module->speaker().running().bgp->find(*IpAddress::parse("192.0.2.2"))->shutdown);
  // A reload of the file keeps the module's neighbors.
  module->reload();
  EXPECT_EQ(module->speaker().neighbors().size(), 2u);
  EXPECT_EQ(module->running_config().find("192.0.2.7"), std::string::npos);
  module->stop({});
}

TEST_F(BgpModuleTest, SaveConfigWritesTheRunningConfiguration) {
  auto path = dir_.write("bgpd.conf", kBgpConf);
  auto module = make(path);
  ASSERT_TRUE(module->load().empty());
  ASSERT_TRUE(module->start().ok());
  control::CommandTree tree;
  control::install_shell_commands(tree);
  module->install_commands(tree);
  control::Session session;
  ASSERT_TRUE(tree.execute(session, "configure terminal").ok);
  ASSERT_TRUE(tree.execute(session, "router bgp 65000").ok);
  ASSERT_TRUE(tree.execute(session, "neighbor 192.0.2.3 remote-as 65003").ok);
  auto saved = module->save_config();
  ASSERT_TRUE(saved.has_value());
  ASSERT_TRUE(saved->ok());
  EXPECT_NE(TempDir::read(path).find(" neighbor 192.0.2.3 remote-as 65003\n"), std::string::npos);
  module->stop({});
}

constexpr const char* kKeepalivedConf =
    "global_defs {\n"
    "   router_id edge\n"
    "}\n"
    "vrrp_instance VI_1 {\n"
    "    state BACKUP   # comment after the keyword\n"
    "    interface eth0\n"
    "    virtual_router_id 51\n"
    "    priority 100\n"
    "    advert_int 1\n"
    "    virtual_ipaddress {\n"
    "        192.168.5.1/16\n"
    "    }\n"
    "}\n";

TEST(VrrpDaemonModule, LoadValidatesWithoutTouchingTheKernel) {
  TempDir dir;
  asio::io_context io;
  event::AsioClock clock(io);
  auto path = dir.write("keepalived.conf", kKeepalivedConf);
  netlink::InterfaceView interfaces;
  vrrp::VrrpDaemonModule module(io, clock, interfaces, path);
  EXPECT_TRUE(module.load().empty());
  EXPECT_EQ(module.config_files(), std::vector<std::string>{path});
  // Loaded, not started: no instance runs and nothing is written anywhere.
  EXPECT_EQ(module.summary(), "VRRP with 0 instances from " + path);
  EXPECT_NE(module.running_config().find("virtual_router_id 51"), std::string::npos);
  // keepalived.conf is the user's: `write memory` does not write it.
  EXPECT_FALSE(module.save_config().has_value());
}

TEST(VrrpDaemonModule, LoadErrorNamesFileAndLine) {
  TempDir dir;
  asio::io_context io;
  event::AsioClock clock(io);
  auto path = dir.write("keepalived.conf",
                        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
                        " priority\n}\n");
  netlink::InterfaceView interfaces;
  vrrp::VrrpDaemonModule module(io, clock, interfaces, path);
  auto errors = module.load();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], path + ":4: missing value after 'priority'");
}

// As keepalived: a keyword it does not know is a warning with FILE:LINE, and the file loads.
TEST(VrrpDaemonModule, UnknownKeywordIsAWarningNamingFileAndLine) {
  TempDir dir;
  asio::io_context io;
  event::AsioClock clock(io);
  auto path = dir.write("keepalived.conf",
                        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
                        " frobnicate 3\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n");
  netlink::InterfaceView interfaces;
  vrrp::VrrpDaemonModule module(io, clock, interfaces, path);
  EXPECT_TRUE(module.load().empty());
  EXPECT_THAT(module.warnings(), ::testing::ElementsAre(path + ":4: Unknown keyword 'frobnicate'"));
}

// D2 and the empty-file concern for keepalived.conf: a reload of a directory, a FIFO or an empty
// file fails with the reason and keeps the running configuration; at start an empty file is a
// VRRP module without instances, as keepalived starts.
TEST(VrrpDaemonModule, ReloadOfANonRegularOrEmptyFileKeepsTheRunningConfiguration) {
  TempDir dir;
  asio::io_context io;
  event::AsioClock clock(io);
  auto path = dir.write("keepalived.conf", kKeepalivedConf);
  netlink::InterfaceView interfaces;
  vrrp::VrrpDaemonModule module(io, clock, interfaces, path);
  ASSERT_TRUE(module.load().empty());
  auto reload_fails = [&](const std::string& reason) {
    LogCapture errors(log::Level::kError);
    module.reload();
    EXPECT_TRUE(
        errors.contains("reload failed, keeping the running VRRP configuration: " + path + reason))
        << errors.all();
    EXPECT_NE(module.running_config().find("virtual_router_id 51"), std::string::npos) << reason;
  };
  std::filesystem::remove(path);
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  reload_fails(": not a regular file (a directory)");
  ASSERT_EQ(::rmdir(path.c_str()), 0);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  reload_fails(": not a regular file (a FIFO)");
  ASSERT_EQ(::unlink(path.c_str()), 0);
  dir.write("keepalived.conf", "");
  reload_fails(" is empty");

  vrrp::VrrpDaemonModule fresh(io, clock, interfaces, path);
  EXPECT_TRUE(fresh.load().empty()) << "an empty file at start is allowed";
}

}  // namespace
}  // namespace vipd
