// UdpNetwork on the loopback interface with test ports: a session to 127.0.0.1 (and ::1) talks
// to itself (§6.8.6 lookup by address, then by discriminator) and comes Up through the real
// sockets; a datagram sent with TTL 254 is dropped (RFC 5881 §5); IPv6 echoes go out on the echo
// port, are sent back by the same daemon (as FRR bfdd loops IPv6 echoes) and come back.
#include "bfd/udp_network.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/io_context.hpp>

#include "event/asio_clock.hpp"

namespace vipd::bfd {
namespace {

using namespace std::chrono_literals;

// Unprivileged ports unlikely to clash between parallel test runs.
std::uint16_t test_port(int offset) {
  return static_cast<std::uint16_t>(20000 + (::getpid() % 10000) * 2 + offset);
}

SessionOptions looped(const char* address) {
  SessionOptions options;
  options.peer.peer = *IpAddress::parse(address);
  options.config.timers = {std::chrono::milliseconds(20), std::chrono::milliseconds(20), 3};
  return options;
}

void run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(10ms);
    io.restart();
  }
}

TEST(UdpNetwork, LoopedSessionComesUpOverIpv4AndIpv6) {
  asio::io_context io;
  event::AsioClock clock(io);
  UdpNetwork network(io, test_port(0), test_port(1));
  SessionTable table(clock, network);
  auto v4 = table.add(looped("127.0.0.1"), {});
  ASSERT_TRUE(v4) << v4.error();
  auto v6 = table.add(looped("::1"), {});
  ASSERT_TRUE(v6) << v6.error();
  run_until(
      io,
      [&] {
        return (*v4)->state().state == wire::State::kUp && (*v6)->state().state == wire::State::kUp;
      },
      5000ms);
  EXPECT_EQ((*v4)->state().state, wire::State::kUp);
  EXPECT_EQ((*v6)->state().state, wire::State::kUp);
  EXPECT_EQ((*v4)->state().remote_discriminator, (*v4)->local_discriminator());
  EXPECT_GT((*v4)->counters().control_packets_in, 0u);
  EXPECT_EQ((*v4)->counters().discarded(Discard::kTtl), 0u);
}

TEST(UdpNetwork, SingleHopDropsTtlBelow255) {
  asio::io_context io;
  event::AsioClock clock(io);
  const std::uint16_t port = test_port(2);
  UdpNetwork network(io, port, test_port(3));
  SessionTable table(clock, network);
  SessionOptions options = looped("127.0.0.1");
  options.config.passive = true;  // only our crafted packet arrives
  auto session = table.add(options, {});
  ASSERT_TRUE(session);

  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  const int ttl = 254;
  ASSERT_EQ(::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl), 0);
  wire::ControlPacket packet;
  packet.detect_mult = 3;
  packet.my_discriminator = 77;
  packet.desired_min_tx_us = 1000000;
  packet.required_min_rx_us = 1000000;
  const Bytes payload = wire::encode(packet);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
      static_cast<ssize_t>(payload.size()));
  ::close(fd);
  run_until(
      io, [&] { return (*session)->counters().discarded(Discard::kTtl) > 0; }, 2000ms);
  EXPECT_EQ((*session)->counters().discarded(Discard::kTtl), 1u);
  EXPECT_EQ((*session)->counters().control_packets_in, 0u);
}

TEST(UdpNetwork, Ipv6EchoLoopsThroughTheEchoPort) {
  asio::io_context io;
  event::AsioClock clock(io);
  UdpNetwork network(io, test_port(4), test_port(5), test_port(6));
  SessionTable table(clock, network);
  SessionOptions options = looped("::1");
  options.config.echo_mode = true;
  options.config.desired_echo_tx = std::chrono::milliseconds(10);
  options.config.required_min_echo_rx = std::chrono::milliseconds(10);
  auto session = table.add(options, {});
  ASSERT_TRUE(session) << session.error();
  run_until(
      io, [&] { return (*session)->counters().echo_packets_in >= 20; }, 5000ms);
  EXPECT_EQ((*session)->state().state, wire::State::kUp);
  EXPECT_TRUE((*session)->state().echo_active);
  EXPECT_GE((*session)->counters().echo_packets_in, 20u);
  // Each of our echoes was looped once by the table (Hop Limit 255 -> 254) and came back.
  EXPECT_GE(table.unmatched().echo_packets_reflected, (*session)->counters().echo_packets_in);
  EXPECT_GT((*session)->echo_rtt().max, 0u);
}

}  // namespace
}  // namespace vipd::bfd
