// Test harness for bgp::Speaker over real TCP on loopback (bgp::peer::AsioTransport), for the
// tests of TCP behaviour itself (RFC 2385 MD5 keys enforced by the kernel): the Speaker runs on
// a real io_context with the real clock, and scripted fake BGP peers use plain non-blocking BSD
// sockets on the same thread. Every wait pumps the io_context and ends at a deadline.
#pragma once

#include <asio/io_context.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "bgp/peer/asio_transport.hpp"
#include "event/asio_clock.hpp"
#include "fake_peer.hpp"

namespace vipd::bgp::testing {

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

// A fake peer's non-blocking TCP socket.
class FdChannel final : public ByteChannel {
 public:
  explicit FdChannel(int fd) : fd_(fd) {}
  ~FdChannel() override { close(); }

  bool send(ByteSpan bytes, const std::function<void()>& step) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) {
        step();
        continue;
      }
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool fill(Bytes& in) override {
    if (fd_ < 0) return true;
    for (;;) {
      std::uint8_t buffer[65536];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        in.insert(in.end(), buffer, buffer + n);
        continue;
      }
      return n == 0 || (errno != EAGAIN && errno != EINTR);
    }
  }
  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A listening socket of a fake peer (for vipd as the active side).
class FakeListener {
 public:
  FakeListener(Pump pump, const std::string& address, std::uint16_t port,
               const std::string& md5_peer = {}, const std::string& md5_key = {})
      : pump_(std::move(pump)) {
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
      if (fd >= 0) return std::make_unique<FakeConnection>(pump_, std::make_unique<FdChannel>(fd));
      if (SteadyClock::now() >= deadline) return nullptr;
      pump_.step();
    }
  }

 private:
  Pump pump_;
  int fd_ = -1;
};

class SpeakerTest : public SpeakerFixture {
 protected:
  void SetUp() override {
    SpeakerFixture::SetUp();
    port_ = free_port();
    speaker_ = std::make_unique<Speaker>(clock_, transport_, SpeakerOptions{port_, true});
    attach_interfaces();
    speaker_->install_commands(tree_);
  }

  void step() override {
    if (io_.stopped()) io_.restart();
    if (io_.run_for(2ms) == 0 && io_.stopped()) std::this_thread::sleep_for(1ms);
  }
  Pump stepper() override {
    return {[this] { step(); }, &clock_};
  }
  event::TimePoint now() const override { return SteadyClock::now(); }

  // A TCP connection from `from` to the Speaker (on the same family's loopback address).
  std::unique_ptr<FakeConnection> open_connection(const std::string& from, Millis timeout,
                                                  const std::string& md5_key) override {
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
        return std::make_unique<FakeConnection>(stepper(), std::make_unique<FdChannel>(fd));
      }
      if (SteadyClock::now() >= deadline) {
        ::close(fd);
        return nullptr;
      }
      step();
    }
  }

  asio::io_context io_;
  event::AsioClock clock_{io_};
  peer::AsioTransport transport_{io_};
};

}  // namespace vipd::bgp::testing
