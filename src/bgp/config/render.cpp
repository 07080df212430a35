#include "bgp/config/render.hpp"

#include <fmt/format.h>

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
  if (!c.hostname.empty()) line(out, "hostname " + c.hostname);
  if (!c.password.empty()) line(out, "password " + c.password);
  if (!c.enable_password.empty()) line(out, "enable password " + c.enable_password);
  if (c.log.file) line(out, with_level("log file " + c.log.file->path, c.log.file->level));
  if (c.log.stdout_) line(out, with_level("log stdout", c.log.stdout_->level));
  if (c.log.syslog) line(out, with_level("log syslog", c.log.syslog->level));
  if (c.no_rib) line(out, "bgp no-rib");
  if (out.size() != before) line(out, "!");
}

// Per-neighbor lines in the order FRR's bgp_config_write_peer_global() uses.
void render_neighbor(std::string& out, const NeighborConfig& n) {
  const std::string p = " neighbor " + n.address.to_string();
  line(out, p + " remote-as " + n.remote_as.to_string());
  // (local-as would come here; refused.)
  if (!n.description.empty()) line(out, p + " description " + n.description);
  if (n.shutdown)
    line(out,
         p + " shutdown" + (n.shutdown_message.empty() ? "" : " message " + n.shutdown_message));
  if (!n.password.empty()) line(out, p + " password " + n.password);
  if (n.port) line(out, fmt::format("{} port {}", p, *n.port));
  if (n.passive) line(out, p + " passive");
  if (n.ebgp_multihop) {
    line(out, *n.ebgp_multihop == 255 ? p + " ebgp-multihop"
                                      : fmt::format("{} ebgp-multihop {}", p, *n.ebgp_multihop));
  }
  if (n.disable_connected_check) line(out, p + " disable-connected-check");
  if (n.enforce_first_as) line(out, p + " enforce-first-as");
  if (!n.update_source.empty()) line(out, p + " update-source " + n.update_source);
  if (n.advertisement_interval)
    line(out, fmt::format("{} advertisement-interval {}", p, *n.advertisement_interval));
  if (n.timers) line(out, fmt::format("{} timers {} {}", p, n.timers->keepalive, n.timers->hold));
  if (n.connect_retry) line(out, fmt::format("{} timers connect {}", p, *n.connect_retry));
  // FRR's bgp_bfd_peer_config_write().
  if (n.bfd) line(out, n.bfd_profile.empty() ? p + " bfd" : p + " bfd profile " + n.bfd_profile);
}

void render_maximum_prefix(std::string& body, const std::string& p, const NeighborAfConfig& a) {
  if (const auto& m = a.maximum_prefix) {
    std::string text = fmt::format("{} maximum-prefix {}", p, m->limit);
    if (m->threshold) text += fmt::format(" {}", *m->threshold);
    if (m->warning_only) text += " warning-only";
    if (m->restart_minutes) text += fmt::format(" restart {}", *m->restart_minutes);
    line(body, text);
  }
}

// remove-private-AS, as-override and send-community in bgp_config_write_peer_af()'s order; the
// kinds of communities not sent are written as `no` lines (FRR 8.4 sends all by default).
void render_af_export_options(std::string& body, const std::string& p, const NeighborAfConfig& a) {
  if (a.remove_private_as)
    line(body, p + " remove-private-AS" + (a.remove_private_as_all ? " all" : "") +
                   (a.remove_private_as_replace ? " replace-AS" : ""));
  if (a.as_override) line(body, p + " as-override");
  const std::string no = "  no" + p.substr(1);
  if (!a.send_community && !a.send_extended_community && !a.send_large_community) {
    line(body, no + " send-community all");
    return;
  }
  if (!a.send_community) line(body, no + " send-community");
  if (!a.send_extended_community) line(body, no + " send-community extended");
  if (!a.send_large_community) line(body, no + " send-community large");
}

// The address-family block, written only when it says something beyond the defaults.
void render_af(std::string& out, const RouterBgp& bgp, AddressFamily af) {
  std::string body;
  const AfConfig& c = bgp.in(af);
  for (const auto& prefix : c.networks) line(body, "  network " + prefix.to_string());
  if (c.maximum_paths) line(body, fmt::format("  maximum-paths {}", *c.maximum_paths));
  if (c.maximum_paths_ibgp)
    line(body, fmt::format("  maximum-paths ibgp {}", *c.maximum_paths_ibgp));
  for (const auto& n : bgp.neighbors) {
    const NeighborAfConfig& a = n.in(af);
    const std::string p = "  neighbor " + n.address.to_string();
    if (a.active != bgp.active_by_default(n.address, af))
      line(body,
           fmt::format("  {}neighbor {} activate", a.active ? "" : "no ", n.address.to_string()));
    // FRR's bgp_config_write_peer_af() order.
    if (a.route_reflector_client) line(body, p + " route-reflector-client");
    if (a.next_hop_self) line(body, p + " next-hop-self");
    render_af_export_options(body, p, a);
    if (a.soft_reconfiguration) line(body, p + " soft-reconfiguration inbound");
    render_maximum_prefix(body, p, a);
    if (a.route_server_client) line(body, p + " route-server-client");
    if (a.allowas_in_origin)
      line(body, p + " allowas-in origin");
    else if (a.allowas_in == 3)
      line(body, p + " allowas-in");
    else if (a.allowas_in)
      line(body, fmt::format("{} allowas-in {}", p, *a.allowas_in));
    if (a.weight) line(body, fmt::format("{} weight {}", p, *a.weight));
    if (!a.prefix_list_in.empty()) line(body, p + " prefix-list " + a.prefix_list_in + " in");
    if (!a.prefix_list_out.empty()) line(body, p + " prefix-list " + a.prefix_list_out + " out");
    if (!a.route_map_in.empty()) line(body, p + " route-map " + a.route_map_in + " in");
    if (!a.route_map_out.empty()) line(body, p + " route-map " + a.route_map_out + " out");
    if (a.as_path_unchanged || a.next_hop_unchanged || a.med_unchanged)
      line(body, p + " attribute-unchanged" + (a.as_path_unchanged ? " as-path" : "") +
                     (a.next_hop_unchanged ? " next-hop" : "") + (a.med_unchanged ? " med" : ""));
  }
  if (body.empty()) return;
  line(out, " !");
  line(out, std::string(" address-family ") + to_string(af));
  out += body;
  line(out, " exit-address-family");
}

void render_router(std::string& out, const RouterBgp& bgp) {
  line(out, fmt::format("router bgp {}", bgp.asn));
  if (bgp.router_id) line(out, " bgp router-id " + bgp.router_id->to_string());
  if (bgp.log_neighbor_changes) line(out, " bgp log-neighbor-changes");
  if (!bgp.default_ipv4_unicast) line(out, " no bgp default ipv4-unicast");
  if (bgp.always_compare_med) line(out, " bgp always-compare-med");
  if (bgp.deterministic_med) line(out, " bgp deterministic-med");
  if (bgp.multipath_relax) line(out, " bgp bestpath as-path multipath-relax");
  if (bgp.ebgp_requires_policy) line(out, " bgp ebgp-requires-policy");
  if (bgp.cluster_id) line(out, " bgp cluster-id " + bgp.cluster_id->to_string());
  if (bgp.timers)
    line(out, fmt::format(" timers bgp {} {}", bgp.timers->keepalive, bgp.timers->hold));
  for (const auto& n : bgp.neighbors) render_neighbor(out, n);
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
  if (config.bgp) render_router(out, *config.bgp);
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
