#include "bgp/peer/peer.hpp"

#include <fmt/ranges.h>

#include "bgp/wire/validate.hpp"
#include "common/log.hpp"
#include "common/log_topics.hpp"
#include "common/printable.hpp"

namespace vipd::bgp::peer {

using fsm::State;

bool PeerSettings::is_ibgp() const {
  switch (remote_as_kind) {
    case RemoteAsKind::kInternal:
      return true;
    case RemoteAsKind::kExternal:
      return false;
    case RemoteAsKind::kNumber:
      return remote_as == local_as;
  }
  return false;
}

// One TCP connection to the neighbor and the FSM instance that owns it (RFC 4271 §8: one FSM
// per connection until a collision is resolved, §6.8).
struct Peer::FsmConnection {
  fsm::Origin origin = fsm::Origin::kLocal;
  std::unique_ptr<fsm::Session> fsm;
  std::unique_ptr<Connection> stream;
  std::unique_ptr<PendingConnect> connecting;  // outgoing attempt in progress
  std::optional<wire::Open> sent_open;
  std::optional<wire::Open> received_open;
  std::optional<wire::Negotiated> negotiated;
  // RFC 8654 §4: what we may receive depends on what we advertised, what we may send on what
  // the peer advertised.
  wire::Options receive_options;
  wire::Options send_options;
  std::optional<wire::Update> pending_update;  // until the FSM says ProcessUpdate
};

namespace {

fsm::Config fsm_config(const PeerSettings& s) {
  fsm::Config c = s.timers;
  c.passive = s.timers.passive;
  return c;
}

std::string down_text(fsm::DownReason reason) {
  // FRR's "Last reset ... due to" wording where it has one.
  switch (reason) {
    case fsm::DownReason::kManualStop:
      return "Admin. shutdown";
    case fsm::DownReason::kAutomaticStop:
      return "Automatic stop";
    case fsm::DownReason::kHoldTimerExpired:
      return "Hold Timer Expired";
    case fsm::DownReason::kTcpConnectionFails:
      return "Peer closed the session";
    case fsm::DownReason::kNotificationReceived:
      return "BGP Notification received";
    case fsm::DownReason::kNotificationSent:
      return "BGP Notification send";
    case fsm::DownReason::kFsmError:
      return "FSM error";
    case fsm::DownReason::kCollision:
      return "Connection collision";
  }
  return "Unknown";
}

// Every prefix the UPDATE announces becomes a withdrawal (RFC 7606 §2 treat-as-withdraw).
void convert_to_withdraw(wire::Update& update) {
  update.withdrawn.insert(update.withdrawn.end(), update.nlri.begin(), update.nlri.end());
  update.nlri.clear();
  if (auto& reach = update.attributes.mp_reach) {
    if (!update.attributes.mp_unreach)
      update.attributes.mp_unreach = wire::MpUnreach{reach->afi_safi, {}, {}};
    if (update.attributes.mp_unreach->afi_safi == reach->afi_safi) {
      auto& w = update.attributes.mp_unreach->withdrawn;
      w.insert(w.end(), reach->nlri.begin(), reach->nlri.end());
    }
    reach.reset();
  }
}

}  // namespace

Peer::Peer(event::Clock& clock, Transport& transport, PeerSettings settings, fsm::Jitter jitter)
    : clock_(clock),
      transport_(transport),
      settings_(std::move(settings)),
      name_(settings_.address.to_string()),
      jitter_(std::move(jitter)) {
  primary_ = make_connection(fsm::Origin::kLocal);
}

Peer::~Peer() {
  *alive_ = false;
}

std::unique_ptr<Peer::FsmConnection> Peer::make_connection(fsm::Origin origin) {
  auto c = std::make_unique<FsmConnection>();
  c->origin = origin;
  FsmConnection* raw = c.get();
  c->fsm = std::make_unique<fsm::Session>(
      clock_, fsm_config(settings_), [this, raw](const fsm::Action& a) { on_action(*raw, a); },
      jitter_);
  return c;
}

Peer::FsmConnection* Peer::other(const FsmConnection& c) const {
  if (primary_.get() == &c) return secondary_.get();
  if (secondary_.get() == &c) return primary_.get();
  return nullptr;
}

State Peer::state() const {
  return primary_->fsm->state();
}
const fsm::Session::Stats& Peer::stats() const {
  return primary_->fsm->stats();
}
const fsm::Session& Peer::session() const {
  return *primary_->fsm;
}

std::size_t Peer::output_queue() const {
  return primary_->stream ? primary_->stream->queued_messages() : 0;
}

std::size_t Peer::output_bytes() const {
  return primary_->stream ? primary_->stream->queued_bytes() : 0;
}

std::optional<std::pair<IpAddress, std::uint16_t>> Peer::local_endpoint() const {
  if (!primary_->stream) return std::nullopt;
  const Endpoint local = primary_->stream->local();
  return std::pair{local.address, local.port};
}

std::optional<std::pair<IpAddress, std::uint16_t>> Peer::remote_endpoint() const {
  if (!primary_->stream) return std::nullopt;
  const Endpoint remote = primary_->stream->remote();
  return std::pair{remote.address, remote.port};
}

void Peer::start() {
  prefix_limit_hit_ = false;
  if (restart_timer_) restart_timer_->cancel();
  if (settings_.shutdown) return;
  if (settings_.timers.passive)
    primary_->fsm->handle(fsm::ManualStartPassive{});
  else
    primary_->fsm->handle(fsm::ManualStart{});
}

void Peer::stop(std::uint8_t cease_subcode, const std::string& message) {
  fsm::ManualStop stop{cease_subcode, message};
  if (secondary_) {
    secondary_->fsm->handle(stop);
    secondary_.reset();
  }
  primary_->fsm->handle(stop);
}

bool Peer::liveness_lost(std::uint8_t cease_subcode, const std::string& reason) {
  if (state() == State::kIdle) return false;
  fsm::AutomaticStop stop{cease_subcode, {}};
  pending_reset_text_ = reason;
  if (secondary_) {
    secondary_->fsm->handle(stop);
    secondary_.reset();
  }
  primary_->fsm->handle(stop);
  pending_reset_text_.clear();
  last_reset_text_ = reason;
  return true;
}

bool Peer::reconfigure(const PeerSettings& next) {
  PeerSettings cosmetic = settings_;
  cosmetic.description = next.description;
  cosmetic.timers = next.timers;
  cosmetic.timers.passive = settings_.timers.passive;  // FRR resets the session for `passive`
  cosmetic.shutdown = next.shutdown;
  cosmetic.shutdown_message = next.shutdown_message;
  if (cosmetic == next) {
    // Timers apply from the next session (as FRR); shutdown toggles stop or start it.
    bool was_shutdown = settings_.shutdown;
    settings_ = next;
    primary_->fsm->set_config(fsm_config(settings_));
    if (next.shutdown && !was_shutdown)
      stop(wire::cease_subcode::kAdministrativeShutdown, next.shutdown_message);
    if (!next.shutdown && was_shutdown) start();
    return next.shutdown != was_shutdown;
  }
  // RFC 4486 §4 "Other Configuration Change": the session must be re-established.
  stop(wire::cease_subcode::kOtherConfigurationChange);
  settings_ = next;
  auto stats = primary_->fsm->stats();
  primary_ = make_connection(fsm::Origin::kLocal);
  primary_->fsm->restore_stats(stats);
  start();
  return true;
}

void Peer::on_action(FsmConnection& c, const fsm::Action& action) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, fsm::InitiateTcpConnection>) {
          log::topic_debug(log::Topic::kBgpNeighborEvents, name(), "{} [FSM] Connecting (state {})",
                           name(), to_string(c.fsm->state()));
          initiate(c);
        } else if constexpr (std::is_same_v<A, fsm::DropTcpConnection>) {
          log::topic_debug(log::Topic::kBgpNeighborEvents, name(),
                           "{} [FSM] Dropping the connection (state {})", name(),
                           to_string(c.fsm->state()));
          drop(c);
        } else if constexpr (std::is_same_v<A, fsm::SendOpen>) {
          c.sent_open = local_open();
          send(c, *c.sent_open);
        } else if constexpr (std::is_same_v<A, fsm::SendKeepalive>) {
          // FRR's bgp_keepalive_send() debug line.
          log::topic_debug(log::Topic::kBgpKeepalives, name(), "{} sending KEEPALIVE", name());
          send(c, wire::Keepalive{});
        } else if constexpr (std::is_same_v<A, fsm::SendNotification>) {
          wire::Notification n{a.code, a.subcode, a.data, std::nullopt};
          log::warning("%NOTIFICATION: sent to neighbor {} {}/{} ({}) {} bytes", name(), a.code,
                       a.subcode, n.name(), a.data.size());
          send(c, n);
        } else if constexpr (std::is_same_v<A, fsm::ProcessUpdate>) {
          process_update(c);
        } else if constexpr (std::is_same_v<A, fsm::SessionEstablished>) {
          on_established(c);
        } else if constexpr (std::is_same_v<A, fsm::SessionDown>) {
          on_down(c, a.reason);
        } else {
          static_assert(std::is_same_v<A, fsm::StartTimer> || std::is_same_v<A, fsm::StopTimer>);
        }
      },
      action);
}

void Peer::initiate(FsmConnection& c) {
  if (c.connecting || c.stream) drop(c);
  ConnectOptions options;
  options.remote = {settings_.address, settings_.port};
  options.local = settings_.update_source;
  options.interface = settings_.update_source_interface;
  options.md5_key = settings_.password;
  // TTL 1 for directly connected eBGP neighbors (as FRR and quagga), the multihop value
  // otherwise; iBGP keeps the system default.
  if (!settings_.is_ibgp()) options.ttl = settings_.ebgp_multihop > 0 ? settings_.ebgp_multihop : 1;
  // The attempt is owned by `c`: once `c` is dropped or destroyed, the callback never runs.
  c.connecting = transport_.connect(
      options, [this, raw = &c](std::error_code error, std::unique_ptr<Connection> connection) {
        auto attempt = std::move(raw->connecting);  // finished; destroyed on return
        if (error) {
          log::debug("neighbor {}: connect failed: {}", name(), error.message());
          raw->fsm->handle(fsm::TcpConnectionFails{});
          return;
        }
        attach(*raw, std::move(connection), fsm::Origin::kLocal);
        raw->fsm->handle(fsm::TcpCrAcked{});
      });
}

void Peer::attach(FsmConnection& c, std::unique_ptr<Connection> connection, fsm::Origin origin) {
  c.origin = origin;
  c.stream = std::move(connection);
  FsmConnection* raw = &c;
  c.stream->start({
      .on_message = [this, raw](ByteSpan m) { on_message(*raw, m); },
      .on_header_error =
          [this, raw](const wire::Error& e) {
            log::warning("neighbor {}: bad message header: {}", name(), e.reason);
            raw->fsm->handle(fsm::BgpHeaderErr{e.code, e.subcode, e.data});
          },
      .on_closed =
          [this, raw](std::error_code ec) {
            log::debug("neighbor {}: connection closed: {}", name(), ec.message());
            raw->fsm->handle(fsm::TcpConnectionFails{});
          },
      .on_drained = [this, raw] { on_drained(*raw); },
  });
}

void Peer::drop(FsmConnection& c) {
  const bool closed = c.stream && &c == primary_.get();
  c.stream.reset();  // closes; still flushes a queued NOTIFICATION
  c.connecting.reset();
  c.receive_options = {};
  c.send_options = {};
  c.sent_open.reset();
  c.received_open.reset();
  c.negotiated.reset();
  c.pending_update.reset();
  if (closed && observer_) observer_->connection_closed(*this);
}

void Peer::send(FsmConnection& c, const wire::Message& message) {
  if (!c.stream) return;
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, wire::Open>) ++sent_.opens;
        if constexpr (std::is_same_v<M, wire::Update>) ++sent_.updates;
        if constexpr (std::is_same_v<M, wire::Notification>) ++sent_.notifications;
        if constexpr (std::is_same_v<M, wire::Keepalive>) ++sent_.keepalives;
        if constexpr (std::is_same_v<M, wire::RouteRefresh>) ++sent_.route_refreshes;
      },
      message);
  c.stream->send(wire::encode(message, c.send_options));
  check_output(c);
}

void Peer::check_output(FsmConnection& c) {
  if (overflow_posted_ || c.stream->queued_bytes() <= limits_.cap) return;
  overflow_posted_ = true;
  clock_.post([this, alive = alive_, raw = &c] {
    if (!*alive) return;
    overflow_posted_ = false;
    FsmConnection& now = *primary_;
    if (&now != raw || !now.stream || now.stream->queued_bytes() <= limits_.cap) return;
    const std::size_t queued = now.stream->queued_bytes();
    log::warning(
        "neighbor {}: {} bytes queued for sending, more than the limit of {}: the neighbor does "
        "not read, resetting the session (Cease/Out of Resources)",
        name(), queued, limits_.cap);
    // What waits is lost with the session anyway; the NOTIFICATION goes first (RFC 4486 §4).
    now.stream->discard_queued();
    pending_reset_text_ = "Output queue full (Out of Resources)";
    now.fsm->handle(fsm::AutomaticStop{wire::cease_subcode::kOutOfResources, {}});
    last_reset_text_ = pending_reset_text_;
    pending_reset_text_.clear();
  });
}

void Peer::on_drained(FsmConnection& c) {
  if (&c != primary_.get() || !output_waiting_) return;
  output_waiting_ = false;
  if (observer_ && c.fsm->state() == State::kEstablished) observer_->output_ready(*this);
}

bool Peer::accepts_updates() {
  const FsmConnection& c = *primary_;
  if (!c.stream || c.stream->queued_bytes() < limits_.high_water) return true;
  output_waiting_ = true;
  return false;
}

wire::Open Peer::local_open() const {
  std::vector<wire::Capability> caps;
  // RFC 4760 §8 / RFC 5492: what we can carry, then what we understand.
  if (settings_.ipv4_unicast) caps.emplace_back(wire::MultiprotocolCapability{wire::kIpv4Unicast});
  if (settings_.ipv6_unicast) caps.emplace_back(wire::MultiprotocolCapability{wire::kIpv6Unicast});
  caps.emplace_back(wire::RouteRefreshCapability{});
  caps.emplace_back(wire::ExtendedMessageCapability{});
  // RFC 4724 §3 with no AFI/SAFI: we send End-of-RIB and can act as a receiving speaker, but
  // preserve no forwarding state ourselves.
  wire::GracefulRestartCapability gr;
  gr.restart_time = 120;
  caps.emplace_back(gr);
  return wire::make_open(settings_.local_as,
                         static_cast<std::uint16_t>(settings_.timers.hold_time.count()),
                         settings_.router_id, std::move(caps));
}

void Peer::on_message(FsmConnection& c, ByteSpan message) {
  auto type = static_cast<wire::MessageType>(message[18]);
  switch (type) {
    case wire::MessageType::kOpen:
      ++received_.opens;
      break;
    case wire::MessageType::kUpdate:
      ++received_.updates;
      break;
    case wire::MessageType::kNotification:
      ++received_.notifications;
      break;
    case wire::MessageType::kKeepalive:
      ++received_.keepalives;
      break;
    case wire::MessageType::kRouteRefresh:
      ++received_.route_refreshes;
      break;
  }
  auto decoded = wire::decode_message(message, c.receive_options);
  if (!decoded) {
    const wire::Error& e = decoded.error();
    log::warning("neighbor {}: malformed {} message: {}", name(), static_cast<int>(type), e.reason);
    switch (e.code) {
      case wire::error_code::kOpenMessage:
        c.fsm->handle(fsm::BgpOpenMsgErr{e.code, e.subcode, e.data});
        break;
      case wire::error_code::kUpdateMessage:
        c.fsm->handle(fsm::UpdateMsgErr{e.code, e.subcode, e.data});
        break;
      default:
        c.fsm->handle(fsm::BgpHeaderErr{e.code, e.subcode, e.data});
        break;
    }
    return;
  }
  std::visit(
      [&](auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, wire::Open>) {
          on_open(c, m);
        } else if constexpr (std::is_same_v<M, wire::Update>) {
          on_update(c, std::move(m));
        } else if constexpr (std::is_same_v<M, wire::Notification>) {
          // The Shutdown Communication is the neighbor's free text: escaped, so that a newline
          // in it cannot forge log lines (RFC 9003 §6).
          log::warning("%NOTIFICATION: received from neighbor {} {}/{} ({}) {} bytes{}", name(),
                       m.code, m.subcode, m.name(), m.data.size(),
                       m.shutdown_message ? " \"" + printable(*m.shutdown_message) + "\"" : "");
          if (m.code == wire::error_code::kOpenMessage &&
              m.subcode == wire::open_subcode::kUnsupportedVersionNumber)
            c.fsm->handle(fsm::NotifMsgVerErr{m.data});
          else
            c.fsm->handle(fsm::NotifMsg{m.code, m.subcode, m.data});
        } else if constexpr (std::is_same_v<M, wire::Keepalive>) {
          log::topic_debug(log::Topic::kBgpKeepalives, name(), "{} KEEPALIVE rcvd", name());
          c.fsm->handle(fsm::KeepAliveMsg{});
        } else if constexpr (std::is_same_v<M, wire::RouteRefresh>) {
          // RFC 2918 §4: re-advertise the Adj-RIB-Out, then mark its end (RFC 4724 §2), which
          // receivers treat as an empty UPDATE. The observer sends the marker when the table is
          // out, which for a neighbor that does not read may be much later.
          if (c.fsm->state() == State::kEstablished && c.negotiated &&
              std::find(c.negotiated->afi_safis.begin(), c.negotiated->afi_safis.end(),
                        m.afi_safi) != c.negotiated->afi_safis.end()) {
            if (observer_)
              observer_->refresh_requested(*this, m.afi_safi);
            else
              send_end_of_rib(m.afi_safi);
          }
        }
      },
      decoded.value());
}

void Peer::on_open(FsmConnection& c, const wire::Open& open) {
  wire::OpenExpectations expect;
  expect.local_as = settings_.local_as;
  expect.local_bgp_identifier = settings_.router_id;
  switch (settings_.remote_as_kind) {
    case PeerSettings::RemoteAsKind::kNumber:
      expect.remote_as = settings_.remote_as;
      break;
    case PeerSettings::RemoteAsKind::kInternal:
      expect.remote_as = settings_.local_as;
      break;
    case PeerSettings::RemoteAsKind::kExternal:
      break;
  }
  auto error = wire::check_open(open, expect);
  if (!error && settings_.remote_as_kind == PeerSettings::RemoteAsKind::kExternal &&
      open.real_as() == settings_.local_as)
    error = wire::make_error(wire::error_code::kOpenMessage, wire::open_subcode::kBadPeerAs,
                             "peer AS equals ours for an external neighbor");
  if (error) {
    log::warning("neighbor {}: OPEN rejected: {}", name(), error->reason);
    c.fsm->handle(fsm::BgpOpenMsgErr{error->code, error->subcode, error->data});
    return;
  }
  // RFC 4271 §6.8: the peer's BGP Identifier is now known; settle a second connection.
  if (FsmConnection* o = other(c);
      o && o->stream &&
      (o->fsm->state() == State::kOpenSent || o->fsm->state() == State::kOpenConfirm ||
       o->fsm->state() == State::kEstablished)) {
    auto decision = fsm::resolve_collision(settings_.router_id, open.bgp_identifier,
                                           {o->fsm->state(), o->origin}, {c.fsm->state(), c.origin},
                                           settings_.local_as, open.real_as());
    if (decision == fsm::CollisionDecision::kCloseNew) {
      log::info("neighbor {}: connection collision, closing the {} connection", name(),
                c.origin == fsm::Origin::kLocal ? "outgoing" : "incoming");
      c.fsm->handle(fsm::OpenCollisionDump{});
      dump_later(&c);
      return;
    }
    if (decision == fsm::CollisionDecision::kCloseExisting) {
      log::info("neighbor {}: connection collision, closing the {} connection", name(),
                o->origin == fsm::Origin::kLocal ? "outgoing" : "incoming");
      o->fsm->handle(fsm::OpenCollisionDump{});
      dump_later(o);
    }
  }
  if (c.sent_open) {
    c.negotiated = wire::negotiate(*c.sent_open, open,
                                   static_cast<std::uint16_t>(settings_.timers.keepalive.count()));
    c.receive_options = c.negotiated->receive_options();
    c.send_options = c.negotiated->send_options();
    if (c.stream) c.stream->set_max_message_size(wire::max_message_size(c.receive_options));
  }
  c.received_open = open;
  c.fsm->handle(fsm::BgpOpen{open.hold_time, open.bgp_identifier, open.real_as()});
}

void Peer::on_update(FsmConnection& c, wire::Update update) {
  wire::ValidationContext ctx;
  ctx.ibgp = settings_.is_ibgp();
  ctx.four_octet_as = c.receive_options.four_octet_as;
  if (c.negotiated) ctx.afi_safis = c.negotiated->afi_safis;
  // RFC 4271 §6.3 / FRR `bgp enforce-first-as` (on by default): an eBGP peer's path starts
  // with its own AS.
  if (!ctx.ibgp && c.negotiated) ctx.enforce_first_as = c.negotiated->peer_as;
  auto verdict = wire::validate_update(update, ctx);
  switch (verdict.action) {
    case wire::UpdateAction::kSessionReset: {
      const auto& e = *verdict.error;
      log::warning("neighbor {}: malformed UPDATE, resetting the session: {}", name(),
                   verdict.reason);
      c.fsm->handle(fsm::UpdateMsgErr{e.code, e.subcode, e.data});
      return;
    }
    case wire::UpdateAction::kTreatAsWithdraw:
      // RFC 7606 §2: log and withdraw what the UPDATE announced.
      log::warning("neighbor {}: malformed UPDATE treated as withdraw: {}", name(), verdict.reason);
      ++treated_as_withdraw_;
      wire::apply_discards(update, verdict);
      convert_to_withdraw(update);
      break;
    case wire::UpdateAction::kAttributeDiscard:
      log::warning("neighbor {}: UPDATE attributes discarded: {}", name(), verdict.reason);
      wire::apply_discards(update, verdict);
      break;
    case wire::UpdateAction::kAccept:
      break;
  }
  c.pending_update = std::move(update);
  c.fsm->handle(fsm::UpdateMsg{});
  c.pending_update.reset();
}

namespace {

// FRR's bgp_dump_attr() in short: "nexthop 192.0.2.1, localpref 100, metric 0, path 65001 65002".
std::string attributes_text(const wire::PathAttributes& a) {
  std::string out;
  auto add = [&](const std::string& item) { out += (out.empty() ? "" : ", ") + item; };
  if (a.next_hop) add("nexthop " + a.next_hop->to_string());
  if (a.mp_reach && a.mp_reach->next_hop) add("mp_nexthop " + a.mp_reach->next_hop->to_string());
  if (a.local_pref) add(fmt::format("localpref {}", *a.local_pref));
  if (a.med) add(fmt::format("metric {}", *a.med));
  if (a.as_path) {
    std::string path;
    for (const auto& segment : a.as_path->segments) {
      bool set = segment.type != wire::SegmentType::kAsSequence;
      path += (path.empty() ? "" : " ") + std::string(set ? "{" : "") +
              fmt::format("{}", fmt::join(segment.asns, set ? "," : " ")) + (set ? "}" : "");
    }
    add("path " + path);
  }
  return out;
}

}  // namespace

// FRR's bgp_update_receive() debug lines ("rcvd UPDATE w/ attr", "rcvd P", "rcvd UPDATE about
// P -- withdrawn"): with `debug bgp updates in` for this peer, or `debug bgp updates prefix P`.
void Peer::debug_update_in(const wire::Update& u) const {
  const std::string peer = name();
  const bool all = log::wants(log::Topic::kBgpUpdatesIn, peer);
  auto wanted = [&](const Prefix& p) {
    return all || log::wants(log::Topic::kBgpUpdatesPrefix, p.to_string());
  };
  auto withdrawn = [&](const std::vector<Prefix>& prefixes) {
    for (const auto& p : prefixes)
      if (wanted(p))
        log::write_topic_line(
            fmt::format("{} rcvd UPDATE about {} -- withdrawn", peer, p.to_string()));
  };
  auto announced = [&](const std::vector<Prefix>& prefixes) {
    for (const auto& p : prefixes)
      if (wanted(p)) log::write_topic_line(fmt::format("{} rcvd {}", peer, p.to_string()));
  };
  if (all)
    log::write_topic_line(
        fmt::format("{} rcvd UPDATE w/ attr: {}", peer, attributes_text(u.attributes)));
  withdrawn(u.withdrawn);
  if (u.attributes.mp_unreach) withdrawn(u.attributes.mp_unreach->withdrawn);
  announced(u.nlri);
  if (u.attributes.mp_reach) announced(u.attributes.mp_reach->nlri);
}

void Peer::process_update(FsmConnection& c) {
  if (!c.pending_update) return;
  const wire::Update& u = *c.pending_update;
  const auto& families = c.negotiated ? c.negotiated->afi_safis : std::vector{wire::kIpv4Unicast};
  auto negotiated = [&](wire::AfiSafi f) {
    return std::find(families.begin(), families.end(), f) != families.end();
  };
  auto withdraw = [&](wire::AfiSafi family, const std::vector<Prefix>& prefixes) {
    if (prefixes.empty()) return;
    for (const auto& p : prefixes) adj_rib_in_.withdraw(family, p);
    if (observer_) observer_->routes_withdrawn(*this, family, prefixes);
  };
  if (log::topic_on(log::Topic::kBgpUpdatesIn) || log::topic_on(log::Topic::kBgpUpdatesPrefix))
    debug_update_in(u);
  if (negotiated(wire::kIpv4Unicast)) withdraw(wire::kIpv4Unicast, u.withdrawn);
  if (const auto& unreach = u.attributes.mp_unreach; unreach && negotiated(unreach->afi_safi))
    withdraw(unreach->afi_safi, unreach->withdrawn);
  const auto& reach = u.attributes.mp_reach;
  bool announces = (!u.nlri.empty() && negotiated(wire::kIpv4Unicast)) ||
                   (reach && negotiated(reach->afi_safi) && !reach->nlri.empty());
  if (!announces) return;
  // One shared, interned attribute set for every prefix of this UPDATE; the NLRI fields are not
  // part of it.
  wire::PathAttributes attributes = u.attributes;
  attributes.mp_unreach.reset();
  // Emptied with its room (clear() would keep it in the interned copy for good).
  if (attributes.mp_reach) attributes.mp_reach->nlri = std::vector<Prefix>();
  rib::AttrRef shared = store_->intern(std::move(attributes));
  auto announce = [&](wire::AfiSafi family, const std::vector<Prefix>& prefixes) {
    if (prefixes.empty()) return;
    for (const auto& p : prefixes) adj_rib_in_.announce(family, p, shared);
    if (observer_) observer_->routes_announced(*this, family, prefixes, shared);
  };
  if (negotiated(wire::kIpv4Unicast)) announce(wire::kIpv4Unicast, u.nlri);
  if (reach && negotiated(reach->afi_safi)) announce(reach->afi_safi, reach->nlri);
}

void Peer::on_established(FsmConnection& c) {
  if (secondary_.get() == &c) {
    // The second connection won (§6.8) or the first one failed: it becomes the session.
    auto old = std::move(primary_);
    primary_ = std::move(secondary_);
    auto stats = old->fsm->stats();
    const auto& now = primary_->fsm->stats();
    stats.established_transitions += now.established_transitions;
    stats.established_at = now.established_at;
    stats.last_state_change = now.last_state_change;
    primary_->fsm->restore_stats(stats);
  } else if (secondary_) {
    dump_later(secondary_.get());
  }
  negotiated_ = c.negotiated;
  received_open_ = c.received_open;
  output_waiting_ = false;
  // RFC 4724 §2: the observer sends the initial update and then the End-of-RIB markers;
  // without one, the (empty) initial update is complete now.
  if (observer_) observer_->session_up(*this);
  log::topic_debug(log::Topic::kBgpNeighborEvents, name(),
                   "{} went from OpenConfirm to Established", name());
  log::notice("%ADJCHANGE: neighbor {}{} Up", name(),
              settings_.description.empty() ? "" : "(" + settings_.description + ")");
  if (!observer_ && c.negotiated) {
    for (const auto& family : c.negotiated->afi_safis)
      if (family == wire::kIpv4Unicast || family == wire::kIpv6Unicast) send_end_of_rib(family);
  }
}

void Peer::on_down(FsmConnection&, fsm::DownReason reason) {
  last_reset_text_ =
      pending_reset_text_.empty() ? std::string(down_text(reason)) : pending_reset_text_;
  // RFC 4271 §8.2.2: leaving Established deletes all routes learned on the connection.
  adj_rib_in_.clear();
  if (observer_) observer_->session_down(*this);
  negotiated_.reset();
  log::topic_debug(log::Topic::kBgpNeighborEvents, name(), "{} went from Established to Idle ({})",
                   name(), last_reset_text_);
  log::notice("%ADJCHANGE: neighbor {}{} Down {}", name(),
              settings_.description.empty() ? "" : "(" + printable(settings_.description) + ")",
              last_reset_text_);
}

void Peer::dump_later(FsmConnection* loser) {
  clock_.post([this, alive = alive_, loser] {
    if (!*alive) return;
    if (secondary_.get() == loser) {
      secondary_.reset();
    } else if (primary_.get() == loser && secondary_) {
      auto stats = primary_->fsm->stats();
      primary_ = std::move(secondary_);
      primary_->fsm->restore_stats(stats);
    }
  });
}

void Peer::send_update(Bytes encoded) {
  FsmConnection& c = *primary_;
  if (!c.stream || c.fsm->state() != State::kEstablished) return;
  log::topic_debug(log::Topic::kBgpUpdatesOut, name(), "{} send UPDATE ({} bytes)", name(),
                   encoded.size());
  ++sent_.updates;
  c.stream->send(std::move(encoded));
  check_output(c);
  c.fsm->handle(fsm::UpdateSent{});
}

void Peer::send_end_of_rib(wire::AfiSafi family) {
  FsmConnection& c = *primary_;
  if (!c.stream || c.fsm->state() != State::kEstablished) return;
  send(c, wire::make_end_of_rib(family));
  c.fsm->handle(fsm::UpdateSent{});
}

wire::Options Peer::send_options() const {
  return primary_->send_options;
}

bool Peer::request_refresh(wire::AfiSafi family) {
  FsmConnection& c = *primary_;
  if (c.fsm->state() != State::kEstablished || !c.negotiated || !c.negotiated->route_refresh)
    return false;
  send(c, wire::RouteRefresh{family});
  return true;
}

void Peer::stop_for_prefix_limit(wire::AfiSafi family, std::uint32_t limit,
                                 std::optional<event::Duration> restart_after) {
  // RFC 4486 §4: AFI (2 octets), SAFI (1), prefix upper bound (4).
  ByteWriter data;
  data.u16(static_cast<std::uint16_t>(family.afi));
  data.u8(static_cast<std::uint8_t>(family.safi));
  data.u32(limit);
  fsm::AutomaticStop stop{wire::cease_subcode::kMaxPrefixes, data.take()};
  if (secondary_) secondary_.reset();
  primary_->fsm->handle(stop);
  // A fresh FSM that nobody starts: the neighbor stays down instead of reconnecting after the
  // idle hold time and overflowing again.
  auto stats = primary_->fsm->stats();
  primary_ = make_connection(fsm::Origin::kLocal);
  primary_->fsm->restore_stats(stats);
  prefix_limit_hit_ = true;
  last_reset_text_ = "Max Prefix Limit";
  if (restart_after) {
    if (!restart_timer_) restart_timer_ = clock_.make_timer();
    restart_timer_->arm(*restart_after, [this] { restart(); });
  }
}

void Peer::restart() {
  if (prefix_limit_hit_) start();
}

void Peer::accept(std::unique_ptr<Connection> connection) {
  State s = primary_->fsm->state();
  // RFC 4271 §8.2.2 Idle: "refuses all incoming BGP connections".
  if (s == State::kIdle) {
    log::debug("neighbor {}: refusing connection in Idle", name());
    return;  // the connection closes here
  }
  if (!primary_->stream) {  // Connect or Active: this connection becomes the session
    primary_->connecting.reset();
    attach(*primary_, std::move(connection), fsm::Origin::kRemote);
    primary_->fsm->handle(fsm::TcpConnectionConfirmed{});
    return;
  }
  if ((s == State::kOpenSent || s == State::kOpenConfirm) && !secondary_) {
    // RFC 4271 §6.8: run both until the peer's OPEN tells who wins.
    secondary_ = make_connection(fsm::Origin::kRemote);
    attach(*secondary_, std::move(connection), fsm::Origin::kRemote);
    FsmConnection* raw = secondary_.get();
    // Only a failure after the start counts: ManualStartPassive itself moves Idle -> Active,
    // and reacting to that destroyed every second connection right after it sent its OPEN, so
    // a §6.8 collision was never resolved (found by tests/unit/bgp/peer collision tests).
    raw->fsm->set_state_observer([this, raw](State from, State to) {
      if (from != State::kIdle && (to == State::kIdle || to == State::kActive)) dump_later(raw);
    });
    raw->fsm->handle(fsm::ManualStartPassive{});
    raw->fsm->handle(fsm::TcpConnectionConfirmed{});
    return;
  }
  // Collision with an Established session (§6.8): the new connection is closed.
  log::info("neighbor {}: closing a new connection that collides with the session", name());
  connection->send(
      wire::encode(wire::Notification{wire::error_code::kCease,
                                      wire::cease_subcode::kConnectionCollisionResolution,
                                      {},
                                      std::nullopt},
                   {}));
  connection->close();
}

}  // namespace vipd::bgp::peer
