// What the speaker tests share whatever carries the sessions: messages of scripted fake BGP
// peers, a fake peer's connection (FakeConnection, over a ByteChannel), and the fixture base
// with the Speaker and its show commands. harness.hpp runs it on the SimClock and the
// in-memory transport, tcp_harness.hpp on loopback TCP and the real clock. Every wait pumps
// the Speaker's loop (Pump::step) and ends at a deadline of the fixture's clock.
#pragma once

#include <gtest/gtest.h>
#include <net/if.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bgp/config/parser.hpp"
#include "bgp/speaker.hpp"
#include "bgp/wire/message.hpp"
#include "common/log.hpp"
#include "control/cli.hpp"
#include "event/clock.hpp"
#include "netlink/interface_view.hpp"

namespace vipd::bgp::peer {
class MemoryNetwork;
}

namespace vipd::bgp::testing {

using namespace std::chrono_literals;

// The `neighbor A ...` lines of a passive eBGP neighbor with 1/3 s timers (the propagation and
// next-hop tests' peers).
inline std::string passive_neighbor(const std::string& address, std::uint32_t as) {
  std::string out;
  for (std::string line :
       {"remote-as " + std::to_string(as), std::string("timers 1 3"), std::string("passive")})
    out += " neighbor " + address + " " + line + "\n";
  return out;
}
using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// What the fake peers negotiate with vipd: both sides send the 4-octet AS capability
// (make_open adds it); the fake peers never advertise extended messages.
inline const wire::Options kSessionOptions{true, false};
// For decoding what vipd sends: extended_message only raises the size limit.
inline const wire::Options kDecodeOptions{true, true};

inline IpAddress ip(const std::string& text) {
  return *IpAddress::parse(text);
}
inline Prefix pfx(const std::string& text) {
  return *Prefix::parse(text);
}

// How a test waits: `step` runs the Speaker's loop a little (and moves the clock), deadlines
// are times of `clock`. The in-memory harness also says which network the fake peers use.
struct Pump {
  std::function<void()> step;
  event::Clock* clock = nullptr;
  peer::MemoryNetwork* network = nullptr;
};

// The byte stream under a fake peer's connection.
class ByteChannel {
 public:
  virtual ~ByteChannel() = default;
  // Writes all of `bytes`, pumping while the channel is full; false if the connection is gone.
  virtual bool send(ByteSpan bytes, const std::function<void()>& step) = 0;
  // Appends what has arrived to `in`; true once the other side closed or reset.
  virtual bool fill(Bytes& in) = 0;
  virtual void close() = 0;
  // Stops (or resumes) taking what the other side sends, like a zero TCP window.
  virtual void stall(bool) {}
};

// One connection of a fake peer. Reads are buffered; every wait pumps until the deadline.
class FakeConnection {
 public:
  FakeConnection(Pump pump, std::unique_ptr<ByteChannel> channel)
      : pump_(std::move(pump)), channel_(std::move(channel)) {}
  ~FakeConnection() { close(); }
  FakeConnection(const FakeConnection&) = delete;
  FakeConnection& operator=(const FakeConnection&) = delete;

  void close() {
    if (channel_) channel_->close();
    channel_.reset();
  }

  bool send(const Bytes& bytes) { return channel_ && channel_->send(bytes, pump_.step); }
  // A neighbor that stops reading (memory transport only).
  void stall(bool stalled) {
    if (channel_) channel_->stall(stalled);
  }
  bool send(const wire::Message& m) { return send(wire::encode(m, kSessionOptions)); }

  // The next whole message vipd sent, raw; nullopt at EOF or the deadline.
  std::optional<Bytes> read_raw(Millis timeout) {
    auto deadline = now() + timeout;
    for (;;) {
      fill();
      if (in_.size() >= wire::kHeaderSize) {
        std::size_t length = (std::size_t{in_[16]} << 8) | in_[17];
        if (length >= wire::kHeaderSize && in_.size() >= length) {
          Bytes message(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(length));
          in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(length));
          ++messages_;
          return message;
        }
      }
      if (eof_ || now() >= deadline) return std::nullopt;
      pump_.step();
    }
  }

  std::optional<wire::Message> read(Millis timeout) {
    auto raw = read_raw(timeout);
    if (!raw) return std::nullopt;
    auto m = wire::decode_message(*raw, kDecodeOptions);
    if (!m) {
      ADD_FAILURE() << "vipd sent an undecodable message: " << m.error().reason << " "
                    << to_hex(*raw);
      return std::nullopt;
    }
    if (std::holds_alternative<wire::Keepalive>(*m)) ++keepalives_;
    return std::move(*m);
  }

  // The next message that is not a KEEPALIVE or UPDATE (vipd's End-of-RIB), e.g. an OPEN or a
  // NOTIFICATION.
  std::optional<wire::Message> read_skipping_routine(Millis timeout) {
    auto deadline = now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<Millis>(deadline - now());
      if (left <= 0ms) return std::nullopt;
      auto m = read(left);
      if (!m) return std::nullopt;
      if (std::holds_alternative<wire::Keepalive>(*m) || std::holds_alternative<wire::Update>(*m))
        continue;
      return m;
    }
  }

  std::optional<wire::Notification> read_notification(Millis timeout) {
    auto m = read_skipping_routine(timeout);
    if (!m) return std::nullopt;
    if (auto* n = std::get_if<wire::Notification>(&*m)) return *n;
    ADD_FAILURE() << "expected a NOTIFICATION, got message type "
                  << static_cast<int>(wire::message_type(*m));
    return std::nullopt;
  }

  // True once vipd closed the connection (EOF or reset); messages before that are discarded.
  bool wait_closed(Millis timeout) {
    auto deadline = now() + timeout;
    for (;;) {
      fill();
      in_.clear();
      if (eof_) return true;
      if (now() >= deadline) return false;
      pump_.step();
    }
  }

  // Pumps for `duration` and answers every KEEPALIVE of vipd with one (keeps the session up).
  void keep_alive_for(Millis duration) {
    auto deadline = now() + duration;
    for (;;) {
      auto left = std::chrono::duration_cast<Millis>(deadline - now());
      if (left <= 0ms) return;
      auto m = read(left);
      if (!m) {
        if (eof_) return;
        continue;
      }
      if (std::holds_alternative<wire::Keepalive>(*m)) send(wire::Message{wire::Keepalive{}});
    }
  }

  bool eof() const { return eof_; }
  // Bytes ever received (including buffered, undelivered ones).
  std::size_t bytes_received() const { return bytes_; }
  std::size_t keepalives_received() const { return keepalives_; }

 private:
  event::TimePoint now() const { return pump_.clock->now(); }
  void fill() {
    if (!channel_ || eof_) return;
    std::size_t before = in_.size();
    eof_ = channel_->fill(in_);
    bytes_ += in_.size() - before;
  }

  Pump pump_;
  std::unique_ptr<ByteChannel> channel_;
  Bytes in_;
  bool eof_ = false;
  std::size_t bytes_ = 0, messages_ = 0, keepalives_ = 0;
};

// The fake peer's OPEN: AS 65001, BGP Identifier 10.0.0.2, IPv4 and IPv6 unicast.
inline wire::Open peer_open(std::uint32_t asn = 65001, std::uint32_t id = 0x0a000002,
                            std::uint16_t hold = 90) {
  return wire::make_open(
      asn, hold, id,
      {wire::MultiprotocolCapability{wire::kIpv4Unicast},
       wire::MultiprotocolCapability{wire::kIpv6Unicast}, wire::RouteRefreshCapability{}});
}

inline wire::PathAttributes path(std::uint32_t first_as = 65001) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = wire::AsPath{{wire::AsSegment{wire::SegmentType::kAsSequence, {first_as}}}};
  return a;
}

inline wire::Message announce_v4(std::vector<Prefix> prefixes, std::uint32_t first_as = 65001,
                                 const char* next_hop = "192.0.2.1") {
  wire::Update u;
  u.attributes = path(first_as);
  u.attributes.next_hop = ip(next_hop);
  u.nlri = std::move(prefixes);
  return u;
}

inline wire::Message announce_v6(std::vector<Prefix> prefixes) {
  wire::Update u;
  u.attributes = path();
  u.attributes.mp_reach = wire::MpReach{
      wire::kIpv6Unicast, ip("2001:db8::1"), std::nullopt, std::move(prefixes), {}, {}};
  return u;
}

inline wire::Message withdraw_v4(std::vector<Prefix> prefixes) {
  wire::Update u;
  u.withdrawn = std::move(prefixes);
  return u;
}

inline wire::Message withdraw_v6(std::vector<Prefix> prefixes) {
  wire::Update u;
  u.attributes.mp_unreach = wire::MpUnreach{wire::kIpv6Unicast, std::move(prefixes), {}};
  return u;
}

// A message from its type and body, marker and length filled in (for malformed input).
inline Bytes raw_message(std::uint8_t type, const std::string& body_hex) {
  Bytes body = from_hex(body_hex);
  Bytes m(16, 0xff);
  std::size_t length = wire::kHeaderSize + body.size();
  m.push_back(static_cast<std::uint8_t>(length >> 8));
  m.push_back(static_cast<std::uint8_t>(length));
  m.push_back(type);
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

// An UPDATE body from its three fields (hex), lengths filled in.
inline Bytes raw_update(const std::string& withdrawn, const std::string& attrs,
                        const std::string& nlri) {
  Bytes w = from_hex(withdrawn), a = from_hex(attrs), n = from_hex(nlri);
  Bytes body;
  body.push_back(static_cast<std::uint8_t>(w.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(w.size()));
  body.insert(body.end(), w.begin(), w.end());
  body.push_back(static_cast<std::uint8_t>(a.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(a.size()));
  body.insert(body.end(), a.begin(), a.end());
  body.insert(body.end(), n.begin(), n.end());
  return raw_message(2, to_hex(body));
}

// A neighbor of AS `remote_as` with short timers (hold 30 s, connect retry 1 s), then `extra`.
inline std::string neighbor_lines(const std::string& a, const std::string& remote_as = "65001",
                                  const std::string& extra = "") {
  return " neighbor " + a + " remote-as " + remote_as + "\n neighbor " + a +
         " timers 10 30\n neighbor " + a + " timers connect 1\n" + extra;
}

// The same neighbor of AS 65001, passive: the test's fake peer connects.
inline std::string passive(const std::string& a, const std::string& extra = "") {
  return neighbor_lines(a, "65001", " neighbor " + a + " passive\n" + extra);
}

// `router bgp 65000` with our router-id and the given neighbor lines.
inline std::string router_bgp(const std::string& body, const std::string& router_id = "10.0.0.1") {
  return "router bgp 65000\n bgp router-id " + router_id + "\n" + body;
}

// The fixture: one Speaker on its own port, its show commands in a CommandTree. The harness
// deriving from it owns the clock and the transport and makes speaker_ in SetUp().
class SpeakerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // VIPD_TEST_DEBUG=1 shows vipd's debug log while a test runs.
    if (std::getenv("VIPD_TEST_DEBUG")) log::set_level(log::Level::kDebug);
  }
  // After the Speaker is gone, its last NOTIFICATIONs and closes run out.
  void TearDown() override {
    speaker_.reset();
    for (int i = 0; i < 10; ++i) step();
  }

  virtual void step() = 0;
  virtual Pump stepper() = 0;
  virtual event::TimePoint now() const = 0;
  // A connection from `from` to the Speaker, nullptr if none came about within `timeout`.
  virtual std::unique_ptr<FakeConnection> open_connection(const std::string& from, Millis timeout,
                                                          const std::string& md5_key) = 0;

  template <class Predicate>
  bool wait_until(Predicate p, Millis timeout) {
    auto deadline = now() + timeout;
    while (!p()) {
      if (now() >= deadline) return false;
      step();
    }
    return true;
  }
  void pump_for(Millis duration) {
    auto deadline = now() + duration;
    while (now() < deadline) step();
  }

  void apply(const std::string& text) {
    auto parsed = config::parse_config(text, "test.conf");
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    auto status = speaker_->apply(*parsed);
    ASSERT_TRUE(status.ok()) << status.error();
  }

  peer::Peer* peer(const std::string& address) {
    auto it = speaker_->neighbors().find(ip(address));
    return it == speaker_->neighbors().end() ? nullptr : it->second.peer.get();
  }
  bool established(const std::string& address) {
    auto* p = peer(address);
    return p && p->state() == fsm::State::kEstablished;
  }

  nlohmann::json show(const std::string& command) {
    control::Session session;
    auto result = tree_.execute(session, command);
    EXPECT_TRUE(result.ok) << command << ": " << result.output;
    auto j = nlohmann::json::parse(result.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << result.output;
    return j;
  }
  std::string show_text(const std::string& command) {
    control::Session session;
    auto result = tree_.execute(session, command);
    EXPECT_TRUE(result.ok) << command << ": " << result.output;
    return result.output;
  }
  nlohmann::json neighbor_json(const std::string& address) {
    return show("show ip bgp neighbors " + address + " json")[address];
  }
  // pfxRcd of `show ip bgp summary json`; -1 when the neighbor is not listed.
  long prefixes(const std::string& family, const std::string& address) {
    auto j = show("show ip bgp summary json");
    const auto& peers = j[family]["peers"];
    if (!peers.contains(address)) return -1;
    return peers[address]["pfxRcd"].get<long>();
  }

  std::unique_ptr<FakeConnection> connect(const std::string& from, Millis timeout = 2s,
                                          const std::string& md5_key = {}) {
    return open_connection(from, timeout, md5_key);
  }

  // The OPEN/KEEPALIVE exchange as the fake peer on a fresh connection (vipd sends its OPEN
  // first), then waits until vipd's neighbor `address` is Established.
  void handshake(FakeConnection& c, const std::string& address, const wire::Open& open) {
    auto m = c.read(3s);
    ASSERT_TRUE(m) << "no OPEN from vipd";
    auto* theirs = std::get_if<wire::Open>(&*m);
    ASSERT_TRUE(theirs) << "first message is type " << static_cast<int>(wire::message_type(*m));
    EXPECT_EQ(theirs->real_as(), 65000u);
    ASSERT_TRUE(c.send(wire::Message{open}));
    m = c.read(3s);
    ASSERT_TRUE(m) << "no KEEPALIVE after our OPEN";
    ASSERT_TRUE(std::holds_alternative<wire::Keepalive>(*m))
        << "got type " << static_cast<int>(wire::message_type(*m));
    ASSERT_TRUE(c.send(wire::Message{wire::Keepalive{}}));
    ASSERT_TRUE(wait_until([&] { return established(address); }, 3s))
        << address << " did not reach Established";
  }

  // Connects from `address` and establishes a session.
  std::unique_ptr<FakeConnection> establish(const std::string& address,
                                            const wire::Open& open = peer_open()) {
    auto c = connect(address);
    EXPECT_TRUE(c) << "cannot connect from " << address;
    if (!c) return nullptr;
    handshake(*c, address, open);
    if (::testing::Test::HasFatalFailure()) return nullptr;
    return c;
  }

  // The host's links as the speaker sees them: lo with 127.0.0.1/8 and ::1/128, where every
  // session of these tests runs (so neighbors share 127.0.0.0/8 with us).
  static std::vector<netlink::Link> loopback_links() {
    netlink::Link lo;
    lo.ifindex = 1;
    lo.name = "lo";
    lo.flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK | netlink::kLinkLowerUp;
    return {lo};
  }
  static std::vector<netlink::InterfaceAddress> loopback_addresses() {
    netlink::InterfaceAddress v4, v6;
    v4.ifindex = v6.ifindex = 1;
    v4.address = *IpAddress::parse("127.0.0.1");
    v4.prefix_length = 8;
    v6.address = *IpAddress::parse("::1");
    v6.prefix_length = 128;
    return {v4, v6};
  }

  // Gives the speaker its view of the host's links (the daemon gives it the kernel's).
  void attach_interfaces() {
    interfaces_.reset(loopback_links(), loopback_addresses());
    speaker_->set_interfaces(&interfaces_);
  }
  // The host gets an interface "br0" with `address`/`length` besides its loopback (in the view
  // attach_interfaces() gave the speaker, which hears of the change).
  void with_subnet(const char* address, std::uint8_t length) {
    auto links = loopback_links();
    netlink::Link br0;
    br0.ifindex = 2;
    br0.name = "br0";
    br0.flags = IFF_UP | IFF_RUNNING | netlink::kLinkLowerUp;
    links.push_back(br0);
    auto addresses = loopback_addresses();
    netlink::InterfaceAddress a;
    a.ifindex = 2;
    a.address = ip(address);
    a.prefix_length = length;
    addresses.push_back(a);
    interfaces_.reset(links, addresses);
  }
  std::uint16_t port_ = 0;
  control::CommandTree tree_;
  netlink::InterfaceView interfaces_;
  std::unique_ptr<Speaker> speaker_;
};

}  // namespace vipd::bgp::testing
