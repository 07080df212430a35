// vrrp_instance NAME { ... }
#include <fmt/format.h>

#include "vrrp/config/parse_detail.hpp"

namespace vipd::vrrp::config::detail {
namespace {

// keepalived 2.2 instance keywords vipd loads but does not act on.
constexpr std::string_view kInstanceNoEffect[] = {
    "promote_secondaries",  "kernel_rx_buf_size",       "linkbeat_use_polling",
    "track_src_ip",         "notify_deleted",           "notify_priority_changes",
    "unicast_ttl",          "down_timer_adverts",       "unicast_fault_no_peer",
    "old_unicast_checksum", "lvs_sync_daemon_interface"};

// keepalived 2.2 instance keywords vipd does not implement: skipped with a warning (an error
// with --strict), since the router then does less than the file asks.
constexpr std::string_view kInstanceUnsupported[] = {
    "virtual_routes", "virtual_rules", "track_file",    "track_process",
    "track_bfd",      "use_ipvlan",    "use_vmac_addr", "mcast_dst_ip"};

}  // namespace

bool Parser::parse_instance(const SourceLine& header) {
  if (!need_name(header, "vrrp_instance")) return false;
  const std::string& name = header.words[1];
  if (config_.find_instance(name) != nullptr)
    return fail(header, fmt::format("vrrp instance {} already defined", name));
  VrrpInstance vrrp;
  vrrp.name = name;
  InstanceDraft draft;
  draft.at = where(header);
  bool ok = read_block(
      header, [&](const SourceLine& line) { return parse_instance_line(line, vrrp, draft); });
  if (!ok) return false;
  config_.instances.push_back(std::move(vrrp));
  instance_drafts_.push_back(std::move(draft));
  return true;
}

bool Parser::parse_instance_line(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft) {
  bool handled = false;
  if (!parse_instance_core(line, vrrp, draft, handled)) return false;
  if (handled) return true;
  if (!parse_instance_timers(line, vrrp, draft, handled)) return false;
  if (handled) return true;
  if (!parse_instance_modes(line, vrrp, draft, handled)) return false;
  if (handled) return true;
  if (!read_notify(line, vrrp.name, vrrp.notify, handled)) return false;
  if (handled) return true;
  if (!parse_instance_other(line, vrrp, handled)) return false;
  if (handled) return true;
  return unknown_keyword(line);
}

bool Parser::set_family(InstanceDraft& draft, Family family) {
  if (!draft.family) draft.family = family;
  return *draft.family == family;
}

bool Parser::parse_instance_core(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft,
                                 bool& handled) {
  const std::string& keyword = line.words[0];
  const std::string value = line.words.size() > 1 ? line.words[1] : std::string();
  handled = true;
  if (keyword == "state") {
    if (!need_values(line, 1)) return false;
    if (value == "MASTER") {
      draft.state = InitialState::kMaster;
    } else if (value == "BACKUP") {
      if (draft.state == InitialState::kMaster)
        warn(line, fmt::format("({}) state previously set as MASTER - ignoring BACKUP", vrrp.name));
      else
        draft.state = InitialState::kBackup;
    } else {
      warn(line, fmt::format("({}) unknown state '{}', defaulting to BACKUP", vrrp.name, value));
      draft.state = InitialState::kBackup;
    }
  } else if (keyword == "interface") {
    if (!need_values(line, 1)) return false;
    if (value.empty() || value.size() >= kIfNameSize)
      return fail(line, fmt::format("Interface name '{}' is not a valid interface name", value));
    vrrp.interface = value;
    draft.interface_at = where(line);
  } else if (keyword == "virtual_router_id") {
    std::optional<std::int64_t> vrid;
    if (!read_integer(
            line, 1, 255, vrid,
            fmt::format("({}): VRID '{}' not valid - must be between 1 & 255", vrrp.name, value)))
      return false;
    if (vrid) {
      vrrp.virtual_router_id = static_cast<std::uint8_t>(*vrid);
      draft.vrid_set = true;
      draft.vrid_at = where(line);
    }
  } else if (keyword == "priority") {
    std::optional<std::int64_t> priority;
    if (!read_integer(line, 1, 255, priority,
                      fmt::format("({}) Priority not valid! must be between 1 & 255. Using "
                                  "default 100",
                                  vrrp.name)))
      return false;
    draft.priority = static_cast<std::uint8_t>(priority.value_or(100));
  } else if (keyword == "advert_int") {
    std::optional<std::int64_t> us;
    // keepalived 2.2 reads [0.01, 255] s here; the version decides the rounding later.
    if (!read_seconds(line, 10'000, 255'000'000, us,
                      fmt::format("({}) Advert interval ({}) not valid! Must be > 0 - ignoring",
                                  vrrp.name, value)))
      return false;
    if (us) {
      draft.advert_int_us = *us;
      draft.advert_int_at = where(line);
    }
  } else if (keyword == "version") {
    std::optional<std::int64_t> version;
    if (!read_integer(line, 2, 3, version,
                      fmt::format("({}): Version must be either 2 or 3", vrrp.name)))
      return false;
    if (!version) return true;
    if ((draft.version && *draft.version != *version) ||
        (*version == 2 && draft.family == Family::kIpv6)) {
      warn(line, fmt::format("({}) vrrp_version {} conflicts with configured or deduced version "
                             "{}; ignoring.",
                             vrrp.name, *version, draft.version.value_or(0)));
      return true;
    }
    draft.version = static_cast<std::uint8_t>(*version);
  } else if (keyword == "native_ipv6") {
    if (draft.family == Family::kIpv4) {
      warn(line, fmt::format("({}) Cannot specify native_ipv6 with IPv4 addresses", vrrp.name));
    } else {
      draft.family = Family::kIpv6;
      draft.version = 3;
    }
  } else if (keyword == "authentication") {
    return parse_authentication(line, vrrp, draft);
  } else if (keyword == "virtual_ipaddress" || keyword == "virtual_ipaddress_excluded") {
    return parse_addresses(line, vrrp, draft, keyword == "virtual_ipaddress_excluded");
  } else if (keyword == "track_interface") {
    return parse_track_interfaces(line, vrrp.name, vrrp.track_interface, draft.track_interface);
  } else if (keyword == "track_script") {
    return parse_track_scripts(line, vrrp.name, vrrp.track_script, draft.track_script);
  } else if (keyword == "unicast_peer") {
    return parse_unicast_peers(line, vrrp, draft);
  } else if (keyword == "unicast_src_ip" || keyword == "mcast_src_ip") {
    return parse_source_address(line, vrrp, draft);
  } else {
    handled = false;
  }
  return true;
}

bool Parser::parse_instance_timers(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft,
                                   bool& handled) {
  const std::string& keyword = line.words[0];
  const std::string value = line.words.size() > 1 ? line.words[1] : std::string();
  const std::string prefix = fmt::format("({}): ", vrrp.name);
  handled = true;
  if (keyword == "garp_master_delay") {
    return read_whole_seconds(line, 4294,
                              fmt::format("{}{} '{}' invalid - ignoring", prefix, keyword, value),
                              draft.garp_master_delay);
  }
  if (keyword == "garp_lower_prio_delay") {
    return read_whole_seconds(line, 4294,
                              fmt::format("{}{} '{}' invalid - ignoring", prefix, keyword, value),
                              draft.garp_lower_prio_delay);
  }
  if (keyword == "garp_master_refresh") {
    return read_whole_seconds(line, UINT32_MAX,
                              fmt::format("{}Invalid {} '{}' - ignoring", prefix, keyword, value),
                              draft.garp_master_refresh);
  }
  if (keyword == "garp_master_repeat") return read_repeat(line, prefix, draft.garp_master_repeat);
  if (keyword == "garp_master_refresh_repeat")
    return read_repeat(line, prefix, draft.garp_master_refresh_repeat);
  if (keyword == "garp_lower_prio_repeat") {
    std::optional<std::int64_t> n;
    if (!read_integer(line, 0, INT32_MAX, n,
                      fmt::format("{}Invalid {} '{}'", prefix, keyword, value)))
      return false;
    if (n) draft.garp_lower_prio_repeat = static_cast<std::uint32_t>(*n);
    return true;
  }
  if (keyword == "preempt_delay") {
    std::optional<std::int64_t> us;
    if (!read_seconds(
            line, 0, 1000'000'000, us,
            fmt::format("({}) Preempt_delay not valid! must be between 0-1000", vrrp.name)))
      return false;
    draft.preempt_delay_us = us.value_or(0);
    return true;
  }
  handled = false;
  return true;
}

bool Parser::parse_instance_modes(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft,
                                  bool& handled) {
  const std::string& keyword = line.words[0];
  handled = true;
  auto optional_flag = [&](std::optional<bool>& target) {
    bool flag = target.value_or(false);
    if (!read_flag(line, vrrp.name, flag)) return false;
    if (line.words.size() < 2 || parse_bool(line.words[1])) target = flag;
    return true;
  };
  if (keyword == "nopreempt" || keyword == "preempt") {
    vrrp.nopreempt = keyword == "nopreempt";
  } else if (keyword == "accept" || keyword == "no_accept") {
    draft.accept = keyword == "accept";
  } else if (keyword == "dont_track_primary") {
    vrrp.dont_track_primary = true;
  } else if (keyword == "vmac_xmit_base") {
    vrrp.vmac_xmit_base = true;
  } else if (keyword == "strict_mode") {
    return optional_flag(draft.strict_mode);
  } else if (keyword == "skip_check_adv_addr") {
    return optional_flag(draft.skip_check_adv_addr);
  } else if (keyword == "smtp_alert") {
    return optional_flag(draft.smtp_alert);
  } else if (keyword == "lower_prio_no_advert") {
    return optional_flag(draft.lower_prio_no_advert);
  } else if (keyword == "higher_prio_send_advert") {
    return optional_flag(draft.higher_prio_send_advert);
  } else if (keyword == "use_vmac") {
    vrrp.use_vmac = true;
    if (line.words.size() > 1) {
      if (line.words[1].size() >= kIfNameSize)
        warn(line, fmt::format("VMAC interface name '{}' too long - ignoring", line.words[1]));
      else
        vrrp.vmac_name = line.words[1];
    }
  } else if (keyword == "debug") {
    std::optional<std::int64_t> level;
    if (!read_integer(line, 0, 4, level,
                      fmt::format("({}) Debug value '{}' not valid; must be between 0-4", vrrp.name,
                                  line.words.size() > 1 ? line.words[1] : "")))
      return false;
    if (level) vrrp.debug = static_cast<std::uint8_t>(*level);
  } else {
    handled = false;
  }
  return true;
}

bool Parser::parse_instance_other(const SourceLine& line, VrrpInstance& vrrp, bool& handled) {
  const std::string& keyword = line.words[0];
  handled = true;
  if (contains(kInstanceUnsupported, keyword))
    return not_implemented(line, fmt::format("instance {} runs without it", vrrp.name));
  if (!contains(kInstanceNoEffect, keyword)) {
    handled = false;
    return true;
  }
  if (keyword == "lvs_sync_daemon_interface")
    warn(line, fmt::format("({}) Specifying lvs_sync_daemon_interface against a vrrp is "
                           "deprecated; vipd runs no LVS sync daemon - ignoring",
                           vrrp.name));
  else
    warn(line, fmt::format("({}) '{}' is accepted for compatibility and has no effect in vipd",
                           vrrp.name, keyword));
  vrrp.other.push_back(
      {keyword, std::vector<std::string>(line.words.begin() + 1, line.words.end())});
  return true;
}

bool Parser::parse_authentication(const SourceLine& header, VrrpInstance& vrrp,
                                  InstanceDraft& draft) {
  if (header.words.size() > 1)
    return fail(header, "authentication takes a block: authentication {");
  draft.auth_block = true;
  return read_block(header, [&](const SourceLine& line) {
    const std::string& keyword = line.words[0];
    if (keyword != "auth_type" && keyword != "auth_pass") return unknown_keyword(line);
    if (!need_values(line, 1)) return false;
    const std::string& value = line.words[1];
    if (keyword == "auth_type") {
      if (value == "PASS")
        vrrp.auth_type = AuthType::kPass;
      else if (value == "AH")
        vrrp.auth_type = AuthType::kAh;
      else
        warn(line, fmt::format("({}) unknown authentication type '{}'", vrrp.name, value));
      return true;
    }
    vrrp.auth_pass = value;
    // RFC 2338 §5.3.10: the Authentication Data field is 8 octets.
    if (vrrp.auth_pass.size() > 8) {
      warn(line, "Truncating auth_pass to 8 characters");
      vrrp.auth_pass.resize(8);
    }
    return true;
  });
}

}  // namespace vipd::vrrp::config::detail
