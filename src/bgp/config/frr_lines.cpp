#include "bgp/config/frr_lines.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "common/log_topics.hpp"

namespace vipd::bgp::config {
namespace {

using F = DebugTopicInfo::Filter;

// bgpd/bgp_debug.c show_debugging_bgp() order; write_rank is bgp_config_write_debug()'s.
constexpr std::array<DebugTopicInfo, 24> kTopics{{
    {"as4", "  BGP as4 debugging is on", F::kNone, 0},
    {"as4 segment", "  BGP as4 aspath segment debugging is on", F::kNone, 1},
    {"bestpath", "  BGP bestpath debugging is on", F::kPrefix, 2},
    {"keepalives", "  BGP keepalives debugging is on", F::kPeer, 3},
    {"neighbor-events", "  BGP neighbor-events debugging is on", F::kPeer, 4},
    {"nht", "  BGP next-hop tracking debugging is on", F::kNone, 5},
    {"update-groups", "  BGP update-groups debugging is on", F::kNone, 6},
    {"updates prefix", "  BGP updates debugging is on", F::kPrefix, 7},
    {"updates in", "  BGP updates debugging is on (inbound)", F::kPeer, 8},
    {"updates out", "  BGP updates debugging is on (outbound)", F::kPeer, 9},
    {"zebra", "  BGP zebra debugging is on", F::kPrefix, 10},
    {"graceful-restart", "  BGP graceful-restart debugging is on", F::kNone, 20},
    {"allow-martians", "  BGP allow martian next hop debugging is on", F::kNone, 11},
    {"vpn leak-from-vrf", "  BGP route leak from vrf to vpn debugging is on", F::kNone, 12},
    {"vpn leak-to-vrf", "  BGP route leak to vrf from vpn debugging is on", F::kNone, 13},
    {"vpn rmap-event", "  BGP vpn route-map event debugging is on", F::kNone, 14},
    {"vpn label", "  BGP vpn label event debugging is on", F::kNone, 15},
    {"flowspec", "  BGP flowspec debugging is on", F::kNone, 16},
    {"labelpool", "  BGP labelpool debugging is on", F::kNone, 17},
    {"pbr", "  BGP policy based routing debugging is on", F::kNone, 18},
    {"pbr error", "  BGP policy based routing error debugging is on", F::kNone, 19},
    {"evpn mh es", "  BGP EVPN-MH ES debugging is on", F::kNone, 21},
    {"evpn mh route", "  BGP EVPN-MH route debugging is on", F::kNone, 22},
    {"bfd", "  BGP BFD library debugging is on", F::kNone, 23},
}};

void line(std::string& out, std::string_view text) {
  out += text;
  out += '\n';
}

}  // namespace

std::span<const DebugTopicInfo> debug_topics() {
  return kTopics;
}

const DebugTopicInfo* find_debug_topic(std::string_view key) {
  for (const auto& t : kTopics)
    if (key == t.key) return &t;
  return nullptr;
}

std::string render_debug(const DebugTopics& topics) {
  std::vector<const DebugTopicInfo*> order;
  for (const auto& t : kTopics)
    if (topics.contains(t.key)) order.push_back(&t);
  std::sort(order.begin(), order.end(),
            [](const auto* a, const auto* b) { return a->write_rank < b->write_rank; });
  std::string out;
  for (const auto* t : order) {
    const auto& only = topics.at(t->key);
    // bgp_debug_list_conf_print(): one line per peer or prefix, or one without.
    std::string head = fmt::format("debug bgp {}", t->key);
    if (std::string_view(t->key) == "zebra" && !only.empty()) head += " prefix";
    if (only.empty()) line(out, head);
    for (const auto& subject : only) line(out, head + " " + subject);
  }
  return out;
}

std::string show_debugging(const DebugTopics& topics) {
  std::string out = "BGP debugging status:\n";
  for (const auto& t : kTopics) {
    auto it = topics.find(t.key);
    if (it == topics.end()) continue;
    out += t.shown;
    // bgp_debug_list_print()
    if (!it->second.empty()) {
      out += " for";
      for (const auto& subject : it->second) out += " " + subject;
    }
    out += '\n';
  }
  return out;
}

void apply_debug(const DebugTopics& topics) {
  using log::Topic;
  static constexpr std::pair<const char*, Topic> kWired[] = {
      {"neighbor-events", Topic::kBgpNeighborEvents},
      {"updates in", Topic::kBgpUpdatesIn},
      {"updates out", Topic::kBgpUpdatesOut},
      {"updates prefix", Topic::kBgpUpdatesPrefix},
      {"keepalives", Topic::kBgpKeepalives},
      {"bestpath", Topic::kBgpBestpath},
      {"zebra", Topic::kBgpZebra},
      {"nht", Topic::kBgpNht},
      {"graceful-restart", Topic::kBgpGracefulRestart},
      {"bfd", Topic::kBgpBfd},
  };
  for (const auto& [key, topic] : kWired) {
    auto it = topics.find(key);
    if (it == topics.end())
      log::set_topic(topic, false);
    else
      log::set_topic(topic, true, it->second);
  }
}

void render_frr_head(std::string& out, const FrrLines& frr) {
  if (!frr.version.empty()) line(out, "frr version " + frr.version);
  if (!frr.defaults.empty()) line(out, "frr defaults " + frr.defaults);
}

void render_frr_body(std::string& out, const FrrLines& frr) {
  std::size_t before = out.size();
  for (const auto& kept : frr.kept) line(out, kept.text);
  out += render_debug(frr.debug);
  // zebra_vty.c config_write_forwarding(): only the setting that was given.
  if (frr.ip_forwarding) line(out, *frr.ip_forwarding ? "ip forwarding" : "no ip forwarding");
  if (frr.ipv6_forwarding)
    line(out, *frr.ipv6_forwarding ? "ipv6 forwarding" : "no ipv6 forwarding");
  if (out.size() != before) line(out, "!");
  for (const auto& block : frr.interfaces) {
    line(out, "interface " + block.name);
    for (const auto& text : block.lines) line(out, " " + text);
    line(out, "exit");
    line(out, "!");
  }
}

std::string kept_line_notice(const KeptLine& kept) {
  return fmt::format("'{}' has no effect in vipd; kept in the running configuration", kept.text);
}

ProfileDefaults profile_defaults(std::string_view profile) {
  ProfileDefaults d;  // traditional
  if (profile == "datacenter") {
    // FRR 8.4 bgpd/bgp_vty.c FRR_CFG_DEFAULT_* with .match_profile = "datacenter".
    d.timers = Timers{3, 9};
    d.connect_retry = 10;
    d.log_neighbor_changes = true;
    d.deterministic_med = true;
  }
  return d;
}

}  // namespace vipd::bgp::config
