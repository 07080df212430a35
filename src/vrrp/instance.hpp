// One keepalived `vrrp_instance`: the socket side of a virtual router. It feeds the packets its
// socket receives through the wire checks (wire::receive_ipv4/receive_ipv6) into the state
// machine (fsm::VirtualRouter), and performs what the state machine asks for as its ActionSink:
// adverts to the multicast group or the unicast peers, VIPs through netlink, gratuitous ARPs and
// unsolicited NAs, notify scripts. Dropped packets are counted per wire::DropCause and logged
// once per cause (keepalived's wording). Tracked objects (interfaces, vrrp_scripts) and
// `vipctl vrrp NAME priority P` change the effective priority or raise faults.
//
// Everything goes through Network and ProcessRunner (network.hpp, process.hpp), so the logic is
// tested with a SimClock and fakes (tests/unit/vrrp/instance).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event/clock.hpp"
#include "vrrp/config/model.hpp"
#include "vrrp/fsm/virtual_router.hpp"
#include "vrrp/network.hpp"
#include "vrrp/process.hpp"
#include "vrrp/script_security.hpp"
#include "vrrp/wire/validate.hpp"

namespace vipd::vrrp {

struct InstanceEnvironment {
  event::Clock& clock;
  Network& network;
  ProcessRunner& processes;
};

// Counters the state machine does not keep (VirtualRouter::Stats has the advert counters).
struct InstanceCounters {
  std::array<std::uint64_t, wire::kDropCauseCount> drops{};
  std::uint64_t not_from_peer = 0;  // unicast: the source is none of the unicast_peer addresses
  std::uint64_t send_errors = 0;
  std::uint64_t garp_sent = 0;  // gratuitous ARPs and unsolicited NAs
  std::uint64_t notify_runs = 0;
  // notify_master_rx_lower_pri triggers dropped because the previous run had not exited yet.
  std::uint64_t notify_dropped = 0;
  std::uint64_t total_drops() const;
};

class Instance final : public fsm::ActionSink {
 public:
  Instance(InstanceEnvironment env, config::VrrpInstance config, const config::GlobalDefs& globals);
  ~Instance() override;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Resolves the interface (creating the VMAC of use_vmac), starts listening and starts the
  // state machine: "Entering BACKUP STATE (init)", or FAULT when the interface is down or
  // missing. An error (no source address, socket refused) leaves the instance stopped.
  // start() is prepare() and then run(); a sync group sits between the two (module.cpp).
  Status<std::string> start();
  // Everything before the state machine's Startup: the interface, the socket, the state machine
  // with the faults already known ("(VI_1): entering FAULT state (interface eth0 down)"). A
  // missing interface is a fault, not an error: the instance waits for it (interface_removed).
  Status<std::string> prepare();
  // The state machine's Startup (after prepare() succeeded).
  void run();
  // Member of a vrrp_sync_group (before prepare()): the state machine waits for the group.
  void set_sync_group(std::string group) { sync_group_ = std::move(group); }
  const std::string& sync_group() const { return sync_group_; }
  // The notify commands as they run (users, disabled ones left out: script_security.hpp).
  // Default: the configured commands as vipd's user.
  void set_notify_scripts(NotifyScripts scripts) { notify_ = std::move(scripts); }
  const NotifyScripts& notify_scripts() const { return notify_; }
  fsm::VirtualRouter* mutable_router() { return router_.get(); }
  // RFC 5798 §6.4.3 Shutdown: a master sends priority 0; VIPs removed, the VMAC deleted,
  // notify_stop run. The instance ignores everything afterwards.
  // With `done` (the daemon exiting) a master hands over: it keeps its VIPs until the
  // successor's first advert, at most handover_time() (fsm::Config::stop_handover), and `done`
  // runs once they are gone (at once when nothing was held). Without it (reload), or on a
  // second stop() while handing over, everything goes at once.
  void stop(std::function<void()> done = {});
  // A reload that changes only what a running instance can take in place (priority other than
  // to or from 255, advert_int, preemption, GARP settings, notify scripts, the VIPs):
  // keepalived's reload keeps the state, and so does retune(). Anything else (interface, VRID,
  // tracking, ...) restarts the instance.
  static bool retunable(const config::VrrpInstance& running, const config::VrrpInstance& next);
  // VIPs: a master deletes the dropped ones, adds the new ones and announces only those
  // (garp_master_repeat frames); one handing over (stop with `done`) deletes the dropped ones
  // and adds nothing; otherwise only the configuration changes (the next MASTER adds the list).
  // A VIP whose kernel address changes (dev, prefix, label, ...) is dropped and added.
  void retune(config::VrrpInstance next);
  bool running() const { return router_ != nullptr && !stopped_ && !handing_over_; }
  // Running, or stopping and still waiting for a successor's advert.
  bool listening() const { return router_ != nullptr && !stopped_; }
  // The longest a backup waits after our priority 0 (its Skew_Time at priority 1) and slack.
  fsm::Duration handover_time() const;

  // A packet of this instance's socket (its interface and family). Counted and dropped, or
  // handed to the state machine.
  void receive(const ReceivedPacket& packet);

  // Tracked objects. `key` names one ("interface eth0", "script chk"); `delta` is what it adds
  // to the priority now, `fault` whether it holds the instance in FAULT.
  void set_tracked(const std::string& key, int delta, bool fault);
  // A link changed: the instance's own interface (fault unless dont_track_primary) and its
  // track_interface entries.
  void link_changed(const std::string& name, bool up);
  // The instance's interface was deleted: FAULT until an interface of that name comes up
  // (link_changed), on which the instance opens its socket again (keepalived's
  // dynamic_interfaces). An instance whose interface is missing at start waits the same way.
  void interface_removed();
  // Whether the instance has its interface (and socket).
  bool attached() const { return attached_; }
  // A vrrp_script result, for the instance's track_script entries.
  void script_changed(const std::string& name, bool good);
  // `vipctl vrrp NAME priority P` (nullopt: back to the configured priority).
  void set_priority_override(std::optional<std::uint8_t> priority);

  const std::string& name() const { return config_.name; }
  const config::VrrpInstance& config() const { return config_; }
  const config::GlobalDefs& globals() const { return globals_; }
  // The interface whose socket receives this instance's adverts, and the address family.
  int receive_ifindex() const { return interface_.ifindex; }
  Family family() const { return config_.family; }
  const InterfaceInfo& interface() const { return interface_; }
  const std::optional<InterfaceInfo>& vmac() const { return vmac_; }
  const IpAddress& source_address() const { return source_; }
  fsm::State state() const;
  // The base priority with the vipctl override, and with the tracking weights added (what the
  // state machine was last given; clamped by it).
  int base_priority() const;
  int total_priority() const;
  std::optional<std::uint8_t> priority_override() const { return override_; }
  const fsm::VirtualRouter* router() const { return router_.get(); }
  const InstanceCounters& counters() const { return counters_; }
  std::size_t faults() const;

  // fsm::ActionSink: add_vips(), remove_vips() and announce() act on every VIP.
  void send_advert(std::uint8_t priority) override;
  void add_vips() override;
  void remove_vips() override;
  void announce(unsigned repeat) override { announce(repeat, all_vips()); }
  void notify(fsm::State state, std::uint8_t priority) override;
  void notify_master_rx_lower_priority() override;
  void log(fsm::LogLevel level, std::string_view text) override;

 private:
  struct Tracked {
    int delta = 0;
    bool fault = false;
  };
  struct PendingFrame {
    int ifindex = 0;
    IpAddress address;  // the VIP it announces
    Bytes frame;
    std::string log_line;
  };
  using Vips = std::vector<const config::VirtualAddress*>;

  fsm::Config fsm_config() const;
  wire::Expectations expectations() const;
  std::vector<IpAddress> advert_addresses() const;
  Vips all_vips() const;
  std::optional<InterfaceInfo> vip_interface(const config::VirtualAddress& vip);
  netlink::InterfaceAddress kernel_address(const config::VirtualAddress& vip, int ifindex) const;
  // Whether the kernel would hold `a` and `b` as the same address (same interface too).
  bool same_kernel_address(const config::VirtualAddress& a, const config::VirtualAddress& b) const;
  // Whether `config` has a VIP with the kernel address of `vip`.
  bool lists(const config::VrrpInstance& config, const config::VirtualAddress& vip) const;
  // The VIPs of `from` that `to` has no kernel address for.
  Vips vips_not_in(const config::VrrpInstance& from, const config::VrrpInstance& to) const;
  // The kernel side of add_vips()/remove_vips()/announce() for the VIPs given.
  void add_vips(const Vips& vips);
  void remove_vips(const Vips& vips);
  void announce(unsigned repeat, const Vips& vips);
  Status<std::string> resolve_interface();
  Status<std::string> attach();
  void interface_appeared();
  void check_owner() const;
  void drop(wire::DropCause cause, const ReceivedPacket& packet);
  void log_once(std::size_t slot, const std::string& text);
  void update_priority();
  // `exited` (may be empty) runs once the script has exited or could not start.
  void run_script(const std::optional<Script>& command, std::vector<std::string> extra,
                  std::function<void()> exited = {});
  void send_pending_frames();
  void finish_stop();

  InstanceEnvironment env_;
  config::VrrpInstance config_;
  std::string sync_group_;
  NotifyScripts notify_;
  config::GlobalDefs globals_;
  InterfaceInfo interface_;
  std::optional<InterfaceInfo> vmac_;
  std::map<std::string, InterfaceInfo> vip_interfaces_;
  IpAddress source_;
  IpAddress group_;
  wire::Expectations expect_;
  std::unique_ptr<fsm::VirtualRouter> router_;
  bool stopped_ = false;
  bool handing_over_ = false;
  std::function<void()> stop_done_;
  bool attached_ = false;
  std::optional<std::uint8_t> override_;
  std::map<std::string, Tracked> tracked_;
  int last_priority_sent_ = -1;
  InstanceCounters counters_;
  // notify_master_rx_lower_pri is running: a forged-advert flood must not fork a process per
  // advert, so one runs at a time (shared with the run's completion, which may come after the
  // instance is gone).
  std::shared_ptr<bool> lower_pri_notify_running_ = std::make_shared<bool>(false);
  // Rate limit of the per-cause drop logs (and the other once-per-cause lines): when each was
  // last logged and how many were suppressed since.
  struct LogSlot {
    std::optional<event::TimePoint> last;
    std::uint64_t suppressed = 0;
  };
  std::array<LogSlot, wire::kDropCauseCount + 2> log_slots_{};
  bool send_failing_ = false;
  std::deque<PendingFrame> pending_frames_;
  std::unique_ptr<event::Timer> frame_timer_;
};

// Drop logs are repeated at most this often per cause and instance.
inline constexpr std::chrono::seconds kDropLogInterval{60};

// keepalived's log line for a dropped packet ("(VI_1) invalid TTL/HL. Received 64 and expect
// 255"), with what could be read from the packet.
std::string drop_log_line(const config::VrrpInstance& instance, const std::string& interface,
                          wire::DropCause cause, const ReceivedPacket& packet,
                          const wire::Expectations& expect);

}  // namespace vipd::vrrp
