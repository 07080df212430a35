#include "vrrp/script_security.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace vipd::vrrp {

namespace {

// Each notify command of `n` through `one` (keepalived's order: backup, master, fault, stop,
// notify, master_rx_lower_pri, which is the order of its checks and warnings).
template <typename One>
NotifyScripts map_notify(const config::Notify& n, One&& one) {
  NotifyScripts out;
  out.backup = one(n.backup);
  out.master = one(n.master);
  out.fault = one(n.fault);
  out.stop = one(n.stop);
  out.any = one(n.any);
  out.master_rx_lower_pri = one(n.master_rx_lower_pri);
  return out;
}

// keepalived's is_executable(): root needs any x bit; the owner its own; others by group.
bool is_executable(const struct stat& st, RunAs as) {
  return (as.uid == 0 && (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) ||
         (as.uid == st.st_uid && (st.st_mode & S_IXUSR)) ||
         (as.uid != st.st_uid && ((as.gid == st.st_gid && (st.st_mode & S_IXGRP)) ||
                                  (as.gid != st.st_gid && (st.st_mode & S_IXOTH))));
}

// keepalived's find_path(): the first regular file in PATH that `as` may execute.
std::optional<std::string> search_path(const std::string& name, RunAs as, bool& denied) {
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/bin:/usr/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = path.substr(start, end - start);
    const std::string candidate = (dir.empty() ? std::string() : dir + "/") + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode) && is_executable(st, as)) return candidate;
      denied = true;
    }
    start = end + 1;
  }
  return std::nullopt;
}

// keepalived's check_security(): every prefix of the path from "/" (lstat: the last one may be
// a symbolic link) owned by root, and neither a file nor a directory without the sticky bit
// writable by a non-root group or by everyone.
void check_path(const std::string& filename, bool script_security, ScriptCheck& c) {
  std::size_t next = 0;
  while (true) {
    const std::size_t slash = filename.find('/', next);
    const bool last = slash == std::string::npos;
    // The first component of an absolute path is "/" itself.
    const std::string part = last ? filename : filename.substr(0, slash == 0 ? 1 : slash);
    next = last ? filename.size() : slash + 1;
    if (!part.empty()) {
      struct stat st {};
      if (::lstat(part.c_str(), &st) != 0) {
        const int error = errno;
        if (error == EACCES || error == ELOOP || error == ENOENT || error == ENOTDIR)
          c.logs.push_back(
              fmt::format("check_script_secure could not find script '{}' - disabling", filename));
        else
          c.logs.push_back(
              fmt::format("check_script_secure('{}') returned errno {} - {} - disabling", filename,
                          error, std::strerror(error)));
        c.not_found = true;
        return;
      }
      if ((!last && !S_ISDIR(st.st_mode)) ||
          (last && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))) {
        c.logs.push_back(fmt::format("Wrong file type found in script path '{}'.", filename));
        c.inhibit = true;
        return;
      }
      const bool checked_mode =
          (S_ISDIR(st.st_mode) && !(st.st_mode & S_ISVTX)) || S_ISREG(st.st_mode);
      if (st.st_uid != 0 || (checked_mode && ((st.st_gid != 0 && (st.st_mode & S_IWGRP)) ||
                                              (st.st_mode & S_IWOTH)))) {
        c.logs.push_back(fmt::format("Unsafe permissions found for script '{}'{}.", filename,
                                     script_security ? " - disabling" : ""));
        c.insecure = true;
        if (script_security) c.inhibit = true;
        return;
      }
    }
    if (last) return;
  }
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) out += (out.empty() ? "" : " ") + word;
  return out;
}

// Resolves users once per plan, keepalived's order of lines included.
class Planner {
 public:
  Planner(const config::KeepalivedConfig& config, const ScriptHost& host, ScriptPlan& plan)
      : config_(config), host_(host), plan_(plan) {}

  void run() {
    const config::GlobalDefs& g = config_.global_defs;
    if (!g.script_user.empty()) {
      // keepalived reads script_user while parsing global_defs.
      default_ = host_.lookup(g.script_user, g.script_group, plan_.logs);
      if (!default_) plan_.logs.push_back("Error setting global script uid/gid");
      default_known_ = true;
    }
    for (const auto& script : config_.scripts) track_script(script);
    for (const auto& instance : config_.instances)
      plan_.instances[instance.name] = notify(instance.notify);
    for (const auto& group : config_.sync_groups) plan_.groups[group.name] = notify(group.notify);
    if (!g.enable_script_security && any_script_)
      plan_.logs.push_back(
          fmt::format("SECURITY VIOLATION - scripts are being executed but script_security not "
                      "enabled.{}",
                      any_insecure_ ? " There are insecure scripts." : ""));
  }

 private:
  // keepalived's get_default_script_user(), looked up on first use.
  std::optional<RunAs> default_user() {
    if (!default_known_) {
      default_known_ = true;
      default_ = host_.lookup("keepalived_script", "", plan_.logs);
      if (!default_) {
        if (config_.global_defs.enable_script_security)
          plan_.logs.push_back("Unable to set default user keepalived_script for script");
        else
          default_ = host_.self();
      }
    }
    return default_;
  }

  ScriptCheck check(std::vector<std::string>& argv, RunAs as) {
    ScriptCheck c = host_.check(argv[0], as, config_.global_defs.enable_script_security);
    plan_.logs.insert(plan_.logs.end(), c.logs.begin(), c.logs.end());
    if (c.is_script) any_script_ = true;
    if (c.insecure) any_insecure_ = true;
    if (!c.path.empty()) argv[0] = c.path;
    return c;
  }

  void track_script(const config::VrrpScript& script) {
    std::optional<RunAs> as;
    if (!script.user.empty()) {
      as = host_.lookup(script.user, script.group, plan_.logs);
      if (!as)
        plan_.logs.push_back(
            fmt::format("Unable to set uid/gid for script {}", joined(script.script.argv)));
    } else {
      as = default_user();
      if (!as)
        plan_.logs.push_back(
            fmt::format("Unable to set default user for vrrp script {} - removing", script.name));
    }
    if (!as || script.script.empty()) {
      plan_.disabled.insert(script.name);
      return;
    }
    Script resolved{script.script.argv, *as};
    const ScriptCheck c = check(resolved.argv, *as);
    if (c.inhibit) {
      plan_.logs.push_back(fmt::format("Disabling track script {} due to insecure", script.name));
    } else if (c.not_found) {
      plan_.logs.push_back(
          fmt::format("Disabling track script {} since not found/accessible", script.name));
    }
    if (c.inhibit || c.not_found || !c.executable) {
      plan_.disabled.insert(script.name);
      return;
    }
    plan_.scripts[script.name] = std::move(resolved);
  }

  std::optional<Script> notify_command(const config::ScriptCommand& command) {
    if (command.empty()) return std::nullopt;
    std::optional<RunAs> as;
    if (!command.user.empty()) {
      as = host_.lookup(command.user, command.group, plan_.logs);
      if (!as)
        plan_.logs.push_back(
            fmt::format("Invalid user/group for notify script {} - ignoring", command.argv[0]));
    } else {
      as = default_user();
      if (!as)
        plan_.logs.push_back(fmt::format(
            "Failed to set default user for notify script {} - ignoring", command.argv[0]));
    }
    if (!as) return std::nullopt;
    Script resolved{command.argv, *as};
    const ScriptCheck c = check(resolved.argv, *as);
    if (c.inhibit || c.not_found || !c.executable) return std::nullopt;
    return resolved;
  }

  NotifyScripts notify(const config::Notify& n) {
    return map_notify(n, [this](const config::ScriptCommand& c) { return notify_command(c); });
  }

  const config::KeepalivedConfig& config_;
  const ScriptHost& host_;
  ScriptPlan& plan_;
  bool default_known_ = false;
  std::optional<RunAs> default_;
  bool any_script_ = false;
  bool any_insecure_ = false;
};

}  // namespace

ScriptCheck check_script_file(const std::string& command, RunAs as, bool script_security) {
  ScriptCheck c;
  std::string path = command;
  if (command.find('/') == std::string::npos) {
    bool denied = false;
    auto found = search_path(command, as, denied);
    if (!found) {
      c.logs.push_back(
          denied ? fmt::format("Permissions failure for script {} in path - disabling", command)
                 : fmt::format("Cannot find script {} in path - disabling", command));
      c.not_found = true;
      return c;
    }
    c.logs.push_back(fmt::format(
        "WARNING - script `{}` resolved by path search to `{}`. Please specify full path.", command,
        *found));
    path = *found;
    c.path = path;
  }
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) {
    c.logs.push_back(fmt::format("Script {} cannot be accessed - {}", path, std::strerror(errno)));
    c.not_found = true;
    return c;
  }
  const std::string real_path = real;
  std::free(real);
  struct stat st {};
  if (::stat(real_path.c_str(), &st) != 0) {
    c.logs.push_back(fmt::format("Unable to access script `{}` - disabling", path));
    c.not_found = true;
    return c;
  }
  c.is_script = true;
  bool protect = false;
  if (is_executable(st, as)) {
    c.executable = true;
    protect = as.uid == 0 || as.gid == 0 ||
              (st.st_uid == 0 && (st.st_mode & S_IXUSR) && (st.st_mode & S_ISUID)) ||
              (st.st_gid == 0 && (st.st_mode & S_IXGRP) && (st.st_mode & S_ISGID));
  } else {
    c.logs.push_back(
        fmt::format("WARNING - script '{}' is not executable for uid:gid {}:{} - disabling.", path,
                    as.uid, as.gid));
  }
  if (!protect) return c;
  check_path(path, script_security, c);
  if (!c.insecure && !c.inhibit && !c.not_found && real_path != path)
    check_path(real_path, script_security, c);
  return c;
}

RunAs SystemScriptHost::self() const {
  return {::geteuid(), ::getegid()};
}

std::optional<RunAs> SystemScriptHost::lookup(const std::string& user, const std::string& group,
                                              std::vector<std::string>& logs) const {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  const long group_size = ::sysconf(_SC_GETGR_R_SIZE_MAX);
  if (group_size > size) size = group_size;
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd pwd{};
  passwd* found = nullptr;
  if (::getpwnam_r(user.c_str(), &pwd, buffer.data(), buffer.size(), &found) != 0) {
    logs.push_back(fmt::format("Unable to resolve script username '{}' - ignoring", user));
    return std::nullopt;
  }
  if (found == nullptr) {
    logs.push_back(fmt::format("Script user '{}' does not exist", user));
    return std::nullopt;
  }
  RunAs as{pwd.pw_uid, pwd.pw_gid};
  if (!group.empty()) {
    struct group grp {};
    struct group* grp_found = nullptr;
    if (::getgrnam_r(group.c_str(), &grp, buffer.data(), buffer.size(), &grp_found) != 0) {
      logs.push_back(fmt::format("Unable to resolve script group name '{}' - ignoring", group));
      return std::nullopt;
    }
    if (grp_found == nullptr) {
      logs.push_back(fmt::format("Script group '{}' does not exist", group));
      return std::nullopt;
    }
    as.gid = grp.gr_gid;
  }
  return as;
}

ScriptPlan plan_scripts(const config::KeepalivedConfig& config, const ScriptHost& host) {
  ScriptPlan plan;
  Planner(config, host, plan).run();
  return plan;
}

NotifyScripts unchecked_notify(const config::Notify& notify, RunAs as) {
  return map_notify(notify, [&](const config::ScriptCommand& c) -> std::optional<Script> {
    if (c.empty()) return std::nullopt;
    return Script{c.argv, as};
  });
}

}  // namespace vipd::vrrp
