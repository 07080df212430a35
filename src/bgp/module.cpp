#include "bgp/module.hpp"

#include <asio/post.hpp>
#include <optional>
#include <utility>

#include "bgp/config/commands.hpp"
#include "bgp/config/file.hpp"
#include "bgp/config/frr_lines.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "common/file.hpp"
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
  // The worker posts its result to the loop, which outlives the module; that handler sees
  // alive_ false and does nothing.
  if (reload_worker_.joinable()) reload_worker_.join();
}

std::vector<std::string> BgpModule::config_files() const {
  if (options_.config_file.empty()) return {};
  return {options_.config_file};
}

std::vector<std::string> BgpModule::load() {
  if (options_.config_file.empty()) return {};
  // Every failing line is reported (FRR's `bgpd -C`); the file is loaded only without any.
  config::BgpConfig loaded;
  std::vector<std::string> errors;
  std::vector<config::ConfigError> notices;
  for (const auto& e : config::check_config_file(options_.config_file, &loaded, &notices))
    errors.push_back(e.to_string());
  if (!errors.empty()) return errors;
  notices_.clear();
  for (const auto& n : notices) notices_.push_back(n.to_string());
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
  if (const auto& timeout = candidate_.vty.exec_timeout)
    settings.exec_timeout =
        std::chrono::minutes(timeout->first) + std::chrono::seconds(timeout->second);
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
  // The file's own notices, with their lines; apply_frr_lines() then knows them as reported.
  for (const auto& notice : notices_) log::notice("bgp: {}", notice);
  for (const auto& kept : candidate_.frr.kept) noticed_.insert(kept.text);
  if (candidate_.bgp)
    for (const auto& kept : candidate_.bgp->kept) noticed_.insert(kept.text);
  for (const auto& block : candidate_.frr.interfaces)
    for (const auto& text : block.lines) noticed_.insert("interface " + block.name + ": " + text);
  auto applied = apply();
  if (applied) {
    running_file_ = candidate_;
    apply_frr_lines();
  }
  return applied;
}

void BgpModule::apply_frr_lines() {
  const config::FrrLines& frr = candidate_.frr;
  config::apply_debug(frr.debug);
  for (const auto& kept : frr.kept)
    if (noticed_.insert(kept.text).second) log::notice("bgp: {}", config::kept_line_notice(kept));
  if (candidate_.bgp)
    for (const auto& kept : candidate_.bgp->kept)
      if (noticed_.insert(kept.text).second) log::notice("bgp: {}", config::kept_line_notice(kept));
  for (const auto& block : frr.interfaces)
    for (const auto& text : block.lines)
      if (noticed_.insert("interface " + block.name + ": " + text).second)
        log::notice("bgp: interface {}: '{}' is kept in the running configuration but not applied",
                    block.name, text);
  // zebra's `[no] ip forwarding` (zebra/ipforward_proc.c writes the same files).
  auto forwarding = [this](const std::optional<bool>& wanted, std::optional<bool>& applied,
                           const char* sysctl) {
    if (!wanted || wanted == applied) return;
    if (!options_.write_sysctl) {
      log::notice("bgp: {} forwarding is not applied: no kernel access", sysctl);
    } else if (auto written = options_.write_sysctl(sysctl, *wanted ? "1" : "0"); !written) {
      log::error("bgp: cannot set {}: {}", sysctl, written.error());
      return;
    } else {
      log::info("bgp: {} set to {}", sysctl, *wanted ? 1 : 0);
    }
    applied = wanted;
  };
  forwarding(frr.ip_forwarding, ip_forwarding_applied_, "net/ipv4/ip_forward");
  forwarding(frr.ipv6_forwarding, ipv6_forwarding_applied_, "net/ipv6/conf/all/forwarding");
}

Result<config::BgpConfig, std::string> BgpModule::effective(
    const config::BgpConfig& file, const std::map<std::string, ModuleNeighbors>& modules) const {
  config::BgpConfig merged = file;
  for (const auto& [source, brought] : modules) {
    if (brought.neighbors.empty()) continue;
    if (!merged.bgp) {
      // A node without bgpd.conf: the module's AS makes the instance (MetalLB's myASN).
      merged.bgp.emplace();
      merged.bgp->asn = brought.asn;
      merged.bgp->router_id = brought.router_id;
    } else if (merged.bgp->asn != brought.asn) {
      return unexpected(fmt::format("{}: local AS {} differs from the running `router bgp {}`",
                                    source, brought.asn, merged.bgp->asn));
    } else if (!merged.bgp->router_id) {
      merged.bgp->router_id = brought.router_id;
    }
    for (const auto& list : brought.prefix_lists)
      if (!merged.find_prefix_list(list.af, list.name)) merged.prefix_lists.push_back(list);
    for (const auto& n : brought.neighbors)
      if (!merged.bgp->find(n.address)) merged.bgp->neighbors.push_back(n);
  }
  return merged;
}

Status<std::string> BgpModule::apply() {
  auto merged = effective(candidate_, module_neighbors_);
  if (!merged) return unexpected(merged.error());
  return speaker_.apply(*merged);
}

Status<std::string> BgpModule::set_neighbors(const std::string& source, ModuleNeighbors neighbors) {
  if (auto it = module_neighbors_.find(source);
      it != module_neighbors_.end() && it->second == neighbors)
    return Ok{};
  auto next = module_neighbors_;
  next[source] = std::move(neighbors);
  auto merged = effective(candidate_, next);
  if (!merged) return unexpected(merged.error());
  for (const auto& n : next[source].neighbors)
    if (candidate_.bgp && candidate_.bgp->find(n.address))
      log::warning("bgp: neighbor {} of {} is also in {}; bgpd.conf's settings apply",
                   n.address.to_string(), source, options_.config_file);
  if (auto applied = speaker_.apply(*merged); !applied) return applied;
  module_neighbors_ = std::move(next);
  return Ok{};
}

void BgpModule::originate(const std::string& source, OriginatedRoute route) {
  speaker_.originate(source, std::move(route));
}

void BgpModule::withdraw_originated(const std::string& source, const Prefix& prefix) {
  speaker_.withdraw_originated(source, prefix);
}

void BgpModule::withdraw_source(const std::string& source) {
  speaker_.withdraw_source(source);
}

std::string BgpModule::neighbor_state(const IpAddress& address) const {
  auto it = speaker_.neighbors().find(address);
  if (it == speaker_.neighbors().end() || !it->second.peer) return {};
  return std::string(fsm::to_string(it->second.peer->state()));
}

bool BgpModule::neighbor_down(const IpAddress& address, std::uint8_t cease_subcode,
                              const std::string& reason) {
  return speaker_.neighbor_down(address, cease_subcode, reason);
}

void BgpModule::schedule_sync() {
  if (sync_pending_) return;
  sync_pending_ = true;
  asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    sync_pending_ = false;
    auto merged = effective(candidate_, module_neighbors_);
    if (merged && *merged == speaker_.running()) return;
    auto applied =
        merged ? speaker_.apply(*merged) : Status<std::string>(unexpected(merged.error()));
    if (!applied) {
      log::error("configuration change not applied: {}", applied.error());
      candidate_ = running_file_;
    } else {
      running_file_ = candidate_;
      apply_frr_lines();
    }
  });
}

namespace {

// Only blanks: what a truncated write or an editor's failed save leaves.
bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// "192.0.2.2, 192.0.2.3", empty without neighbors.
std::string neighbor_names(const config::BgpConfig& c) {
  std::string names;
  if (c.bgp)
    for (const auto& n : c.bgp->neighbors)
      names += (names.empty() ? "" : ", ") + n.address.to_string();
  return names;
}

}  // namespace

struct BgpModule::Reloaded {
  std::optional<config::BgpConfig> config;
  std::string error;  // when !config: logged, the running configuration is kept
  bool blank = false;
};

namespace {

// Larger files are parsed on a thread: ~5k lines, a few ms of parsing. Smaller ones (nearly
// every bgpd.conf) are parsed at once, so that a reload is done when reload() returns.
constexpr std::size_t kParseOnLoopBytes = 256 * 1024;

}  // namespace

void BgpModule::reload() {
  if (options_.config_file.empty() || stopped_) return;
  if (reload_worker_.joinable()) {
    reload_again_ = true;  // the file may have changed after the worker read it
    return;
  }
  // Reading is bounded (read_config_file: a regular file, at most 64 MiB, never blocks).
  auto text = read_config_file(options_.config_file);
  if (!text) {
    log::error("reload failed, keeping the running configuration: {}: {}", options_.config_file,
               text.error());
    return;
  }
  auto parse = [](const std::string& text, const std::string& path) {
    Reloaded r;
    if (is_blank(text)) {
      r.blank = true;
    } else if (auto loaded = config::parse_config(text, path); !loaded) {
      r.error = loaded.error().to_string();
    } else {
      r.config = std::move(*loaded);
    }
    return r;
  };
  if (text->size() < kParseOnLoopBytes) return finish_reload(parse(*text, options_.config_file));
  // A 1M-line file takes seconds to parse (docs/benchmarks.md); the loop must keep sending
  // keepalives meanwhile (RFC 4271 §4.4: a 3 s hold time leaves 1 s between them). The thread
  // gets the text and the file name only: parsing touches nothing shared.
  reload_worker_ = std::thread(
      [this, parse, text = std::move(*text), path = options_.config_file, alive = alive_] {
        Reloaded r = parse(text, path);
        asio::post(io_, [this, alive, r = std::move(r)]() mutable {
          if (!*alive) return;
          reload_worker_.join();
          finish_reload(std::move(r));
          if (std::exchange(reload_again_, false)) reload();
        });
      });
}

void BgpModule::finish_reload(Reloaded r) {
  if (stopped_) return;
  // At start an empty bgpd.conf is a router without BGP yet (as FRR starts); on reload over a
  // configuration it is far more likely a file caught half-written, and applying it would drop
  // every session.
  if (r.blank) {
    if (!(running_file_ == config::BgpConfig{})) {
      log::error(
          "reload refused, keeping the running configuration: {} is empty (to remove every "
          "neighbor on purpose, leave a comment such as `!` in the file)",
          options_.config_file);
      return;
    }
    r.config.emplace();
  }
  if (!r.config) {
    log::error("reload failed, keeping the running configuration: {}", r.error);
    return;
  }
  if (auto before = neighbor_names(running_file_);
      !before.empty() && neighbor_names(*r.config).empty()) {
    log::warning("reload of {} removes every BGP neighbor: {}", options_.config_file, before);
  }
  loaded_ = std::move(*r.config);
  candidate_ = loaded_;
  if (auto applied = apply(); !applied) {
    log::error("reload not applied: {}", applied.error());
    candidate_ = running_file_;
    return;
  }
  running_file_ = candidate_;
  apply_frr_lines();
  log::notice("configuration reloaded from {}", options_.config_file);
}

void BgpModule::stop(std::function<void()> done) {
  stopped_ = true;  // a reload still parsing is not applied after this
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
  if (options_.config_file.empty()) return std::nullopt;
  auto written = config::write_config_file(options_.config_file, config::render_config(candidate_));
  if (!written) return Status<std::string>(unexpected(written.error()));
  log::info("configuration saved to {}", options_.config_file);
  return Status<std::string>(Ok{});
}

}  // namespace vipd::bgp
