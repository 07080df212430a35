#include "bfd/session.hpp"

#include <fmt/format.h>

#include "common/log.hpp"

namespace vipd::bfd {

std::string PeerKey::to_string() const {
  std::string text = "peer " + peer.to_string();
  if (multihop) text += " multihop";
  if (local) text += " local-address " + local->to_string();
  if (!interface.empty()) text += " interface " + interface;
  return text;
}

std::string_view to_string(Discard reason) {
  switch (reason) {
    case Discard::kDecode:
      return "decode";
    case Discard::kTtl:
      return "ttl";
    case Discard::kNoSession:
      return "no-session";
    case Discard::kAuthentication:
      return "authentication";
    case Discard::kSequence:
      return "sequence";
    case Discard::kDiscriminator:
      return "discriminator";
    case Discard::kAdminDown:
      return "admin-down";
  }
  return "unknown";
}

// ---- Session ----

Session::Session(event::Clock& clock, Network& network, SessionOptions options,
                 StateChangedCallback on_state_changed, fsm::Jitter jitter,
                 std::uint32_t initial_transmit_sequence)
    : clock_(clock),
      network_(network),
      options_(std::move(options)),
      on_state_changed_(std::move(on_state_changed)),
      jitter_(std::move(jitter)),
      session_(fsm::make_session(options_.config)),
      transmit_timer_(clock.make_timer()),
      detection_timer_(clock.make_timer()),
      echo_transmit_timer_(clock.make_timer()),
      echo_detection_timer_(clock.make_timer()),
      transmit_sequence_(initial_transmit_sequence) {}

void Session::start() {
  handle(fsm::Start{});
}

void Session::receive(ByteSpan payload, const wire::ControlPacket& packet) {
  if (stopped_) return;
  const wire::AuthKey* key = options_.auth ? &*options_.auth : nullptr;
  if (auto verified = wire::verify(payload, packet, key); !verified) {
    count_discard(Discard::kAuthentication);
    return;
  }
  const event::TimePoint now = clock_.now();
  if (key && key->type != wire::AuthType::kSimplePassword) {
    // §6.8.1 bfd.AuthSeqKnown: "reset to zero [...] if no packets have been received on this
    // session in at least twice the Detection Time".
    if (last_received_ &&
        now - *last_received_ >=
            2 * std::max(fsm::detection_time(session_),
                         std::chrono::duration_cast<fsm::Microseconds>(fsm::kSlowTxInterval * 3)))
      receive_sequence_.known = false;
    if (!receive_sequence_.accept(
            packet.auth->sequence, wire::is_meticulous(key->type),
            session_.detect_mult ? session_.detect_mult : packet.detect_mult)) {
      count_discard(Discard::kSequence);
      return;
    }
  }
  last_received_ = now;
  ++counters_.control_packets_in;
  handle(fsm::PacketReceived{packet});
}

void Session::note_path(const Datagram& datagram) {
  // RFC 5881 §4: the echo goes back the way the peer's Control packets came in; a configured
  // local address or interface wins.
  echo_route_.peer = options_.peer;
  echo_route_.local = options_.peer.local ? options_.peer.local : datagram.destination;
  echo_route_.interface =
      options_.peer.interface.empty() ? datagram.interface : options_.peer.interface;
}

void Session::receive_echo(const wire::EchoPacket& packet) {
  if (stopped_ || !session_.echo_active) return;  // FRR: "echo disabled"
  ++counters_.echo_packets_in;
  const auto now =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.now().time_since_epoch());
  if (packet.sent.count() > 0 && now >= packet.sent) {
    const auto rtt = (now - packet.sent).count();
    rtt_[rtt_next_] = static_cast<std::uint32_t>(std::min<std::int64_t>(rtt, UINT32_MAX));
    rtt_next_ = (rtt_next_ + 1) % kRttSamples;
    rtt_count_ = std::min(rtt_count_ + 1, kRttSamples);
  }
  handle(fsm::EchoReceived{});
}

Session::Rtt Session::echo_rtt() const {
  Rtt rtt;
  if (rtt_count_ == 0) return rtt;
  rtt.min = UINT32_MAX;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < rtt_count_; ++i) {
    rtt.min = std::min(rtt.min, rtt_[i]);
    rtt.max = std::max(rtt.max, rtt_[i]);
    sum += rtt_[i];
  }
  rtt.avg = static_cast<std::uint32_t>(sum / rtt_count_);
  return rtt;
}

void Session::admin_down() {
  handle(fsm::AdminDown{});
}

void Session::admin_up() {
  handle(fsm::AdminUp{});
}

void Session::set_timers(const fsm::Timers& timers) {
  options_.config.timers = timers;
  handle(fsm::ParametersChanged{timers});
}

void Session::set_options(const SessionOptions& options) {
  const fsm::Timers timers = options.config.timers;
  const std::uint32_t discriminator = session_.config.local_discriminator;
  options_ = options;
  options_.config.local_discriminator = discriminator;
  // Passive mode is read by step() from the configuration; echo changes may start or stop the
  // echoes; the timers need the FSM's Poll Sequence (§6.8.3).
  session_.config.passive = options.config.passive;
  const fsm::Config& c = options.config;
  if (c.echo_mode != session_.config.echo_mode ||
      c.desired_echo_tx != session_.config.desired_echo_tx ||
      c.required_min_echo_rx != session_.config.required_min_echo_rx)
    handle(fsm::EchoParametersChanged{c.echo_mode, c.desired_echo_tx, c.required_min_echo_rx});
  if (!(timers == session_.config.timers)) set_timers(timers);
}

void Session::stop() {
  stopped_ = true;
  transmit_timer_->cancel();
  detection_timer_->cancel();
  echo_transmit_timer_->cancel();
  echo_detection_timer_->cancel();
}

void Session::handle(const fsm::Event& event) {
  if (stopped_) return;
  fsm::Transition transition = fsm::step(session_, event, jitter_);
  session_ = std::move(transition.session);
  for (const fsm::Action& action : transition.actions) apply(action);
}

void Session::apply(const fsm::Action& action) {
  if (const auto* send_packet = std::get_if<fsm::SendPacket>(&action)) {
    send(send_packet->packet);
  } else if (const auto* arm = std::get_if<fsm::ArmTransmitTimer>(&action)) {
    transmit_timer_->arm(arm->after, [this] { handle(fsm::TransmitTimerExpired{}); });
  } else if (std::holds_alternative<fsm::CancelTransmitTimer>(action)) {
    transmit_timer_->cancel();
  } else if (const auto* arm_detection = std::get_if<fsm::ArmDetectionTimer>(&action)) {
    detection_timer_->arm(arm_detection->after, [this] { handle(fsm::DetectionTimerExpired{}); });
  } else if (std::holds_alternative<fsm::CancelDetectionTimer>(action)) {
    detection_timer_->cancel();
  } else if (const auto* changed = std::get_if<fsm::StateChanged>(&action)) {
    ++counters_.state_changes;
    if (changed->to == wire::State::kUp) ++counters_.session_up;
    if (changed->from == wire::State::kUp) {
      ++counters_.session_down;
      last_down_diag_ = changed->diag;
    }
    last_change_ = clock_.now();
    log::info("BFD {}: {} -> {} ({})", options_.peer.to_string(), wire::to_string(changed->from),
              wire::to_string(changed->to), wire::to_string(changed->diag));
    if (on_state_changed_) on_state_changed_(*this, *changed);
  } else if (std::holds_alternative<fsm::SendEcho>(action)) {
    send_echo();
  } else if (const auto* arm_echo = std::get_if<fsm::ArmEchoTransmitTimer>(&action)) {
    echo_transmit_timer_->arm(arm_echo->after, [this] { handle(fsm::EchoTransmitTimerExpired{}); });
  } else if (const auto* arm_echo_detection = std::get_if<fsm::ArmEchoDetectionTimer>(&action)) {
    echo_detection_timer_->arm(arm_echo_detection->after,
                               [this] { handle(fsm::EchoDetectionTimerExpired{}); });
  } else if (std::holds_alternative<fsm::CancelEchoTimers>(action)) {
    echo_transmit_timer_->cancel();
    echo_detection_timer_->cancel();
  } else if (const auto* discarded = std::get_if<fsm::PacketDiscarded>(&action)) {
    count_discard(discarded->reason == fsm::DiscardReason::kAdminDown ? Discard::kAdminDown
                                                                      : Discard::kDiscriminator);
  }
}

void Session::send(const wire::ControlPacket& packet) {
  Bytes payload;
  if (options_.auth) {
    // §6.7.3/§6.7.4: keyed variants MAY, meticulous ones MUST increment bfd.XmitAuthSeq for
    // every packet; vipd always does (a peer's window accepts both).
    payload = wire::sign(packet, *options_.auth, transmit_sequence_);
    if (options_.auth->type != wire::AuthType::kSimplePassword) ++transmit_sequence_;
  } else {
    payload = wire::encode(packet);
  }
  if (auto sent = network_.send(options_.peer, payload); !sent) {
    ++counters_.send_errors;
    return;
  }
  ++counters_.control_packets_out;
}

void Session::send_echo() {
  wire::EchoPacket packet;
  packet.my_discriminator = session_.config.local_discriminator;
  packet.sent =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.now().time_since_epoch());
  if (echo_route_.peer != options_.peer) echo_route_.peer = options_.peer;
  if (auto sent = network_.send_echo(echo_route_, wire::encode(packet)); !sent) {
    if (counters_.send_errors++ == 0)
      log::warning("BFD {}: echo not sent: {}", options_.peer.to_string(), sent.error());
    return;
  }
  ++counters_.echo_packets_out;
}

// ---- SessionTable ----

SessionTable::SessionTable(event::Clock& clock, Network& network)
    : clock_(clock), network_(network) {
  network_.set_receiver([this](const Datagram& datagram) { receive(datagram); });
}

SessionTable::~SessionTable() {
  network_.set_receiver({});
  for (auto& [peer, session] : sessions_) session->stop();
}

std::uint32_t SessionTable::new_discriminator() {
  // §6.8.1 bfd.LocalDiscr: nonzero and unique; random so that a restarted daemon's sessions do
  // not collide with what peers still remember.
  for (;;) {
    const std::uint32_t candidate = random_();
    if (candidate != 0 && !by_discriminator_.contains(candidate)) return candidate;
  }
}

Result<Session*, std::string> SessionTable::add(SessionOptions options,
                                                Session::StateChangedCallback on_state_changed) {
  if (sessions_.contains(options.peer))
    return unexpected("BFD session " + options.peer.to_string() + " exists already");
  if (auto opened = network_.open(options.peer); !opened) return unexpected(opened.error());
  options.config.local_discriminator = new_discriminator();
  fsm::Jitter jitter;
  if (fixed_jitter_) {
    jitter = [u = *fixed_jitter_] { return u; };
  } else {
    jitter = [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); };
  }
  const PeerKey key = options.peer;
  auto session =
      std::make_unique<Session>(clock_, network_, std::move(options), std::move(on_state_changed),
                                std::move(jitter), static_cast<std::uint32_t>(random_()));
  Session* raw = session.get();
  by_discriminator_[raw->local_discriminator()] = raw;
  sessions_.emplace(key, std::move(session));
  raw->start();
  return raw;
}

bool SessionTable::remove(const PeerKey& key) {
  // A copy: the caller's key may be the session's own, which is destroyed below.
  const PeerKey peer = key;
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return false;
  it->second->stop();
  by_discriminator_.erase(it->second->local_discriminator());
  sessions_.erase(it);
  network_.close(peer);
  return true;
}

Session* SessionTable::find(const PeerKey& peer) {
  auto it = sessions_.find(peer);
  return it == sessions_.end() ? nullptr : it->second.get();
}

const Session* SessionTable::find(const PeerKey& peer) const {
  auto it = sessions_.find(peer);
  return it == sessions_.end() ? nullptr : it->second.get();
}

Session* SessionTable::find(std::uint32_t local_discriminator) {
  auto it = by_discriminator_.find(local_discriminator);
  return it == by_discriminator_.end() ? nullptr : it->second;
}

Session* SessionTable::find_by_addresses(const Datagram& datagram) {
  // §6.8.6: with Your Discriminator zero, "the session MUST be selected based on some
  // combination of other fields, possibly including source addressing information": the peer
  // address, then the local address and interface where the session names them (RFC 5881 §3).
  for (auto& [key, session] : sessions_) {
    if (key.multihop != datagram.multihop || key.peer != datagram.source) continue;
    if (key.local && datagram.destination && *key.local != *datagram.destination) continue;
    if (!key.interface.empty() && !datagram.interface.empty() &&
        key.interface != datagram.interface)
      continue;
    return session.get();
  }
  return nullptr;
}

void SessionTable::receive_echo(const Datagram& datagram) {
  // A peer's echo on its way out (TTL 255): IPv6 echoes are looped by the BFD daemon, as FRR
  // bfdd does, but only for a single hop session's peer that we told we would loop them
  // (nonzero Required Min Echo RX), so that port 3785 is no reflector for anyone else.
  if (datagram.ttl == 255) {
    if (datagram.source.family() != Family::kIpv6) return;
    for (auto& [key, session] : sessions_) {
      if (key.multihop || key.peer != datagram.source) continue;
      if (session->state().config.required_min_echo_rx.count() == 0) return;
      network_.reflect_echo(datagram);
      ++unmatched_.echo_packets_reflected;
      return;
    }
    ++unmatched_.discards[static_cast<std::size_t>(Discard::kNoSession)];
    return;
  }
  // Ours, back after exactly one forwarding hop (FRR accepts TTL 254 only).
  if (datagram.ttl != 254) {
    ++unmatched_.discards[static_cast<std::size_t>(Discard::kTtl)];
    return;
  }
  auto packet = wire::decode_echo(datagram.payload);
  if (!packet) {
    ++unmatched_.discards[static_cast<std::size_t>(Discard::kDecode)];
    return;
  }
  Session* session = find(packet->my_discriminator);
  if (!session || session->peer().multihop) {
    ++unmatched_.discards[static_cast<std::size_t>(Discard::kNoSession)];
    return;
  }
  session->receive_echo(*packet);
}

void SessionTable::receive(const Datagram& datagram) {
  if (datagram.echo) {
    receive_echo(datagram);
    return;
  }
  auto packet = wire::decode(datagram.payload);
  if (!packet) {
    ++unmatched_.discards[static_cast<std::size_t>(Discard::kDecode)];
    return;
  }
  Session* session = packet->your_discriminator != 0 ? find(packet->your_discriminator)
                                                     : find_by_addresses(datagram);
  if (!session || session->peer().multihop != datagram.multihop) {
    ++unmatched_.discards[static_cast<std::size_t>(Discard::kNoSession)];
    return;
  }
  // RFC 5881 §5: single hop packets MUST be sent and received with TTL/Hop Limit 255 (GTSM,
  // RFC 5082). RFC 5883 §2: multihop relies on the configured minimum TTL.
  const std::uint8_t minimum_ttl = datagram.multihop ? session->options().minimum_ttl : 255;
  if (datagram.ttl < minimum_ttl) {
    session->count_discard(Discard::kTtl);
    return;
  }
  if (!datagram.multihop) session->note_path(datagram);
  session->receive(datagram.payload, *packet);
}

}  // namespace vipd::bfd
