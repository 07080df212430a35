// A minimal active BGP speaker connection for the route-server benchmark tools (bgp_feeder,
// bgp_sink): TCP connect with retries, OPEN/KEEPALIVE exchange (RFC 4271 §8.2.2, only the
// happy path), then framed, non-blocking reading and keepalive timing. No FSM beyond that:
// anything unexpected ends the tool with a message, which is what a benchmark wants.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "bgp/wire/open.hpp"
#include "bgp/wire/open_check.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"

namespace vipd::bench {

// CLOCK_MONOTONIC in nanoseconds. Network namespaces share this clock, so the harness can
// subtract a feeder timestamp from a sink timestamp.
std::int64_t monotonic_ns();

struct SessionConfig {
  IpAddress local_address;
  IpAddress remote_address;
  std::uint16_t remote_port = 179;
  std::uint32_t local_as = 0;
  std::uint32_t remote_as = 0;
  std::uint16_t hold_time = 180;
  // RFC 8654: advertise the extended message capability.
  bool extended_message = false;
  std::chrono::milliseconds connect_timeout{30000};
};

class BgpConnection {
 public:
  // Connects to remote_address:remote_port from local_address, retrying until connect_timeout,
  // then exchanges OPEN and KEEPALIVE. On success the session is Established.
  static Result<BgpConnection, std::string> establish(const SessionConfig& config);

  BgpConnection(BgpConnection&& other) noexcept;
  BgpConnection& operator=(BgpConnection&&) = delete;
  BgpConnection(const BgpConnection&) = delete;
  ~BgpConnection();

  int fd() const { return fd_; }
  const bgp::wire::Negotiated& negotiated() const { return negotiated_; }
  // Options for what we send. Extended messages only when both sides advertised them: RFC 8654
  // §4 would allow sending them once the peer advertised the capability, but FRR 8 rejects
  // them unless it also received the capability.
  bgp::wire::Options send_options() const { return negotiated_.options(); }
  // Largest message we may send on this session.
  std::size_t max_send_size() const;

  // Reads whatever the socket holds (non-blocking) into the input buffer. An error string on
  // EOF or a socket error.
  std::optional<std::string> read_available();
  // The next whole message in the input buffer (header included), valid until the next
  // read_available(); nullopt when none is complete. A bad header is fatal: `error` is set.
  std::optional<ByteSpan> next_message(std::string& error);

  // Writes as much of `data` as the socket takes without blocking; bytes written, or -1 on a
  // socket error (EAGAIN counts as 0).
  long send_some(ByteSpan data);
  // Blocking write of a whole (small) buffer; false on error.
  bool send_all(ByteSpan data);

  // Keepalives (RFC 4271 §4.4): due every negotiated keepalive_time; 0 disables them.
  bool keepalive_due(std::int64_t now_ns) const;
  std::int64_t next_keepalive_ns() const { return next_keepalive_ns_; }
  void keepalive_sent(std::int64_t now_ns);

  // Sends Cease / Administrative Shutdown (RFC 4486) and closes the socket.
  void shutdown(const std::string& reason);

 private:
  explicit BgpConnection(int fd) : fd_(fd) {}
  struct HandshakeFailure {
    std::string reason;
    bool retry = false;  // the connection went away without a NOTIFICATION: try a new one
  };
  std::optional<HandshakeFailure> exchange_opens(const SessionConfig& config,
                                                 std::int64_t deadline_ns);
  // Blocks (poll) until a whole message is in the buffer or the deadline passes.
  Result<Bytes, std::string> wait_message(std::int64_t deadline_ns);

  int fd_ = -1;
  bgp::wire::Negotiated negotiated_;
  Bytes input_;
  std::size_t input_start_ = 0;
  std::size_t input_end_ = 0;
  std::int64_t next_keepalive_ns_ = 0;
};

// One report line for the harness on stdout, flushed at once (stdout is a file).
template <typename... Args>
void report(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(format, std::forward<Args>(args)...);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// Reports "closed <ns> <why>" and exits with status 2: the session is gone.
[[noreturn]] inline void session_ended(const std::string& why) {
  report("closed {} {}", monotonic_ns(), why);
  std::exit(2);
}

// "NOTIFICATION Cease/Administrative Shutdown" etc. for a message that ended a session, or a
// short description for anything else.
std::string describe_message(ByteSpan whole_message);

}  // namespace vipd::bench
