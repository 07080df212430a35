// The checks keepalived 2.2 runs once the whole configuration is read (vrrp_complete_init() and
// vrrp_complete_instance()): defaults that depend on other settings, corrections with their
// warnings, and the cross-checks (references, VRIDs, sync groups).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "vrrp/config/parse_detail.hpp"

namespace vipd::vrrp::config::detail {
namespace {

constexpr std::int64_t kSecond = 1'000'000;           // microseconds
constexpr std::int64_t kCentisecond = 10'000;         // microseconds
constexpr std::size_t kMaxAdvertisedAddresses = 255;  // RFC 5798 §5.2.5: Count IPvX Addr is 8 bits

}  // namespace

bool Parser::validate() {
  GlobalDefs& g = config_.global_defs;
  g.vrrp_garp_lower_prio_delay =
      global_draft_.garp_lower_prio_delay.value_or(g.vrrp_garp_master_delay);
  g.vrrp_garp_lower_prio_repeat =
      global_draft_.garp_lower_prio_repeat.value_or(g.vrrp_garp_master_repeat);
  for (std::size_t i = 0; i < config_.instances.size(); ++i)
    if (!resolve_instance(config_.instances[i], instance_drafts_[i])) return false;
  // keepalived's check_vrrp_script_security() needs the script files: the VRRP module runs it
  // (src/vrrp/script_security.hpp).
  return check_vrids() && resolve_sync_groups();
}

bool Parser::resolve_instance(VrrpInstance& vrrp, InstanceDraft& draft) {
  const GlobalDefs& g = config_.global_defs;
  vrrp.strict_mode = draft.strict_mode.value_or(g.vrrp_strict);
  vrrp.family = draft.family.value_or(Family::kIpv4);
  resolve_version(vrrp, draft);
  if (vrrp.interface.empty()) vrrp.interface = g.default_interface;
  if (vrrp.interface.empty())
    return fail(draft.at, fmt::format("({}) Unknown interface! (set 'interface', or "
                                      "'default_interface' in global_defs)",
                                      vrrp.name));
  if (!draft.vrid_set)
    return fail(draft.at, fmt::format("({}) the virtual router id must be set", vrrp.name));
  if (!resolve_addresses(vrrp, draft)) return false;
  resolve_state(vrrp, draft);
  resolve_authentication(vrrp, draft);
  resolve_advert_int(vrrp, draft);
  resolve_preemption(vrrp, draft);
  resolve_strict_dependents(vrrp, draft);
  resolve_track_interfaces(vrrp, draft);
  return resolve_track_scripts(vrrp.name, vrrp.track_script, draft.track_script);
}

void Parser::resolve_version(VrrpInstance& vrrp, const InstanceDraft& draft) {
  if (vrrp.family == Family::kIpv6) {
    // RFC 3768 (VRRPv2) is IPv4 only. keepalived 2.2 still sends v2 adverts over IPv6 when the
    // instance says `version 2` (vipd's codec does too, docs/vrrp.md); strict mode refuses.
    if (draft.version == 2 && vrrp.strict_mode) {
      warn(draft.at,
           fmt::format("({}) cannot use IPv6 with VRRP version 2; setting version 3", vrrp.name));
      vrrp.version = 3;
    } else {
      vrrp.version = draft.version.value_or(3);
    }
    return;
  }
  vrrp.version = draft.version.value_or(config_.global_defs.vrrp_version);
}

bool Parser::resolve_addresses(VrrpInstance& vrrp, const InstanceDraft& draft) {
  auto& vips = vrrp.virtual_ipaddress;
  if (vips.empty()) {
    if (vrrp.version == 3 || vrrp.family == Family::kIpv6 || vrrp.strict_mode)
      return fail(draft.at,
                  fmt::format("({}) No VIP specified; at least one is required", vrrp.name));
    warn(draft.at, fmt::format("({}) No VIP specified; at least one is sensible", vrrp.name));
  }
  // RFC 5798 §5.2.9: the first IPv6 address of an advertisement is the link-local one.
  if (vrrp.family == Family::kIpv6 && vrrp.unicast_peer.empty() && !vips.empty() &&
      !vips.front().address.is_link_local())
    warn(draft.at, fmt::format("({}) the first IPv6 VIP address must be link local", vrrp.name));
  if (vips.size() > kMaxAdvertisedAddresses) {
    warn(draft.at, fmt::format("({}) Number of VIPs ({}) exceeds maximum/space available in "
                               "packet (max {} addresses) - excess moved to eVIPs",
                               vrrp.name, vips.size(), kMaxAdvertisedAddresses));
    auto excess = vips.begin() + static_cast<std::ptrdiff_t>(kMaxAdvertisedAddresses);
    vrrp.virtual_ipaddress_excluded.insert(vrrp.virtual_ipaddress_excluded.end(), excess,
                                           vips.end());
    vips.erase(excess, vips.end());
  }
  return true;
}

void Parser::resolve_state(VrrpInstance& vrrp, const InstanceDraft& draft) {
  // keepalived 2.2: no priority -> 255 for `state MASTER`, else 100; no state -> MASTER for
  // the address owner (priority 255), else BACKUP.
  if (draft.priority)
    vrrp.priority = *draft.priority;
  else
    vrrp.priority = draft.state == InitialState::kMaster ? 255 : 100;
  const InitialState owner_state =
      vrrp.priority == 255 ? InitialState::kMaster : InitialState::kBackup;
  vrrp.state = draft.state.value_or(owner_state);
  if (draft.state && vrrp.strict_mode && vrrp.state != owner_state) {
    // RFC 5798 §6.4.1: only the address owner starts as master.
    warn(draft.at, fmt::format("({}) State MASTER must match being address owner", vrrp.name));
    vrrp.state = owner_state;
  }
}

void Parser::resolve_authentication(VrrpInstance& vrrp, const InstanceDraft& draft) {
  std::string why;
  if (vrrp.auth_type == AuthType::kNone) {
    vrrp.auth_pass.clear();
    return;
  }
  if (vrrp.strict_mode) {
    why = "Strict mode does not support authentication. Ignoring.";
  } else if (vrrp.version == 3) {
    why = "VRRP version 3 does not support authentication. Ignoring.";  // RFC 5798 §9
  } else if (vrrp.auth_pass.empty()) {
    why = "Authentication specified but no password given. Ignoring";
  } else if (vrrp.family == Family::kIpv6 && vrrp.auth_type == AuthType::kAh) {
    why = "Cannot use AH authentication with IPv6. ignoring";
  } else if (vrrp.auth_type == AuthType::kAh && vrrp.state == InitialState::kMaster &&
             vrrp.priority != 255) {
    // The AH sequence number must be learnt from an advert before taking over.
    warn(draft.at, fmt::format("({}) Initial state master is incompatible with AH "
                               "authentication - clearing",
                               vrrp.name));
    vrrp.state = InitialState::kBackup;
    return;
  } else {
    return;
  }
  warn(draft.at, fmt::format("({}) {}", vrrp.name, why));
  vrrp.auth_type = AuthType::kNone;
  vrrp.auth_pass.clear();
}

void Parser::resolve_advert_int(VrrpInstance& vrrp, const InstanceDraft& draft) {
  std::int64_t us = draft.advert_int_us.value_or(kSecond);
  const Location& at = draft.advert_int_us ? draft.advert_int_at : draft.at;
  const double seconds = static_cast<double>(us) / kSecond;
  if (vrrp.version == 2) {
    // RFC 3768 §5.3.7: Adver Int is whole seconds. keepalived rounds half up, at least 1 s.
    if (us % kSecond != 0) {
      warn(at, fmt::format("({}) VRRPv2 advertisement interval {:f}s must be an integer. "
                           "rounding",
                           vrrp.name, seconds));
      us = std::max((us + kSecond / 2) / kSecond * kSecond, kSecond);
    }
  } else if (us >= 4096 * kCentisecond) {
    // RFC 5798 §5.2.7: Max Adver Int is 12 bits of centiseconds.
    warn(at, fmt::format("({}) VRRPv3 advertisement interval {:.2f}s is out of range. Must "
                         "be less than 40.96s. Setting to 40.95s",
                         vrrp.name, seconds));
    us = 4095 * kCentisecond;
  } else if (us % kCentisecond != 0) {
    warn(at, fmt::format("({}) VRRPv3 advertisement interval {:f}s must be in units of "
                         "10ms - rounding",
                         vrrp.name, seconds));
    us = std::max((us + kCentisecond / 2) / kCentisecond * kCentisecond, kCentisecond);
  }
  vrrp.advert_int = Milliseconds(us / 1000);
}

void Parser::resolve_preemption(VrrpInstance& vrrp, const InstanceDraft& draft) {
  std::int64_t delay_us = draft.preempt_delay_us.value_or(0);
  if (vrrp.priority == 255 && vrrp.nopreempt) {
    warn(draft.at, fmt::format("({}) nopreempt is incompatible with priority 255. resetting "
                               "nopreempt",
                               vrrp.name));
    vrrp.nopreempt = false;
  }
  if (vrrp.state == InitialState::kMaster) {
    if (vrrp.nopreempt) {
      warn(draft.at, fmt::format("({}) Warning - nopreempt will not work with initial state "
                                 "MASTER - clearing",
                                 vrrp.name));
      vrrp.nopreempt = false;
    }
    if (delay_us != 0) {
      warn(draft.at, fmt::format("({}) Warning - preempt delay will not work with initial "
                                 "state MASTER - clearing",
                                 vrrp.name));
      delay_us = 0;
    }
  }
  if (delay_us != 0 && vrrp.strict_mode) {
    warn(draft.at,
         fmt::format("({}) preempt_delay is incompatible with strict mode - resetting", vrrp.name));
    delay_us = 0;
  }
  if (delay_us != 0 && vrrp.nopreempt) {
    warn(draft.at, fmt::format("({}) preempt_delay is incompatible with nopreempt mode - "
                               "resetting",
                               vrrp.name));
    delay_us = 0;
  }
  vrrp.preempt_delay = Milliseconds(delay_us / 1000);
}

void Parser::resolve_strict_dependents(VrrpInstance& vrrp, const InstanceDraft& draft) {
  const GlobalDefs& g = config_.global_defs;
  const bool strict = vrrp.strict_mode;
  auto strict_reset = [&](auto& value, auto required, const char* what) {
    if (strict && value != required) {
      warn(draft.at, fmt::format("({}) {}. resetting", vrrp.name, what));
      value = required;
    }
  };
  // keepalived: accept mode is on unless strict mode (RFC 5798 §6.1 Accept_Mode defaults off).
  vrrp.accept = draft.accept.value_or(!strict);
  if (vrrp.accept && strict && vrrp.priority != 255 && vrrp.version == 2) {
    warn(draft.at, fmt::format("({}) warning - accept mode for VRRP version 2 does not comply "
                               "with RFC3768 - resetting",
                               vrrp.name));
    vrrp.accept = false;
  }
  vrrp.garp_master_delay = draft.garp_master_delay.value_or(g.vrrp_garp_master_delay);
  vrrp.garp_master_repeat = draft.garp_master_repeat.value_or(g.vrrp_garp_master_repeat);
  vrrp.garp_master_refresh = draft.garp_master_refresh.value_or(g.vrrp_garp_master_refresh);
  vrrp.garp_master_refresh_repeat =
      draft.garp_master_refresh_repeat.value_or(g.vrrp_garp_master_refresh_repeat);
  vrrp.garp_lower_prio_repeat =
      draft.garp_lower_prio_repeat.value_or(strict ? 0 : g.vrrp_garp_lower_prio_repeat);
  strict_reset(vrrp.garp_lower_prio_repeat, 0u, "Strict mode requires no repeat garps");
  vrrp.garp_lower_prio_delay =
      draft.garp_lower_prio_delay.value_or(strict ? Seconds(0) : g.vrrp_garp_lower_prio_delay);
  strict_reset(vrrp.garp_lower_prio_delay, Seconds(0), "Strict mode requires no repeat garp delay");
  vrrp.lower_prio_no_advert =
      draft.lower_prio_no_advert.value_or(strict || g.vrrp_lower_prio_no_advert);
  strict_reset(vrrp.lower_prio_no_advert, true, "Strict mode requires no lower priority advert");
  vrrp.higher_prio_send_advert =
      draft.higher_prio_send_advert.value_or(!strict && g.vrrp_higher_prio_send_advert);
  strict_reset(vrrp.higher_prio_send_advert, false,
               "strict mode requires higher_prio_send_advert to be clear");
  vrrp.smtp_alert = draft.smtp_alert.value_or(g.smtp_alert_vrrp.value_or(g.smtp_alert));
  vrrp.skip_check_adv_addr = draft.skip_check_adv_addr.value_or(g.vrrp_skip_check_adv_addr);
}

void Parser::resolve_track_interfaces(VrrpInstance& vrrp, InstanceDraft& draft) {
  for (std::size_t i = 0; i < vrrp.track_interface.size();) {
    if (vrrp.track_interface[i].name != vrrp.interface) {
      ++i;
      continue;
    }
    warn(draft.track_interface[i], fmt::format("({}) Ignoring track_interface {} since own "
                                               "interface",
                                               vrrp.name, vrrp.interface));
    vrrp.track_interface.erase(vrrp.track_interface.begin() + static_cast<std::ptrdiff_t>(i));
    draft.track_interface.erase(draft.track_interface.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

bool Parser::resolve_track_scripts(std::string_view owner, std::vector<TrackedScript>& tracked,
                                   const std::vector<TrackDraft>& drafts) {
  for (std::size_t i = 0; i < tracked.size(); ++i) {
    const VrrpScript* script = config_.find_script(tracked[i].name);
    if (script == nullptr)
      return fail(drafts[i].at,
                  fmt::format("({}) track script {} not found", owner, tracked[i].name));
    // keepalived 2.2 looks the script up while reading this line and ignores the entry when
    // the vrrp_script block comes later; tracking it would change what the router does.
    if (!drafts[i].defined_before)
      return fail(drafts[i].at,
                  fmt::format("({}) track script {} is defined after this line; keepalived 2.2 "
                              "ignores such an entry - move the vrrp_script block before it",
                              owner, tracked[i].name));
    if (!drafts[i].weight_given) tracked[i].weight = script->weight;
    tracked[i].reverse = drafts[i].reverse_given.value_or(script->weight_reverse);
  }
  return true;
}

bool Parser::check_vrids() {
  // Instances grouped by (interface, family, VRID): only those can conflict. A comparison of
  // every pair was O(N²) in the number of instances (issue 15). The first conflict in file order
  // is reported, as before: the lowest j, then the lowest i < j.
  struct Group {
    std::optional<std::size_t> multicast;           // first instance without unicast peers
    std::map<IpAddress, std::size_t> unicast_peer;  // first unicast instance with that peer
  };
  std::map<std::tuple<std::string, Family, std::uint8_t>, Group> groups;
  const auto& all = config_.instances;
  for (std::size_t j = 0; j < all.size(); ++j) {
    const VrrpInstance& b = all[j];
    Group& g = groups[{b.interface, b.family, b.virtual_router_id}];
    // RFC 5798 §5.2.3: a VRID names one virtual router on a LAN. keepalived lets unicast
    // instances share one as long as their peers differ.
    if (b.unicast_peer.empty()) {
      if (g.multicast) {
        const VrrpInstance& a = all[*g.multicast];
        return fail(
            instance_drafts_[j].vrid_at,
            fmt::format("{} and {} both use VRID {} with IPv{} on interface {}", a.name, b.name,
                        a.virtual_router_id, a.family == Family::kIpv4 ? 4 : 6, a.interface));
      }
      g.multicast = j;
      continue;
    }
    std::optional<std::size_t> first;
    for (const auto& p : b.unicast_peer)
      if (auto it = g.unicast_peer.find(p.address); it != g.unicast_peer.end())
        first = std::min(first.value_or(it->second), it->second);
    if (first)
      return fail(instance_drafts_[j].vrid_at,
                  fmt::format("({}) duplicate VRID conflict with {} VRID {}", b.name,
                              all[*first].name, all[*first].virtual_router_id));
    for (const auto& p : b.unicast_peer) g.unicast_peer.emplace(p.address, j);
  }
  return true;
}

void Parser::drop_sync_group_weights(VrrpInstance& vrrp, const Location& at) {
  // keepalived: a failure of anything a sync group member tracks faults the whole group, unless
  // the group has sync_group_tracking_weight; weights would be meaningless.
  for (auto& t : vrrp.track_interface) {
    if (t.weight == 0) continue;
    warn(at, fmt::format("({}) ignoring {} tracked interface weight due to SYNC group", vrrp.name,
                         t.name));
    t.weight = 0;
  }
  for (auto& t : vrrp.track_script) {
    if (t.weight == 0) continue;
    warn(at, fmt::format("({}) ignoring {} tracked script weight due to SYNC group", vrrp.name,
                         t.name));
    t.weight = 0;
  }
}

bool Parser::resolve_sync_groups() {
  std::map<std::string, std::string, std::less<>> group_of;  // instance -> sync group
  std::vector<SyncGroup> kept;
  std::vector<SyncGroupDraft> kept_drafts;
  for (std::size_t k = 0; k < config_.sync_groups.size(); ++k) {
    SyncGroup& group = config_.sync_groups[k];
    SyncGroupDraft& draft = sync_group_drafts_[k];
    for (std::size_t m = 0; m < group.group.size(); ++m) {
      const std::string& member = group.group[m];
      if (config_.find_instance(member) == nullptr)
        return fail(draft.member_at[m],
                    fmt::format("Virtual router {} specified in sync group {} doesn't exist",
                                member, group.name));
      auto [it, added] = group_of.emplace(member, group.name);
      if (!added)
        return fail(draft.member_at[m],
                    fmt::format("Virtual router {} cannot exist in more than one sync group "
                                "({} and {})",
                                member, it->second, group.name));
    }
    if (!resolve_track_scripts(group.name, group.track_script, draft.track_script)) return false;
    if (group.group.empty()) {
      warn(draft.at, fmt::format("Sync group {} has no virtual router(s). removing", group.name));
      continue;
    }
    if (group.group.size() == 1)
      warn(draft.at, fmt::format("Sync group {} has only 1 virtual router(s) - this probably "
                                 "isn't what you want",
                                 group.name));
    if (!group.sync_group_tracking_weight)
      for (std::size_t i = 0; i < config_.instances.size(); ++i) {
        auto member = group_of.find(config_.instances[i].name);
        if (member != group_of.end() && member->second == group.name)
          drop_sync_group_weights(config_.instances[i], instance_drafts_[i].at);
      }
    kept.push_back(std::move(group));
    kept_drafts.push_back(std::move(draft));
  }
  config_.sync_groups = std::move(kept);
  sync_group_drafts_ = std::move(kept_drafts);
  return true;
}

}  // namespace vipd::vrrp::config::detail
