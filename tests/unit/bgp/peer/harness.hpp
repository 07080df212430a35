// Test harness for bgp::Speaker / peer::Peer over real TCP on loopback: the Speaker runs on a
// real io_context with the real clock, and scripted fake BGP peers use plain non-blocking BSD
// sockets on the same thread. Every wait pumps the io_context and ends at a deadline.
#pragma once

// Asio first, before any standard library header, as in the vipd sources (peer.hpp,
// speaker.hpp): asio picks aligned_new/aligned_delete by whether libstdc++ has announced
// aligned_alloc yet, and TUs that disagree mix operator new with free (ASan
// alloc-dealloc-mismatch).
#include <asio/io_context.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bgp/config/parser.hpp"
#include "bgp/speaker.hpp"
#include "bgp/wire/message.hpp"
#include "common/log.hpp"
#include "control/cli.hpp"
#include "event/asio_clock.hpp"

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

// A socket address for a literal IPv4 or IPv6 address.
inline socklen_t make_sockaddr(const std::string& address, std::uint16_t port,
                               sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.find(':') == std::string::npos) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    inet_pton(AF_INET, address.c_str(), &sin->sin_addr);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  inet_pton(AF_INET6, address.c_str(), &sin6->sin6_addr);
  return sizeof(sockaddr_in6);
}

// RFC 2385 key for `peer_address` on `fd`, written independently of the code under test.
inline bool set_md5_key(int fd, const std::string& peer_address, const std::string& key) {
  tcp_md5sig sig{};
  make_sockaddr(peer_address, 0, sig.tcpm_addr);
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) == 0;
}

// A TCP port free on IPv4 and IPv6, outside the ephemeral range (so that no outgoing connection
// of this or another process picks it meanwhile), different for every call and per process.
inline std::uint16_t free_port() {
  static unsigned next = static_cast<unsigned>(getpid()) * 131u;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    auto port = static_cast<std::uint16_t>(20000 + (next++ % 10000));
    int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) continue;
    int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_storage a;
    socklen_t len = make_sockaddr("::", port, a);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0;
    ::close(fd);
    if (ok) return port;
  }
  ADD_FAILURE() << "no free TCP port found";
  return 0;
}

// One TCP connection of a fake peer. Reads are buffered; every wait calls `step` (which runs
// the Speaker's io_context a little) until the deadline.
class FakeConnection {
 public:
  FakeConnection(std::function<void()> step, int fd) : step_(std::move(step)), fd_(fd) {}
  ~FakeConnection() { close(); }
  FakeConnection(const FakeConnection&) = delete;
  FakeConnection& operator=(const FakeConnection&) = delete;

  int fd() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send(const Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) {
        step_();
        continue;
      }
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool send(const wire::Message& m) { return send(wire::encode(m, kSessionOptions)); }

  // The next whole message vipd sent, raw; nullopt at EOF or the deadline.
  std::optional<Bytes> read_raw(Millis timeout) {
    auto deadline = SteadyClock::now() + timeout;
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
      if (eof_ || SteadyClock::now() >= deadline) return std::nullopt;
      step_();
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
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<Millis>(deadline - SteadyClock::now());
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
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      fill();
      in_.clear();
      if (eof_) return true;
      if (SteadyClock::now() >= deadline) return false;
      step_();
    }
  }

  // Pumps for `duration` and answers every KEEPALIVE of vipd with one (keeps the session up).
  void keep_alive_for(Millis duration) {
    auto deadline = SteadyClock::now() + duration;
    for (;;) {
      auto left = std::chrono::duration_cast<Millis>(deadline - SteadyClock::now());
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
  void fill() {
    if (fd_ < 0 || eof_) return;
    for (;;) {
      std::uint8_t buffer[65536];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        in_.insert(in_.end(), buffer, buffer + n);
        bytes_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) eof_ = true;
      return;
    }
  }

  std::function<void()> step_;
  int fd_ = -1;
  Bytes in_;
  bool eof_ = false;
  std::size_t bytes_ = 0, messages_ = 0, keepalives_ = 0;
};

// A listening socket of a fake peer (for vipd as the active side).
class FakeListener {
 public:
  FakeListener(std::function<void()> step, const std::string& address, std::uint16_t port,
               const std::string& md5_peer = {}, const std::string& md5_key = {})
      : step_(std::move(step)) {
    sockaddr_storage a;
    socklen_t len = make_sockaddr(address, port, a);
    fd_ = ::socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int on = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (!md5_key.empty()) {
      EXPECT_TRUE(set_md5_key(fd_, md5_peer, md5_key)) << strerror(errno);
    }
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len), 0) << strerror(errno);
    EXPECT_EQ(::listen(fd_, 8), 0) << strerror(errno);
  }
  ~FakeListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  FakeListener(const FakeListener&) = delete;
  FakeListener& operator=(const FakeListener&) = delete;

  bool set_key(const std::string& md5_peer, const std::string& md5_key) {
    return set_md5_key(fd_, md5_peer, md5_key);
  }

  std::unique_ptr<FakeConnection> accept(Millis timeout) {
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd >= 0) return std::make_unique<FakeConnection>(step_, fd);
      if (SteadyClock::now() >= deadline) return nullptr;
      step_();
    }
  }

 private:
  std::function<void()> step_;
  int fd_ = -1;
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

inline wire::Message announce_v4(std::vector<Prefix> prefixes) {
  wire::Update u;
  u.attributes = path();
  u.attributes.next_hop = ip("192.0.2.1");
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

// `router bgp 65000` with our router-id and the given neighbor lines.
inline std::string router_bgp(const std::string& body, const std::string& router_id = "10.0.0.1") {
  return "router bgp 65000\n bgp router-id " + router_id + "\n" + body;
}

// The fixture: one Speaker on its own port, its show commands in a CommandTree.
class SpeakerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // VIPD_TEST_DEBUG=1 shows vipd's debug log while a test runs.
    if (std::getenv("VIPD_TEST_DEBUG")) log::set_level(log::Level::kDebug);
    port_ = free_port();
    speaker_ = std::make_unique<Speaker>(io_, clock_, SpeakerOptions{port_, true});
    interfaces_.reset(loopback_links(), loopback_addresses());
    speaker_->set_interfaces(&interfaces_);
    speaker_->install_commands(tree_);
  }

  void TearDown() override {
    speaker_.reset();
    for (int i = 0; i < 10; ++i) step();
  }

  void step() {
    if (io_.stopped()) io_.restart();
    if (io_.run_for(2ms) == 0 && io_.stopped()) std::this_thread::sleep_for(1ms);
  }
  std::function<void()> stepper() {
    return [this] { step(); };
  }

  template <class Predicate>
  bool wait_until(Predicate p, Millis timeout) {
    auto deadline = SteadyClock::now() + timeout;
    while (!p()) {
      if (SteadyClock::now() >= deadline) return false;
      step();
    }
    return true;
  }
  void pump_for(Millis duration) {
    auto deadline = SteadyClock::now() + duration;
    while (SteadyClock::now() < deadline) step();
  }

  void apply(const std::string& text) {
    auto parsed = config::parse_config(text, "test.conf");
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    auto status = speaker_->apply(*parsed);
    ASSERT_TRUE(status.ok()) << status.error();
  }

  peer::Peer* peer(const std::string& address) {
    auto it = speaker_->peers().find(ip(address));
    return it == speaker_->peers().end() ? nullptr : it->second.get();
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

  // A TCP connection from `from` to the Speaker (on the same family's loopback address).
  std::unique_ptr<FakeConnection> connect(const std::string& from, Millis timeout = 2s,
                                          const std::string& md5_key = {}) {
    bool v6 = from.find(':') != std::string::npos;
    std::string to = v6 ? "::1" : "127.0.0.1";
    sockaddr_storage local, remote;
    socklen_t local_len = make_sockaddr(from, 0, local);
    socklen_t remote_len = make_sockaddr(to, port_, remote);
    int fd = ::socket(local.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_GE(fd, 0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
      ADD_FAILURE() << "bind " << from << ": " << strerror(errno);
      ::close(fd);
      return nullptr;
    }
    if (!md5_key.empty()) {
      EXPECT_TRUE(set_md5_key(fd, to, md5_key)) << strerror(errno);
    }
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&remote), remote_len);
    if (rc != 0 && errno != EINPROGRESS) {
      ::close(fd);
      return nullptr;
    }
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 0) == 1) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          ::close(fd);
          return nullptr;
        }
        return std::make_unique<FakeConnection>(stepper(), fd);
      }
      if (SteadyClock::now() >= deadline) {
        ::close(fd);
        return nullptr;
      }
      step();
    }
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

  asio::io_context io_;
  event::AsioClock clock_{io_};
  std::uint16_t port_ = 0;
  control::CommandTree tree_;
  netlink::InterfaceView interfaces_;
  std::unique_ptr<Speaker> speaker_;
};

}  // namespace vipd::bgp::testing
