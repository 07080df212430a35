#include "bgp/module.hpp"

#include <asio/post.hpp>

#include "bgp/config/commands.hpp"
#include "bgp/config/file.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "common/log.hpp"
#include "control/cli.hpp"

namespace vipd::bgp {

BgpModule::BgpModule(asio::io_context& io, event::Clock& clock, BgpModuleOptions options)
    : io_(io),
      options_(std::move(options)),
      transport_(io),
      speaker_(clock, transport_, options_.speaker) {
  if (options_.kernel_fib) speaker_.set_kernel_fib(options_.kernel_fib);
  if (options_.interfaces) speaker_.set_interfaces(options_.interfaces);
}

BgpModule::~BgpModule() {
  *alive_ = false;
}

std::vector<std::string> BgpModule::load() {
  // Every failing line is reported (FRR's `bgpd -C`); the file is loaded only without any.
  config::BgpConfig loaded;
  std::vector<std::string> errors;
  for (const auto& e : config::check_config_file(options_.config_file, &loaded))
    errors.push_back(e.to_string());
  if (!errors.empty()) return errors;
  loaded_ = std::move(loaded);
  candidate_ = loaded_;
  return {};
}

void BgpModule::daemon_settings(module::DaemonSettings& settings) const {
  // The live configuration: `hostname X` in `configure terminal` renames the router at once.
  if (!candidate_.hostname.empty()) settings.hostname = candidate_.hostname;
  if (candidate_.log.file) settings.log_file = candidate_.log.file->path;
  if (candidate_.log.syslog) settings.log_syslog = true;
  if (candidate_.log.stdout_) settings.log_stdout = true;
}

void BgpModule::install_commands(control::CommandTree& tree) {
  config::install_config_commands(tree, [this]() -> config::BgpConfig& {
    schedule_sync();
    return candidate_;
  });
  speaker_.install_commands(tree);
}

Status<std::string> BgpModule::start() {
  candidate_ = loaded_;
  return speaker_.apply(candidate_);
}

void BgpModule::schedule_sync() {
  if (sync_pending_) return;
  sync_pending_ = true;
  asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    sync_pending_ = false;
    if (candidate_ == speaker_.running()) return;
    if (auto applied = speaker_.apply(candidate_); !applied) {
      log::error("configuration change not applied: {}", applied.error());
      candidate_ = speaker_.running();
    }
  });
}

void BgpModule::reload() {
  auto loaded = config::load_config_file(options_.config_file);
  if (!loaded) {
    log::error("reload failed, keeping the running configuration: {}", loaded.error().to_string());
    return;
  }
  loaded_ = std::move(*loaded);
  candidate_ = loaded_;
  if (auto applied = speaker_.apply(candidate_); !applied) {
    log::error("reload not applied: {}", applied.error());
    candidate_ = speaker_.running();
    return;
  }
  log::notice("configuration reloaded from {}", options_.config_file);
}

void BgpModule::stop(std::function<void()> done) {
  // RFC 4486: Cease / Administrative Shutdown to every neighbor; the kernel routes go first.
  speaker_.shutdown("");
  if (done) done();
}

std::string BgpModule::running_config() const {
  return config::render_config(candidate_);
}

void BgpModule::running_config_json(nlohmann::json& document) const {
  // bgpd.conf's document is the top level, as before modules: FRR's own shape.
  const nlohmann::json bgp = config::to_json(candidate_);
  document.update(bgp);
}

nlohmann::json BgpModule::status() const {
  nlohmann::json j;
  const auto& bgp = speaker_.running().bgp;
  j["configFile"] = options_.config_file;
  j["localAs"] = bgp ? bgp->asn : 0;
  std::size_t established = 0;
  for (const auto& [address, n] : speaker_.neighbors())
    established += n.peer->established() ? 1 : 0;
  j["neighbors"] = speaker_.neighbors().size();
  j["established"] = established;
  j["fib"] = std::string(speaker_.fib().name());
  return j;
}

std::string BgpModule::summary() const {
  const auto& bgp = speaker_.running().bgp;
  return bgp ? fmt::format("BGP AS {} with {} neighbors", bgp->asn, bgp->neighbors.size())
             : std::string("no BGP instance");
}

std::optional<Status<std::string>> BgpModule::save_config() {
  auto written = config::write_config_file(options_.config_file, config::render_config(candidate_));
  if (!written) return Status<std::string>(unexpected(written.error()));
  log::info("configuration saved to {}", options_.config_file);
  return Status<std::string>(Ok{});
}

}  // namespace vipd::bgp
