#include "bgp/config/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include "bgp/config/frr_lines.hpp"

#include "bgp/policy/text.hpp"

namespace vipd::bgp::config {
namespace {

void line(std::string& out, std::string_view text) {
  out += text;
  out += '\n';
}

std::string with_level(std::string text, const std::string& level) {
  if (!level.empty()) text += " " + level;
  return text;
}

void render_globals(std::string& out, const BgpConfig& c) {
  std::size_t before = out.size();
  render_frr_head(out, c.frr);
  if (!c.hostname.empty()) line(out, "hostname " + c.hostname);
  if (!c.password.empty()) line(out, "password " + c.password);
  if (!c.enable_password.empty()) line(out, "enable password " + c.enable_password);
  if (c.log.file) line(out, with_level("log file " + c.log.file->path, c.log.file->level));
  if (c.log.stdout_) line(out, with_level("log stdout", c.log.stdout_->level));
  if (c.log.syslog) line(out, with_level("log syslog", c.log.syslog->level));
  if (c.no_rib) line(out, "bgp no-rib");
  if (out.size() != before) line(out, "!");
  render_frr_body(out, c.frr);
}

// Which lines of a neighbor are written. FRR writes a group member's own options only
// (peergroup_flag_check()): the others are the group's, written in the group's block.
struct NeighborLines {
  std::string name;                             // address, or the group's name
  const std::set<std::string>* only = nullptr;  // a member: its override keys
  // The activation the `activate` line is relative to (the group's for a member).
  std::array<bool, kAddressFamilyCount> default_active{};
  const NeighborConfig* group = nullptr;  // a member: its group's template
  bool wanted(std::string_view keyword, std::optional<AddressFamily> af = std::nullopt) const {
    return !only || only->contains(option_key(keyword, af));
  }
};

// Per-neighbor lines in the order FRR's bgp_config_write_peer_global() uses.
void render_neighbor(std::string& out, const NeighborConfig& n, const NeighborLines& w,
                     const ProfileDefaults& created, const ProfileDefaults& saved) {
  const std::string p = " neighbor " + w.name;
  auto opt = [&](std::string_view keyword, const std::string& text) {
    if (w.wanted(keyword)) line(out, text);
  };
  if (!n.description.empty()) opt("description", p + " description " + n.description);
  if (n.shutdown)
    opt("shutdown",
        p + " shutdown" + (n.shutdown_message.empty() ? "" : " message " + n.shutdown_message));
  if (!n.password.empty()) opt("password", p + " password " + n.password);
  if (n.port) opt("port", fmt::format("{} port {}", p, *n.port));
  if (!n.interface.empty()) opt("interface", p + " interface " + n.interface);
  if (n.passive) opt("passive", p + " passive");
  // (local-as would come before the description; refused.)
  if (n.ebgp_multihop) {
    opt("ebgp-multihop", *n.ebgp_multihop == 255
                             ? p + " ebgp-multihop"
                             : fmt::format("{} ebgp-multihop {}", p, *n.ebgp_multihop));
  }
  if (n.disable_connected_check) opt("disable-connected-check", p + " disable-connected-check");
  if (n.enforce_first_as) opt("enforce-first-as", p + " enforce-first-as");
  if (!n.update_source.empty()) opt("update-source", p + " update-source " + n.update_source);
  if (n.advertisement_interval)
    opt("advertisement-interval",
        fmt::format("{} advertisement-interval {}", p, *n.advertisement_interval));
  if (n.timers)
    opt("timers", fmt::format("{} timers {} {}", p, n.timers->keepalive, n.timers->hold));
  if (n.connect_retry) {
    opt("timers connect", fmt::format("{} timers connect {}", p, *n.connect_retry));
  } else if (created.connect_retry != saved.connect_retry) {
    // FRR's bgp_config_write_peer_global(): there is no `timers bgp connect`, so a default of
    // another profile is written per neighbor.
    opt("timers connect", fmt::format("{} timers connect {}", p, created.connect_retry));
  }
  // FRR's bgp_bfd_peer_config_write().
  if (n.bfd) opt("bfd", n.bfd_profile.empty() ? p + " bfd" : p + " bfd profile " + n.bfd_profile);
  if (!n.graceful_restart.empty()) opt("graceful-restart", p + " " + n.graceful_restart);
}

// The head of a neighbor's lines (FRR's "remote-as and peer-group" part), then the rest.
void render_group(std::string& out, const PeerGroup& g, const ProfileDefaults& created,
                  const ProfileDefaults& saved) {
  line(out, " neighbor " + g.name + " peer-group");
  if (g.conf.remote_as.kind != RemoteAs::Kind::kUnspecified)
    line(out, " neighbor " + g.name + " remote-as " + g.conf.remote_as.to_string());
  render_neighbor(out, g.conf, {g.name}, created, saved);
}

NeighborLines lines_of(const RouterBgp& bgp, const NeighborConfig& n) {
  NeighborLines w{n.address.to_string()};
  const PeerGroup* g = n.peer_group.empty() ? nullptr : bgp.find_group(n.peer_group);
  for (auto af : kAddressFamilies)
    w.default_active[index(af)] = g ? g->conf.in(af).active : bgp.active_by_default(n.address, af);
  if (g) {
    w.only = &n.overrides;
    w.group = &g->conf;
  }
  return w;
}

void render_member_head(std::string& out, const RouterBgp& bgp, const NeighborConfig& n) {
  const std::string p = " neighbor " + n.address.to_string();
  const PeerGroup* g = n.peer_group.empty() ? nullptr : bgp.find_group(n.peer_group);
  // A member's remote-as is written only when the group has none (FRR).
  bool own_as = !g || g->conf.remote_as.kind == RemoteAs::Kind::kUnspecified;
  if (own_as && n.remote_as.kind != RemoteAs::Kind::kUnspecified)
    line(out, p + " remote-as " + n.remote_as.to_string());
  if (g) line(out, p + " peer-group " + g->name);
}

// remove-private-AS, as-override and send-community in bgp_config_write_peer_af()'s order; the
// kinds of communities not sent are written as `no` lines (FRR 8.4 sends all by default). The
// three kinds are one override for a member (FRR has a flag each), so a member writes the kinds
// where it differs from its group (`base`), as FRR writes its overridden flags.
template <typename Opt>
void render_af_export_options(const std::string& p, const NeighborAfConfig& a,
                              const NeighborAfConfig* base, Opt& opt) {
  if (a.remove_private_as)
    opt("remove-private-AS", p + " remove-private-AS" + (a.remove_private_as_all ? " all" : "") +
                                 (a.remove_private_as_replace ? " replace-AS" : ""));
  if (a.as_override) opt("as-override", p + " as-override");
  const std::string no = "  no" + p.substr(1);
  auto off = [&](bool NeighborAfConfig::*kind) { return !(a.*kind) && (!base || base->*kind); };
  const bool standard = off(&NeighborAfConfig::send_community);
  const bool extended = off(&NeighborAfConfig::send_extended_community);
  const bool large = off(&NeighborAfConfig::send_large_community);
  if (standard && extended && large) {
    opt("send-community", no + " send-community all");
    return;
  }
  if (standard) opt("send-community", no + " send-community");
  if (extended) opt("send-community", no + " send-community extended");
  if (large) opt("send-community", no + " send-community large");
}

// FRR's bgp_config_write_peer_af() lines of one neighbor or group, in its order.
void render_neighbor_af(std::string& body, const NeighborConfig& n, const NeighborLines& w,
                        AddressFamily af) {
  const NeighborAfConfig& a = n.in(af);
  const std::string p = "  neighbor " + w.name;
  auto opt = [&](std::string_view keyword, const std::string& text) {
    if (w.wanted(keyword, af)) line(body, text);
  };
  if (a.active != w.default_active[index(af)])
    line(body, fmt::format("  {}neighbor {} activate", a.active ? "" : "no ", w.name));
  if (a.route_reflector_client) opt("route-reflector-client", p + " route-reflector-client");
  if (a.next_hop_self) opt("next-hop-self", p + " next-hop-self");
  render_af_export_options(p, a, w.group ? &w.group->in(af) : nullptr, opt);
  if (a.default_originate)
    opt("default-originate",
        p + " default-originate" +
            (a.default_originate_map.empty() ? "" : " route-map " + a.default_originate_map));
  if (a.soft_reconfiguration) opt("soft-reconfiguration", p + " soft-reconfiguration inbound");
  if (const auto& m = a.maximum_prefix) {
    std::string text = fmt::format("{} maximum-prefix {}", p, m->limit);
    if (m->threshold) text += fmt::format(" {}", *m->threshold);
    if (m->warning_only) text += " warning-only";
    if (m->restart_minutes) text += fmt::format(" restart {}", *m->restart_minutes);
    opt("maximum-prefix", text);
  }
  if (a.route_server_client) opt("route-server-client", p + " route-server-client");
  if (a.allowas_in_origin)
    opt("allowas-in", p + " allowas-in origin");
  else if (a.allowas_in == 3)
    opt("allowas-in", p + " allowas-in");
  else if (a.allowas_in)
    opt("allowas-in", fmt::format("{} allowas-in {}", p, *a.allowas_in));
  if (a.weight) opt("weight", fmt::format("{} weight {}", p, *a.weight));
  if (!a.prefix_list_in.empty())
    opt("prefix-list in", p + " prefix-list " + a.prefix_list_in + " in");
  if (!a.prefix_list_out.empty())
    opt("prefix-list out", p + " prefix-list " + a.prefix_list_out + " out");
  if (!a.route_map_in.empty()) opt("route-map in", p + " route-map " + a.route_map_in + " in");
  if (!a.route_map_out.empty()) opt("route-map out", p + " route-map " + a.route_map_out + " out");
  if (a.as_path_unchanged || a.next_hop_unchanged || a.med_unchanged)
    opt("attribute-unchanged",
        p + " attribute-unchanged" + (a.as_path_unchanged ? " as-path" : "") +
            (a.next_hop_unchanged ? " next-hop" : "") + (a.med_unchanged ? " med" : ""));
}

// FRR's bgp_config_write_redistribute().
void render_redistribute(std::string& out, const AfConfig& c) {
  for (const auto& r : c.redistribute) {
    std::string text = "  redistribute " + r.type;
    if (r.metric) text += fmt::format(" metric {}", *r.metric);
    if (!r.route_map.empty()) text += " route-map " + r.route_map;
    line(out, text);
  }
}

// The address-family block, written only when it says something beyond the defaults.
void render_af(std::string& out, const RouterBgp& bgp, AddressFamily af) {
  std::string body;
  const AfConfig& c = bgp.in(af);
  for (const auto& prefix : c.networks) {
    auto map = c.network_route_maps.find(prefix);
    line(body, "  network " + prefix.to_string() +
                   (map == c.network_route_maps.end() ? "" : " route-map " + map->second));
  }
  render_redistribute(body, c);
  if (c.maximum_paths) line(body, fmt::format("  maximum-paths {}", *c.maximum_paths));
  if (c.maximum_paths_ibgp)
    line(body, fmt::format("  maximum-paths ibgp {}", *c.maximum_paths_ibgp));
  for (const auto& group : bgp.peer_groups) {
    const PeerGroup* g = &group;
    NeighborLines w{g->name};
    w.default_active[index(AddressFamily::kIpv4Unicast)] = bgp.default_ipv4_unicast;
    render_neighbor_af(body, g->conf, w, af);
  }
  for (const auto& n : bgp.neighbors) render_neighbor_af(body, n, lines_of(bgp, n), af);
  if (!c.table_map.empty()) line(body, "  table-map " + c.table_map);
  if (body.empty()) return;
  line(out, " !");
  line(out, std::string(" address-family ") + to_string(af));
  out += body;
  line(out, " exit-address-family");
}

// FRR's bgp_config_write_listen().
void render_listen(std::string& out, const RouterBgp& bgp) {
  if (bgp.listen_limit) line(out, fmt::format(" bgp listen limit {}", *bgp.listen_limit));
  for (const auto& group : bgp.peer_groups)
    for (auto family : {Family::kIpv4, Family::kIpv6})
      for (const auto& r : bgp.listen_ranges)
        if (r.group == group.name && r.range.family() == family)
          line(out, " bgp listen range " + r.range.to_string() + " peer-group " + group.name);
}

// `saved`: the defaults of the profile the file is written with (FRR's SAVE_BGP_*); a setting
// is written when it differs from them, with `no` when it is off (bgp_config_write()).
void render_router(std::string& out, const RouterBgp& bgp, const ProfileDefaults& saved) {
  line(out, fmt::format("router bgp {}", bgp.asn));
  if (bgp.router_id) line(out, " bgp router-id " + bgp.router_id->to_string());
  if (bgp.log_neighbor_changes != saved.log_neighbor_changes)
    line(out,
         bgp.log_neighbor_changes ? " bgp log-neighbor-changes" : " no bgp log-neighbor-changes");
  if (!bgp.default_ipv4_unicast) line(out, " no bgp default ipv4-unicast");
  if (bgp.always_compare_med) line(out, " bgp always-compare-med");
  if (bgp.deterministic_med != saved.deterministic_med)
    line(out, bgp.deterministic_med ? " bgp deterministic-med" : " no bgp deterministic-med");
  if (bgp.multipath_relax) line(out, " bgp bestpath as-path multipath-relax");
  if (bgp.ebgp_requires_policy) line(out, " bgp ebgp-requires-policy");
  if (bgp.cluster_id) line(out, " bgp cluster-id " + bgp.cluster_id->to_string());
  for (const auto& kept : bgp.kept) line(out, " " + kept.text);
  if (bgp.allow_outbound_policy) line(out, " bgp route-reflector allow-outbound-policy");
  if (bgp.network_import_check)
    line(out,
         *bgp.network_import_check ? " bgp network import-check" : " no bgp network import-check");
  const Timers timers = bgp.timers.value_or(bgp.defaults.timers);
  if (bgp.timers || timers != saved.timers)
    line(out, fmt::format(" timers bgp {} {}", timers.keepalive, timers.hold));
  for (const auto& g : bgp.peer_groups) render_group(out, g, bgp.defaults, saved);
  for (const auto& n : bgp.neighbors) {
    render_member_head(out, bgp, n);
    render_neighbor(out, n, lines_of(bgp, n), bgp.defaults, saved);
  }
  render_listen(out, bgp);
  for (auto af : kAddressFamilies) render_af(out, bgp, af);
  line(out, "exit");
  line(out, "!");
}

void render_prefix_lists(std::string& out, const BgpConfig& c) {
  if (c.prefix_lists.empty()) return;
  for (const auto& l : c.prefix_lists) {
    const std::string head = fmt::format(
        "{} prefix-list {}", l.af == AddressFamily::kIpv4Unicast ? "ip" : "ipv6", l.name);
    if (!l.description.empty()) line(out, head + " description " + l.description);
    for (const auto& e : l.entries) {
      std::string text = fmt::format("{} seq {} {} ", head, e.seq, e.permit ? "permit" : "deny");
      text += e.any ? "any" : e.prefix.to_string();
      if (e.ge) text += fmt::format(" ge {}", *e.ge);
      if (e.le) text += fmt::format(" le {}", *e.le);
      line(out, text);
    }
  }
  line(out, "!");
}

// FRR bfdd's bfd_cli_show_*() order: profiles, then peers, each block closed by `exit`.
void render_bfd_settings(std::string& out, const BfdSettings& b) {
  if (b.detect_multiplier) line(out, fmt::format("  detect-multiplier {}", *b.detect_multiplier));
  if (b.receive_interval_ms)
    line(out, fmt::format("  receive-interval {}", *b.receive_interval_ms));
  if (b.transmit_interval_ms)
    line(out, fmt::format("  transmit-interval {}", *b.transmit_interval_ms));
  if (b.echo_mode) line(out, "  echo-mode");
  // FRR writes `echo-interval N` back as these two lines (bfdd_cli.c).
  if (b.echo_transmit_interval_ms)
    line(out, fmt::format("  echo transmit-interval {}", *b.echo_transmit_interval_ms));
  if (b.echo_receive_interval_ms) {
    line(out, *b.echo_receive_interval_ms
                  ? fmt::format("  echo receive-interval {}", *b.echo_receive_interval_ms)
                  : std::string("  echo receive-interval disabled"));
  }
  if (b.passive_mode) line(out, "  passive-mode");
  if (b.minimum_ttl) line(out, fmt::format("  minimum-ttl {}", *b.minimum_ttl));
  if (b.shutdown) line(out, "  shutdown");
}

void render_bfd(std::string& out, const BfdConfig& bfd) {
  if (!bfd.present) return;
  line(out, "bfd");
  for (const auto& profile : bfd.profiles) {
    line(out, " profile " + profile.name);
    render_bfd_settings(out, profile.settings);
    line(out, " exit");
    line(out, " !");
  }
  for (const auto& peer : bfd.peers) {
    line(out, " " + peer.key());
    if (!peer.profile.empty()) line(out, "  profile " + peer.profile);
    render_bfd_settings(out, peer.settings);
    line(out, " exit");
    line(out, " !");
  }
  line(out, "exit");
  line(out, "!");
}

void render_vty(std::string& out, const VtyConfig& vty) {
  if (!vty.present) return;
  line(out, "line vty");
  if (vty.exec_timeout)
    line(out,
         fmt::format(" exec-timeout {} {}", vty.exec_timeout->first, vty.exec_timeout->second));
  if (!vty.access_class.empty()) line(out, " access-class " + vty.access_class);
  if (!vty.ipv6_access_class.empty()) line(out, " ipv6 access-class " + vty.ipv6_access_class);
  if (vty.no_login) line(out, " no login");
  line(out, "!");
}

}  // namespace

std::string render_config(const BgpConfig& config) {
  std::string out;
  render_globals(out, config);
  if (config.bgp) render_router(out, *config.bgp, profile_defaults(config.frr.defaults));
  out += policy::render_access_lists(config.policy);
  render_prefix_lists(out, config);
  out += policy::render_bgp_lists(config.policy);
  out += policy::render_route_maps(config.policy);
  render_bfd(out, config.bfd);
  render_vty(out, config.vty);
  line(out, "end");
  return out;
}

}  // namespace vipd::bgp::config
