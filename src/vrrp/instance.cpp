#include "vrrp/instance.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "common/log.hpp"
#include "l2/wire/arp.hpp"
#include "l2/wire/ndp.hpp"
#include "vrrp/config/owner.hpp"
#include "vrrp/wire/ipv4.hpp"

namespace vipd::vrrp {

namespace {

constexpr std::size_t kNotFromPeerSlot = wire::kDropCauseCount;
constexpr std::size_t kSendErrorSlot = wire::kDropCauseCount + 1;

std::uint8_t wire_auth_type(config::AuthType type) {
  switch (type) {
    case config::AuthType::kNone:
      return wire::kAuthNone;
    case config::AuthType::kPass:
      return wire::kAuthSimple;
    case config::AuthType::kAh:
      return wire::kAuthIpsecAh;
  }
  return wire::kAuthNone;
}

std::string_view notify_state(fsm::State state) {
  return fsm::to_string(state);
}

}  // namespace

std::uint64_t InstanceCounters::total_drops() const {
  std::uint64_t total = not_from_peer;
  for (auto n : drops) total += n;
  return total;
}

Instance::Instance(InstanceEnvironment env, config::VrrpInstance config,
                   const config::GlobalDefs& globals)
    : env_(env),
      config_(std::move(config)),
      globals_(globals),
      frame_timer_(env.clock.make_timer()) {
  notify_ = unchecked_notify(config_.notify, RunAs{::geteuid(), ::getegid()});
  group_ =
      config_.family == Family::kIpv4 ? globals_.vrrp_mcast_group4 : globals_.vrrp_mcast_group6;
}

Instance::~Instance() = default;

fsm::State Instance::state() const {
  return router_ ? router_->state() : fsm::State::kInitialize;
}

std::size_t Instance::faults() const {
  return static_cast<std::size_t>(std::count_if(tracked_.begin(), tracked_.end(),
                                                [](const auto& t) { return t.second.fault; }));
}

int Instance::base_priority() const {
  return override_ ? *override_ : config_.priority;
}

int Instance::total_priority() const {
  int total = base_priority();
  for (const auto& [key, tracked] : tracked_) total += tracked.delta;
  return total;
}

fsm::Config Instance::fsm_config() const {
  fsm::Config c;
  c.name = config_.name;
  c.version = config_.version == 3 ? wire::Version::kV3 : wire::Version::kV2;
  c.priority = config_.priority;
  c.advert_interval = config_.advert_int;
  c.initial_master = config_.state == config::InitialState::kMaster;
  c.preempt = !config_.nopreempt;
  c.preempt_delay = config_.preempt_delay;
  c.primary_address = source_;
  c.garp_master_repeat = config_.garp_master_repeat;
  c.garp_master_delay = config_.garp_master_delay;
  c.garp_master_refresh = config_.garp_master_refresh;
  c.garp_master_refresh_repeat = config_.garp_master_refresh_repeat;
  c.garp_lower_prio_repeat = config_.garp_lower_prio_repeat;
  c.garp_lower_prio_delay = config_.garp_lower_prio_delay;
  c.first_garp_hold =
      std::min<fsm::Duration>(std::chrono::milliseconds(10), config_.advert_int / 10);
  c.sync_group = !sync_group_.empty();
  c.advert_on_yield = config_.advert_on_yield;
  return c;
}

std::vector<IpAddress> Instance::advert_addresses() const {
  std::vector<IpAddress> out;
  for (const auto& vip : config_.virtual_ipaddress) {
    if (vip.address.family() != config_.family) continue;
    if (out.size() == wire::kMaxAddresses) break;
    out.push_back(vip.address);
  }
  return out;
}

wire::Expectations Instance::expectations() const {
  wire::Expectations e;
  e.vrid = config_.virtual_router_id;
  e.version = config_.version == 3 ? wire::Version::kV3 : wire::Version::kV2;
  if (e.version == wire::Version::kV2) {
    e.auth_type = wire_auth_type(config_.auth_type);
    if (e.auth_type == wire::kAuthSimple)
      e.auth_data = wire::auth_data_from_password(config_.auth_pass);
    e.advert_interval_s = static_cast<std::uint8_t>(
        std::chrono::duration_cast<std::chrono::seconds>(config_.advert_int).count());
  }
  if (!config_.skip_check_adv_addr && !globals_.vrrp_skip_check_adv_addr)
    e.addresses = advert_addresses();
  return e;
}

Status<std::string> Instance::resolve_interface() {
  auto found = env_.network.find_interface(config_.interface);
  if (!found)
    return unexpected(fmt::format("({}) interface {} does not exist", name(), config_.interface));
  interface_ = *found;
  if (config_.source_address) {
    source_ = *config_.source_address;
  } else if (config_.family == Family::kIpv4 && interface_.ipv4) {
    source_ = *interface_.ipv4;
  } else if (config_.family == Family::kIpv6 && interface_.ipv6_link_local) {
    source_ = *interface_.ipv6_link_local;
  } else {
    // keepalived: "(VI_1) Cannot find an IP address to use for interface eth0".
    return unexpected(fmt::format("({}) Cannot find an IP address to use for interface {}", name(),
                                  interface_.name));
  }
  if (config_.use_vmac) {
    netlink::MacvlanSpec spec =
        netlink::keepalived_vmac(interface_.ifindex, config_.virtual_router_id, config_.family);
    if (!config_.vmac_name.empty()) spec.name = config_.vmac_name;
    auto created = env_.network.create_vmac(spec);
    if (!created)
      return unexpected(
          fmt::format("({}) cannot create VMAC {}: {}", name(), spec.name, created.error()));
    vmac_ = *created;
    log::info("({}) Success creating VMAC interface {}", name(), vmac_->name);
  }
  return Ok();
}

// RFC 5798 §5.2.4: priority 255 is for the router that has the virtual addresses as its own,
// and that router must use it. keepalived 2.2.7 does not check (an instance whose VIP is the
// interface's address keeps its priority, and removes the address as a stale VIP at startup);
// vipd warns. The interface's own addresses: its primary IPv4 and link-local IPv6 address (VIPs
// left by an earlier run come after them).
void Instance::check_owner() const {
  std::vector<IpAddress> local;
  if (interface_.ipv4) local.push_back(*interface_.ipv4);
  if (interface_.ipv6_link_local) local.push_back(*interface_.ipv6_link_local);
  for (const auto& warning : config::check_address_owner(config_, local))
    log::warning("{}", warning);
}

Status<std::string> Instance::start() {
  if (router_) return Ok();
  if (auto prepared = prepare(); !prepared) return prepared;
  run();
  return Ok();
}

// The tracked-object key of "the interface does not exist (yet)": a fault whatever
// dont_track_primary says.
constexpr std::string_view kNoInterface = "no interface";

Status<std::string> Instance::prepare() {
  if (router_) return Ok();
  const bool missing = !env_.network.find_interface(config_.interface);
  if (missing) {
    // keepalived 2.2.7 with dynamic_interfaces waits for it; without, it refuses to start
    // ("Non-existent interface specified in configuration"). vipd waits in both cases.
    if (globals_.dynamic_interfaces)
      log::warning(
          "Configuration specifies interface {} which doesn't currently exist - will "
          "use if created",
          config_.interface);
    else
      log::warning("WARNING - interface {} for vrrp_instance {} doesn't exist", config_.interface,
                   name());
    interface_ = InterfaceInfo{};
    interface_.name = config_.interface;
    tracked_[std::string(kNoInterface)].fault = true;
  } else if (auto attached = attach(); !attached) {
    return attached;
  }
  router_ = std::make_unique<fsm::VirtualRouter>(env_.clock, fsm_config(), *this);
  if (!config_.dont_track_primary && !interface_.up)
    tracked_["interface " + interface_.name].fault = true;
  for (const auto& [key, tracked] : tracked_) {
    if (!tracked.fault) continue;
    // keepalived 2.2.7 names the cause while setting up tracking, before the state line.
    if (key.starts_with("interface "))
      log::info("({}): entering FAULT state ({} down)", name(), key);
    else if (key == kNoInterface && config_.dont_track_primary)
      log::info("({}): entering FAULT state (interface {} down)", name(), config_.interface);
    router_->fault();
  }
  if (missing && !config_.source_address)
    log::info("({}) entering FAULT state (no IPv{} address for interface)", name(),
              config_.family == Family::kIpv4 ? 4 : 6);
  return Ok();
}

// Everything that needs the interface: its index and addresses, the VMAC, the socket.
Status<std::string> Instance::attach() {
  if (auto resolved = resolve_interface(); !resolved) return resolved;
  check_owner();
  expect_ = expectations();
  const bool unicast = !config_.unicast_peer.empty();
  if (auto listening = env_.network.listen(interface_.ifindex, config_.family,
                                           unicast ? std::nullopt : std::optional(group_));
      !listening) {
    return unexpected(fmt::format("({}) cannot open the VRRP socket on {}: {}", name(),
                                  interface_.name, listening.error()));
  }
  attached_ = true;
  return Ok();
}

void Instance::interface_appeared() {
  if (attached_ || !router_ || stopped_) return;
  if (auto attached = attach(); !attached) {
    log::error("{}", attached.error());
    return;
  }
  // The advert source (equal priorities are decided by it) is known now.
  router_->set_config(fsm_config());
  set_tracked(std::string(kNoInterface), 0, false);
}

void Instance::interface_removed() {
  if (!attached_ || !router_ || stopped_) return;
  attached_ = false;
  // The kernel deleted a VMAC on it too; a new interface of that name gets new ones.
  vmac_.reset();
  vip_interfaces_.clear();
  interface_.up = false;
  set_tracked(std::string(kNoInterface), 0, true);
}

void Instance::run() {
  if (!router_ || stopped_ || router_->state() != fsm::State::kInitialize) return;
  router_->start();
  update_priority();
}

bool Instance::retunable(const config::VrrpInstance& running, const config::VrrpInstance& next) {
  // Owner (255) or not decides the startup and the FSM's clamping: only a restart changes it.
  if ((running.priority == fsm::kPriorityOwner) != (next.priority == fsm::kPriorityOwner))
    return false;
  config::VrrpInstance same = next;
  same.priority = running.priority;
  same.advert_int = running.advert_int;
  same.nopreempt = running.nopreempt;
  same.preempt_delay = running.preempt_delay;
  same.notify = running.notify;
  same.smtp_alert = running.smtp_alert;
  same.garp_master_delay = running.garp_master_delay;
  same.garp_master_repeat = running.garp_master_repeat;
  same.garp_master_refresh = running.garp_master_refresh;
  same.garp_master_refresh_repeat = running.garp_master_refresh_repeat;
  same.garp_lower_prio_delay = running.garp_lower_prio_delay;
  same.garp_lower_prio_repeat = running.garp_lower_prio_repeat;
  same.debug = running.debug;
  // keepalived's reload adds and removes the VIPs of a running instance in place (its
  // clear_diff_vrrp_vip); the load balancer's Service IPs come and go that way.
  same.virtual_ipaddress = running.virtual_ipaddress;
  same.virtual_ipaddress_excluded = running.virtual_ipaddress_excluded;
  return same == running;
}

bool Instance::same_kernel_address(const config::VirtualAddress& a,
                                   const config::VirtualAddress& b) const {
  const auto dev = [this](const config::VirtualAddress& vip) -> const std::string& {
    return vip.dev.empty() ? config_.interface : vip.dev;
  };
  return dev(a) == dev(b) && kernel_address(a, 0) == kernel_address(b, 0);
}

bool Instance::lists(const config::VrrpInstance& config, const config::VirtualAddress& vip) const {
  const auto same = [&](const config::VirtualAddress& other) {
    return same_kernel_address(vip, other);
  };
  return std::any_of(config.virtual_ipaddress.begin(), config.virtual_ipaddress.end(), same) ||
         std::any_of(config.virtual_ipaddress_excluded.begin(),
                     config.virtual_ipaddress_excluded.end(), same);
}

Instance::Vips Instance::vips_not_in(const config::VrrpInstance& from,
                                     const config::VrrpInstance& to) const {
  Vips out;
  for (const auto* list : {&from.virtual_ipaddress, &from.virtual_ipaddress_excluded})
    for (const auto& vip : *list)
      if (!lists(to, vip)) out.push_back(&vip);
  return out;
}

void Instance::retune(config::VrrpInstance next) {
  config::VrrpInstance previous = std::move(config_);
  config_ = std::move(next);
  const bool vips_changed =
      previous.virtual_ipaddress != config_.virtual_ipaddress ||
      previous.virtual_ipaddress_excluded != config_.virtual_ipaddress_excluded;
  // MASTER, or stopping and handing over: the kernel has the VIPs (fsm.hpp vips_set).
  const bool held = router_ && !stopped_ && router_->fsm_state().vips_set;
  if (vips_changed && held) {
    const Vips removed = vips_not_in(previous, config_);
    for (const config::VirtualAddress* vip : removed)
      log::info("({}) removing VIP {} on reload", name(), vip->to_string());
    remove_vips(removed);
    if (handing_over_) {
      // The successor takes over what we hold; a new VIP is for it to add. The configuration
      // keeps to what is held, so that the release deletes no address we never added.
      const auto new_here = [&](const config::VirtualAddress& vip) {
        return !lists(previous, vip);
      };
      std::erase_if(config_.virtual_ipaddress, new_here);
      std::erase_if(config_.virtual_ipaddress_excluded, new_here);
    } else {
      const Vips added = vips_not_in(config_, previous);
      for (const config::VirtualAddress* vip : added)
        log::info("({}) adding VIP {} on reload", name(), vip->to_string());
      add_vips(added);
      // RFC 5798 §6.4.2 (transition to Master): the master announces its addresses. The kept
      // ones were announced already; only the new ones need the burst.
      if (config_.garp_master_repeat > 0) announce(config_.garp_master_repeat, added);
    }
  }
  if (vips_changed && attached_) check_owner();
  if (!router_ || stopped_ || handing_over_) return;
  expect_ = expectations();  // a v2 advert_int change: the interval adverts must carry
  router_->set_config(fsm_config());
  update_priority();
}

fsm::Duration Instance::handover_time() const {
  return fsm::skew_time(fsm_config().version, 1, config_.advert_int) +
         std::chrono::milliseconds(100);
}

void Instance::stop(std::function<void()> done) {
  if (!router_ || stopped_) {
    if (done) done();
    return;
  }
  if (handing_over_) {
    // Stopped again while waiting for a successor: give up waiting.
    if (done) stop_done_ = std::move(done);
    remove_vips();
    return;
  }
  fsm::Config c = router_->config();
  c.stop_handover = done ? handover_time() : fsm::Duration::zero();
  // The successor may hold its gratuitous ARPs for first_garp_hold (a vipd) or not (keepalived).
  c.handover_grace = c.first_garp_hold + std::chrono::milliseconds(10);
  router_->set_config(std::move(c));
  stop_done_ = std::move(done);
  handing_over_ = true;
  router_->stop();
  // Nothing held (or released at once): done now. Otherwise remove_vips() finishes.
  if (!router_->fsm_state().vips_set) finish_stop();
}

void Instance::finish_stop() {
  if (stopped_) return;
  stopped_ = true;
  handing_over_ = false;
  frame_timer_->cancel();
  pending_frames_.clear();
  if (vmac_) {
    if (auto deleted = env_.network.delete_link(vmac_->ifindex); !deleted)
      log::warning("({}) Error removing VMAC interface {}: {}", name(), vmac_->name,
                   deleted.error());
    else
      log::info("({}) Success removing VMAC interface {}", name(), vmac_->name);
  }
  if (stop_done_) {
    auto done = std::move(stop_done_);
    stop_done_ = nullptr;
    done();
  }
}

// ---- Receive path ----

void Instance::receive(const ReceivedPacket& packet) {
  if (!listening()) return;
  auto received = packet.family == Family::kIpv4
                      ? wire::receive_ipv4(packet.data, expect_)
                      : wire::receive_ipv6(packet.data, packet.source, packet.destination,
                                           packet.hop_limit, expect_);
  if (!received) return drop(received.error(), packet);
  if (!config_.unicast_peer.empty()) {
    const auto& peers = config_.unicast_peer;
    if (std::none_of(peers.begin(), peers.end(),
                     [&](const auto& peer) { return peer.address == received->source; })) {
      ++counters_.not_from_peer;
      log_once(kNotFromPeerSlot, fmt::format("({}) unicast source address {} not a unicast peer",
                                             name(), received->source.to_string()));
      return;
    }
  }
  const wire::Advert& advert = received->advert;
  router_->advert_received(
      advert.priority, received->source,
      advert.version == wire::Version::kV3 ? advert.advert_interval() : fsm::Duration::zero());
}

void Instance::drop(wire::DropCause cause, const ReceivedPacket& packet) {
  const auto slot = static_cast<std::size_t>(cause);
  ++counters_.drops[slot];
  log_once(slot, drop_log_line(config_, interface_.name, cause, packet, expect_));
}

void Instance::log_once(std::size_t slot, const std::string& text) {
  LogSlot& s = log_slots_[slot];
  const auto now = env_.clock.now();
  if (s.last && now - *s.last < kDropLogInterval) {
    ++s.suppressed;
    return;
  }
  if (s.suppressed > 0)
    log::info("{} ({} more since the last report)", text, s.suppressed);
  else
    log::info("{}", text);
  s.last = now;
  s.suppressed = 0;
}

// ---- Tracking and priority ----

void Instance::set_tracked(const std::string& key, int delta, bool fault) {
  Tracked& t = tracked_[key];
  const bool was_fault = t.fault;
  t.delta = delta;
  t.fault = fault;
  if (!router_ || stopped_) return;
  if (fault && !was_fault) router_->fault();
  if (!fault && was_fault) router_->fault_cleared();
  update_priority();
}

namespace {
// keepalived's weights: a positive weight is added while the object is up/good, a negative one
// while it is down/failed; `reverse` swaps up and down. Weight 0: down means FAULT.
std::pair<int, bool> weighted(int weight, bool reverse, bool up) {
  if (reverse) up = !up;
  if (weight == 0) return {0, !up};
  if (weight > 0) return {up ? weight : 0, false};
  return {up ? 0 : weight, false};
}
}  // namespace

void Instance::link_changed(const std::string& name, bool up) {
  // An interface created after the start (or again after being deleted): first its state,
  // then the instance's socket on it, so that FAULT is left once.
  const bool appeared = name == config_.interface && !attached_ && up;
  if (name == config_.interface && !config_.dont_track_primary) {
    if (router_) interface_.up = up;
    set_tracked("interface " + name, 0, !up);
  }
  for (const auto& t : config_.track_interface) {
    if (t.name != name || (name == config_.interface && !config_.dont_track_primary)) continue;
    auto [delta, fault] = weighted(t.weight, t.reverse, up);
    set_tracked("interface " + name, delta, fault);
  }
  if (appeared) interface_appeared();
}

void Instance::script_changed(const std::string& name, bool good) {
  for (const auto& t : config_.track_script) {
    if (t.name != name) continue;
    auto [delta, fault] = weighted(t.weight, t.reverse, good);
    set_tracked("script " + name, delta, fault);
  }
}

void Instance::set_priority_override(std::optional<std::uint8_t> priority) {
  override_ = priority;
  update_priority();
}

void Instance::update_priority() {
  if (!router_ || stopped_) return;
  const int total = total_priority();
  if (total == last_priority_sent_) return;
  // The first value after start is only news when it differs from the configured priority.
  if (last_priority_sent_ >= 0 || total != config_.priority) router_->set_priority(total);
  last_priority_sent_ = total;
}

// ---- ActionSink ----

void Instance::send_advert(std::uint8_t priority) {
  wire::Advert advert;
  advert.version = expect_.version;
  advert.family = config_.family;
  advert.vrid = config_.virtual_router_id;
  advert.priority = priority;
  advert.addresses = advert_addresses();
  if (advert.version == wire::Version::kV2) {
    advert.advert_interval_s = expect_.advert_interval_s;
    if (config_.family == Family::kIpv4) {
      advert.auth_type = expect_.auth_type;
      advert.auth_data = expect_.auth_data;
    }
  } else {
    advert.max_advert_interval_cs = static_cast<std::uint16_t>(
        std::min<std::int64_t>(config_.advert_int.count() / 10, wire::kMaxAdvertIntervalCs));
  }
  std::vector<IpAddress> destinations;
  for (const auto& peer : config_.unicast_peer) destinations.push_back(peer.address);
  if (destinations.empty()) destinations.push_back(group_);
  const int ifindex = vmac_ ? vmac_->ifindex : interface_.ifindex;
  for (const IpAddress& destination : destinations) {
    Bytes message = wire::encode_advert(advert, {source_, destination});
    auto sent = env_.network.send_advert(ifindex, source_, destination, message);
    if (!sent) {
      ++counters_.send_errors;
      log_once(kSendErrorSlot, fmt::format("({}): send advert error ({})", name(), sent.error()));
    }
  }
}

Instance::Vips Instance::all_vips() const {
  Vips out;
  for (const auto& vip : config_.virtual_ipaddress) out.push_back(&vip);
  for (const auto& vip : config_.virtual_ipaddress_excluded) out.push_back(&vip);
  return out;
}

std::optional<InterfaceInfo> Instance::vip_interface(const config::VirtualAddress& vip) {
  if (vip.dev.empty() || vip.dev == config_.interface) return vmac_ ? *vmac_ : interface_;
  auto it = vip_interfaces_.find(vip.dev);
  if (it != vip_interfaces_.end()) return it->second;
  auto found = env_.network.find_interface(vip.dev);
  if (found) vip_interfaces_.emplace(vip.dev, *found);
  return found;
}

netlink::InterfaceAddress Instance::kernel_address(const config::VirtualAddress& vip,
                                                   int ifindex) const {
  netlink::InterfaceAddress a =
      netlink::virtual_address(ifindex, vip.address, vip.prefix_length, vip.label);
  a.broadcast = vip.broadcast;
  a.peer = vip.peer;
  if (vip.address.is_v4()) a.scope = vip.scope;
  if (vip.noprefixroute) a.flags |= IFA_F_NOPREFIXROUTE;
  if (vip.address.is_v6()) a.flags |= IFA_F_NODAD;
  return a;
}

void Instance::add_vips() {
  ActionSink::log(fsm::LogLevel::kDetail, fmt::format("({}) setting VIPs.", name()));
  add_vips(all_vips());
}

void Instance::add_vips(const Vips& vips) {
  for (const config::VirtualAddress* vip : vips) {
    auto dev = vip_interface(*vip);
    if (!dev) {
      log::warning("({}) cannot add VIP {}: no interface {}", name(), vip->to_string(), vip->dev);
      continue;
    }
    if (auto added = env_.network.add_address(kernel_address(*vip, dev->ifindex)); !added)
      log::warning("({}) cannot add VIP {}: {}", name(), vip->to_string(), added.error());
  }
}

void Instance::remove_vips() {
  ActionSink::log(fsm::LogLevel::kDetail, fmt::format("({}) removing VIPs.", name()));
  remove_vips(all_vips());
  if (handing_over_) finish_stop();
}

void Instance::remove_vips(const Vips& vips) {
  for (const config::VirtualAddress* vip : vips) {
    auto dev = vip_interface(*vip);
    if (!dev) continue;
    // A gratuitous ARP still queued (vrrp_garp_interval) would claim an address we gave up.
    std::erase_if(pending_frames_, [&](const PendingFrame& f) {
      return f.ifindex == dev->ifindex && f.address == vip->address;
    });
    if (auto removed = env_.network.delete_address(kernel_address(*vip, dev->ifindex)); !removed)
      log::warning("({}) cannot remove VIP {}: {}", name(), vip->to_string(), removed.error());
  }
}

void Instance::announce(unsigned repeat, const Vips& vips) {
  for (const config::VirtualAddress* vip : vips) {
    auto dev = vip_interface(*vip);
    if (!dev) continue;
    const bool v4 = vip->address.is_v4();
    ActionSink::log(fsm::LogLevel::kDetail,
                    fmt::format("({}) Sending/queueing {} on {} for {}", name(),
                                v4 ? "gratuitous ARPs" : "Unsolicited Neighbour Adverts", dev->name,
                                vip->address.to_string()));
    Bytes frame = v4 ? l2::wire::build_gratuitous_arp(dev->mac, vip->address)
                     : l2::wire::build_unsolicited_neighbor_advert(
                           dev->mac, vip->address, env_.network.ipv6_forwarding(dev->name));
    std::string line = fmt::format(
        "{} on {} for {}", v4 ? "Sending gratuitous ARP" : "Sending unsolicited Neighbour Advert",
        dev->name, vip->address.to_string());
    for (unsigned i = 0; i < repeat; ++i)
      pending_frames_.push_back({dev->ifindex, vip->address, frame, line});
  }
  if (!frame_timer_->armed()) send_pending_frames();
}

// vrrp_garp_interval / vrrp_gna_interval space the frames of a burst; 0 sends them at once.
void Instance::send_pending_frames() {
  while (!pending_frames_.empty()) {
    PendingFrame next = std::move(pending_frames_.front());
    pending_frames_.pop_front();
    ActionSink::log(fsm::LogLevel::kDetail, next.log_line);
    if (auto sent = env_.network.send_frame(next.ifindex, next.frame); !sent)
      log::warning("Error sending {}: {}", next.log_line.substr(8), sent.error());
    else
      ++counters_.garp_sent;
    const bool arp = next.frame.size() == l2::wire::kArpFrameSize;
    const auto gap = arp ? globals_.vrrp_garp_interval : globals_.vrrp_gna_interval;
    if (gap.count() > 0 && !pending_frames_.empty()) {
      frame_timer_->arm(gap, [this] { send_pending_frames(); });
      return;
    }
  }
}

void Instance::run_script(const std::optional<Script>& command, std::vector<std::string> extra,
                          std::function<void()> exited) {
  if (!command || command->argv.empty()) return;
  std::vector<std::string> argv = command->argv;
  argv.insert(argv.end(), extra.begin(), extra.end());
  ++counters_.notify_runs;
  env_.processes.run(
      argv, std::nullopt,
      [name = name(), argv0 = argv[0], exited = std::move(exited)](const ProcessExit& exit) {
        if (!exit.started)
          log::warning("({}) cannot run notify script {}: {}", name, argv0, exit.error);
        if (exited) exited();
      },
      command->run_as);
}

void Instance::notify(fsm::State state, std::uint8_t priority) {
  const NotifyScripts& n = notify_;
  switch (state) {
    case fsm::State::kMaster:
      run_script(n.master, {});
      break;
    case fsm::State::kBackup:
      run_script(n.backup, {});
      break;
    case fsm::State::kFault:
      run_script(n.fault, {});
      break;
    case fsm::State::kStop:
      run_script(n.stop, {});
      break;
    case fsm::State::kInitialize:
      break;
  }
  // keepalived's generic notify: TYPE NAME STATE PRIORITY.
  run_script(n.any,
             {"INSTANCE", name(), std::string(notify_state(state)), std::to_string(priority)});
}

void Instance::notify_master_rx_lower_priority() {
  // keepalived starts one per lower-priority advert; the state machine already answers at most
  // one advert per interval, and a script slower than that must not pile up: a trigger while
  // the last run has not exited is dropped (counted in notify_dropped).
  const auto& command = notify_.master_rx_lower_pri;
  if (!command || command->argv.empty()) return;
  if (*lower_pri_notify_running_) {
    ++counters_.notify_dropped;
    return;
  }
  *lower_pri_notify_running_ = true;
  run_script(command, {}, [running = lower_pri_notify_running_] { *running = false; });
}

void Instance::log(fsm::LogLevel level, std::string_view text) {
  ActionSink::log(level, text);
}

}  // namespace vipd::vrrp
