#include "daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <cstdio>
#include <fstream>

#include "bgp/config/commands.hpp"
#include "bgp/config/file.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "bgp/speaker.hpp"
#include "common/log.hpp"
#include "control/cli.hpp"
#include "control/server.hpp"
#include "event/asio_clock.hpp"

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

// Classic double fork: the daemon is no process group leader and has no controlling terminal.
bool daemonize() {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
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
  explicit Daemon(const DaemonOptions& options)
      : options_(options),
        clock_(io_),
        speaker_(io_, clock_, bgp::SpeakerOptions{options.bgp_port, true}),
        signals_(io_, SIGTERM, SIGINT, SIGHUP) {}

  int run(bgp::config::BgpConfig initial) {
    candidate_ = initial;
    install_commands();
    if (auto applied = speaker_.apply(candidate_); !applied) {
      log::error("vipd: {}", applied.error());
      return 1;
    }
    control::ServerOptions server_options;
    server_options.path = options_.socket;
    server_options.hostname = [this] {
      return candidate_.hostname.empty() ? system_hostname() : candidate_.hostname;
    };
    server_ = std::make_unique<control::Server>(io_, tree_, server_options);
    if (auto started = server_->start(); !started) {
      log::error("vipd: control socket: {}", started.error());
      speaker_.shutdown("");
      return 1;
    }
    wait_for_signal();
    const auto& bgp = candidate_.bgp;
    log::notice("vipd {} started: {}", PROJECT_VERSION,
                bgp ? fmt::format("BGP AS {} with {} neighbors", bgp->asn, bgp->neighbors.size())
                    : std::string("no BGP instance"));
    io_.run();
    // Let the Cease NOTIFICATIONs go out, but never wait on a peer that stopped reading.
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
    return 0;
  }

 private:
  void install_commands() {
    control::install_shell_commands(tree_);
    bgp::config::install_config_commands(tree_, [this]() -> bgp::config::BgpConfig& {
      schedule_sync();
      return candidate_;
    });
    speaker_.install_commands(tree_);
    tree_.describe("running-config", "running configuration (same as write terminal)");
    tree_.install(
        "exec", "show running-config [json]", "Show the running configuration",
        [this](const control::Invocation& inv, control::Session&) {
          if (inv.has("json"))
            return control::CommandResult::success(bgp::config::to_json(candidate_).dump(2) + "\n");
          return control::CommandResult::success(bgp::config::render_config(candidate_));
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

  void reload() {
    log::reopen();
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
      log::notice("Terminating on signal {}", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      // RFC 4486: Cease / Administrative Shutdown to every neighbor.
      speaker_.shutdown("");
      server_->close();
      io_.stop();
    });
  }

  DaemonOptions options_;
  asio::io_context io_;
  event::AsioClock clock_;
  control::CommandTree tree_;
  bgp::config::BgpConfig candidate_;
  bgp::Speaker speaker_;
  std::unique_ptr<control::Server> server_;
  asio::signal_set signals_;
  bool sync_pending_ = false;
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

}  // namespace

int run_daemon(const DaemonOptions& options) {
  if (!options.vrrp_config.empty() || !options.lb_configs.empty()) {
    std::fprintf(stderr,
                 "vipd: the VRRP and load-balancer modules are not in this build yet; only "
                 "--bgp-config is supported\n");
    return 1;
  }
  bgp::config::BgpConfig config;
  if (!options.bgp_config.empty()) {
    auto loaded = bgp::config::load_config_file(options.bgp_config);
    if (!loaded) {
      std::fprintf(stderr, "vipd: %s\n", loaded.error().to_string().c_str());
      return 1;
    }
    config = *loaded;
  }
  if (!setup_logging(options, config)) return 1;
  if (!options.foreground && !daemonize()) {
    log::error("vipd: cannot become a daemon: {}", std::strerror(errno));
    return 1;
  }
  if (!options.pid_file.empty()) {
    std::ofstream pid(options.pid_file, std::ios::trunc);
    pid << getpid() << "\n";
    if (!pid) {
      log::error("vipd: cannot write pid file {}", options.pid_file);
      return 1;
    }
  }
  int status = Daemon(options).run(std::move(config));
  if (!options.pid_file.empty()) std::remove(options.pid_file.c_str());
  log::notice("vipd stopped");
  return status;
}

}  // namespace vipd
