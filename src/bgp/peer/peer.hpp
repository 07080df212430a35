// One configured BGP neighbor: its TCP connection(s), the RFC 4271 §8 FSM driver for each,
// message decoding and checks, and its Adj-RIB-In. This is the only place where the transport
// (transport.hpp), the wire codec and the FSM meet.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "bgp/fsm/collision.hpp"
#include "bgp/fsm/session.hpp"
#include "bgp/peer/transport.hpp"
#include "bgp/rib/adj_rib_in.hpp"
#include "bgp/wire/message.hpp"
#include "bgp/wire/open_check.hpp"
#include "event/clock.hpp"

namespace vipd::bgp::peer {

struct PeerSettings {
  IpAddress address;
  std::uint16_t port = 179;
  std::uint32_t local_as = 0;
  std::uint32_t router_id = 0;  // host order
  // The configured remote AS; for `remote-as internal|external` the speaker resolves it.
  enum class RemoteAsKind : std::uint8_t { kNumber, kInternal, kExternal };
  RemoteAsKind remote_as_kind = RemoteAsKind::kNumber;
  std::uint32_t remote_as = 0;
  std::string description;
  std::string password;  // RFC 2385 TCP MD5 key; empty = none
  std::optional<IpAddress> update_source;
  std::string update_source_interface;
  bool shutdown = false;
  std::string shutdown_message;
  int ebgp_multihop = 0;  // 0: directly connected (TTL 1 for eBGP)
  fsm::Config timers;
  bool ipv4_unicast = true;
  bool ipv6_unicast = false;

  bool operator==(const PeerSettings&) const = default;
  bool is_ibgp() const;
  // Whether `neighbor A activate` holds for the family (IPv4 or IPv6 unicast).
  bool active_in(wire::AfiSafi family) const {
    return family == wire::kIpv4Unicast ? ipv4_unicast
                                        : family == wire::kIpv6Unicast && ipv6_unicast;
  }
};

struct MessageCounters {
  std::uint64_t opens = 0, updates = 0, notifications = 0, keepalives = 0, route_refreshes = 0;
  std::uint64_t total() const {
    return opens + updates + notifications + keepalives + route_refreshes;
  }
};

class Peer;

// Who learns about this peer's routes beyond its own Adj-RIB-In (the speaker's Loc-RIB). Called
// with what the peer accepted, already filtered to the negotiated families and with RFC 7606
// treat-as-withdraw applied.
class RouteObserver {
 public:
  virtual ~RouteObserver() = default;
  virtual void session_up(Peer& peer) = 0;
  virtual void session_down(Peer& peer) = 0;
  virtual void routes_withdrawn(Peer& peer, wire::AfiSafi family,
                                std::span<const Prefix> prefixes) = 0;
  virtual void routes_announced(Peer& peer, wire::AfiSafi family, std::span<const Prefix> prefixes,
                                const rib::AttrRef& attributes) = 0;
  // The neighbor sent ROUTE-REFRESH (RFC 2918 §4): re-advertise the Adj-RIB-Out of `family`.
  // The observer sends the End-of-RIB marker (Peer::send_end_of_rib()) once the table is out,
  // as it does for the initial update after session_up() (RFC 4724 §2).
  virtual void refresh_requested(Peer& peer, wire::AfiSafi family) = 0;
  // The connection took every queued message after Peer::accepts_updates() said no: UPDATEs
  // may be generated again (issue 15, D1).
  virtual void output_ready(Peer& peer) = 0;
  // The session's connection closed (or failed before the session came up): the speaker
  // deletes a dynamic neighbor then (FRR's bgp_stop()). Not called for a collision's loser.
  virtual void connection_closed(Peer&) {}
};

// Flow control of the messages to a neighbor (issue 15, D1). UPDATEs are generated from the
// Adj-RIB-Out only while fewer than `high_water` bytes wait in the connection; a neighbor that
// stops reading therefore holds about that much. `cap` is the hard limit on bytes queued for any
// reason: passing it resets the session with Cease / Out of Resources (RFC 4486 §4, subcode 8).
struct OutputLimits {
  std::size_t high_water = 256 * 1024;
  std::size_t cap = 4 * 1024 * 1024;
};

class Peer {
 public:
  // Connections are made through `transport`; deferred work and timers go through `clock`.
  // `jitter` draws the RFC 4271 §10 factors of the timers (random when empty).
  Peer(event::Clock& clock, Transport& transport, PeerSettings settings, fsm::Jitter jitter = {});
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void set_observer(RouteObserver* observer) { observer_ = observer; }
  // Where received attribute sets are interned (the speaker's, shared with its Loc-RIB); the
  // peer has its own otherwise.
  void set_attribute_store(rib::AttributeStore* store) { store_ = store; }
  // Starts the session unless the neighbor is shut down (ManualStart, or the passive variant).
  void start();
  // ManualStop: Cease with this subcode (RFC 4486) and RFC 9003 message to an open session.
  void stop(std::uint8_t cease_subcode, const std::string& message = {});
  // The daemon learned that the neighbor is dead (BFD, RFC 5882 §4.3): a session that is up or
  // coming up goes down now, with Cease/`cease_subcode` sent in case the neighbor still reads,
  // and `reason` as the last reset (FRR: "BFD down received"). It restarts as after any
  // automatic stop (the IdleHold backoff). False when there was no session to take down.
  bool liveness_lost(std::uint8_t cease_subcode, const std::string& reason);
  // Replaces the settings. Returns true when the session was reset to apply them.
  bool reconfigure(const PeerSettings& settings);
  // A connection the listener accepted from this neighbor's address.
  void accept(std::unique_ptr<Connection> connection);

  // An encoded UPDATE for the established session (dropped when there is none).
  void send_update(Bytes encoded);
  // RFC 4724 §2: the End-of-RIB marker of `family` (the initial update or a refresh is out).
  void send_end_of_rib(wire::AfiSafi family);
  // Whether the connection can take more UPDATEs now (fewer than OutputLimits::high_water bytes
  // queued). When it cannot, the observer's output_ready() follows once the queue is empty.
  bool accepts_updates();
  void set_output_limits(const OutputLimits& limits) { limits_ = limits; }
  const OutputLimits& output_limits() const { return limits_; }
  // Asks the neighbor to send its routes of `family` again (RFC 2918), if it can.
  bool request_refresh(wire::AfiSafi family);
  // Whether the Adj-RIB-In of `family` is kept (rib/adj_rib_in.hpp; kept unless told otherwise).
  void keep_adj_rib_in(wire::AfiSafi family, bool keep) { adj_rib_in_.keep(family, keep); }
  // RFC 4486 §4 Cease / Maximum Number of Prefixes Reached, with the AFI/SAFI and limit as data;
  // the neighbor then stays down (FRR's "Idle (PfxCt)") until restart() or, if given, the
  // restart interval has passed.
  void stop_for_prefix_limit(wire::AfiSafi family, std::uint32_t limit,
                             std::optional<event::Duration> restart_after);
  bool prefix_limit_hit() const { return prefix_limit_hit_; }
  // Starts a neighbor stopped by stop_for_prefix_limit() again (`clear ip bgp`).
  void restart();

  bool established() const { return state() == fsm::State::kEstablished; }
  // The options UPDATEs to this neighbor are encoded with (RFC 6793, RFC 8654).
  wire::Options send_options() const;

  const PeerSettings& settings() const { return settings_; }
  fsm::State state() const;
  const fsm::Session::Stats& stats() const;
  const fsm::Session& session() const;
  const std::optional<wire::Negotiated>& negotiated() const { return negotiated_; }
  const std::optional<wire::Open>& received_open() const { return received_open_; }
  const rib::AdjRibIn& adj_rib_in() const { return adj_rib_in_; }
  const MessageCounters& received() const { return received_; }
  const MessageCounters& sent() const { return sent_; }
  std::size_t output_queue() const;
  std::size_t output_bytes() const;
  // Local and remote endpoint of the established connection.
  std::optional<std::pair<IpAddress, std::uint16_t>> local_endpoint() const;
  std::optional<std::pair<IpAddress, std::uint16_t>> remote_endpoint() const;
  // "Hold Timer Expired", "Peer closed the session", "Admin. shutdown", ... (FRR wording).
  const std::string& last_reset_text() const { return last_reset_text_; }
  std::uint64_t updates_treated_as_withdraw() const { return treated_as_withdraw_; }

 private:
  struct FsmConnection;

  std::unique_ptr<FsmConnection> make_connection(fsm::Origin origin);
  void on_action(FsmConnection& c, const fsm::Action& action);
  void initiate(FsmConnection& c);
  void attach(FsmConnection& c, std::unique_ptr<Connection> connection, fsm::Origin origin);
  void drop(FsmConnection& c);
  void send(FsmConnection& c, const wire::Message& message);
  void on_message(FsmConnection& c, ByteSpan message);
  void on_open(FsmConnection& c, const wire::Open& open);
  void on_update(FsmConnection& c, wire::Update update);
  void process_update(FsmConnection& c);
  void debug_update_in(const wire::Update& update) const;
  void on_established(FsmConnection& c);
  void on_down(FsmConnection& c, fsm::DownReason reason);
  void dump_later(FsmConnection* loser);
  // After a message is queued: past OutputLimits::cap, the session is reset (posted, since the
  // caller may be the Adj-RIB-Out in the middle of a batch).
  void check_output(FsmConnection& c);
  void on_drained(FsmConnection& c);
  FsmConnection* other(const FsmConnection& c) const;
  wire::Open local_open() const;
  // The neighbor's address as text, made once (debug lines name it per message).
  const std::string& name() const { return name_; }

  event::Clock& clock_;
  Transport& transport_;
  PeerSettings settings_;
  std::string name_;  // settings_.address as text; the address of a Peer never changes
  fsm::Jitter jitter_;
  std::unique_ptr<FsmConnection> primary_;
  std::unique_ptr<FsmConnection> secondary_;
  std::optional<wire::Negotiated> negotiated_;
  std::optional<wire::Open> received_open_;
  rib::AttributeStore own_store_;
  rib::AttributeStore* store_ = &own_store_;
  rib::AdjRibIn adj_rib_in_;
  MessageCounters received_, sent_;
  std::string last_reset_text_;
  std::string pending_reset_text_;  // the reason of a stop in progress (liveness_lost)
  std::uint64_t treated_as_withdraw_ = 0;
  bool prefix_limit_hit_ = false;
  OutputLimits limits_;
  bool output_waiting_ = false;   // accepts_updates() said no; output_ready() is due
  bool overflow_posted_ = false;  // the Out of Resources reset is on its way
  std::unique_ptr<event::Timer> restart_timer_;
  RouteObserver* observer_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::bgp::peer
