// The client side of the control socket (see server.hpp for the protocol): blocking, one request
// at a time, each with a deadline. Used by vipctl and the tests.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "control/cli.hpp"

namespace vipd::control {

struct ClientError {
  enum class Kind {
    kConnect,  // no socket, nobody listening, permission denied
    kIo,       // the connection broke or the reply was garbage
    kTimeout,  // no reply within the deadline
    kServer,   // the server answered with {"ok":false,"error":...}
  };
  Kind kind;
  std::string message;
};

struct HelloReply {
  std::string hostname;
  std::string prompt;  // suffix, e.g. "(config-router)"
  std::string version;
};

struct ExecuteReply {
  bool ok = false;  // false: the command failed; `output` says why ("% Unknown command: ...")
  std::string output;
  std::string prompt;
  std::string hostname;
  bool closed = false;  // the server ended the session (`exit` at exec)
};

struct CompleteReply {
  std::vector<Completion> completions;
  std::string prompt;
};

class Client {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{60'000};

  // Connects to the socket at `path`. Errors read like
  // "cannot connect to /run/vipd.sock: No such file or directory (is vipd running?)".
  static Result<Client, ClientError> connect(const std::string& path,
                                             std::chrono::milliseconds timeout = kDefaultTimeout);

  Client(Client&& other) noexcept;
  Client& operator=(Client&& other) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  Result<HelloReply, ClientError> hello();
  Result<ExecuteReply, ClientError> execute(std::string_view line);
  Result<CompleteReply, ClientError> complete(std::string_view line);

  // Sends one request object and waits for one reply object (any "ok" value). After an I/O error
  // or a timeout the connection is closed, since replies could no longer be matched to requests.
  Result<nlohmann::json, ClientError> request(const nlohmann::json& message);
  // Writes raw bytes (tests send malformed and oversized requests with it) and reads one reply.
  Result<nlohmann::json, ClientError> request_raw(std::string_view bytes);

  bool connected() const { return fd_ >= 0; }
  void close();
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  Client(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}
  Result<nlohmann::json, ClientError> read_reply();
  Result<nlohmann::json, ClientError> checked(Result<nlohmann::json, ClientError> reply);
  ClientError fail(ClientError::Kind kind, std::string message);

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string pending_;  // bytes after the last reply's newline
};

}  // namespace vipd::control
