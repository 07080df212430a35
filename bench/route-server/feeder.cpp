// bgp_feeder: the fast feeder of the route-server benchmark. Generates a deterministic
// Internet-like table (feed.hpp), connects to the daemon under test, and on command streams the
// pre-encoded UPDATEs as fast as TCP takes them, then the full withdrawal. Keepalives keep
// flowing throughout (inserted between UPDATEs, never inside one).
//
// Commands, one per line on stdin: `announce`, `withdraw`, `quit` (or end of input).
// Reports, one per line on stdout, each with a CLOCK_MONOTONIC timestamp in ns:
//   established <ns> <details>      ready <ns> <details>
//   announce_start <ns>             announce_done <ns> <updates> <bytes>
//   withdraw_start <ns>             withdraw_done <ns> <updates> <bytes>
//   closed <ns> <why>               (the session ended; exit status 2)
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bgp/wire/notification.hpp"
#include "bgp_connection.hpp"
#include "feed.hpp"

namespace {

using namespace vipd;
using namespace vipd::bench;

// Bytes handed to send() at once: large enough for few syscalls, small enough that a due
// keepalive waits at most one chunk.
constexpr std::size_t kChunkBytes = 256 * 1024;

// Reads and discards what the daemon sends (KEEPALIVEs, an End-of-RIB); ends on NOTIFICATION
// or EOF.
void drain_input(BgpConnection& connection) {
  if (auto failed = connection.read_available()) session_ended(*failed);
  std::string error;
  while (auto message = connection.next_message(error)) {
    if ((*message)[18] == static_cast<std::uint8_t>(bgp::wire::MessageType::kNotification)) {
      session_ended(describe_message(*message));
    }
  }
  if (!error.empty()) session_ended(error);
}

int poll_ms_until(std::int64_t deadline_ns) {
  const std::int64_t left = deadline_ns - monotonic_ns();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<std::int64_t>(left / 1'000'000 + 1, 1000));
}

void send_keepalive_if_due(BgpConnection& connection) {
  static const Bytes keepalive = bgp::wire::encode_keepalive();
  const std::int64_t now = monotonic_ns();
  if (!connection.keepalive_due(now)) return;
  if (!connection.send_all(keepalive)) session_ended("sending KEEPALIVE failed");
  connection.keepalive_sent(now);
}

// Writes the whole stream as fast as the socket takes it.
void stream(BgpConnection& connection, const EncodedStream& s, const char* label) {
  static const Bytes keepalive = bgp::wire::encode_keepalive();
  std::size_t position = 0;
  auto next_end = s.message_ends.begin();
  ByteSpan pending;
  report("{}_start {}", label, monotonic_ns());
  while (position < s.bytes.size() || !pending.empty()) {
    if (pending.empty()) {
      const std::int64_t now = monotonic_ns();
      if (connection.keepalive_due(now)) {
        pending = keepalive;
        connection.keepalive_sent(now);
      } else {
        // Up to kChunkBytes of whole messages (at least one).
        auto limit = std::upper_bound(next_end, s.message_ends.end(), position + kChunkBytes);
        if (limit == next_end) ++limit;
        const std::size_t end = *(limit - 1);
        pending = ByteSpan(s.bytes.data() + position, end - position);
        position = end;
        next_end = limit;
      }
    }
    const long written = connection.send_some(pending);
    if (written < 0) session_ended("send failed");
    pending = pending.subspan(static_cast<std::size_t>(written));
    if (pending.empty()) continue;
    pollfd p{connection.fd(), POLLOUT | POLLIN, 0};
    poll(&p, 1, poll_ms_until(connection.next_keepalive_ns()));
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) drain_input(connection);
  }
  report("{}_done {} {} {}", label, monotonic_ns(), s.message_ends.size(), s.bytes.size());
}

struct Arguments {
  std::string local_address;
  std::string remote_address;
  std::uint16_t port = 179;
  std::uint32_t local_as = 65001;
  std::uint32_t remote_as = 65000;
  std::uint16_t hold_time = 180;
  std::size_t prefixes = 1'000'000;
  std::size_t attribute_sets = 0;
  std::uint64_t seed = 1;
  bool extended_message = false;
  bool verify = false;
  int connect_timeout_s = 30;
};

SessionConfig session_config(const Arguments& a) {
  SessionConfig config;
  auto local = IpAddress::parse(a.local_address);
  auto remote = IpAddress::parse(a.remote_address);
  if (!local || !remote) {
    fmt::print(stderr, "bgp_feeder: bad --local or --remote address\n");
    std::exit(1);
  }
  config.local_address = *local;
  config.remote_address = *remote;
  config.remote_port = a.port;
  config.local_as = a.local_as;
  config.remote_as = a.remote_as;
  config.hold_time = a.hold_time;
  config.extended_message = a.extended_message;
  config.connect_timeout = std::chrono::seconds(a.connect_timeout_s);
  return config;
}

void verify_or_exit(const EncodedStream& s, const bgp::wire::Options& options, std::size_t want) {
  auto counted = verify_stream(s, options);
  if (!counted || *counted != want) {
    fmt::print(stderr, "bgp_feeder: stream does not verify: {}\n",
               counted ? fmt::format("{} prefixes, want {}", *counted, want) : counted.error());
    std::exit(1);
  }
}

// Runs commands from stdin until `quit` or end of input, keeping the session alive meanwhile.
void command_loop(BgpConnection& connection, const EncodedStream& announce,
                  const EncodedStream& withdraw) {
  std::string line;
  char buffer[256];
  while (true) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {connection.fd(), POLLIN, 0}};
    poll(fds, 2, poll_ms_until(connection.next_keepalive_ns()));
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) drain_input(connection);
    send_keepalive_if_due(connection);
    if ((fds[0].revents & (POLLIN | POLLHUP)) == 0) continue;
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n <= 0)
      line = "quit\n";
    else
      line.append(buffer, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = line.find('\n')) != std::string::npos) {
      const std::string command = line.substr(0, newline);
      line.erase(0, newline + 1);
      if (command == "announce")
        stream(connection, announce, "announce");
      else if (command == "withdraw")
        stream(connection, withdraw, "withdraw");
      else if (command == "quit")
        return;
      else if (!command.empty())
        fmt::print(stderr, "bgp_feeder: unknown command '{}'\n", command);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Arguments a;
  CLI::App app{"bgp_feeder: streams a synthetic Internet-like table to a BGP daemon"};
  app.add_option("--local", a.local_address, "Our IPv4 address (also the next hop)")->required();
  app.add_option("--remote", a.remote_address, "The daemon's IPv4 address")->required();
  app.add_option("--port", a.port, "The daemon's BGP port")->capture_default_str();
  app.add_option("--local-as", a.local_as, "Our AS")->capture_default_str();
  app.add_option("--remote-as", a.remote_as, "The daemon's AS")->capture_default_str();
  app.add_option("--hold-time", a.hold_time, "Hold time we propose")->capture_default_str();
  app.add_option("--prefixes", a.prefixes, "Prefixes in the table")->capture_default_str();
  app.add_option("--attribute-sets", a.attribute_sets, "Distinct AS paths (0: prefixes/20)");
  app.add_option("--seed", a.seed, "Generator seed")->capture_default_str();
  app.add_flag("--extended-message", a.extended_message, "Offer RFC 8654 extended messages");
  app.add_flag("--verify", a.verify, "Decode the encoded streams with the vipd codec first");
  app.add_option("--connect-timeout", a.connect_timeout_s, "Seconds")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  SessionConfig config = session_config(a);
  const std::int64_t t0 = monotonic_ns();
  Feed feed =
      generate_feed({a.prefixes, a.attribute_sets, a.seed, a.local_as, config.local_address});
  fmt::print(stderr, "bgp_feeder: generated {} prefixes, {} AS paths in {} ms\n",
             feed.prefixes.size(), feed.attribute_sets.size(), (monotonic_ns() - t0) / 1'000'000);

  auto connection = BgpConnection::establish(config);
  if (!connection) session_ended(connection.error());
  const auto& negotiated = connection->negotiated();
  report("established {} hold={} four_octet_as={} max_message={}", monotonic_ns(),
         negotiated.hold_time, negotiated.four_octet_as, connection->max_send_size());

  const bgp::wire::Options options = connection->send_options();
  EncodedStream announce = encode_announcements(feed, options);
  EncodedStream withdraw = encode_withdrawals(feed, options);
  if (a.verify) {
    verify_or_exit(announce, options, feed.prefixes.size());
    verify_or_exit(withdraw, options, feed.prefixes.size());
  }
  report("ready {} prefixes={} paths={} announce_updates={} announce_bytes={} withdraw_updates={}",
         monotonic_ns(), feed.prefixes.size(), feed.attribute_sets.size(),
         announce.message_ends.size(), announce.bytes.size(), withdraw.message_ends.size());

  command_loop(*connection, announce, withdraw);
  connection->shutdown("benchmark done");
  return 0;
}
