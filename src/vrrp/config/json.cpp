#include "vrrp/config/json.hpp"

namespace vipd::vrrp::config {
namespace {

using nlohmann::json;

template <typename Rep, typename Period>
double seconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}

json command_json(const ScriptCommand& c) {
  if (c.empty()) return nullptr;
  json j = {{"command", c.to_string()}, {"argv", c.argv}};
  if (!c.user.empty()) j["user"] = c.user;
  if (!c.group.empty()) j["group"] = c.group;
  return j;
}

json notify_json(const Notify& n) {
  json j = json::object();
  const std::pair<const char*, const ScriptCommand*> scripts[] = {
      {"notify_master", &n.master}, {"notify_backup", &n.backup},
      {"notify_fault", &n.fault},   {"notify_stop", &n.stop},
      {"notify", &n.any},           {"notify_master_rx_lower_pri", &n.master_rx_lower_pri}};
  for (const auto& [key, script] : scripts)
    if (!script->empty()) j[key] = command_json(*script);
  return j;
}

json other_json(const std::vector<OtherSetting>& other) {
  json j = json::array();
  for (const auto& o : other) j.push_back({{"keyword", o.keyword}, {"args", o.args}});
  return j;
}

void tracking_json(const std::vector<TrackedInterface>& interfaces,
                   const std::vector<TrackedScript>& scripts, json& into) {
  json ifs = json::array();
  for (const auto& t : interfaces)
    ifs.push_back({{"interface", t.name}, {"weight", t.weight}, {"reverse", t.reverse}});
  json scs = json::array();
  for (const auto& t : scripts)
    scs.push_back({{"script", t.name}, {"weight", t.weight}, {"reverse", t.reverse}});
  into["track_interface"] = ifs;
  into["track_script"] = scs;
}

json address_json(const VirtualAddress& a) {
  json j = {{"address", a.address.to_string()},
            {"prefix_length", a.prefix_length},
            {"text", a.to_string()}};
  if (!a.dev.empty()) j["dev"] = a.dev;
  if (!a.label.empty()) j["label"] = a.label;
  if (a.broadcast) j["brd"] = a.broadcast->to_string();
  j["scope"] = a.scope;
  if (a.peer) j["peer"] = a.peer->to_string();
  return j;
}

json addresses_json(const std::vector<VirtualAddress>& list) {
  json j = json::array();
  for (const auto& a : list) j.push_back(address_json(a));
  return j;
}

json global_json(const GlobalDefs& g) {
  json j = {{"router_id", g.router_id},
            {"vrrp_version", g.vrrp_version},
            {"vrrp_garp_master_delay", g.vrrp_garp_master_delay.count()},
            {"vrrp_garp_master_repeat", g.vrrp_garp_master_repeat},
            {"vrrp_garp_master_refresh", g.vrrp_garp_master_refresh.count()},
            {"vrrp_garp_master_refresh_repeat", g.vrrp_garp_master_refresh_repeat},
            {"vrrp_garp_lower_prio_delay", g.vrrp_garp_lower_prio_delay.count()},
            {"vrrp_garp_lower_prio_repeat", g.vrrp_garp_lower_prio_repeat},
            {"vrrp_garp_interval", seconds(g.vrrp_garp_interval)},
            {"vrrp_gna_interval", seconds(g.vrrp_gna_interval)},
            {"vrrp_lower_prio_no_advert", g.vrrp_lower_prio_no_advert},
            {"vrrp_higher_prio_send_advert", g.vrrp_higher_prio_send_advert},
            {"vrrp_check_unicast_src", g.vrrp_check_unicast_src},
            {"vrrp_skip_check_adv_addr", g.vrrp_skip_check_adv_addr},
            {"vrrp_strict", g.vrrp_strict},
            {"vrrp_mcast_group4", g.vrrp_mcast_group4.to_string()},
            {"vrrp_mcast_group6", g.vrrp_mcast_group6.to_string()},
            {"default_interface", g.default_interface},
            {"dynamic_interfaces", g.dynamic_interfaces},
            {"vrrp_startup_delay", seconds(g.vrrp_startup_delay)},
            {"enable_script_security", g.enable_script_security},
            {"script_user", g.script_user},
            {"script_group", g.script_group},
            {"notification_email", g.notification_email},
            {"notification_email_from", g.notification_email_from},
            {"smtp_server", g.smtp_server},
            {"smtp_server_port", g.smtp_server_port},
            {"smtp_helo_name", g.smtp_helo_name},
            {"smtp_connect_timeout", g.smtp_connect_timeout.count()},
            {"smtp_alert", g.smtp_alert},
            {"other", other_json(g.other)}};
  j["smtp_alert_vrrp"] = g.smtp_alert_vrrp ? json(*g.smtp_alert_vrrp) : json(nullptr);
  return j;
}

json script_json(const VrrpScript& s) {
  json j = {{"name", s.name},
            {"script", command_json(s.script)},
            {"interval", s.interval.count()},
            {"timeout", s.timeout.value_or(s.interval).count()},
            {"weight", s.weight},
            {"weight_reverse", s.weight_reverse},
            {"rise", s.rise},
            {"fall", s.fall},
            {"user", s.user},
            {"group", s.group},
            {"init_fail", s.init_fail}};
  return j;
}

json sync_group_json(const SyncGroup& g) {
  json j = {{"name", g.name},
            {"group", g.group},
            {"smtp_alert", g.smtp_alert},
            {"sync_group_tracking_weight", g.sync_group_tracking_weight}};
  j.update(notify_json(g.notify));
  tracking_json(g.track_interface, g.track_script, j);
  return j;
}

}  // namespace

json to_json(const VrrpInstance& v) {
  json j = {{"name", v.name},
            {"state", to_string(v.state)},
            {"interface", v.interface},
            {"virtual_router_id", v.virtual_router_id},
            {"priority", v.priority},
            {"advert_int", seconds(v.advert_int)},
            {"version", v.version},
            {"family", v.family == Family::kIpv4 ? "inet" : "inet6"},
            {"nopreempt", v.nopreempt},
            {"preempt_delay", seconds(v.preempt_delay)},
            {"auth_type", to_string(v.auth_type)},
            {"auth_pass_set", !v.auth_pass.empty()},
            {"virtual_ipaddress", addresses_json(v.virtual_ipaddress)},
            {"virtual_ipaddress_excluded", addresses_json(v.virtual_ipaddress_excluded)},
            {"dont_track_primary", v.dont_track_primary},
            {"smtp_alert", v.smtp_alert},
            {"garp_master_delay", v.garp_master_delay.count()},
            {"garp_master_repeat", v.garp_master_repeat},
            {"garp_master_refresh", v.garp_master_refresh.count()},
            {"garp_master_refresh_repeat", v.garp_master_refresh_repeat},
            {"garp_lower_prio_delay", v.garp_lower_prio_delay.count()},
            {"garp_lower_prio_repeat", v.garp_lower_prio_repeat},
            {"lower_prio_no_advert", v.lower_prio_no_advert},
            {"higher_prio_send_advert", v.higher_prio_send_advert},
            {"use_vmac", v.use_vmac},
            {"vmac_name", v.vmac_name},
            {"vmac_xmit_base", v.vmac_xmit_base},
            {"accept", v.accept},
            {"strict_mode", v.strict_mode},
            {"skip_check_adv_addr", v.skip_check_adv_addr},
            {"debug", v.debug},
            {"other", other_json(v.other)}};
  j["source_address"] = v.source_address ? json(v.source_address->to_string()) : json(nullptr);
  json peers = json::array();
  for (const auto& p : v.unicast_peer) {
    json peer = {{"address", p.address.to_string()}};
    if (p.min_ttl) peer["min_ttl"] = *p.min_ttl;
    if (p.max_ttl) peer["max_ttl"] = *p.max_ttl;
    peers.push_back(peer);
  }
  j["unicast_peer"] = peers;
  j.update(notify_json(v.notify));
  tracking_json(v.track_interface, v.track_script, j);
  return j;
}

json to_json(const KeepalivedConfig& config) {
  json scripts = json::array();
  for (const auto& s : config.scripts) scripts.push_back(script_json(s));
  json instances = json::array();
  for (const auto& v : config.instances) instances.push_back(to_json(v));
  json groups = json::array();
  for (const auto& g : config.sync_groups) groups.push_back(sync_group_json(g));
  return {{"global_defs", global_json(config.global_defs)},
          {"vrrp_scripts", scripts},
          {"vrrp_instances", instances},
          {"vrrp_sync_groups", groups}};
}

}  // namespace vipd::vrrp::config
