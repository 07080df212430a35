#include "daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bgp/config/commands.hpp"
#include "bgp/config/file.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "bgp/speaker.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "control/cli.hpp"
#include "control/server.hpp"
#include "event/asio_clock.hpp"
#include "netlink/fib.hpp"
#include "netlink/kernel_interface_view.hpp"
#include "vrrp/config/json.hpp"
#include "vrrp/config/parser.hpp"
#include "vrrp/service.hpp"

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

std::string system_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "vipd";
  return buf;
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

// Unless the configuration says `bgp no-rib`, the speaker installs its best paths in the kernel
// over rtnetlink. The kernel FIB is opened when the configuration first asks for it; opening
// deletes the routes a previous vipd left (docs/fib.md). It follows the links and addresses of
// the daemon's interface view, so that next hops over a link that goes down leave their routes
// and come back with it (docs/netlink.md, "Link tracking"), and BGP resolves next hops over the
// same view (docs/config-bgp.md, "Next-hop resolution"). Without the view routes are still
// installed: every next hop counts as reachable and the kernel decides.
bgp::Speaker::FibFactory kernel_fib(netlink::InterfaceView& interfaces, event::Clock& clock) {
  return [&interfaces, &clock]() -> Result<std::unique_ptr<netlink::Fib>, std::string> {
    auto fib = std::make_unique<netlink::NetlinkFib>(&clock);
    auto opened = fib->open();
    if (!opened) return unexpected(opened.error());
    if (auto tracked = fib->track_interfaces(interfaces); !tracked)
      log::error(
          "fib: no link monitor ({}): links are not tracked, every next hop counts as "
          "reachable",
          tracked.error());
    return std::unique_ptr<netlink::Fib>(std::move(fib));
  };
}

// The keepalived.conf given with --vrrp-config, as loaded, with the text of the file itself
// for `show running-config`.
struct VrrpFile {
  vrrp::config::KeepalivedConfig config;
  std::vector<vrrp::config::ConfigWarning> warnings;
  std::string text;
};

Result<VrrpFile, std::string> load_vrrp_file(const std::string& path) {
  VrrpFile file;
  auto loaded = vrrp::config::load_keepalived_config(path, &file.warnings);
  if (!loaded) return unexpected(loaded.error().to_string());
  file.config = std::move(*loaded);
  std::ifstream in(path);
  file.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return file;
}

class Daemon {
 public:
  explicit Daemon(const DaemonOptions& options)
      : options_(options),
        clock_(io_),
        speaker_(io_, clock_, bgp::SpeakerOptions{options.bgp_port, true}),
        signals_(io_, SIGTERM, SIGINT, SIGHUP) {
    speaker_.set_interfaces(&interfaces_.view());
    speaker_.set_kernel_fib(kernel_fib(interfaces_.view(), clock_));
  }

  int run(bgp::config::BgpConfig initial, std::optional<VrrpFile> vrrp_file) {
    candidate_ = initial;
    if (vrrp_file) {
      vrrp_file_ = std::move(*vrrp_file);
      vrrp_ = std::make_unique<vrrp::VrrpService>(io_, clock_, interfaces_.view());
    }
    install_commands();
    // One netlink monitor for every module (docs/netlink.md, "One view of links and addresses").
    if (auto started = interfaces_.start(); !started)
      log::error("interfaces: no netlink monitor: {}", started.error());
    if (auto applied = speaker_.apply(candidate_); !applied) return startup_failed(applied.error());
    control::ServerOptions server_options;
    server_options.path = options_.socket;
    server_options.hostname = [this] {
      return candidate_.hostname.empty() ? system_hostname() : candidate_.hostname;
    };
    server_ = std::make_unique<control::Server>(io_, tree_, server_options);
    if (auto started = server_->start(); !started) {
      speaker_.shutdown("");
      return startup_failed("control socket: " + started.error());
    }
    // Only now: a vipd that could not start (another one serves this socket) leaves the pid file
    // of the running one alone.
    if (!write_pid_file()) {
      server_->close();
      speaker_.shutdown("");
      return startup_failed("cannot write pid file " + options_.pid_file);
    }
    if (vrrp_) {
      for (const auto& warning : vrrp_file_.warnings) log::warning("{}", warning.to_string());
      if (auto started = vrrp_->start(vrrp_file_.config); !started) {
        server_->close();
        speaker_.shutdown("");
        return startup_failed("VRRP: " + started.error());
      }
    }
    report_startup("");
    wait_for_signal();
    const auto& bgp = candidate_.bgp;
    log::notice("vipd {} started: {}{}", PROJECT_VERSION,
                bgp ? fmt::format("BGP AS {} with {} neighbors", bgp->asn, bgp->neighbors.size())
                    : std::string("no BGP instance"),
                vrrp_ ? fmt::format(", VRRP with {} instances from {}",
                                    vrrp_->module().instances().size(), options_.vrrp_config)
                      : std::string());
    io_.run();
    // Let the Cease NOTIFICATIONs go out, but never wait on a peer that stopped reading (nor
    // on the signal wait re-armed during a VRRP handover).
    signals_.cancel();
    interfaces_.stop();  // its pending read would hold run_for() for the full 2 s
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
    if (pid_file_written_) std::remove(options_.pid_file.c_str());
    return 0;
  }

 private:
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

  void install_commands() {
    control::install_shell_commands(tree_);
    bgp::config::install_config_commands(tree_, [this]() -> bgp::config::BgpConfig& {
      schedule_sync();
      return candidate_;
    });
    speaker_.install_commands(tree_);
    if (vrrp_) vrrp_->module().install_commands(tree_);
    tree_.describe("running-config", "running configuration (same as write terminal)");
    tree_.install("exec", "show running-config [json]", "Show the running configuration",
                  [this](const control::Invocation& inv, control::Session&) {
                    if (inv.has("json")) {
                      nlohmann::json j = bgp::config::to_json(candidate_);
                      if (vrrp_) j["vrrp"] = vrrp::config::to_json(vrrp_->module().running());
                      return control::CommandResult::success(json_text(j));
                    }
                    std::string text = bgp::config::render_config(candidate_);
                    // The VRRP part as keepalived.conf, the file as it was last loaded.
                    if (vrrp_)
                      text += fmt::format("!\n! keepalived.conf {}\n!\n{}", options_.vrrp_config,
                                          vrrp_file_.text);
                    return control::CommandResult::success(text);
                  });
    auto write = [this](const control::Invocation&, control::Session&) {
      if (options_.bgp_config.empty())
        return control::CommandResult::failure(
            "% No configuration file to write (vipd was started without --bgp-config)");
      auto written = bgp::config::write_config_file(options_.bgp_config,
                                                    bgp::config::render_config(candidate_));
      if (!written) return control::CommandResult::failure("% " + written.error());
      log::info("configuration saved to {}", options_.bgp_config);
      return control::CommandResult::success(
          fmt::format("Configuration saved to {}\n", options_.bgp_config));
    };
    tree_.install("exec", "write [memory|file]", "Write running configuration to the config file",
                  write);
    tree_.install("exec", "copy running-config startup-config",
                  "Write running configuration to the config file", write);
  }

  // Commands in the shell edit candidate_; once the command is done, the speaker makes it the
  // running configuration (only what changed is touched).
  void schedule_sync() {
    if (sync_pending_) return;
    sync_pending_ = true;
    asio::post(io_, [this] {
      sync_pending_ = false;
      if (candidate_ == speaker_.running()) return;
      if (auto applied = speaker_.apply(candidate_); !applied) {
        log::error("configuration change not applied: {}", applied.error());
        candidate_ = speaker_.running();
      }
    });
  }

  void reload_vrrp() {
    auto loaded = load_vrrp_file(options_.vrrp_config);
    if (!loaded) {
      log::error("reload failed, keeping the running VRRP configuration: {}", loaded.error());
      return;
    }
    for (const auto& warning : loaded->warnings) log::warning("{}", warning.to_string());
    vrrp_file_ = std::move(*loaded);
    vrrp_->reload(vrrp_file_.config);
    log::notice("configuration reloaded from {}", options_.vrrp_config);
  }

  void reload() {
    log::reopen();
    if (vrrp_) reload_vrrp();
    if (options_.bgp_config.empty()) return;
    auto loaded = bgp::config::load_config_file(options_.bgp_config);
    if (!loaded) {
      log::error("reload failed, keeping the running configuration: {}",
                 loaded.error().to_string());
      return;
    }
    candidate_ = *loaded;
    if (auto applied = speaker_.apply(candidate_); !applied) {
      log::error("reload not applied: {}", applied.error());
      candidate_ = speaker_.running();
      return;
    }
    log::notice("configuration reloaded from {}", options_.bgp_config);
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
        // A second signal while VRRP masters hand over: stop waiting.
        if (vrrp_) vrrp_->stop();
        io_.stop();
        return;
      }
      terminating_ = true;
      log::notice("Terminating on signal {}", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      // RFC 4486: Cease / Administrative Shutdown to every neighbor.
      speaker_.shutdown("");
      server_->close();
      if (!vrrp_) {
        io_.stop();
        return;
      }
      // RFC 5798 §6.4.3: masters send priority 0, then hand their VIPs over to the backup that
      // takes over (VrrpService::stop); VMACs are removed.
      vrrp_->stop([this] { io_.stop(); });
      wait_for_signal();
    });
  }

  DaemonOptions options_;
  asio::io_context io_;
  event::AsioClock clock_;
  netlink::KernelInterfaceView interfaces_{io_};
  control::CommandTree tree_;
  bgp::config::BgpConfig candidate_;
  bgp::Speaker speaker_;
  std::unique_ptr<control::Server> server_;
  VrrpFile vrrp_file_;
  std::unique_ptr<vrrp::VrrpService> vrrp_;
  asio::signal_set signals_;
  bool sync_pending_ = false;
  bool terminating_ = false;
  bool pid_file_written_ = false;
};

bool setup_logging(const DaemonOptions& options, const bgp::config::BgpConfig& config) {
  auto level = parse_level(options.log_level);
  if (!level) {
    std::fprintf(stderr, "vipd: unknown log level '%s'\n", options.log_level.c_str());
    return false;
  }
  log::set_level(*level);
  std::string file = options.log_file;
  if (file.empty() && config.log.file) file = config.log.file->path;
  if (!file.empty()) {
    if (!log::to_file(file)) {
      std::fprintf(stderr, "vipd: cannot open log file %s\n", file.c_str());
      return false;
    }
  } else if (!options.foreground || (config.log.syslog && !config.log.stdout_)) {
    log::to_syslog("vipd");
  } else {
    log::to_stderr();
  }
  return true;
}

// The daemon changes to "/": the files it was given keep meaning what they meant where it was
// started (`write memory`, SIGHUP reload, log reopen, pid file and socket removal).
DaemonOptions absolute_paths(DaemonOptions options) {
  for (std::string* path : {&options.bgp_config, &options.vrrp_config, &options.socket,
                            &options.log_file, &options.pid_file}) {
    std::error_code ec;
    if (!path->empty()) {
      auto absolute = std::filesystem::absolute(*path, ec);
      if (!ec) *path = absolute.lexically_normal().string();
    }
  }
  return options;
}

}  // namespace

int run_daemon(const DaemonOptions& given) {
  const DaemonOptions options = given.foreground ? given : absolute_paths(given);
  if (!options.lb_configs.empty()) {
    std::fprintf(stderr,
                 "vipd: the load-balancer module is not in this build yet; only --bgp-config "
                 "and --vrrp-config are supported\n");
    return 1;
  }
  bgp::config::BgpConfig config;
  if (!options.bgp_config.empty()) {
    auto loaded = bgp::config::load_config_file(given.bgp_config);
    if (!loaded) {
      std::fprintf(stderr, "vipd: %s\n", loaded.error().to_string().c_str());
      return 1;
    }
    config = *loaded;
  }
  // keepalived.conf errors are reported as FILE:LINE before the daemon detaches.
  std::optional<VrrpFile> vrrp_file;
  if (!options.vrrp_config.empty()) {
    auto loaded = load_vrrp_file(options.vrrp_config);
    if (!loaded) {
      std::fprintf(stderr, "vipd: %s\n", loaded.error().c_str());
      return 1;
    }
    vrrp_file = std::move(*loaded);
  }
  if (!setup_logging(options, config)) return 1;
  if (!options.foreground && !daemonize()) {
    std::string message = fmt::format("cannot become a daemon: {}", std::strerror(errno));
    log::error("vipd: {}", message);
    report_startup(message);
    return 1;
  }
  int status = Daemon(options).run(std::move(config), std::move(vrrp_file));
  log::notice("vipd stopped");
  return status;
}

}  // namespace vipd
