// script_user / enable_script_security: the path check on real files (temporary directories with
// chosen owners and modes), the plan's users and keepalived 2.2.7's lines, and the module running
// scripts as planned.
#include "vrrp/script_security.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fakes.hpp"

namespace vipd::vrrp::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

constexpr RunAs kRoot{0, 0};
constexpr RunAs kNobody{65534, 65534};

// A directory under /tmp (root's, sticky) removed afterwards.
class TempTree : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (files owned by root and by others)";
    char name[] = "/tmp/vipd-script-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    base_ = name;
    ::chmod(base_.c_str(), 0755);
  }
  void TearDown() override {
    if (!base_.empty()) std::filesystem::remove_all(base_);
  }
  std::string dir(const std::string& name, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    const std::string path = base_ + "/" + name;
    std::filesystem::create_directories(path);
    EXPECT_EQ(::chown(path.c_str(), uid, gid), 0);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string file(const std::string& path, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    EXPECT_EQ(::chown(path.c_str(), uid, gid), 0);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string base_;
};

TEST_F(TempTree, RootOwnedPathIsSafe) {
  const std::string script = file(dir("safe", 0755) + "/chk.sh", 0755);
  for (bool security : {false, true}) {
    const ScriptCheck c = check_script_file(script, kRoot, security);
    EXPECT_TRUE(c.is_script);
    EXPECT_TRUE(c.executable);
    EXPECT_FALSE(c.insecure);
    EXPECT_FALSE(c.inhibit);
    EXPECT_THAT(c.logs, IsEmpty());
  }
  // A world-writable directory with the sticky bit (like /tmp) and a group-writable file of
  // group root are safe too.
  const std::string sticky = file(dir("sticky", 01777) + "/chk.sh", 0775);
  EXPECT_FALSE(check_script_file(sticky, kRoot, true).insecure);
}

TEST_F(TempTree, WritableByOthersIsRefusedWithSecurityAndWarnedWithout) {
  const std::string open_dir = file(dir("open", 0777) + "/chk.sh", 0755);
  ScriptCheck c = check_script_file(open_dir, kRoot, true);
  EXPECT_TRUE(c.insecure);
  EXPECT_TRUE(c.inhibit);
  EXPECT_THAT(c.logs,
              ElementsAre("Unsafe permissions found for script '" + open_dir + "' - disabling."));
  c = check_script_file(open_dir, kRoot, false);
  EXPECT_TRUE(c.insecure);
  EXPECT_FALSE(c.inhibit);
  EXPECT_THAT(c.logs, ElementsAre("Unsafe permissions found for script '" + open_dir + "'."));

  const std::string safe = dir("safe", 0755);
  for (const std::string& script :
       {file(safe + "/world.sh", 0757), file(safe + "/group.sh", 0775, 0, 65534),
        file(safe + "/owned.sh", 0755, 65534, 0)}) {
    EXPECT_TRUE(check_script_file(script, kRoot, true).inhibit) << script;
  }
  // A directory owned by someone else, deeper in the path.
  const std::string theirs = file(dir("theirs", 0755, 65534, 65534) + "/chk.sh", 0755);
  EXPECT_TRUE(check_script_file(theirs, kRoot, true).inhibit);
  // A symbolic link in a safe directory to a script in an unsafe one: the target counts.
  const std::string link = safe + "/link.sh";
  std::filesystem::create_symlink(open_dir, link);
  c = check_script_file(link, kRoot, true);
  EXPECT_TRUE(c.inhibit);
  EXPECT_THAT(c.logs,
              ElementsAre("Unsafe permissions found for script '" + open_dir + "' - disabling."));
  // A gid of 0 is as root as a uid of 0.
  EXPECT_TRUE(check_script_file(open_dir, RunAs{65534, 0}, true).inhibit);
}

TEST_F(TempTree, ScriptsOfOtherUsersAreNotPathChecked) {
  // keepalived only protects what runs as root.
  const std::string script = file(dir("open", 0777) + "/chk.sh", 0755);
  const ScriptCheck c = check_script_file(script, kNobody, true);
  EXPECT_TRUE(c.executable);
  EXPECT_FALSE(c.insecure);
  EXPECT_FALSE(c.inhibit);
  EXPECT_THAT(c.logs, IsEmpty());
}

TEST_F(TempTree, NotExecutableMissingAndPathSearch) {
  const std::string script = file(dir("safe", 0755) + "/x750.sh", 0750);
  ScriptCheck c = check_script_file(script, kNobody, true);
  EXPECT_FALSE(c.executable);
  EXPECT_THAT(c.logs, ElementsAre("WARNING - script '" + script +
                                  "' is not executable for uid:gid 65534:65534 - disabling."));
  EXPECT_TRUE(check_script_file(script, kRoot, true).executable);
  c = check_script_file(base_ + "/none.sh", kRoot, true);
  EXPECT_TRUE(c.not_found);
  EXPECT_FALSE(c.is_script);
  EXPECT_THAT(c.logs, ElementsAre("Script " + base_ +
                                  "/none.sh cannot be accessed - No such file or directory"));
  c = check_script_file("vipd-no-such-command", kRoot, true);
  EXPECT_TRUE(c.not_found);
  EXPECT_THAT(c.logs, ElementsAre("Cannot find script vipd-no-such-command in path - disabling"));
  c = check_script_file("sh", kRoot, false);
  EXPECT_TRUE(c.executable);
  ASSERT_FALSE(c.path.empty());
  EXPECT_EQ(c.logs.front(), "WARNING - script `sh` resolved by path search to `" + c.path +
                                "`. Please specify full path.");
}

// ---- The plan (users, disabling, keepalived's lines) ----

config::KeepalivedConfig plan_config(const std::string& globals, const std::string& extra = "") {
  return parse("global_defs {\n" + globals + "}\nvrrp_script chk {\n script /etc/vipd/chk.sh\n" +
               extra + "}\n" +
               seed_instance(100,
                             " track_script {\n  chk\n }\n"
                             " notify_master /etc/vipd/master.sh\n"
                             " notify \"/etc/vipd/any.sh\" root\n"));
}

TEST(ScriptPlan, DefaultUserIsKeepalivedScriptElseRootWithAWarning) {
  FakeScriptHost host;
  ScriptPlan plan = plan_scripts(plan_config(""), host);
  EXPECT_THAT(plan.logs,
              ElementsAre("Script user 'keepalived_script' does not exist",
                          "SECURITY VIOLATION - scripts are being executed but script_security "
                          "not enabled."));
  EXPECT_EQ(plan.scripts.at("chk").run_as, kRoot);
  EXPECT_EQ(plan.instances.at("VI_1").master->run_as, kRoot);

  host.users["keepalived_script"] = RunAs{999, 998};
  plan = plan_scripts(plan_config(" enable_script_security\n"), host);
  EXPECT_THAT(plan.logs, IsEmpty());
  EXPECT_EQ(plan.scripts.at("chk").run_as, (RunAs{999, 998}));
  EXPECT_EQ(plan.instances.at("VI_1").master->run_as, (RunAs{999, 998}));
  // The words after a notify command name its own user.
  EXPECT_EQ(plan.instances.at("VI_1").any->run_as, kRoot);
}

TEST(ScriptPlan, ScriptUserAndPerScriptUsers) {
  FakeScriptHost host;
  ScriptPlan plan = plan_scripts(plan_config(" script_user nobody nogroup\n"), host);
  EXPECT_EQ(plan.scripts.at("chk").run_as, kNobody);
  EXPECT_EQ(plan.instances.at("VI_1").master->run_as, kNobody);
  plan = plan_scripts(plan_config(" script_user nobody\n", " user root\n"), host);
  EXPECT_EQ(plan.scripts.at("chk").run_as, kRoot);
  // An unknown script_user: every script without its own user is dropped.
  plan = plan_scripts(plan_config(" script_user nosuch\n"), host);
  EXPECT_THAT(plan.logs, ElementsAre("Script user 'nosuch' does not exist",
                                     "Error setting global script uid/gid",
                                     "Unable to set default user for vrrp script chk - removing",
                                     "Failed to set default user for notify script "
                                     "/etc/vipd/master.sh - ignoring",
                                     "SECURITY VIOLATION - scripts are being executed but "
                                     "script_security not enabled."));
  EXPECT_TRUE(plan.disabled.count("chk"));
  EXPECT_FALSE(plan.instances.at("VI_1").master);
  EXPECT_TRUE(plan.instances.at("VI_1").any);
  plan = plan_scripts(plan_config("", " user nosuch\n"), host);
  EXPECT_EQ(plan.logs[1], "Unable to set uid/gid for script /etc/vipd/chk.sh");
  EXPECT_TRUE(plan.disabled.count("chk"));
}

TEST(ScriptPlan, SecurityWithoutKeepalivedScriptDisablesScriptsWithoutAUser) {
  // keepalived 2.2.7 with enable_script_security and no keepalived_script user.
  FakeScriptHost host;
  const ScriptPlan plan = plan_scripts(plan_config(" enable_script_security\n"), host);
  EXPECT_THAT(plan.logs, ElementsAre("Script user 'keepalived_script' does not exist",
                                     "Unable to set default user keepalived_script for script",
                                     "Unable to set default user for vrrp script chk - removing",
                                     "Failed to set default user for notify script "
                                     "/etc/vipd/master.sh - ignoring"));
  EXPECT_TRUE(plan.disabled.count("chk"));
  EXPECT_FALSE(plan.instances.at("VI_1").master);
  EXPECT_TRUE(plan.instances.at("VI_1").any);  // it names root
}

TEST(ScriptPlan, InsecureScripts) {
  FakeScriptHost host;
  host.insecure = {"/etc/vipd/chk.sh", "/etc/vipd/master.sh"};
  ScriptPlan plan = plan_scripts(plan_config(" enable_script_security\n script_user root\n"), host);
  EXPECT_THAT(plan.logs,
              ElementsAre("Unsafe permissions found for script '/etc/vipd/chk.sh' - disabling.",
                          "Disabling track script chk due to insecure",
                          "Unsafe permissions found for script '/etc/vipd/master.sh' - "
                          "disabling."));
  EXPECT_TRUE(plan.disabled.count("chk"));
  EXPECT_FALSE(plan.instances.at("VI_1").master);
  EXPECT_TRUE(plan.instances.at("VI_1").any);
  plan = plan_scripts(plan_config(" script_user root\n"), host);
  EXPECT_THAT(plan.logs,
              ElementsAre("Unsafe permissions found for script '/etc/vipd/chk.sh'.",
                          "Unsafe permissions found for script '/etc/vipd/master.sh'.",
                          "SECURITY VIOLATION - scripts are being executed but script_security "
                          "not enabled. There are insecure scripts."));
  EXPECT_TRUE(plan.disabled.empty());
  // Run by nobody, the same files are not checked.
  plan = plan_scripts(plan_config(" enable_script_security\n script_user nobody\n"), host);
  EXPECT_TRUE(plan.disabled.empty());
  // A missing script.
  host.missing = {"/etc/vipd/chk.sh"};
  plan = plan_scripts(plan_config(" enable_script_security\n script_user nobody\n"), host);
  EXPECT_THAT(plan.logs, ElementsAre("Script /etc/vipd/chk.sh cannot be accessed - No such file "
                                     "or directory",
                                     "Disabling track script chk since not found/accessible"));
}

// ---- The module runs what the plan says ----

TEST(ScriptSecurity, ModuleRunsScriptsAsPlannedAndDropsDisabledTracking) {
  LogCapture logs;
  Harness h;
  h.scripts.insecure = {"/etc/vipd/chk.sh"};
  h.module.apply(plan_config(" enable_script_security\n script_user root\n", " weight 0\n"));
  EXPECT_EQ(logs.count("Disabling track script chk due to insecure"), 1u);
  EXPECT_EQ(h.module.script("chk"), nullptr);
  EXPECT_TRUE(h.instance().config().track_script.empty());
  EXPECT_EQ(logs.count("Warning - script chk is not used"), 0u);
  h.clock.advance(4s);
  EXPECT_EQ(h.instance().state(), fsm::State::kMaster);  // not held down by the script
  for (const auto& run : h.processes.runs) EXPECT_NE(run.argv[0], "/etc/vipd/chk.sh");

  Harness n;
  n.module.apply(plan_config(" enable_script_security\n script_user nobody\n"));
  n.clock.advance(4s);
  ASSERT_FALSE(n.processes.runs.empty());
  for (const auto& run : n.processes.runs) {
    ASSERT_TRUE(run.run_as) << run.argv[0];
    EXPECT_EQ(*run.run_as, run.argv[0] == "/etc/vipd/any.sh" ? kRoot : kNobody) << run.argv[0];
  }
  EXPECT_EQ(n.processes.commands().front(), "/etc/vipd/chk.sh");
}

}  // namespace
}  // namespace vipd::vrrp::testing
