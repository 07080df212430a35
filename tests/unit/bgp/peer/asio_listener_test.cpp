// BGP's TCP listener out of descriptors (D4 of issue 15): it must wait instead of spinning on
// accept(), accept again once descriptors are free, and be destroyed safely while a failed
// accept's completion or its back-off is pending.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <cerrno>
#include <memory>
#include <vector>

#include "bgp/peer/asio_transport.hpp"
#include "common/log.hpp"

namespace vipd::bgp::peer {
namespace {

using namespace std::chrono_literals;

// The sanitizers' runtime opens a pipe to check memory for its vptr checks and reports; with
// every descriptor taken it reports a false "object has invalid vptr" inside Asio. The tests that
// take every descriptor therefore run in the normal build only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

// Takes every free descriptor below a lowered soft limit; gives them back (and the limit) when
// destroyed.
class DescriptorHog {
 public:
  DescriptorHog() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit low = saved_;
    low.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 256);
    ::setrlimit(RLIMIT_NOFILE, &low);
    for (;;) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fds_.push_back(fd);
    }
  }
  ~DescriptorHog() { release(); }
  void release() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> fds_;
};

std::uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A connection to 127.0.0.1:port that the kernel completes before accept() (it waits in the
// listener's backlog).
int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  return fd;
}

class AsioListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::set_sink([this](log::Level, std::string_view line) { lines.emplace_back(line); });
    // A port that is free now: bind to 0 and give it back.
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
    port = bound_port(probe);
    ::close(probe);
    std::error_code ec;
    listener = transport.listen(
        port, Family::kIpv4,
        [this](std::unique_ptr<Connection> c) { accepted.push_back(std::move(c)); }, ec);
    ASSERT_TRUE(listener) << ec.message();
  }
  void TearDown() override {
    for (int fd : clients) ::close(fd);
    log::set_sink(nullptr);
  }

  asio::io_context io;
  AsioTransport transport{io};
  std::uint16_t port = 0;
  std::unique_ptr<Listener> listener;
  std::vector<std::unique_ptr<Connection>> accepted;
  std::vector<int> clients;
  std::vector<std::string> lines;
};

TEST_F(AsioListenerTest, OutOfDescriptorsItWaitsInsteadOfSpinning) {
  if (kSanitizerBuild) GTEST_SKIP() << "the sanitizer runtime needs descriptors";
  clients.push_back(connect_to(port));
  std::size_t handlers = 0;
  {
    DescriptorHog hog;
    // Spinning ran one failed accept per handler: tens of thousands in half a second. With the
    // back-off: 100 + 200 ms, a handful.
    handlers = io.run_for(500ms);
    EXPECT_TRUE(accepted.empty());
  }
  EXPECT_LT(handlers, 20u) << "accept() is retried without waiting";
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("bgp: IPv4 port " + std::to_string(port) +
                          ": cannot accept connections: Too many open files"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("RLIMIT_NOFILE"), std::string::npos) << lines[0];
  // Descriptors are free again: the waiting connection is taken at the next retry (<= 1 s).
  for (int i = 0; i < 30 && accepted.empty(); ++i) io.run_for(100ms);
  EXPECT_EQ(accepted.size(), 1u);
}

TEST_F(AsioListenerTest, DestroyedWhileAFailedAcceptIsQueuedOrWaiting) {
  if (kSanitizerBuild) GTEST_SKIP() << "the sanitizer runtime needs descriptors";
  clients.push_back(connect_to(port));
  {
    DescriptorHog hog;
    // The failed accept's completion is queued (or its back-off armed): destroy the listener
    // then, as a SIGTERM does, and let the loop run what is left.
    io.poll();
    listener.reset();
    io.run_for(300ms);
  }
  io.restart();
  io.run_for(200ms);
  EXPECT_TRUE(accepted.empty());
}

TEST_F(AsioListenerTest, DestroyedFromItsOwnAcceptHandler) {
  std::error_code ec;
  listener.reset();
  listener = transport.listen(
      port, Family::kIpv4,
      [this](std::unique_ptr<Connection> c) {
        accepted.push_back(std::move(c));
        listener.reset();
      },
      ec);
  ASSERT_TRUE(listener) << ec.message();
  clients.push_back(connect_to(port));
  clients.push_back(connect_to(port));
  for (int i = 0; i < 20 && accepted.empty(); ++i) io.run_for(50ms);
  io.run_for(100ms);
  EXPECT_EQ(accepted.size(), 1u);
}

}  // namespace
}  // namespace vipd::bgp::peer
