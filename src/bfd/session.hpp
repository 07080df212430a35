// The BFD session driver: runs one fsm::Session (fsm.hpp) on an event::Clock and a Network.
// It executes the FSM's actions (timers, packets, state changes), signs what it sends with
// bfd.XmitAuthSeq and checks what it receives (RFC 5880 §6.7, auth.hpp), and keeps the counters
// and times `show bfd peers` prints.
//
// SessionTable owns the sessions of the daemon: it hands out local discriminators (§6.8.1:
// nonzero, unique) and routes a received datagram to its session (§6.8.6: by Your Discriminator,
// or by the addresses and interface when it is zero), after the TTL checks of RFC 5881 §5
// (single hop: 255) and RFC 5883 §2 (multihop: at least the session's minimum TTL).
//
// Nothing here opens a socket: UdpNetwork (udp_network.hpp) is the kernel's Network; unit tests
// connect two tables through a fake one on a SimClock.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "bfd/fsm/fsm.hpp"
#include "bfd/wire/auth.hpp"
#include "bfd/wire/echo.hpp"
#include "bfd/wire/packet.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "event/clock.hpp"

namespace vipd::bfd {

// What identifies a session to the operator and to §6.8.6's lookup without a discriminator:
// FRR's `peer A [multihop] [local-address B] [interface IF]`.
struct PeerKey {
  IpAddress peer;
  std::optional<IpAddress> local;  // nullopt: any local address
  std::string interface;           // empty: any interface
  bool multihop = false;
  auto operator<=>(const PeerKey&) const = default;
  bool operator==(const PeerKey&) const = default;
  std::string to_string() const;
};

// RFC 5883 §2 leaves the multihop TTL check to configuration; FRR's `minimum-ttl` defaults to
// 254 (one hop away at most).
inline constexpr std::uint8_t kDefaultMinimumTtl = 254;

// One received UDP payload with what the kernel said about it.
struct Datagram {
  Bytes payload;
  IpAddress source;
  std::optional<IpAddress> destination;
  std::string interface;  // the interface it arrived on ("" if unknown)
  bool multihop = false;  // arrived on port 4784 (RFC 5883) rather than 3784 (RFC 5881)
  bool echo = false;      // an Echo packet (port 3785, RFC 5881 §4), not a Control packet
  std::uint8_t ttl = 0;   // IPv4 TTL or IPv6 Hop Limit
};

// Where a single hop session's echoes leave from: the session's peer, and the local address and
// interface its Control packets arrive on (RFC 5881 §4: the echo is addressed so that the peer
// forwards it back to us, which needs our own address and the peer's link-layer address on that
// interface).
struct EchoRoute {
  PeerKey peer;
  std::optional<IpAddress> local;
  std::string interface;
};

// The sending side of the sockets (and the place a received datagram comes from).
class Network {
 public:
  virtual ~Network() = default;
  using Receiver = std::function<void(const Datagram&)>;
  virtual void set_receiver(Receiver receiver) = 0;
  // A session starts or ends: the network opens (or closes) what sending to `peer` needs.
  virtual Status<std::string> open(const PeerKey& peer) = 0;
  virtual void close(const PeerKey& peer) = 0;
  // Sends one Control packet to `peer` (port 3784 or 4784, TTL 255).
  virtual Status<std::string> send(const PeerKey& peer, ByteSpan payload) = 0;
  // §6.4 echo (single hop): sends one of our Echo packets so that it comes back to us through
  // the peer (UDP port 3785, TTL 255), as FRR does: IPv4 addressed to our own address and
  // handed to the peer's link-layer address, so that the peer's forwarding plane loops it;
  // IPv6 to the peer, whose BFD daemon sends it back.
  virtual Status<std::string> send_echo(const EchoRoute&, ByteSpan) {
    return unexpected(std::string("echo packets are not supported here"));
  }
  // IPv6: sends a peer's Echo packet (received with Hop Limit 255) back to its source with Hop
  // Limit 254, as FRR bfdd does (IPv4 echoes are looped by the kernel's forwarding instead).
  virtual void reflect_echo(const Datagram&) {}
};

// Why a received datagram changed nothing, as counted per session (or by the table when no
// session could be found).
enum class Discard : std::uint8_t {
  kDecode,          // wire::decode failed (§6.8.6 packet checks)
  kTtl,             // RFC 5881 §5 / RFC 5883 §2
  kNoSession,       // §6.8.6: no session for Your Discriminator or the addresses
  kAuthentication,  // §6.7 / §6.8.6: auth.hpp verify() failed
  kSequence,        // §6.7.3/§6.7.4: sequence number outside the window
  kDiscriminator,   // §6.8.6: the FSM discarded it (Your Discriminator mismatch)
  kAdminDown,       // §6.8.6: the session is AdminDown
};
inline constexpr std::size_t kDiscardCount = 7;
std::string_view to_string(Discard reason);

// FRR's `show bfd peers counters` plus discards by reason.
struct Counters {
  std::uint64_t control_packets_in = 0;   // accepted and given to the FSM
  std::uint64_t control_packets_out = 0;  // sent
  std::uint64_t send_errors = 0;
  std::uint64_t session_up = 0;    // transitions to Up
  std::uint64_t session_down = 0;  // transitions from Up to Down/AdminDown
  std::uint64_t state_changes = 0;
  std::uint64_t echo_packets_in = 0;         // our echoes that came back
  std::uint64_t echo_packets_out = 0;        // our echoes sent
  std::uint64_t echo_packets_reflected = 0;  // the peer's IPv6 echoes sent back (table only)
  std::array<std::uint64_t, kDiscardCount> discards{};
  std::uint64_t discarded(Discard reason) const {
    return discards[static_cast<std::size_t>(reason)];
  }
};

struct SessionOptions {
  PeerKey peer;
  fsm::Config config;  // its local_discriminator is filled in by SessionTable::add
  std::optional<wire::AuthKey> auth;
  std::uint8_t minimum_ttl = kDefaultMinimumTtl;  // multihop only
};

class Session {
 public:
  using StateChangedCallback = std::function<void(Session&, const fsm::StateChanged&)>;

  Session(event::Clock& clock, Network& network, SessionOptions options,
          StateChangedCallback on_state_changed, fsm::Jitter jitter,
          std::uint32_t initial_transmit_sequence);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // fsm Start: sends (unless passive) and arms the timers.
  void start();
  // A datagram that decoded to `packet` and was routed here. Checks authentication and the
  // sequence number (§6.7), then feeds the FSM.
  void receive(ByteSpan payload, const wire::ControlPacket& packet);
  // The addresses a Control packet of this session arrived with: where echoes leave from.
  void note_path(const Datagram& datagram);
  // One of our Echo packets came back (§6.4).
  void receive_echo(const wire::EchoPacket& packet);
  // FRR `shutdown` / `no shutdown` (§6.8.16).
  void admin_down();
  void admin_up();
  // New timers (a Poll Sequence when Up, §6.8.3).
  void set_timers(const fsm::Timers& timers);
  // Takes a changed passive mode, echo mode or minimum TTL without restarting.
  void set_options(const SessionOptions& options);
  // Stops sending (the timers are cancelled); the session is about to be deleted.
  void stop();

  const PeerKey& peer() const { return options_.peer; }
  const SessionOptions& options() const { return options_; }
  const fsm::Session& state() const { return session_; }
  std::uint32_t local_discriminator() const { return session_.config.local_discriminator; }
  const Counters& counters() const { return counters_; }
  // When the session last changed state (uptime while Up, downtime otherwise); nullopt before
  // its first change.
  std::optional<event::TimePoint> last_change() const { return last_change_; }
  // The diagnostic of the last transition out of Up (FRR prints it while Down).
  wire::Diagnostic last_down_diag() const { return last_down_diag_; }
  void count_discard(Discard reason) { ++counters_.discards[static_cast<std::size_t>(reason)]; }
  // FRR's `RTT min/avg/max` over the last 8 echoes, in microseconds (zeros without samples).
  struct Rtt {
    std::uint32_t min = 0, avg = 0, max = 0;
  };
  Rtt echo_rtt() const;

 private:
  void handle(const fsm::Event& event);
  void apply(const fsm::Action& action);
  void send(const wire::ControlPacket& packet);
  void send_echo();

  event::Clock& clock_;
  Network& network_;
  SessionOptions options_;
  StateChangedCallback on_state_changed_;
  fsm::Jitter jitter_;
  fsm::Session session_;
  std::unique_ptr<event::Timer> transmit_timer_;
  std::unique_ptr<event::Timer> detection_timer_;
  std::unique_ptr<event::Timer> echo_transmit_timer_;
  std::unique_ptr<event::Timer> echo_detection_timer_;
  EchoRoute echo_route_;
  // FRR keeps the last BFD_RTT_SAMPLE (8) round-trip times.
  static constexpr std::size_t kRttSamples = 8;
  std::array<std::uint32_t, kRttSamples> rtt_{};
  std::size_t rtt_count_ = 0;
  std::size_t rtt_next_ = 0;
  Counters counters_;
  std::optional<event::TimePoint> last_change_;
  wire::Diagnostic last_down_diag_ = wire::Diagnostic::kNone;
  // §6.7.3/§6.7.4: bfd.XmitAuthSeq (random start) and the receive side.
  std::uint32_t transmit_sequence_ = 0;
  wire::ReceiveSequence receive_sequence_;
  std::optional<event::TimePoint> last_received_;
  bool stopped_ = false;
};

// The daemon's sessions, keyed by PeerKey.
class SessionTable {
 public:
  SessionTable(event::Clock& clock, Network& network);
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;
  ~SessionTable();

  // Creates and starts a session for options.peer (which must not exist yet) with a fresh
  // local discriminator.
  Result<Session*, std::string> add(SessionOptions options,
                                    Session::StateChangedCallback on_state_changed);
  // Stops and deletes the session of `peer`; false if there is none.
  bool remove(const PeerKey& peer);
  Session* find(const PeerKey& peer);
  const Session* find(const PeerKey& peer) const;
  Session* find(std::uint32_t local_discriminator);
  const std::map<PeerKey, std::unique_ptr<Session>>& sessions() const { return sessions_; }

  // Datagrams no session could be blamed for (undecodable, no session found).
  const Counters& unmatched() const { return unmatched_; }

  // The receive path (Network's receiver): decode, find the session (§6.8.6), TTL checks,
  // Session::receive; Echo packets to receive_echo().
  void receive(const Datagram& datagram);

  // Tests: the random generator for discriminators, sequence numbers and jitter.
  void seed(std::uint32_t value) { random_.seed(value); }
  // Tests: a constant jitter for new sessions (1.0: no reduction); nullopt: random.
  void set_fixed_jitter(std::optional<double> u) { fixed_jitter_ = u; }

 private:
  std::uint32_t new_discriminator();
  Session* find_by_addresses(const Datagram& datagram);
  void receive_echo(const Datagram& datagram);

  event::Clock& clock_;
  Network& network_;
  std::map<PeerKey, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::uint32_t, Session*> by_discriminator_;
  Counters unmatched_;
  std::mt19937 random_{std::random_device{}()};
  std::optional<double> fixed_jitter_;
};

}  // namespace vipd::bfd
