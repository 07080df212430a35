#include "daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/descriptors.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "control/cli.hpp"
#include "control/server.hpp"
#include "event/asio_clock.hpp"
#include "lb/announce_l2.hpp"
#include "metrics.hpp"
#include "module/module.hpp"
#include "modules.hpp"

namespace vipd {
namespace {

std::optional<log::Level> parse_level(std::string_view s) {
  if (s == "debug" || s == "debugging") return log::Level::kDebug;
  if (s == "info" || s == "informational") return log::Level::kInfo;
  if (s == "notice" || s == "notifications") return log::Level::kNotice;
  if (s == "warning" || s == "warnings") return log::Level::kWarning;
  if (s == "error" || s == "errors") return log::Level::kError;
  return std::nullopt;
}

// In daemon mode, the pipe to the process that was started: the daemon writes one NUL byte
// once it serves (sockets open, pid file written), or the reason it cannot start. -1 otherwise.
int g_ready_fd = -1;

// Ends the wait of the starting process: it exits 0 on success, else prints `error` and exits 1.
void report_startup(const std::string& error) {
  if (g_ready_fd < 0) return;
  std::string message = error.empty() ? std::string(1, '\0') : error;
  if (::write(g_ready_fd, message.data(), message.size()) < 0) {
    // The starting process is gone; nobody is left to tell.
  }
  ::close(g_ready_fd);
  g_ready_fd = -1;
}

// Classic double fork: the daemon is no process group leader and has no controlling terminal.
// The starting process waits until the daemon has started (or failed to), so that its exit
// status says whether vipd runs, as init scripts expect.
bool daemonize() {
  int ready[2];
  if (::pipe(ready) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) {
    ::close(ready[1]);
    std::string reply;
    char buffer[512];
    for (;;) {
      ssize_t n = ::read(ready[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      reply.append(buffer, static_cast<std::size_t>(n));
    }
    if (reply.size() == 1 && reply[0] == '\0') _exit(0);
    std::fprintf(stderr, "vipd: %s\n",
                 reply.empty() ? "the daemon exited during startup" : reply.c_str());
    _exit(1);
  }
  ::close(ready[0]);
  ::fcntl(ready[1], F_SETFD, FD_CLOEXEC);
  g_ready_fd = ready[1];
  setsid();
  pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (chdir("/") != 0) return false;
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) ::close(null);
  }
  return true;
}

class Daemon {
 public:
  Daemon(const DaemonOptions& options, asio::io_context& io, event::Clock& clock,
         KernelServices& kernel, module::ModuleList modules)
      : options_(options),
        io_(io),
        clock_(clock),
        kernel_(kernel),
        modules_(std::move(modules)),
        signals_(io_, SIGTERM, SIGINT, SIGHUP) {}

  int run() {
    install_commands();
    control::ServerOptions server_options;
    server_options.path = options_.socket;
    server_options.hostname = [this] { return hostname(); };
    server_options.idle_timeout = [this]() -> std::chrono::milliseconds {
      auto timeout = live_settings().exec_timeout;
      return timeout ? std::chrono::milliseconds(*timeout)
                     : control::ServerOptions::kDefaultIdleTimeout;
    };
    server_ = std::make_unique<control::Server>(io_, tree_, server_options);
    if (auto started = server_->start(); !started)
      return startup_failed("control socket: " + started.error());
    // Only now: a vipd that could not start (another one serves this socket) leaves the pid file
    // of the running one alone, and has not started a module.
    if (!write_pid_file()) {
      server_->close();
      return startup_failed("cannot write pid file " + options_.pid_file);
    }
    // Before the modules, so that a port in use fails the start before anything runs; it
    // answers /readyz with 503 until every module has started.
    if (!options_.metrics_listen.empty()) {
      auto endpoint =
          start_metrics_endpoint(options_.metrics_listen, io_, modules_, kernel_, phase_);
      if (!endpoint) {
        server_->close();
        remove_pid_file();
        return startup_failed("--metrics-listen: " + endpoint.error());
      }
      metrics_ = std::move(*endpoint);
    }
    // Every module reads the one view of links and addresses; VRRP refuses to start without it,
    // BGP then knows no interface (no router-id of its own, every next hop reachable).
    if (!modules_.empty())
      if (auto started = kernel_.start(); !started) log::error("interfaces: {}", started.error());
    for (std::size_t i = 0; i < modules_.size(); ++i) {
      if (auto started = modules_[i]->start(); !started) {
        // The modules started before this one stop at once (no handover: vipd did not run).
        for (std::size_t j = i; j-- > 0;) {
          modules_[j]->stop({});
          modules_[j]->stop_now();
        }
        server_->close();
        kernel_.close();
        remove_pid_file();
        return startup_failed(started.error());
      }
    }
    phase_.started = true;
    report_startup("");
    wait_for_signal();
    std::string summary;
    for (const auto& m : modules_) summary += (summary.empty() ? "" : ", ") + m->summary();
    log::notice("vipd {} started: {}", PROJECT_VERSION,
                summary.empty() ? std::string("no module configured") : summary);
    io_.run();
    // The modules have stopped: no scrape reads them any more.
    if (metrics_) metrics_->close();
    // Let the Cease NOTIFICATIONs go out, but never wait on a peer that stopped reading (nor
    // on the signal wait re-armed during a VRRP handover).
    signals_.cancel();
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
    remove_pid_file();
    return 0;
  }

 private:
  // The daemon owns the daemon-wide settings; the hostname is asked of the modules each time,
  // since a module's live configuration may change it (`hostname X` in `configure terminal`).
  std::string hostname() const {
    auto live = live_settings();
    return live.hostname.empty() ? system_hostname() : live.hostname;
  }
  module::DaemonSettings live_settings() const {
    module::DaemonSettings live;
    for (const auto& m : modules_) m->daemon_settings(live);
    return live;
  }

  int startup_failed(const std::string& message) {
    log::error("vipd: {}", message);
    report_startup(message);
    return 1;
  }

  bool write_pid_file() {
    if (options_.pid_file.empty()) return true;
    std::ofstream pid(options_.pid_file, std::ios::trunc);
    pid << getpid() << "\n";
    pid.close();
    if (!pid) return false;
    pid_file_written_ = true;
    return true;
  }

  void remove_pid_file() {
    if (pid_file_written_) std::remove(options_.pid_file.c_str());
    pid_file_written_ = false;
  }

  void install_commands() {
    control::install_shell_commands(tree_);
    for (auto& m : modules_) m->install_commands(tree_);
    tree_.describe("running-config", "running configuration (same as write terminal)");
    tree_.install("exec", "show running-config [json]", "Show the running configuration",
                  [this](const control::Invocation& inv, control::Session&) {
                    if (inv.has("json")) {
                      nlohmann::json j = nlohmann::json::object();
                      for (const auto& m : modules_) m->running_config_json(j);
                      return control::CommandResult::success(json_text(j));
                    }
                    std::string text;
                    for (const auto& m : modules_) text += m->running_config();
                    return control::CommandResult::success(text);
                  });
    tree_.describe("modules", "The modules this vipd runs");
    tree_.install("exec", "show modules [json]", "Show the modules this vipd runs",
                  [this](const control::Invocation& inv, control::Session&) {
                    return control::CommandResult::success(show_modules(inv.has("json")));
                  });
    tree_.describe("logging", "Where vipd logs and whether lines were lost");
    tree_.install("exec", "show logging [json]", "Show where vipd logs and lines it dropped",
                  [](const control::Invocation& inv, control::Session&) {
                    return control::CommandResult::success(show_logging(inv.has("json")));
                  });
    auto write = [this](const control::Invocation&, control::Session&) {
      std::string output;
      for (auto& m : modules_) {
        auto saved = m->save_config();
        if (!saved) continue;
        if (!*saved) return control::CommandResult::failure("% " + saved->error());
        output += fmt::format("Configuration saved to {}\n", m->config_files().front());
      }
      if (output.empty())
        return control::CommandResult::failure(
            "% No configuration file to write (vipd was started without --bgp-config)");
      return control::CommandResult::success(output);
    };
    tree_.install("exec", "write [memory|file]", "Write running configuration to the config file",
                  write);
    tree_.install("exec", "copy running-config startup-config",
                  "Write running configuration to the config file", write);
  }

  std::string show_modules(bool json) const {
    if (json) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& m : modules_) {
        nlohmann::json status = m->status();
        status["summary"] = m->summary();
        j[std::string(m->name())] = std::move(status);
      }
      return json_text(j);
    }
    std::string text = fmt::format("{:<8}{:<40}{}\n", "Module", "Configuration", "Running");
    for (const auto& m : modules_) {
      std::string files;
      for (const auto& f : m->config_files()) files += (files.empty() ? "" : " ") + f;
      text += fmt::format("{:<8}{:<40}{}\n", m->name(), files, m->summary());
    }
    return text;
  }

  static std::string show_logging(bool json) {
    const log::Status st = log::status();
    if (json) {
      nlohmann::json j;
      j["output"] = st.output;
      j["droppedLines"] = st.dropped_lines;
      if (!st.last_write_error.empty()) j["lastWriteError"] = st.last_write_error;
      if (!st.reopen_error.empty()) j["reopenError"] = st.reopen_error;
      return json_text(j);
    }
    std::string text =
        fmt::format("Logging to {}\nLines dropped: {}{}\n", st.output, st.dropped_lines,
                    st.last_write_error.empty() ? "" : " (" + st.last_write_error + ")");
    if (!st.reopen_error.empty()) text += st.reopen_error + "\n";
    return text;
  }

  void reload() {
    log::reopen();
    for (auto& m : modules_) m->reload();
  }

  // The one stop order: the reverse of the start order (build_modules), each module once the
  // one before it is done, so that a module stops while the modules it relies on still run
  // (VRRP hands the gateway over while BGP's routes are installed).
  void stop_from(std::size_t remaining) {
    if (remaining == 0) {
      kernel_.close();
      io_.stop();
      return;
    }
    stopping_ = remaining;
    modules_[remaining - 1]->stop(
        [this, remaining] { asio::post(io_, [this, remaining] { stop_from(remaining - 1); }); });
  }

  void wait_for_signal() {
    signals_.async_wait([this](std::error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload();
        wait_for_signal();
        return;
      }
      if (terminating_) {
        // A second signal while a module stops (a VRRP handover): stop the rest at once.
        for (std::size_t i = stopping_; i-- > 0;) modules_[i]->stop_now();
        kernel_.close();
        io_.stop();
        return;
      }
      terminating_ = true;
      phase_.stopping = true;
      log::notice("Terminating on signal {}", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      server_->close();
      stop_from(modules_.size());
      wait_for_signal();
    });
  }

  DaemonOptions options_;
  asio::io_context& io_;
  event::Clock& clock_;
  KernelServices& kernel_;
  control::CommandTree tree_;
  module::ModuleList modules_;
  std::unique_ptr<control::Server> server_;
  asio::signal_set signals_;
  std::size_t stopping_ = 0;
  bool terminating_ = false;
  bool pid_file_written_ = false;
  DaemonPhase phase_;
  std::unique_ptr<metrics::Endpoint> metrics_;  // last: it reads the members above
};

bool setup_logging(const DaemonOptions& options, const module::DaemonSettings& settings) {
  auto level = parse_level(options.log_level);
  if (!level) {
    std::fprintf(stderr, "vipd: unknown log level '%s'\n", options.log_level.c_str());
    return false;
  }
  log::set_level(*level);
  std::string file = options.log_file.empty() ? settings.log_file : options.log_file;
  if (!file.empty()) {
    if (!log::to_file(file)) {
      std::fprintf(stderr, "vipd: cannot open log file %s\n", file.c_str());
      return false;
    }
  } else if (!options.foreground || (settings.log_syslog && !settings.log_stdout)) {
    log::to_syslog("vipd");
  } else {
    log::to_stderr();
  }
  return true;
}

// The daemon changes to "/": the files it was given keep meaning what they meant where it was
// started (`write memory`, SIGHUP reload, log reopen, pid file and socket removal).
DaemonOptions absolute_paths(DaemonOptions options) {
  std::vector<std::string*> paths{&options.bgp_config, &options.vrrp_config, &options.socket,
                                  &options.log_file,   &options.pid_file,    &options.k8s_dir};
  if (options.k8s_api != "in-cluster") paths.push_back(&options.k8s_api);
  for (auto& lb : options.lb_configs) paths.push_back(&lb);
  for (std::string* path : paths) {
    std::error_code ec;
    if (!path->empty()) {
      auto absolute = std::filesystem::absolute(*path, ec);
      if (!ec) *path = absolute.lexically_normal().string();
    }
  }
  return options;
}

// Loads every module's configuration; prints each error (and, when `show_warnings`, each
// warning) to stderr. True when all loaded; with `strict`, a warning fails the load too.
bool load_modules(module::ModuleList& modules, bool show_warnings, bool strict) {
  bool ok = true;
  for (auto& m : modules) {
    for (const auto& error : m->load()) {
      std::fprintf(stderr, "%s\n", error.c_str());
      ok = false;
    }
    for (const auto& warning : m->warnings()) {
      if (strict)
        std::fprintf(stderr, "%s (an error with --strict)\n", warning.c_str());
      else if (show_warnings)
        std::fprintf(stderr, "%s\n", warning.c_str());
      if (strict) ok = false;
    }
  }
  return ok;
}

void log_nofile_limit(const NofileLimit& limit) {
  if (!limit.error.empty())
    log::warning("descriptors: {}; the RLIMIT_NOFILE soft limit stays {} (hard limit {})",
                 limit.error, limit.soft, limit.hard);
  else if (limit.soft != limit.soft_before)
    log::notice("descriptors: raised the RLIMIT_NOFILE soft limit from {} to {} (the hard limit)",
                limit.soft_before, limit.soft);
  else
    log::notice("descriptors: the RLIMIT_NOFILE soft limit is {} (hard limit {})", limit.soft,
                limit.hard);
  if (limit.soft > 0)
    log::info("descriptors: BGP connections leave the last {} for the control socket",
              descriptor_reserve(limit.soft));
}

}  // namespace

std::string system_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "vipd";
  return buf;
}

int check_configuration(const DaemonOptions& options) {
  // Parsing only: the modules are built (which opens nothing) and load their files; nothing
  // starts, no socket is opened and no kernel state touched (keepalived -t, bird -p, bgpd -C).
  asio::io_context io;
  event::AsioClock clock(io);
  KernelServices kernel(io, clock);  // never opened here
  auto modules = build_modules(options, io, clock, kernel);
  if (modules.empty()) {
    std::fprintf(stderr,
                 "vipd: nothing to check: give --bgp-config, --vrrp-config and/or --lb-config\n");
    return 1;
  }
  bool ok = load_modules(modules, true, options.strict);
  for (const auto& m : modules)
    for (const auto& file : m->config_files())
      std::fprintf(stderr, "%s: %s\n", file.c_str(), ok ? "configuration OK" : "not loaded");
  return ok ? 0 : 1;
}

int run_daemon(const DaemonOptions& given) {
  const DaemonOptions options = given.foreground ? given : absolute_paths(given);
  if (!options.k8s_dir.empty() && !options.k8s_api.empty()) {
    std::fprintf(stderr, "vipd: --k8s-dir and --k8s-api: give one (where the cluster is)\n");
    return 1;
  }
  if (!options.lb_configs.empty() && options.k8s_dir.empty() && options.k8s_api.empty() &&
      !options.check) {
    std::fprintf(stderr,
                 "vipd: --lb-config needs --k8s-dir DIR or --k8s-api (the cluster's objects)\n");
    return 1;
  }
  if (options.lb_configs.empty() && options.k8s_api.empty() &&
      (!options.k8s_dir.empty() || options.lb_controller || options.lb_controller_only)) {
    std::fprintf(stderr,
                 "vipd: --k8s-dir, --lb-controller and --lb-controller-only need --lb-config "
                 "or --k8s-api\n");
    return 1;
  }
  if (!options.k8s_api.empty()) {
    auto config = load_api_config(options);
    if (!config) {
      std::fprintf(stderr, "vipd: --k8s-api: %s\n", config.error().c_str());
      return 1;
    }
  }
  if (auto vrids = lb::parse_vrid_range(options.l2_vrids); !vrids) {
    std::fprintf(stderr, "vipd: --l2-vrids: %s\n", vrids.error().c_str());
    return 1;
  }
  if (options.l2_advert_interval_ms % 10 != 0) {
    std::fprintf(stderr, "vipd: --l2-advert-interval: a multiple of 10 ms (VRRPv3 centiseconds)\n");
    return 1;
  }
  if (!options.metrics_listen.empty())
    if (auto listen = metrics::parse_listen_address(options.metrics_listen); !listen) {
      std::fprintf(stderr, "vipd: --metrics-listen: %s\n", listen.error().c_str());
      return 1;
    }
  if (options.check) return check_configuration(options);
  // First, before any descriptor is opened: every BGP neighbor needs one (D4 in issue 15).
  const NofileLimit nofile = raise_nofile_limit();
  // A write to a pipe whose reader has gone (stderr, a control client) must give EPIPE, which
  // the logger and the sockets handle, not kill the daemon (systemd ignores SIGPIPE too).
  ::signal(SIGPIPE, SIG_IGN);
  asio::io_context io;
  event::AsioClock clock(io);
  KernelServices kernel(io, clock);  // outlives the modules (declared first)
  auto modules = build_modules(options, io, clock, kernel);
  // Configuration errors are reported as FILE:LINE before the daemon detaches.
  if (!load_modules(modules, false, options.strict)) return 1;
  module::DaemonSettings settings;
  for (const auto& m : modules) m->daemon_settings(settings);
  if (!setup_logging(options, settings)) return 1;
  log_nofile_limit(nofile);
  if (!options.foreground) {
    // Nothing waits on the loop yet; the daemon's process gets its own epoll set.
    io.notify_fork(asio::io_context::fork_prepare);
    if (!daemonize()) {
      std::string message = fmt::format("cannot become a daemon: {}", std::strerror(errno));
      log::error("vipd: {}", message);
      report_startup(message);
      return 1;
    }
    io.notify_fork(asio::io_context::fork_child);
  }
  int status = Daemon(options, io, clock, kernel, std::move(modules)).run();
  log::notice("vipd stopped");
  return status;
}

}  // namespace vipd
