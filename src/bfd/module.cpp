#include "bfd/module.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "bfd/udp_network.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/wire/constants.hpp"
#include "common/log.hpp"

namespace vipd::bfd {

namespace {

using bgp::config::BfdSettings;
using std::chrono::milliseconds;

// FRR's defaults (bfdd.h BFD_DEFDETECTMULT, BFD_DEF_REQ_MIN_RX, BFD_DEF_DES_MIN_TX) are
// fsm::Timers' defaults.
SessionRequest resolve(const PeerKey& key, const BfdSettings* profile, const BfdSettings* own) {
  SessionRequest request;
  request.peer = key;
  // The profile first, then what the peer block sets itself (FRR: peer lines override the
  // profile's).
  for (const BfdSettings* settings : {profile, own}) {
    if (!settings) continue;
    if (settings->detect_multiplier) request.timers.detect_mult = *settings->detect_multiplier;
    if (settings->receive_interval_ms)
      request.timers.required_min_rx = milliseconds(*settings->receive_interval_ms);
    if (settings->transmit_interval_ms)
      request.timers.desired_min_tx = milliseconds(*settings->transmit_interval_ms);
    if (settings->minimum_ttl) request.minimum_ttl = *settings->minimum_ttl;
    request.passive = request.passive || settings->passive_mode;
    request.echo_mode = request.echo_mode || settings->echo_mode;
    if (settings->echo_transmit_interval_ms)
      request.echo_transmit_interval = milliseconds(*settings->echo_transmit_interval_ms);
    if (settings->echo_receive_interval_ms)
      request.echo_receive_interval = milliseconds(*settings->echo_receive_interval_ms);
    request.shutdown = request.shutdown || settings->shutdown;
  }
  return request;
}

PeerKey key_of(const bgp::config::BfdPeer& peer) {
  return PeerKey{peer.address, peer.local_address, peer.interface, peer.multihop};
}

std::string diag_text(wire::Diagnostic diag) {
  return std::string(wire::to_string(diag));
}

}  // namespace

std::vector<SessionRequest> requests_of(const bgp::config::BgpConfig& config) {
  std::vector<SessionRequest> requests;
  const auto& bfd = config.bfd;
  auto profile_settings = [&](const std::string& name) -> const BfdSettings* {
    if (name.empty()) return nullptr;
    const auto* profile = bfd.find_profile(name);
    return profile ? &profile->settings : nullptr;
  };
  for (const auto& peer : bfd.peers) {
    SessionRequest request = resolve(key_of(peer), profile_settings(peer.profile), &peer.settings);
    request.profile = peer.profile;
    requests.push_back(std::move(request));
  }
  if (!config.bgp) return requests;
  for (const auto& neighbor : config.bgp->neighbors) {
    if (!neighbor.bfd) continue;
    // A peer block for the address is the neighbor's session (FRR bgpd looks the session up by
    // its addresses); the neighbor's own profile applies when the block names none.
    auto covered = std::find_if(requests.begin(), requests.end(), [&](const SessionRequest& r) {
      return r.peer.peer == neighbor.address;
    });
    if (covered != requests.end()) {
      covered->bgp_client = true;
      if (covered->profile.empty() && !neighbor.bfd_profile.empty()) {
        const auto block = std::find_if(bfd.peers.begin(), bfd.peers.end(),
                                        [&](const auto& p) { return key_of(p) == covered->peer; });
        *covered = resolve(covered->peer, profile_settings(neighbor.bfd_profile),
                           block != bfd.peers.end() ? &block->settings : nullptr);
        covered->profile = neighbor.bfd_profile;
        covered->bgp_client = true;
      }
      continue;
    }
    PeerKey key;
    key.peer = neighbor.address;
    // An eBGP multihop neighbor with an address as update-source runs multihop BFD (RFC 5883),
    // as FRR bgpd asks bfdd for one.
    auto source = IpAddress::parse(neighbor.update_source);
    if (neighbor.ebgp_multihop && source) {
      key.multihop = true;
      key.local = source;
    }
    SessionRequest request = resolve(key, profile_settings(neighbor.bfd_profile), nullptr);
    request.profile = neighbor.bfd_profile;
    request.bgp_client = true;
    requests.push_back(std::move(request));
  }
  return requests;
}

BfdModule::BfdModule(asio::io_context& io, event::Clock& clock, BfdModuleOptions options)
    : io_(io), clock_(clock), options_(std::move(options)) {
  // bgpd.conf's sessions come first in the merge order.
  sources_.emplace_back(kConfigSource, std::vector<SessionRequest>{});
}

BfdModule::~BfdModule() {
  table_.reset();
}

std::vector<std::string> BfdModule::config_files() const {
  if (options_.config_file.empty()) return {};
  return {options_.config_file};
}

std::vector<std::string> BfdModule::load() {
  loaded_.clear();
  if (options_.config_file.empty()) return {};
  auto loaded = bgp::config::load_config_file(options_.config_file);
  if (!loaded) {
    return {
        fmt::format("{}:{}: {}", loaded.error().file, loaded.error().line, loaded.error().message)};
  }
  loaded_ = requests_of(*loaded);
  return {};
}

Status<std::string> BfdModule::start() {
  network_ = options_.make_network ? options_.make_network() : std::make_unique<UdpNetwork>(io_);
  table_ = std::make_unique<SessionTable>(clock_, *network_);
  sources_.front().second = loaded_;
  apply();
  return Ok();
}

void BfdModule::reload() {
  if (auto errors = load(); !errors.empty()) {
    for (const auto& e : errors) log::error("BFD: configuration not reloaded: {}", e);
    return;
  }
  sources_.front().second = loaded_;
  apply();
}

void BfdModule::stop(std::function<void()> done) {
  stop_now();
  if (done) done();
}

void BfdModule::stop_now() {
  if (!table_) return;
  // §6.8.16: AdminDown tells the peers this is no failure (RFC 5882 §3.2: their clients keep
  // their sessions until BGP itself closes).
  for (const auto& [key, session] : table_->sessions()) session->admin_down();
  table_.reset();
  network_.reset();
  running_.clear();
}

std::string BfdModule::session_state(const PeerKey& peer) const {
  const Session* session = table_ ? table_->find(peer) : nullptr;
  if (!session) return {};
  return std::string(wire::to_string(session->state().state));
}

void BfdModule::set_sessions(const std::string& source, std::vector<SessionRequest> requests) {
  auto it = std::find_if(sources_.begin(), sources_.end(),
                         [&](const auto& s) { return s.first == source; });
  if (it == sources_.end()) {
    sources_.emplace_back(source, std::move(requests));
  } else {
    it->second = std::move(requests);
  }
  apply();
}

const SessionRequest* BfdModule::request(const PeerKey& peer) const {
  auto it = running_.find(peer);
  return it == running_.end() ? nullptr : &it->second;
}

std::uint64_t BfdModule::client_notifications(const PeerKey& peer) const {
  auto it = notifications_.find(peer);
  return it == notifications_.end() ? 0 : it->second;
}

void BfdModule::apply() {
  if (!table_) return;
  std::map<PeerKey, SessionRequest> wanted;
  for (const auto& [source, requests] : sources_) {
    for (const auto& request : requests) {
      auto [it, inserted] = wanted.emplace(request.peer, request);
      if (!inserted) it->second.bgp_client = it->second.bgp_client || request.bgp_client;
    }
  }
  for (auto it = running_.begin(); it != running_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    table_->remove(it->first);
    notifications_.erase(it->first);
    it = running_.erase(it);
  }
  for (const auto& [key, request] : wanted) {
    SessionOptions options;
    options.peer = key;
    options.config.timers = request.timers;
    options.config.passive = request.passive;
    // RFC 5883 §3: no echo on multihop sessions; FRR neither sends nor asks for them there.
    options.config.echo_mode = request.echo_mode && !key.multihop;
    options.config.desired_echo_tx = request.echo_transmit_interval;
    options.config.required_min_echo_rx =
        key.multihop ? fsm::Microseconds{0} : request.echo_receive_interval;
    options.minimum_ttl = request.minimum_ttl;
    auto running = running_.find(key);
    if (running == running_.end()) {
      auto added = table_->add(options, [this](Session& session, const fsm::StateChanged& change) {
        on_state_changed(session, change);
      });
      if (!added) {
        log::error("BFD: {}: {}", key.to_string(), added.error());
        continue;
      }
      if (request.shutdown) (*added)->admin_down();
      running_.emplace(key, request);
      continue;
    }
    if (running->second == request) continue;
    Session* session = table_->find(key);
    session->set_options(options);
    if (request.shutdown && !running->second.shutdown) session->admin_down();
    if (!request.shutdown && running->second.shutdown) session->admin_up();
    running->second = request;
  }
}

void BfdModule::on_state_changed(Session& session, const fsm::StateChanged& change) {
  auto it = running_.find(session.peer());
  if (it == running_.end() || !it->second.bgp_client) return;
  ++notifications_[session.peer()];
  if (change.from != wire::State::kUp || change.to == wire::State::kUp) return;
  // RFC 5882 §3.2: the peer's AdminDown is no failure; FRR bgpd keeps the session.
  if (change.peer_signaled_admin_down || change.to == wire::State::kAdminDown) return;
  if (!options_.bgp) return;
  // RFC 5882 §4.3 and RFC 9384: the BGP session goes down now, with Cease/BFD Down.
  const bool down =
      options_.bgp->neighbor_down(session.peer().peer, bgp::wire::cease_subcode::kBfdDown,
                                  "BFD Down: " + diag_text(change.diag));
  log::info("BFD {} down ({}): BGP neighbor {}", session.peer().to_string(), diag_text(change.diag),
            down ? "closed" : "not established");
}

nlohmann::json BfdModule::status() const {
  std::size_t up = 0;
  std::size_t total = 0;
  if (table_) {
    for (const auto& [key, session] : table_->sessions()) {
      ++total;
      if (session->state().state == wire::State::kUp) ++up;
    }
  }
  return {{"sessions", total}, {"sessionsUp", up}};
}

std::string BfdModule::summary() const {
  std::size_t count = loaded_.size();
  return fmt::format("BFD with {} configured session{}", count, count == 1 ? "" : "s");
}

}  // namespace vipd::bfd
