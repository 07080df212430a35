#include "bgp_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "bgp/wire/header.hpp"
#include "bgp/wire/message.hpp"
#include "bgp/wire/notification.hpp"

namespace vipd::bench {

namespace wire = bgp::wire;

namespace {

constexpr std::size_t kInputBufferSize = 1 << 20;
constexpr std::int64_t kNsPerMs = 1'000'000;

sockaddr_in to_sockaddr(const IpAddress& address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(address.v4_host_order());
  return sa;
}

int poll_timeout_ms(std::int64_t deadline_ns) {
  std::int64_t left = deadline_ns - monotonic_ns();
  if (left <= 0) return 0;
  return static_cast<int>((left + kNsPerMs - 1) / kNsPerMs);
}

// One non-blocking connect attempt, waiting at most until the deadline. The socket, or -1 with
// `error` set.
int connect_once(const SessionConfig& config, std::int64_t deadline_ns, std::string& error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = fmt::format("socket: {}", std::strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in local = to_sockaddr(config.local_address, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    error = fmt::format("bind {}: {}", config.local_address.to_string(), std::strerror(errno));
    close(fd);
    return -1;
  }
  sockaddr_in remote = to_sockaddr(config.remote_address, config.remote_port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) == 0) return fd;
  if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, poll_timeout_ms(deadline_ns)) == 1) {
      int so_error = 0;
      socklen_t len = sizeof(so_error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error == 0) return fd;
      errno = so_error;
    } else {
      errno = ETIMEDOUT;
    }
  }
  error = fmt::format("connect {}:{}: {}", config.remote_address.to_string(), config.remote_port,
                      std::strerror(errno));
  close(fd);
  return -1;
}

}  // namespace

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Result<BgpConnection, std::string> BgpConnection::establish(const SessionConfig& config) {
  if (!config.local_address.is_v4() || !config.remote_address.is_v4()) {
    return unexpected(std::string("only IPv4 transport is supported"));
  }
  const std::int64_t deadline = monotonic_ns() + config.connect_timeout.count() * kNsPerMs;
  std::string error;
  // The daemon under test may still be starting: retry refused connections, and connections it
  // closes before the OPEN exchange is done (GoBGP resets those from neighbors it has not
  // configured yet), until the deadline. A NOTIFICATION or an unacceptable OPEN is final.
  while (true) {
    // A bounded attempt: should a SYN go unanswered, a fresh socket (new source port) retries.
    int fd = connect_once(config, std::min(deadline, monotonic_ns() + 2000 * kNsPerMs), error);
    if (fd >= 0) {
      BgpConnection connection(fd);
      auto failed = connection.exchange_opens(config, deadline);
      if (!failed) return connection;
      error = failed->reason;
      if (!failed->retry) return unexpected(error);
    }
    if (monotonic_ns() >= deadline) return unexpected(error);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

BgpConnection::BgpConnection(BgpConnection&& other) noexcept
    : fd_(other.fd_),
      negotiated_(std::move(other.negotiated_)),
      input_(std::move(other.input_)),
      input_start_(other.input_start_),
      input_end_(other.input_end_),
      next_keepalive_ns_(other.next_keepalive_ns_) {
  other.fd_ = -1;
}

BgpConnection::~BgpConnection() {
  if (fd_ >= 0) close(fd_);
}

std::size_t BgpConnection::max_send_size() const {
  return wire::max_message_size(send_options());
}

// RFC 4271 §8.2.2: OpenSent (our OPEN out, wait for theirs), OpenConfirm (KEEPALIVE out, wait
// for theirs), Established.
std::optional<BgpConnection::HandshakeFailure> BgpConnection::exchange_opens(
    const SessionConfig& config, std::int64_t deadline_ns) {
  auto retry = [](std::string reason) { return HandshakeFailure{std::move(reason), true}; };
  auto give_up = [](std::string reason) { return HandshakeFailure{std::move(reason), false}; };
  std::vector<wire::Capability> capabilities{
      wire::MultiprotocolCapability{wire::kIpv4Unicast},
      wire::RouteRefreshCapability{},
  };
  if (config.extended_message) capabilities.emplace_back(wire::ExtendedMessageCapability{});
  const std::uint32_t identifier = config.local_address.v4_host_order();
  wire::Open local =
      wire::make_open(config.local_as, config.hold_time, identifier, std::move(capabilities));
  if (!send_all(wire::encode_open(local))) return retry("sending OPEN failed");

  auto open_message = wait_message(deadline_ns);
  if (!open_message) return retry("waiting for OPEN: " + open_message.error());
  auto decoded = wire::decode_message(*open_message, wire::Options{});
  if (!decoded) return give_up("bad OPEN: " + decoded.error().reason);
  const auto* remote = std::get_if<wire::Open>(&*decoded);
  if (remote == nullptr) return give_up("expected OPEN, got " + describe_message(*open_message));
  wire::OpenExpectations expect{config.local_as, identifier, config.remote_as, {}};
  if (auto problem = wire::check_open(*remote, expect)) {
    send_all(wire::encode_notification(wire::to_notification(*problem)));
    return give_up("unacceptable OPEN: " + problem->reason);
  }
  negotiated_ = wire::negotiate(local, *remote);
  if (!send_all(wire::encode_keepalive())) return retry("sending KEEPALIVE failed");

  auto confirm = wait_message(deadline_ns);
  if (!confirm) return retry("waiting for KEEPALIVE: " + confirm.error());
  if ((*confirm)[18] != static_cast<std::uint8_t>(wire::MessageType::kKeepalive)) {
    return give_up("expected KEEPALIVE, got " + describe_message(*confirm));
  }
  keepalive_sent(monotonic_ns());
  return std::nullopt;
}

Result<Bytes, std::string> BgpConnection::wait_message(std::int64_t deadline_ns) {
  while (true) {
    std::string error;
    if (auto message = next_message(error)) return Bytes(message->begin(), message->end());
    if (!error.empty()) return unexpected(error);
    pollfd p{fd_, POLLIN, 0};
    int timeout = poll_timeout_ms(deadline_ns);
    if (timeout == 0 || poll(&p, 1, timeout) == 0) return unexpected(std::string("timed out"));
    if (auto failed = read_available()) return unexpected(*failed);
  }
}

std::optional<std::string> BgpConnection::read_available() {
  if (input_.size() < kInputBufferSize) input_.resize(kInputBufferSize);
  // Keep room for at least one maximum-size message after the unread bytes.
  if (input_.size() - input_end_ < wire::kMaxExtendedMessageSize) {
    std::memmove(input_.data(), input_.data() + input_start_, input_end_ - input_start_);
    input_end_ -= input_start_;
    input_start_ = 0;
  }
  ssize_t n = read(fd_, input_.data() + input_end_, input_.size() - input_end_);
  if (n > 0) {
    input_end_ += static_cast<std::size_t>(n);
    return std::nullopt;
  }
  if (n == 0) return std::string("connection closed by peer");
  if (errno == EAGAIN || errno == EINTR) return std::nullopt;
  return fmt::format("read: {}", std::strerror(errno));
}

std::optional<ByteSpan> BgpConnection::next_message(std::string& error) {
  const std::size_t available = input_end_ - input_start_;
  if (available < wire::kHeaderSize) return std::nullopt;
  ByteSpan unread(input_.data() + input_start_, available);
  // We may receive extended messages once we advertised the capability (RFC 8654 §4).
  auto header = wire::decode_header(unread.first(wire::kHeaderSize),
                                    wire::max_message_size(negotiated_.receive_options()));
  if (!header) {
    error = "bad message header: " + header.error().reason;
    return std::nullopt;
  }
  if (available < header->length) return std::nullopt;
  input_start_ += header->length;
  if (input_start_ == input_end_) input_start_ = input_end_ = 0;
  return unread.first(header->length);
}

long BgpConnection::send_some(ByteSpan data) {
  ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EINTR) return 0;
  return -1;
}

bool BgpConnection::send_all(ByteSpan data) {
  while (!data.empty()) {
    long n = send_some(data);
    if (n < 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
    if (!data.empty()) {
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, 1000);
    }
  }
  return true;
}

bool BgpConnection::keepalive_due(std::int64_t now_ns) const {
  return negotiated_.keepalive_time != 0 && now_ns >= next_keepalive_ns_;
}

void BgpConnection::keepalive_sent(std::int64_t now_ns) {
  next_keepalive_ns_ = negotiated_.keepalive_time == 0
                           ? INT64_MAX
                           : now_ns + std::int64_t{negotiated_.keepalive_time} * 1'000'000'000;
}

void BgpConnection::shutdown(const std::string& reason) {
  if (fd_ < 0) return;
  send_all(wire::encode_notification(
      wire::make_shutdown_notification(wire::cease_subcode::kAdministrativeShutdown, reason)));
  ::shutdown(fd_, SHUT_WR);
  close(fd_);
  fd_ = -1;
}

std::string describe_message(ByteSpan whole_message) {
  if (whole_message.size() < wire::kHeaderSize) return "a truncated message";
  auto type = static_cast<wire::MessageType>(whole_message[18]);
  switch (type) {
    case wire::MessageType::kOpen:
      return "OPEN";
    case wire::MessageType::kUpdate:
      return "UPDATE";
    case wire::MessageType::kKeepalive:
      return "KEEPALIVE";
    case wire::MessageType::kRouteRefresh:
      return "ROUTE-REFRESH";
    case wire::MessageType::kNotification: {
      auto n = wire::decode_notification(whole_message.subspan(wire::kHeaderSize));
      if (!n) return "a malformed NOTIFICATION";
      std::string text = "NOTIFICATION " + n->name();
      if (n->shutdown_message) text += " \"" + *n->shutdown_message + "\"";
      return text;
    }
  }
  return fmt::format("a message of type {}", whole_message[18]);
}

}  // namespace vipd::bench
