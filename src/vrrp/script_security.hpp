// Who runs the scripts of a keepalived.conf and which of them may run: keepalived 2.2's
// script_user / enable_script_security rules (notify.c: get_default_script_user(),
// check_script_secure(); vrrp.c: check_vrrp_script_security()), with its log lines. Checked
// against keepalived 2.2.7 in network namespaces (docs/vrrp.md, "Script users and security").
//
//  - A script runs as its own `user USER [GROUP]` (vrrp_script) or the words after a notify
//    command; else as global_defs' `script_user USER [GROUP]`; else as keepalived_script if that
//    user exists; else as vipd's own user (root), "Script user 'keepalived_script' does not
//    exist". With enable_script_security a missing keepalived_script disables every script that
//    has no user of its own.
//  - A script that will run as root (uid or gid 0, or a set-uid/set-gid root file) must not be
//    writable by anyone but root: every directory on its path (and the file) is owned by root and
//    neither group-writable with a non-root group nor world-writable (a directory with the sticky
//    bit, like /tmp, may be). A script run by another user is not checked.
//  - With enable_script_security such a script is disabled ("Unsafe permissions found for script
//    '/x/chk.sh' - disabling.", and for a vrrp_script "Disabling track script chk due to
//    insecure": the instances no longer track it); without it keepalived only warns, and
//    finishes with "SECURITY VIOLATION - scripts are being executed but script_security not
//    enabled. There are insecure scripts."
//  - A script that does not exist or that its user cannot execute is disabled too.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vrrp/config/model.hpp"
#include "vrrp/process.hpp"

namespace vipd::vrrp {

// keepalived's SC_* flags of one check_script_secure().
struct ScriptCheck {
  bool is_script = false;   // SC_ISSCRIPT: the file was found (and stat'ed)
  bool not_found = false;   // SC_NOTFOUND
  bool executable = false;  // SC_EXECUTABLE: by the user it runs as
  bool insecure = false;    // SC_INSECURE: writable by someone other than root
  bool inhibit = false;     // SC_INHIBIT: must not run
  std::string path;         // the command after a PATH search
  std::vector<std::string> logs;
};

// check_script_secure() on the file system: `command` is argv[0] (a path, or a name looked up in
// PATH), run as `as`.
ScriptCheck check_script_file(const std::string& command, RunAs as, bool script_security);

// The host: users, groups and files. Tests give a fake.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // vipd's effective uid and gid (keepalived's our_uid/our_gid).
  virtual RunAs self() const = 0;
  // USER's uid and primary gid, or GROUP's gid when given; nullopt (and keepalived's line in
  // `logs`: "Script user 'x' does not exist") when there is none.
  virtual std::optional<RunAs> lookup(const std::string& user, const std::string& group,
                                      std::vector<std::string>& logs) const = 0;
  virtual ScriptCheck check(const std::string& command, RunAs as, bool script_security) const = 0;
};

class SystemScriptHost final : public ScriptHost {
 public:
  RunAs self() const override;
  std::optional<RunAs> lookup(const std::string& user, const std::string& group,
                              std::vector<std::string>& logs) const override;
  ScriptCheck check(const std::string& command, RunAs as, bool script_security) const override {
    return check_script_file(command, as, script_security);
  }
};

// A command as it will run.
struct Script {
  std::vector<std::string> argv;
  RunAs run_as;
  bool operator==(const Script&) const = default;
};

// The runnable notify commands of an instance or sync group (unset: none, or disabled).
struct NotifyScripts {
  std::optional<Script> master;
  std::optional<Script> backup;
  std::optional<Script> fault;
  std::optional<Script> stop;
  std::optional<Script> any;
  std::optional<Script> master_rx_lower_pri;
  bool operator==(const NotifyScripts&) const = default;
};

// Every script of one configuration, decided.
struct ScriptPlan {
  std::map<std::string, Script, std::less<>> scripts;  // vrrp_script name -> how it runs
  std::set<std::string, std::less<>> disabled;         // vrrp_scripts that do not run
  std::map<std::string, NotifyScripts, std::less<>> instances;
  std::map<std::string, NotifyScripts, std::less<>> groups;
  std::vector<std::string> logs;  // keepalived's lines, in its order
};

ScriptPlan plan_scripts(const config::KeepalivedConfig& config, const ScriptHost& host);

// Notify commands as they are, run as vipd (no plan: the instance's own fallback).
NotifyScripts unchecked_notify(const config::Notify& notify, RunAs as);

}  // namespace vipd::vrrp
