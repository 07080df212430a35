// The VRRP virtual router state machine of RFC 5798 §6 (RFC 3768 §6 for VRRPv2) as a pure
// function: step(InstanceState, Event, Config) -> Transition{InstanceState, Actions}.
// It reads no socket and no clock. Timers are named in StartTimer/StopTimer/ShiftTimer actions
// and come back as *Expired events; virtual_router.hpp executes them with event::Timer.
//
// Behaviour follows keepalived 2.2.7 (Debian 12) wherever it matters to a mixed cluster, with its
// log wording; every difference from the RFC is listed in docs/vrrp.md. In short:
//  - States: RFC Initialize/Backup/Master plus keepalived's FAULT (interface down, tracked object
//    failed) and STOP (shut down).
//  - A master that receives a lower-priority advert answers at once with its own advert and a
//    burst of gratuitous ARPs ("forcing new election"); RFC 5798 only discards it.
//  - Only the address owner (255) with initial state MASTER starts as MASTER; `state MASTER`
//    below 255 starts in BACKUP like `state BACKUP`.
//  - preempt_delay: lower-priority adverts keep resetting the Master_Down timer until the delay
//    (started by the first one) has run out; then they are discarded and the timer runs out.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ip.hpp"
#include "vrrp/wire/advert.hpp"

namespace vipd::vrrp::fsm {

using Duration = std::chrono::nanoseconds;

// keepalived's names, as in its logs and notify scripts ("MASTER", "BACKUP", ...).
enum class State : std::uint8_t { kInitialize, kBackup, kMaster, kFault, kStop };
std::string_view to_string(State state);

enum class TimerKind : std::uint8_t {
  kAdver,          // RFC 5798 §6.2 Adver_Timer (Master)
  kMasterDown,     // RFC 5798 §6.2 Master_Down_Timer (Backup)
  kPreemptDelay,   // keepalived preempt_delay (Backup)
  kGarpDelay,      // keepalived garp_master_delay: second announcement burst (Master)
  kGarpRefresh,    // keepalived garp_master_refresh: periodic announcements (Master)
  kLowerPrioGarp,  // keepalived garp_lower_prio_delay: second burst after a lower advert
  kFirstGarp,      // the takeover burst, held back while a colliding master may still win
  kHandover,       // Stop: how long a stopping master keeps its VIPs waiting for a successor
};
inline constexpr std::size_t kTimerKindCount = 8;
std::string_view to_string(TimerKind timer);

// Bursts one timer run owes at most: each answered lower-priority advert adds one (keepalived
// answers every one; vipd at most one per advert interval), but a flood of spoofed ones must
// not turn into a flood of gratuitous ARPs.
inline constexpr unsigned kMaxElectionBursts = 4;

inline constexpr std::uint8_t kPriorityOwner = 255;  // RFC 5798 §5.2.4: the address owner
inline constexpr std::uint8_t kPriorityStop = 0;     // RFC 5798 §5.2.4: the master stops

struct Config {
  std::string name;  // the vrrp_instance name, "VI_1": every log line starts "(VI_1) "
  wire::Version version = wire::Version::kV2;
  std::uint8_t priority = 100;  // base priority, 1..255 (255: address owner)
  // v2: whole seconds (RFC 3768 §5.3.7); v3: a multiple of 10 ms, at most 40.95 s.
  Duration advert_interval = std::chrono::seconds(1);
  // keepalived's initial state MASTER: `state MASTER`, or priority 255 without a `state`. Only
  // an address owner (priority 255) acts on it: it starts as MASTER instead of BACKUP.
  bool initial_master = false;
  bool preempt = true;  // false: `nopreempt` (RFC 5798 Preempt_Mode)
  Duration preempt_delay{0};
  unsigned down_timer_adverts = 3;  // keepalived down_timer_adverts (RFC: 3)
  // Our advert source (the interface's primary address): equal priorities are broken by it
  // (RFC 5798 §6.4.3, higher wins).
  IpAddress primary_address;
  // Gratuitous ARP / unsolicited NA bursts (keepalived defaults).
  unsigned garp_master_repeat = 5;
  Duration garp_master_delay = std::chrono::seconds(5);
  Duration garp_master_refresh{0};  // 0: off
  unsigned garp_master_refresh_repeat = 1;
  unsigned garp_lower_prio_repeat = 5;
  Duration garp_lower_prio_delay = std::chrono::seconds(5);
  // keepalived announces the moment it becomes master. Equal-priority backups time out
  // together (same Skew_Time, RFC 5798 §6.4.2), all become master and all announce; the winner
  // (higher address) re-announces on the loser's advert ("forcing new election"), but that
  // burst races the loser's own, and a loser-last burst strands the clients on the loser until
  // garp_lower_prio_delay. Holding the takeover burst this long lets the loser hear the
  // winner's advert (sent at the same instant) and yield before it announced anything.
  // vipd's default: min(10 ms, advert interval / 10) (Instance); 0 announces at once.
  Duration first_garp_hold{0};
  // A master that stops sends priority 0 (RFC 5798 §6.4.3) and then, unlike keepalived, keeps
  // its VIPs until the successor's first advert (or this long): the backup takes over only
  // after its Skew_Time (§6.4.2, up to one advert interval), and removing the VIPs at once
  // leaves the address unreachable for that long. Zero: remove at once, as keepalived.
  Duration stop_handover{0};
  // ... and that long after the successor's advert, so that its (held, first_garp_hold)
  // gratuitous ARPs are out before the old owner lets go.
  Duration handover_grace{0};
  // A member of a vrrp_sync_group (sync_group.hpp): when Master_Down runs out it only asks to
  // become master (InstanceState::wants_master) and waits for SyncForce, so that the members
  // change over together (keepalived: "prefer backup state to avoid thrashing").
  bool sync_group = false;
  // The load balancer's L2 mode (not RFC 5798, not keepalived): a master that yields to a
  // higher priority sends one advert of its own first. After a partition heals, the master of
  // the other half may not have heard this one before it yields; with this advert it does, and
  // re-announces its addresses ("forcing new election": gratuitous ARPs), so clients that learnt
  // the yielding node's MAC move at once rather than when their ARP entry next expires.
  bool advert_on_yield = false;

  bool operator==(const Config&) const = default;
};

// ---- Events ----

struct Startup {};   // RFC 5798 §6.4.1 Startup
struct Shutdown {};  // RFC 5798 §6.4.2/§6.4.3 Shutdown
struct AdvertReceived {
  // A valid advert for this instance (wire::receive_ipv4/ipv6 accepted it).
  std::uint8_t priority = 0;
  IpAddress source;                 // the sender's primary address
  Duration max_advert_interval{0};  // v3 Max Adver Int (ignored for v2)
};
struct AdverTimerExpired {};
struct MasterDownTimerExpired {};
struct PreemptDelayExpired {};
struct GarpDelayExpired {};
struct GarpRefreshExpired {};
struct LowerPrioGarpExpired {};
struct FirstGarpExpired {};
struct HandoverExpired {};
// The total of base priority and tracking weights (vrrp_script, track_interface, vipctl);
// clamped to 1..254, and ignored by an address owner (keepalived).
struct PriorityChanged {
  int priority = 0;
};
// One tracked object failed / recovered (interface down, script failed, ...). FAULT is left
// when every raised fault is cleared.
struct FaultRaised {};
struct FaultCleared {};
// vrrp_sync_group (sync_group.hpp): the group holds a member in FAULT while another member has
// a fault of its own (fault = true), and lets it go again (fault = false). A held member leaves
// FAULT once its own faults are cleared too.
struct SyncHold {
  bool fault = false;
};
// vrrp_sync_group: follow a member that became MASTER (from BACKUP) or BACKUP (from MASTER), as
// keepalived's "VRRP_Group(G1) Syncing instances to MASTER state"; other states are ignored.
struct SyncForce {
  State target = State::kBackup;
};

using Event =
    std::variant<Startup, Shutdown, AdvertReceived, AdverTimerExpired, MasterDownTimerExpired,
                 PreemptDelayExpired, GarpDelayExpired, GarpRefreshExpired, LowerPrioGarpExpired,
                 FirstGarpExpired, HandoverExpired, PriorityChanged, FaultRaised, FaultCleared,
                 SyncHold, SyncForce>;
std::string_view event_name(const Event& event);
AdvertReceived advert_received(const wire::Advert& advert, const IpAddress& source);

// ---- Actions, executed in order ----

struct SendAdvert {  // multicast an advert with this priority (0: we stop being master)
  std::uint8_t priority = 0;
  bool operator==(const SendAdvert&) const = default;
};
struct StartTimer {  // (re)arm
  TimerKind which = TimerKind::kAdver;
  Duration duration{0};
  bool operator==(const StartTimer&) const = default;
};
struct StopTimer {
  TimerKind which = TimerKind::kAdver;
  bool operator==(const StopTimer&) const = default;
};
struct ShiftTimer {  // move a running timer's deadline by delta (no-op when not running)
  TimerKind which = TimerKind::kMasterDown;
  Duration delta{0};
  bool operator==(const ShiftTimer&) const = default;
};
struct AddVips {
  bool operator==(const AddVips&) const = default;
};
struct RemoveVips {
  bool operator==(const RemoveVips&) const = default;
};
struct Announce {  // gratuitous ARP / unsolicited NA for every VIP, `repeat` times
  unsigned repeat = 0;
  bool operator==(const Announce&) const = default;
};
struct Notify {  // notify_master/backup/fault/stop and `notify` scripts: INSTANCE name STATE prio
  State state = State::kBackup;
  std::uint8_t priority = 0;
  bool operator==(const Notify&) const = default;
};
struct NotifyMasterRxLowerPriority {  // keepalived notify_master_rx_lower_pri
  bool operator==(const NotifyMasterRxLowerPriority&) const = default;
};
// kInfo lines are logged by keepalived always; kDetail only with -D (--log-detail).
enum class LogLevel : std::uint8_t { kInfo, kDetail };
struct Log {
  LogLevel level = LogLevel::kInfo;
  std::string text;
  bool operator==(const Log&) const = default;
};

using Action = std::variant<SendAdvert, StartTimer, StopTimer, ShiftTimer, AddVips, RemoveVips,
                            Announce, Notify, NotifyMasterRxLowerPriority, Log>;
std::string to_string(const Action& action);

// ---- State ----

enum class PreemptDelay : std::uint8_t { kIdle, kRunning, kExpired };

struct InstanceState {
  State state = State::kInitialize;
  std::uint8_t base_priority = 0;      // Config::priority from Startup on (254 if demoted)
  std::uint8_t priority = 0;           // effective priority
  Duration master_advert_interval{0};  // RFC 5798 Master_Adver_Interval
  Duration master_down_duration{0};    // what the Master_Down timer was last armed with
  unsigned faults = 0;                 // raised and not yet cleared
  bool vips_set = false;
  PreemptDelay preempt_delay = PreemptDelay::kIdle;
  std::optional<IpAddress> master_address;  // last advert source seen in Backup
  std::uint8_t master_priority = 0;
  // Delayed "forcing new election" bursts owed when kLowerPrioGarp fires: keepalived schedules
  // one per lower-priority advert, so two backups timing out together cost two delayed bursts,
  // not one (at most kMaxElectionBursts per timer run).
  unsigned lower_prio_bursts_owed = 0;
  // Master: a lower-priority advert was answered ("forcing new election": advert, burst, log
  // line, notify_master_rx_lower_pri) since the Adver_Timer last fired; until it fires again,
  // lower-priority adverts are discarded without an answer (at most one per advert interval).
  bool lower_prio_answered = false;
  // Master: a priority-0 advert was answered since the Adver_Timer last fired. RFC 5798 §6.4.3
  // answers each one at once; a forged stream would make us send one advert per packet, so later
  // ones in the same interval are discarded and leave the Adver_Timer running (issue 15, D8).
  bool stop_advert_answered = false;
  // Stop with VIPs held (Config::stop_handover): the successor whose advert we heard.
  std::optional<IpAddress> successor;
  // Sync group members only (Config::sync_group): Master_Down ran out in BACKUP and no advert
  // was accepted since (keepalived's wantstate MASTER); and whether the group holds us in FAULT.
  bool wants_master = false;
  bool sync_fault = false;

  bool operator==(const InstanceState&) const = default;
};

struct Transition {
  InstanceState state;
  std::vector<Action> actions;
};

Transition step(const InstanceState& state, const Event& event, const Config& config);

// RFC 5798 §6.1 Skew_Time: (256 - priority) * Master_Adver_Interval / 256 for v3; RFC 3768
// §6.1: (256 - priority) / 256 seconds for v2 (whatever the interval).
Duration skew_time(wire::Version version, std::uint8_t priority, Duration master_advert_interval);
// RFC 5798 §6.1 Master_Down_Interval: 3 * Master_Adver_Interval + Skew_Time (3 is keepalived's
// down_timer_adverts).
Duration master_down_interval(const Config& config, std::uint8_t priority,
                              Duration master_advert_interval);

}  // namespace vipd::vrrp::fsm
