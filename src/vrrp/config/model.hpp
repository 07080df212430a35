// The VRRP part of a keepalived.conf as plain values, after parsing and validation: every field
// holds the value keepalived 2.2 would run with (defaults applied, out-of-range values replaced
// as keepalived replaces them). No dependency on the VRRP codec or state machine: they read these
// fields. Names follow keepalived's keywords so that `show running-config` reads like the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace vipd::vrrp::config {

using Milliseconds = std::chrono::milliseconds;
using Microseconds = std::chrono::microseconds;
using Seconds = std::chrono::seconds;

// A keyword vipd accepts for compatibility but does not act on, kept for `show running-config`.
struct OtherSetting {
  std::string keyword;
  std::vector<std::string> args;
  bool operator==(const OtherSetting&) const = default;
};

// A command keepalived runs (notify scripts, vrrp_script `script`): keepalived re-reads the
// command word with shell-like quoting ('...', "...", backslash escapes) into an argv, and takes
// the words after it as the user and group to run it as.
struct ScriptCommand {
  std::vector<std::string> argv;
  std::string user;  // empty: global script_user (or keepalived_script/root)
  std::string group;
  bool empty() const { return argv.empty(); }
  // The argv joined by blanks, each word quoted when it needs to be.
  std::string to_string() const;
  bool operator==(const ScriptCommand&) const = default;
};

struct GlobalDefs {
  std::string router_id;  // empty: the host name (keepalived's default)
  std::uint8_t vrrp_version = 2;
  // Gratuitous ARP / unsolicited NA after becoming master, as keepalived's VRRP_GARP_* defaults.
  Seconds vrrp_garp_master_delay{5};
  std::uint32_t vrrp_garp_master_repeat = 5;
  Seconds vrrp_garp_master_refresh{0};  // 0: no periodic refresh
  std::uint32_t vrrp_garp_master_refresh_repeat = 1;
  // Unset in the file: the vrrp_garp_master_* values (keepalived's vrrp_complete_init()).
  Seconds vrrp_garp_lower_prio_delay{5};
  std::uint32_t vrrp_garp_lower_prio_repeat = 5;
  Microseconds vrrp_garp_interval{0};  // pause between GARPs on one interface
  Microseconds vrrp_gna_interval{0};   // pause between unsolicited NAs on one interface
  bool vrrp_lower_prio_no_advert = false;
  bool vrrp_higher_prio_send_advert = false;
  bool vrrp_check_unicast_src = false;
  bool vrrp_skip_check_adv_addr = false;
  bool vrrp_strict = false;
  IpAddress vrrp_mcast_group4 = IpAddress::v4(0xe0000012);  // 224.0.0.18, RFC 5798 §5.1.1.2
  IpAddress vrrp_mcast_group6 = IpAddress::v6(              // ff02::12, RFC 5798 §5.1.2.2
      {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
  std::string default_interface;  // for instances without `interface`
  bool dynamic_interfaces = false;
  Microseconds vrrp_startup_delay{0};
  bool enable_script_security = false;
  std::string script_user;
  std::string script_group;
  std::vector<std::string> notification_email;
  std::string notification_email_from;
  std::string smtp_server;  // address or host name; empty: none
  std::uint16_t smtp_server_port = 25;
  std::string smtp_helo_name;
  Seconds smtp_connect_timeout{30};
  bool smtp_alert = false;
  std::optional<bool> smtp_alert_vrrp;  // unset: smtp_alert
  std::vector<OtherSetting> other;
  bool operator==(const GlobalDefs&) const = default;
};

// `vrrp_script NAME { ... }`: a health check whose result changes the priority of the instances
// that track it.
struct VrrpScript {
  std::string name;
  ScriptCommand script;
  Seconds interval{1};
  std::optional<Seconds> timeout;  // unset: the interval
  int weight = 0;                  // 0: a failure puts the tracking instances into FAULT
  bool weight_reverse = false;
  std::uint32_t rise = 1;
  std::uint32_t fall = 1;
  std::string user;  // `user NAME [GROUP]`; empty: global script_user
  std::string group;
  bool init_fail = false;  // start in the failed state
  bool operator==(const VrrpScript&) const = default;
};

// One line of `virtual_ipaddress` or `virtual_ipaddress_excluded`, in the `ip addr add` syntax
// keepalived accepts. The address keeps its host bits: 192.168.5.1/16 is the address
// 192.168.5.1 with prefix length 16.
struct VirtualAddress {
  IpAddress address;
  std::uint8_t prefix_length = 32;     // /32 (IPv4) or /128 (IPv6) when not written
  std::string dev;                     // empty: the instance's interface
  std::string label;                   // IPv4 only
  std::optional<IpAddress> broadcast;  // `brd`/`broadcast` (`+`/`-` already computed)
  std::uint8_t scope = 0;              // rtnetlink scope: 0 global, 253 link, 254 host, ...
  std::optional<IpAddress> peer;
  bool no_track = false;
  bool home = false;
  bool nodad = false;  // `-nodad`
  bool mngtmpaddr = false;
  bool noprefixroute = false;
  bool autojoin = false;
  bool use_vmac = false;
  // keepalived's own text of the address: "192.168.5.1/16 dev eth0 scope global".
  std::string to_string() const;
  bool operator==(const VirtualAddress&) const = default;
};

struct TrackedInterface {
  std::string name;
  int weight = 0;  // 0: the interface going down puts the instance into FAULT
  bool reverse = false;
  bool operator==(const TrackedInterface&) const = default;
};

struct TrackedScript {
  std::string name;  // a VrrpScript
  int weight = 0;    // the script's weight unless the track_script line gives one
  bool reverse = false;
  bool operator==(const TrackedScript&) const = default;
};

struct UnicastPeer {
  IpAddress address;
  std::optional<std::uint8_t> min_ttl;
  std::optional<std::uint8_t> max_ttl;
  bool operator==(const UnicastPeer&) const = default;
};

enum class InitialState : std::uint8_t { kBackup, kMaster };
enum class AuthType : std::uint8_t { kNone, kPass, kAh };
const char* to_string(InitialState state);
const char* to_string(AuthType type);

struct Notify {
  ScriptCommand master;
  ScriptCommand backup;
  ScriptCommand fault;
  ScriptCommand stop;
  ScriptCommand any;  // `notify`: called with TYPE NAME STATE PRIORITY
  ScriptCommand master_rx_lower_pri;
  bool operator==(const Notify&) const = default;
};

struct VrrpInstance {
  std::string name;
  InitialState state = InitialState::kBackup;
  std::string interface;
  std::uint8_t virtual_router_id = 0;
  std::uint8_t priority = 100;    // 255 when `state MASTER` and no priority (keepalived 2.2)
  Milliseconds advert_int{1000};  // whole seconds for v2, multiples of 10 ms for v3
  std::uint8_t version = 2;
  Family family = Family::kIpv4;
  bool nopreempt = false;
  Milliseconds preempt_delay{0};
  AuthType auth_type = AuthType::kNone;
  std::string auth_pass;  // at most 8 octets (RFC 2338 §5.3.10); AH keys it too
  std::vector<VirtualAddress> virtual_ipaddress;
  std::vector<VirtualAddress> virtual_ipaddress_excluded;
  std::vector<TrackedInterface> track_interface;
  std::vector<TrackedScript> track_script;
  bool dont_track_primary = false;
  Notify notify;
  bool smtp_alert = false;
  Seconds garp_master_delay{5};
  std::uint32_t garp_master_repeat = 5;
  Seconds garp_master_refresh{0};
  std::uint32_t garp_master_refresh_repeat = 1;
  Seconds garp_lower_prio_delay{5};
  std::uint32_t garp_lower_prio_repeat = 5;
  bool lower_prio_no_advert = false;
  bool higher_prio_send_advert = false;
  bool use_vmac = false;
  std::string vmac_name;  // `use_vmac NAME`; empty: vrrp.<VRID>
  bool vmac_xmit_base = false;
  std::optional<IpAddress> source_address;  // unicast_src_ip / mcast_src_ip
  std::vector<UnicastPeer> unicast_peer;
  bool accept = true;  // RFC 5798 Accept_Mode; keepalived: on unless strict mode
  bool strict_mode = false;
  bool skip_check_adv_addr = false;
  std::uint8_t debug = 0;
  std::vector<OtherSetting> other;
  // Not a keepalived keyword: set by the load balancer's L2 mode (fsm::Config::advert_on_yield).
  bool advert_on_yield = false;
  bool operator==(const VrrpInstance&) const = default;
};

struct SyncGroup {
  std::string name;
  std::vector<std::string> group;  // instance names, in file order
  Notify notify;
  bool smtp_alert = false;
  bool sync_group_tracking_weight = false;
  std::vector<TrackedInterface> track_interface;
  std::vector<TrackedScript> track_script;
  bool operator==(const SyncGroup&) const = default;
};

struct KeepalivedConfig {
  GlobalDefs global_defs;
  std::vector<VrrpScript> scripts;      // in file order
  std::vector<VrrpInstance> instances;  // in file order
  std::vector<SyncGroup> sync_groups;   // in file order
  const VrrpInstance* find_instance(std::string_view name) const;
  const VrrpScript* find_script(std::string_view name) const;
  bool operator==(const KeepalivedConfig&) const = default;
};

}  // namespace vipd::vrrp::config
