#include "vrrp/daemon_module.hpp"

#include <fmt/format.h>

#include "common/log.hpp"
#include "vrrp/config/json.hpp"
#include "vrrp/config/parser.hpp"
#include "vrrp/config/source.hpp"

namespace vipd::vrrp {

VrrpDaemonModule::VrrpDaemonModule(asio::io_context& io, event::Clock& clock,
                                   netlink::InterfaceView& interfaces, std::string config_file)
    : config_file_(std::move(config_file)),
      service_(std::make_unique<VrrpService>(io, clock, interfaces)) {}

VrrpDaemonModule::~VrrpDaemonModule() = default;

std::vector<std::string> VrrpDaemonModule::load() {
  return load_file(false);
}

std::vector<std::string> VrrpDaemonModule::load_file(bool reloading) {
  // Read once: what is parsed is what `show running-config` shows.
  auto text = config::read_text_file(config_file_);
  if (!text) return {config::ConfigError{config_file_, 0, text.error()}.to_string()};
  // At start an empty keepalived.conf is allowed (keepalived starts with no instance); on reload
  // over a configuration it is far more likely a file caught half-written, and would remove
  // every instance.
  auto is_blank = [](const std::string& t) { return t.find_first_not_of(" \t\r\n") == t.npos; };
  if (reloading && is_blank(*text) && !is_blank(text_))
    return {fmt::format(
        "{} is empty (to remove every instance on purpose, leave a comment such as `#` in it)",
        config_file_)};
  std::vector<config::ConfigWarning> warnings;
  config::FileIncludeLoader includes;
  auto loaded = config::parse_keepalived_config(*text, config_file_, &warnings, &includes);
  if (!loaded) return {loaded.error().to_string()};
  loaded_ = std::move(*loaded);
  warnings_.clear();
  for (const auto& w : warnings) warnings_.push_back(w.to_string());
  text_ = std::move(*text);
  return {};
}

void VrrpDaemonModule::install_commands(control::CommandTree& tree) {
  service_->module().install_commands(tree);
}

Status<std::string> VrrpDaemonModule::start() {
  for (const auto& warning : warnings_) log::warning("{}", warning);
  if (auto started = service_->start(loaded_); !started)
    return unexpected("VRRP: " + started.error());
  return Ok{};
}

void VrrpDaemonModule::reload() {
  if (auto errors = load_file(true); !errors.empty()) {
    log::error("reload failed, keeping the running VRRP configuration: {}", errors.front());
    return;
  }
  for (const auto& warning : warnings_) log::warning("{}", warning);
  service_->reload(loaded_);
  log::notice("configuration reloaded from {}", config_file_);
}

void VrrpDaemonModule::stop(std::function<void()> done) {
  // RFC 5798 §6.4.3: masters send priority 0, then hand their VIPs over to the backup that
  // takes over (VrrpService::stop); VMACs are removed.
  service_->stop(std::move(done));
}

void VrrpDaemonModule::stop_now() {
  service_->stop();
}

std::string VrrpDaemonModule::running_config() const {
  // The VRRP part as keepalived.conf, the file as it was last loaded.
  return fmt::format("!\n! keepalived.conf {}\n!\n{}", config_file_, text_);
}

void VrrpDaemonModule::running_config_json(nlohmann::json& document) const {
  document["vrrp"] = config::to_json(service_->module().running());
}

nlohmann::json VrrpDaemonModule::status() const {
  nlohmann::json j;
  j["configFile"] = config_file_;
  nlohmann::json states = nlohmann::json::object();
  for (const Instance* instance : service_->module().instances())
    states[instance->name()] = std::string(fsm::to_string(instance->state()));
  j["instances"] = std::move(states);
  return j;
}

std::string VrrpDaemonModule::summary() const {
  return fmt::format("VRRP with {} instances from {}", service_->module().instances().size(),
                     config_file_);
}

}  // namespace vipd::vrrp
