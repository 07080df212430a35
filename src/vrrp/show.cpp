#include "vrrp/show.hpp"

#include <fmt/format.h>

#include "common/json.hpp"
#include "control/cli.hpp"
#include "l2/wire/mac.hpp"
#include "netlink/link_message.hpp"

namespace vipd::vrrp {

namespace {

using nlohmann::json;

std::int64_t ms(fsm::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

const char* auth_name(config::AuthType type) {
  switch (type) {
    case config::AuthType::kNone:
      return "none";
    case config::AuthType::kPass:
      return "SIMPLE_PASSWORD";
    case config::AuthType::kAh:
      return "IPSEC_AH";
  }
  return "none";
}

std::string state_name(const Instance& instance) {
  return instance.router() ? std::string(fsm::to_string(instance.state())) : "INIT";
}

// keepalived.stats counters, grouped as keepalived groups them.
std::uint64_t drops(const Instance& i, std::initializer_list<wire::DropCause> causes) {
  std::uint64_t n = 0;
  for (auto c : causes) n += i.counters().drops[static_cast<std::size_t>(c)];
  return n;
}

void stats_text(const Instance& i, std::string& out) {
  using wire::DropCause;
  const auto* r = i.router();
  const fsm::VirtualRouter::Stats none{};
  const auto& s = r ? r->stats() : none;
  out += fmt::format("   Advertisements:\n     Received: {}\n     Sent: {}\n", s.adverts_received,
                     s.adverts_sent);
  out += fmt::format("   Became master: {}\n   Released master: {}\n", s.became_master,
                     s.released_master);
  out += fmt::format(
      "   Packet Errors:\n     Length: {}\n     TTL: {}\n     Invalid Type: {}\n"
      "     Address List: {}\n",
      drops(i, {DropCause::kTruncated, DropCause::kIpLengthMismatch,
                DropCause::kAddressCountMismatch}),
      drops(i, {DropCause::kBadTtl}), drops(i, {DropCause::kBadType}),
      drops(i, {DropCause::kAddressListMismatch}));
  out += fmt::format(
      "   Authentication Errors:\n     Invalid Type: {}\n     Type Mismatch: {}\n"
      "     Failure: {}\n",
      drops(i, {DropCause::kInvalidAuthType}), drops(i, {DropCause::kAuthTypeMismatch}),
      drops(i, {DropCause::kBadAuth}));
  out += fmt::format("   Priority Zero:\n     Received: {}\n     Sent: {}\n",
                     s.priority_zero_received, s.priority_zero_sent);
  out += "   Drops:\n";
  for (std::size_t c = 0; c < wire::kDropCauseCount; ++c) {
    if (i.counters().drops[c] == 0) continue;
    out += fmt::format("     {}: {}\n", wire::to_string(static_cast<DropCause>(c)),
                       i.counters().drops[c]);
  }
  if (i.counters().not_from_peer)
    out += fmt::format("     not-from-peer: {}\n", i.counters().not_from_peer);
  if (i.counters().total_drops() == 0) out += "     none\n";
}

std::string weight_text(int weight, bool reverse) {
  return fmt::format("weight {}{}", weight, reverse ? " reverse" : "");
}

}  // namespace

std::string instance_text(const VrrpModule& module, const Instance& i) {
  const config::VrrpInstance& c = i.config();
  const auto* r = i.router();
  std::string out = fmt::format(" VRRP Instance = {}\n   VRRP Version = {}\n", c.name, c.version);
  out += fmt::format("   State = {}\n", state_name(i));
  if (r && r->state() == fsm::State::kBackup && r->fsm_state().master_address) {
    out += fmt::format("   Master router = {}\n", r->fsm_state().master_address->to_string());
    out += fmt::format("   Master priority = {}\n", r->fsm_state().master_priority);
  }
  if (r) {
    const auto since = module.clock().now() - r->stats().last_transition;
    out += fmt::format("   Last transition = {:.1f} seconds ago\n",
                       std::chrono::duration<double>(since).count());
  }
  out += fmt::format("   Interface = {}\n", c.interface);
  if (i.vmac())
    out += fmt::format("   Use VMAC, i/f name {}, MAC = {}\n", i.vmac()->name,
                       i.vmac()->mac.to_string());
  if (!i.source_address().is_unspecified())
    out += fmt::format("   Using src_ip = {}\n", i.source_address().to_string());
  if (c.unicast_peer.empty())
    out += fmt::format(
        "   Multicast address {}\n",
        (c.family == Family::kIpv4 ? i.globals().vrrp_mcast_group4 : i.globals().vrrp_mcast_group6)
            .to_string());
  out += fmt::format("   Gratuitous ARP delay = {}\n   Gratuitous ARP repeat = {}\n",
                     c.garp_master_delay.count(), c.garp_master_repeat);
  out += fmt::format("   Gratuitous ARP refresh = {}\n", c.garp_master_refresh.count());
  out += fmt::format("   Virtual Router ID = {}\n", c.virtual_router_id);
  out += fmt::format("   Priority = {}\n", c.priority);
  if (i.priority_override())
    out += fmt::format("   Priority set by vipctl = {}\n", *i.priority_override());
  out += fmt::format("   Effective priority = {}\n", r ? r->fsm_state().priority : c.priority);
  out += fmt::format("   Total priority = {}\n", i.total_priority());
  if (c.advert_int.count() % 1000 == 0)
    out += fmt::format("   Advert interval = {} sec\n", c.advert_int.count() / 1000);
  else
    out += fmt::format("   Advert interval = {} milli-sec\n", c.advert_int.count());
  if (r)
    out += fmt::format("   Master advert interval = {} milli-sec\n",
                       ms(r->fsm_state().master_advert_interval));
  out += fmt::format("   Preempt = {}\n", c.nopreempt ? "disabled" : "enabled");
  if (c.preempt_delay.count())
    out += fmt::format("   Preempt delay = {:g} secs\n", c.preempt_delay.count() / 1000.0);
  if (c.auth_type == config::AuthType::kNone)
    out += "   Authentication type = none\n";
  else
    out += fmt::format("   Authentication type = {}\n", auth_name(c.auth_type));
  out += fmt::format("   Virtual IP ({}):\n", c.virtual_ipaddress.size());
  for (const auto& vip : c.virtual_ipaddress) out += fmt::format("     {}\n", vip.to_string());
  if (!c.virtual_ipaddress_excluded.empty()) {
    out += "   Virtual IP Excluded :\n";
    for (const auto& vip : c.virtual_ipaddress_excluded)
      out += fmt::format("     {}\n", vip.to_string());
  }
  if (!c.unicast_peer.empty()) {
    out += "   Unicast Peer :\n";
    for (const auto& peer : c.unicast_peer)
      out += fmt::format("     {}\n", peer.address.to_string());
  }
  if (!c.track_interface.empty()) {
    out += "   Tracked interfaces :\n";
    for (const auto& t : c.track_interface)
      out += fmt::format("     {} {}\n", t.name, weight_text(t.weight, t.reverse));
  }
  if (!c.track_script.empty()) {
    out += "   Tracked scripts :\n";
    for (const auto& t : c.track_script) {
      const ScriptTracker* s = module.script(t.name);
      out += fmt::format("     {} {} ({})\n", t.name, weight_text(t.weight, t.reverse),
                         s ? to_string(s->status()) : "not running");
    }
  }
  out += fmt::format("   Number of interface and track script faults = {}\n", i.faults());
  stats_text(i, out);
  return out;
}

namespace {

// FRR vrrpd's status names. keepalived's FAULT (interface down, a failed track) is where FRR's
// vrrpd stays in Initialize.
const char* frr_status(const Instance& i) {
  if (!i.router()) return "Initialize";
  switch (i.state()) {
    case fsm::State::kBackup:
      return "Backup";
    case fsm::State::kMaster:
      return "Master";
    default:
      return "Initialize";
  }
}

// One family of FRR vrrpd's `show vrrp json` object ("v4", "v6"). FRR runs both families of a
// VRID as one router; a keepalived instance is one family, and the other is shown as FRR shows
// a family with no address: Initialize, no interface, zero counters.
json frr_family_json(const Instance& i, Family family) {
  const config::VrrpInstance& c = i.config();
  const bool mine = c.family == family;
  const auto* r = mine ? i.router() : nullptr;
  const fsm::VirtualRouter::Stats none{};
  const auto& s = r ? r->stats() : none;
  // RFC 5798 §7.3 virtual MAC, as FRR shows it whether or not a macvlan carries it.
  auto vmac = l2::wire::MacAddress{netlink::keepalived_vmac(0, c.virtual_router_id, family).mac}
                  .to_string();
  json addresses = json::array();
  if (mine)
    for (const auto& vip : c.virtual_ipaddress) addresses.push_back(vip.address.to_string());
  json stats = {{"adverTx", s.adverts_sent}, {"adverRx", s.adverts_received}};
  stats[family == Family::kIpv4 ? "garpTx" : "neighborAdverTx"] =
      mine ? i.counters().garp_sent : std::uint64_t{0};
  stats["transitions"] = s.transitions;
  std::string primary;
  if (mine && !i.source_address().is_unspecified()) primary = i.source_address().to_string();
  std::string interface;
  if (mine) interface = i.vmac() ? i.vmac()->name : c.interface;
  const std::uint8_t priority = r ? r->fsm_state().priority : c.priority;
  const auto master_adver = r ? r->fsm_state().master_advert_interval : fsm::Duration{0};
  return {{"interface", interface},
          {"vmac", vmac},
          {"primaryAddress", primary},
          {"status", mine ? frr_status(i) : "Initialize"},
          {"effectivePriority", priority},
          {"masterAdverInterval", ms(master_adver)},
          {"skewTime",
           r ? ms(fsm::skew_time(r->config().version, priority, master_adver)) : std::int64_t{0}},
          {"masterDownInterval", r ? ms(r->fsm_state().master_down_duration) : std::int64_t{0}},
          {"stats", stats},
          {"addresses", addresses}};
}

}  // namespace

json instance_json(const VrrpModule& /*module*/, const Instance& i) {
  const config::VrrpInstance& c = i.config();
  const auto* r = i.router();
  const fsm::VirtualRouter::Stats none{};
  const auto& s = r ? r->stats() : none;
  json vips = json::array();
  for (const auto& vip : c.virtual_ipaddress) vips.push_back(vip.to_string());
  json excluded = json::array();
  for (const auto& vip : c.virtual_ipaddress_excluded) excluded.push_back(vip.to_string());
  json drops = json::object();
  for (std::size_t cause = 0; cause < wire::kDropCauseCount; ++cause)
    drops[std::string(wire::to_string(static_cast<wire::DropCause>(cause)))] =
        i.counters().drops[cause];
  drops["not-from-peer"] = i.counters().not_from_peer;
  json j = {
      {"name", c.name},
      {"state", state_name(i)},
      {"vrid", c.virtual_router_id},
      {"version", c.version},
      {"family", c.family == Family::kIpv4 ? "ipv4" : "ipv6"},
      {"interface", c.interface},
      {"source",
       i.source_address().is_unspecified() ? json(nullptr) : json(i.source_address().to_string())},
      {"priority",
       {{"configured", c.priority},
        {"override", i.priority_override() ? json(*i.priority_override()) : json(nullptr)},
        {"total", i.total_priority()},
        {"effective", r ? r->fsm_state().priority : c.priority}}},
      {"advert_interval_ms", c.advert_int.count()},
      {"master_advert_interval_ms", r ? ms(r->fsm_state().master_advert_interval) : 0},
      {"preempt", !c.nopreempt},
      {"vips", vips},
      {"excluded_vips", excluded},
      {"faults", i.faults()},
      {"counters",
       {{"adverts_received", s.adverts_received},
        {"adverts_sent", s.adverts_sent},
        {"became_master", s.became_master},
        {"released_master", s.released_master},
        {"priority_zero_received", s.priority_zero_received},
        {"priority_zero_sent", s.priority_zero_sent},
        {"gratuitous_sent", i.counters().garp_sent},
        {"send_errors", i.counters().send_errors},
        {"notify_runs", i.counters().notify_runs},
        {"notify_dropped", i.counters().notify_dropped},
        {"drops", drops}}},
  };
  if (r && r->fsm_state().master_address) {
    j["master"] = {{"address", r->fsm_state().master_address->to_string()},
                   {"priority", r->fsm_state().master_priority}};
  } else if (r && r->state() == fsm::State::kMaster) {
    j["master"] = {{"address", i.source_address().to_string()},
                   {"priority", r->fsm_state().priority}};
  } else {
    j["master"] = nullptr;
  }
  if (i.vmac()) j["vmac"] = {{"name", i.vmac()->name}, {"mac", i.vmac()->mac.to_string()}};
  // FRR vrrpd's keys beside keepalived's (vrid, version and interface mean the same in both), so
  // tools that read FRR's `show vrrp json` (Prometheus's frr_exporter) read vipd's.
  j["preemptMode"] = !c.nopreempt;
  j["acceptMode"] = c.accept;
  j["advertisementInterval"] = c.advert_int.count();
  j["v4"] = frr_family_json(i, Family::kIpv4);
  j["v6"] = frr_family_json(i, Family::kIpv6);
  return j;
}

std::string vrrp_text(const VrrpModule& module, const Instance* only) {
  std::string out = "------< VRRP Topology >------\n";
  for (const Instance* i : module.instances())
    if (!only || i == only) out += instance_text(module, *i);
  return out;
}

json vrrp_json(const VrrpModule& module, const Instance* only) {
  json list = json::array();
  for (const Instance* i : module.instances())
    if (!only || i == only) list.push_back(instance_json(module, *i));
  return list;
}

void VrrpModule::install_commands(control::CommandTree& tree) {
  tree.describe("vrrp", "Virtual Router Redundancy Protocol (keepalived instances)");
  tree.install(
      "exec", "show vrrp [WORD$name] [json]", "Show VRRP instances",
      [this](const control::Invocation& inv, control::Session&) {
        const Instance* only = nullptr;
        if (inv.has("name")) {
          only = find(inv.get("name"));
          if (!only)
            return control::CommandResult::failure("% No VRRP instance " + inv.get("name") + "\n");
        }
        if (inv.has("json"))
          return control::CommandResult::success(json_text(vrrp_json(*this, only)));
        return control::CommandResult::success(vrrp_text(*this, only));
      });
  tree.install(
      "exec", "vrrp WORD$name priority (1-254)$priority",
      "Set the base priority of a VRRP instance until restart",
      [this](const control::Invocation& inv, control::Session&) {
        Instance* instance = find(inv.get("name"));
        if (!instance)
          return control::CommandResult::failure("% No VRRP instance " + inv.get("name") + "\n");
        instance->set_priority_override(static_cast<std::uint8_t>(std::stoi(inv.get("priority"))));
        return control::CommandResult::success();
      });
  tree.install(
      "exec", "no vrrp WORD$name priority [(1-254)]",
      "Restore the configured priority of a VRRP instance",
      [this](const control::Invocation& inv, control::Session&) {
        Instance* instance = find(inv.get("name"));
        if (!instance)
          return control::CommandResult::failure("% No VRRP instance " + inv.get("name") + "\n");
        instance->set_priority_override(std::nullopt);
        return control::CommandResult::success();
      });
}

}  // namespace vipd::vrrp
