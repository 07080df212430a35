#include "control/client.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vipd::control {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// A reply is one line; `show ip bgp` of a full table is large but finite. Past this the peer is
// not a vipd and we stop buffering.
constexpr std::size_t kMaxReplyBytes = 512u << 20;

// Waits until `fd` is ready for `events` or the deadline passes. Returns false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline, int& error) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) {
      error = errno;
      return true;  // let the following read/write report the error
    }
  }
}

std::string get_string(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool get_bool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

Result<Client, ClientError> Client::connect(const std::string& path,
                                            std::chrono::milliseconds timeout) {
  auto failure = [&](int error) {
    std::string hint;
    if (error == ENOENT || error == ECONNREFUSED) hint = " (is vipd running?)";
    if (error == EACCES || error == EPERM) hint = " (vipctl must run as root)";
    return unexpected(
        ClientError{ClientError::Kind::kConnect,
                    fmt::format("cannot connect to {}: {}{}", path, std::strerror(error), hint)});
  };
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) return failure(ENAMETOOLONG);
  std::memcpy(address.sun_path, path.data(), path.size());

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failure(errno);
  // Connecting to a local socket either succeeds at once or fails at once (a full backlog
  // blocks, which the reply deadline then covers).
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int error = errno;
    ::close(fd);
    return failure(error);
  }
  return Client(fd, timeout);
}

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      pending_(std::move(other.pending_)) {}

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    pending_ = std::move(other.pending_);
  }
  return *this;
}

Client::~Client() {
  close();
}

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pending_.clear();
}

ClientError Client::fail(ClientError::Kind kind, std::string message) {
  close();
  return {kind, std::move(message)};
}

Result<json, ClientError> Client::request(const json& message) {
  return request_raw(message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

Result<json, ClientError> Client::request_raw(std::string_view bytes) {
  if (fd_ < 0) return unexpected(ClientError{ClientError::Kind::kIo, "not connected to vipd"});
  const auto deadline = Clock::now() + timeout_;
  while (!bytes.empty()) {
    int error = 0;
    if (!wait_for(fd_, POLLOUT, deadline, error))
      return unexpected(fail(ClientError::Kind::kTimeout, "timed out sending to vipd"));
    // MSG_NOSIGNAL: a daemon that went away must give an error, not kill vipctl with SIGPIPE.
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno != EPIPE && errno != ECONNRESET)
        return unexpected(fail(ClientError::Kind::kIo,
                               fmt::format("cannot send to vipd: {}", std::strerror(errno))));
      // The server hung up, maybe having said why first ("permission denied", "too many
      // connections"): that reply is still readable and explains more than EPIPE.
      break;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }

  for (;;) {
    auto newline = pending_.find('\n');
    if (newline != std::string::npos) {
      json reply = json::parse(std::string_view(pending_).substr(0, newline), nullptr, false);
      pending_.erase(0, newline + 1);
      if (reply.is_discarded() || !reply.is_object())
        return unexpected(fail(ClientError::Kind::kIo, "malformed reply from vipd"));
      return reply;
    }
    if (pending_.size() > kMaxReplyBytes)
      return unexpected(fail(ClientError::Kind::kIo, "reply from vipd too large"));
    int error = 0;
    if (!wait_for(fd_, POLLIN, deadline, error))
      return unexpected(fail(ClientError::Kind::kTimeout,
                             fmt::format("no reply from vipd within {} ms", timeout_.count())));
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) return unexpected(fail(ClientError::Kind::kIo, "connection closed by vipd"));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return unexpected(fail(ClientError::Kind::kIo,
                             fmt::format("cannot read from vipd: {}", std::strerror(errno))));
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
}

namespace {}  // namespace

// Replies with "error" are the server refusing the request itself (not a failed command); with
// "close" the server has ended the connection (idle longer than its exec-timeout): that is a
// lost connection, not a refused request.
Result<json, ClientError> Client::checked(Result<json, ClientError> reply) {
  if (!reply) return reply;
  auto error = reply->find("error");
  if (error == reply->end()) return reply;
  std::string message = error->is_string() ? error->get<std::string>() : "error";
  if (get_bool(*reply, "close")) return unexpected(fail(ClientError::Kind::kIo, message));
  return unexpected(ClientError{ClientError::Kind::kServer, message});
}

Result<HelloReply, ClientError> Client::hello() {
  auto reply = checked(request({{"op", "hello"}}));
  if (!reply) return unexpected(reply.error());
  return HelloReply{get_string(*reply, "hostname"), get_string(*reply, "prompt"),
                    get_string(*reply, "version")};
}

Result<ExecuteReply, ClientError> Client::execute(std::string_view line) {
  auto reply = request({{"op", "execute"}, {"line", line}});
  if (!reply) return unexpected(reply.error());
  const json& j = *reply;
  // An internal error in a command carries an "output" too: show it as a failed command.
  if (j.contains("error") && !j.contains("output")) return unexpected(checked(j).error());
  ExecuteReply out;
  out.ok = get_bool(j, "ok");
  out.output = get_string(j, "output");
  out.prompt = get_string(j, "prompt");
  out.hostname = get_string(j, "hostname");
  out.closed = get_bool(j, "close");
  if (out.closed) close();
  return out;
}

Result<CompleteReply, ClientError> Client::complete(std::string_view line) {
  auto reply = checked(request({{"op", "complete"}, {"line", line}}));
  if (!reply) return unexpected(reply.error());
  CompleteReply out;
  out.prompt = get_string(*reply, "prompt");
  auto list = reply->find("completions");
  if (list != reply->end() && list->is_array())
    for (const auto& c : *list)
      if (c.is_object()) out.completions.push_back({get_string(c, "token"), get_string(c, "help")});
  return out;
}

}  // namespace vipd::control
