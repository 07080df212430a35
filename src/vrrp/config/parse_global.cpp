// global_defs { ... }
#include <fmt/format.h>

#include "vrrp/config/parse_detail.hpp"

namespace vipd::vrrp::config::detail {
namespace {

// UINT_MAX / TIMER_HZ: keepalived keeps times in microseconds in an unsigned int.
constexpr std::int64_t kMaxTimerSeconds = 4294;

// keepalived 2.2 global_defs keywords that configure things vipd does not do (other processes,
// scheduling, SNMP, D-Bus, firewalls, FIFOs). They load and are kept for show running-config.
constexpr std::string_view kGlobalNoEffect[] = {"process_names",
                                                "vrrp_process_name",
                                                "checker_process_name",
                                                "lvs_process_name",
                                                "bfd_process_name",
                                                "startup_script",
                                                "startup_script_timeout",
                                                "shutdown_script",
                                                "shutdown_script_timeout",
                                                "max_auto_priority",
                                                "min_auto_priority_delay",
                                                "smtp_alert_checker",
                                                "checker_log_all_failures",
                                                "no_email_faults",
                                                "disable_local_igmp",
                                                "lvs_timeouts",
                                                "lvs_flush",
                                                "lvs_flush_on_stop",
                                                "lvs_flush_onstop",
                                                "lvs_sync_daemon",
                                                "vrrp_down_timer_adverts",
                                                "vrrp_min_garp",
                                                "vrrp_garp_extra_if",
                                                "vrrp_iptables",
                                                "vrrp_ipsets",
                                                "nftables",
                                                "nftables_priority",
                                                "nftables_ifindex",
                                                "nftables_ipvs",
                                                "nftables_ipvs_priority",
                                                "nftables_ipvs_start_fwmark",
                                                "nftables_counters",
                                                "vrrp_priority",
                                                "vrrp_no_swap",
                                                "vrrp_rt_priority",
                                                "vrrp_cpu_affinity",
                                                "vrrp_rlimit_rttime",
                                                "vrrp_rlimit_rtime",
                                                "vrrp_notify_fifo",
                                                "vrrp_notify_fifo_script",
                                                "vrrp_notify_priority_changes",
                                                "lvs_notify_fifo",
                                                "lvs_notify_fifo_script",
                                                "notify_fifo",
                                                "notify_fifo_script",
                                                "checker_priority",
                                                "checker_no_swap",
                                                "checker_rt_priority",
                                                "checker_cpu_affinity",
                                                "checker_rlimit_rttime",
                                                "checker_rlimit_rtime",
                                                "bfd_priority",
                                                "bfd_no_swap",
                                                "bfd_rt_priority",
                                                "bfd_cpu_affinity",
                                                "bfd_rlimit_rttime",
                                                "bfd_rlimit_rtime",
                                                "snmp_socket",
                                                "enable_traps",
                                                "enable_snmp_vrrp",
                                                "enable_snmp_keepalived",
                                                "enable_snmp_rfc",
                                                "enable_snmp_rfcv2",
                                                "enable_snmp_rfcv3",
                                                "enable_snmp_checker",
                                                "enable_dbus",
                                                "dbus_service_name",
                                                "vrrp_netlink_cmd_rcv_bufs",
                                                "vrrp_netlink_cmd_rcv_bufs_force",
                                                "vrrp_netlink_monitor_rcv_bufs",
                                                "vrrp_netlink_monitor_rcv_bufs_force",
                                                "process_monitor_rcv_bufs",
                                                "process_monitor_rcv_bufs_force",
                                                "lvs_netlink_cmd_rcv_bufs",
                                                "lvs_netlink_cmd_rcv_bufs_force",
                                                "lvs_netlink_monitor_rcv_bufs",
                                                "lvs_netlink_monitor_rcv_bufs_force",
                                                "rs_init_notifies",
                                                "no_checker_emails",
                                                "vrrp_rx_bufs_policy",
                                                "vrrp_rx_bufs_multiplier",
                                                "vmac_prefix",
                                                "vmac_addr_prefix",
                                                "random_seed",
                                                "reload_check_config",
                                                "reload_time_file",
                                                "reload_repeat",
                                                "reload_file",
                                                "include_check",
                                                "config_save_dir",
                                                "tmp_config_directory",
                                                "data_use_instance",
                                                "umask"};

// Read by keepalived's parent process before the configuration proper.
constexpr std::string_view kNoEffectEarly[] = {"child_wait_time",
                                               "fifo_write_vrrp_states_on_reload",
                                               "net_namespace",
                                               "net_namespace_ipvs",
                                               "namespace_with_ipsets",
                                               "use_pid_dir",
                                               "instance",
                                               "linkbeat_use_polling"};

bool is_multicast(const IpAddress& a) {
  return a.is_v4() ? (a.octets()[0] & 0xf0) == 0xe0 : a.octets()[0] == 0xff;
}

}  // namespace

bool Parser::parse_global_defs(const SourceLine& header) {
  if (header.words.size() > 1)
    return fail(header, fmt::format("global_defs takes no value, not '{}'", header.words[1]));
  return read_block(header, [this](const SourceLine& line) { return parse_global_line(line); });
}

bool Parser::parse_global_line(const SourceLine& line) {
  GlobalDefs& g = config_.global_defs;
  const std::string& keyword = line.words[0];
  bool handled = false;
  if (!parse_global_vrrp(line, handled)) return false;
  if (handled) return true;
  if (!parse_global_mail(line, handled)) return false;
  if (handled) return true;
  if (keyword == "router_id") {
    if (!need_values(line, 1)) return false;
    g.router_id = line.words[1];
  } else if (keyword == "default_interface") {
    if (!need_values(line, 1)) return false;
    g.default_interface = line.words[1];
  } else if (keyword == "dynamic_interfaces") {
    g.dynamic_interfaces = true;  // the optional `allow_if_changes` changes nothing here
  } else if (keyword == "enable_script_security") {
    if (line.words.size() > 1)
      warn(line, fmt::format("'{}' takes no value - '{}' is ignored, as keepalived ignores it",
                             keyword, line.words[1]));
    g.enable_script_security = true;
  } else if (keyword == "script_user") {
    if (!need_values(line, 1)) return false;
    g.script_user = line.words[1];
    g.script_group = line.words.size() > 2 ? line.words[2] : std::string();
  } else if (keyword == "vrrp_startup_delay") {
    std::optional<std::int64_t> us;
    if (!read_seconds(line, 0, kMaxTimerSeconds * 1'000'000, us,
                      fmt::format("vrrp_startup_delay '{}' is invalid", line.words.back())))
      return false;
    if (us) g.vrrp_startup_delay = Microseconds(*us);
  } else {
    return parse_global_other(line);
  }
  return true;
}

bool Parser::parse_global_vrrp(const SourceLine& line, bool& handled) {
  GlobalDefs& g = config_.global_defs;
  const std::string& keyword = line.words[0];
  const std::string value = line.words.size() > 1 ? line.words[1] : std::string();
  handled = true;
  if (keyword == "vrrp_version") {
    std::optional<std::int64_t> v;
    if (!read_integer(line, 2, 3, v, "VRRP Error: Version must be either 2 or 3")) return false;
    if (v) g.vrrp_version = static_cast<std::uint8_t>(*v);
  } else if (keyword == "vrrp_garp_master_delay") {
    std::optional<Seconds> s;
    if (!read_whole_seconds(line, kMaxTimerSeconds,
                            fmt::format("{} '{}' invalid - ignoring", keyword, value), s))
      return false;
    if (s) g.vrrp_garp_master_delay = *s;
  } else if (keyword == "vrrp_garp_master_refresh") {
    std::optional<Seconds> s;
    if (!read_whole_seconds(line, UINT32_MAX,
                            fmt::format("Invalid {} '{}' - ignoring", keyword, value), s))
      return false;
    if (s) g.vrrp_garp_master_refresh = *s;
  } else if (keyword == "vrrp_garp_lower_prio_delay") {
    if (!read_whole_seconds(line, kMaxTimerSeconds,
                            fmt::format("{} '{}' invalid - ignoring", keyword, value),
                            global_draft_.garp_lower_prio_delay))
      return false;
  } else if (keyword == "vrrp_garp_master_repeat" || keyword == "vrrp_garp_master_refresh_repeat") {
    std::optional<std::uint32_t> n;
    if (!read_repeat(line, "", n)) return false;
    if (n)
      (keyword == "vrrp_garp_master_repeat" ? g.vrrp_garp_master_repeat
                                            : g.vrrp_garp_master_refresh_repeat) = *n;
  } else if (keyword == "vrrp_garp_lower_prio_repeat") {
    std::optional<std::int64_t> n;
    if (!read_integer(line, 0, INT32_MAX, n, fmt::format("Invalid {} '{}'", keyword, value)))
      return false;
    if (n) global_draft_.garp_lower_prio_repeat = static_cast<std::uint32_t>(*n);
  } else if (keyword == "vrrp_garp_interval" || keyword == "vrrp_gna_interval") {
    std::optional<std::int64_t> us;
    if (!read_seconds(line, 0, std::int64_t{INT32_MAX / 1'000'000} * 1'000'000, us,
                      fmt::format("{} '{}' is invalid", keyword, value)))
      return false;
    if (!us) return true;
    if (*us >= 1'000'000)
      warn(line, fmt::format("The {} is very large - {} seconds", keyword.substr(5), value));
    (keyword == "vrrp_garp_interval" ? g.vrrp_garp_interval : g.vrrp_gna_interval) =
        Microseconds(*us);
  } else if (keyword == "vrrp_lower_prio_no_advert" || keyword == "vrrp_higher_prio_send_advert") {
    bool& flag = keyword == "vrrp_lower_prio_no_advert" ? g.vrrp_lower_prio_no_advert
                                                        : g.vrrp_higher_prio_send_advert;
    if (line.words.size() < 2) {
      flag = true;
    } else if (auto b = parse_bool(value)) {
      flag = *b;
    } else {
      warn(line, fmt::format("Invalid value for {} specified", keyword));
    }
  } else if (keyword == "vrrp_check_unicast_src" || keyword == "vrrp_skip_check_adv_addr" ||
             keyword == "vrrp_strict") {
    // keepalived 2.2 sets these whatever follows: `vrrp_strict off` turns strict mode ON.
    if (line.words.size() > 1)
      warn(line, fmt::format("'{}' takes no value - '{}' is ignored and {} is on, as in keepalived",
                             keyword, value, keyword));
    (keyword == "vrrp_strict"              ? g.vrrp_strict
     : keyword == "vrrp_check_unicast_src" ? g.vrrp_check_unicast_src
                                           : g.vrrp_skip_check_adv_addr) = true;
  } else if (keyword == "vrrp_mcast_group4" || keyword == "vrrp_mcast_group6") {
    IpAddress group;
    if (!need_values(line, 1) || !read_address(line, value, group)) return false;
    bool v4 = keyword == "vrrp_mcast_group4";
    if (group.is_v4() != v4) {
      warn(line, fmt::format("{} [{}] is not IPv{}. Skipping", keyword, value, v4 ? 4 : 6));
    } else if (!is_multicast(group)) {
      warn(line, fmt::format("{} [{}] is not multicast. Skipping", keyword, value));
    } else {
      if (!v4 && (group.octets()[1] & 0x0f) != 0x02)  // RFC 4291 §2.7 scope 2: link-local
        warn(line, fmt::format("{} [{}] should be link-local multicast.", keyword, value));
      (v4 ? g.vrrp_mcast_group4 : g.vrrp_mcast_group6) = group;
    }
  } else {
    handled = false;
  }
  return true;
}

bool Parser::parse_global_mail(const SourceLine& line, bool& handled) {
  GlobalDefs& g = config_.global_defs;
  const std::string& keyword = line.words[0];
  handled = true;
  if (keyword == "notification_email") {
    if (line.words.size() > 1)
      return fail(line, "notification_email takes a block of addresses: notification_email {");
    return read_block(line, [&g](const SourceLine& l) {
      g.notification_email.insert(g.notification_email.end(), l.words.begin(), l.words.end());
      return true;
    });
  }
  if (keyword == "notification_email_from") {
    if (!need_values(line, 1)) return false;
    g.notification_email_from = line.words[1];
  } else if (keyword == "smtp_server") {
    if (!need_values(line, 1)) return false;
    std::int64_t port = 25;
    if (line.words.size() > 2 &&
        parse_integer(line.words[2], 1, 65535, port) != NumberStatus::kOk) {
      warn(line, fmt::format("Invalid smtp server {} {}", line.words[1], line.words[2]));
      return true;
    }
    g.smtp_server = line.words[1];
    g.smtp_server_port = static_cast<std::uint16_t>(port);
  } else if (keyword == "smtp_helo_name") {
    if (!need_values(line, 1)) return false;
    g.smtp_helo_name = line.words[1];
  } else if (keyword == "smtp_connect_timeout") {
    std::optional<Seconds> s;
    if (!read_whole_seconds(
            line, kMaxTimerSeconds,
            fmt::format("smtp_connect_timeout '{}' must be in [0, {}] - ignoring",
                        line.words.size() > 1 ? line.words[1] : "", kMaxTimerSeconds),
            s))
      return false;
    if (s && s->count() == 0) {
      warn(line, "smtp_connect_timeout must be greater than 0, setting to 1");
      s = Seconds(1);
    }
    if (s) g.smtp_connect_timeout = *s;
  } else if (keyword == "smtp_alert") {
    return read_flag(line, "global_defs", g.smtp_alert);
  } else if (keyword == "smtp_alert_vrrp") {
    bool flag = g.smtp_alert_vrrp.value_or(false);
    if (!read_flag(line, "global_defs", flag)) return false;
    g.smtp_alert_vrrp = flag;
  } else {
    handled = false;
  }
  return true;
}

bool Parser::parse_global_other(const SourceLine& line) {
  const std::string& keyword = line.words[0];
  bool firewall =
      keyword == "vrrp_iptables" || keyword == "vrrp_ipsets" || keyword.rfind("nftables", 0) == 0;
  if (!contains(kGlobalNoEffect, keyword) && !contains(kNoEffectEarly, keyword))
    return unknown_keyword(line);
  if (firewall) {
    warn(line, fmt::format("vipd installs no firewall rules; '{}' has no effect", keyword));
  } else {
    warn(line,
         fmt::format("'{}' is accepted for compatibility and has no effect in vipd", keyword));
  }
  config_.global_defs.other.push_back(
      {keyword, std::vector<std::string>(line.words.begin() + 1, line.words.end())});
  return true;
}

}  // namespace vipd::vrrp::config::detail
