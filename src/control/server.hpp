// The control socket: a unix stream socket on which `vipctl` (and tests) run CLI commands in the
// daemon. Protocol: newline-delimited JSON over a persistent connection, one request -> one
// response, in order.
//
//   {"op":"hello"}                 ->
//   {"ok":true,"hostname":"OpenWrt","prompt":"","version":"0.1.0"}
//   {"op":"execute","line":"..."}  -> {"ok":bool,"output":"...","prompt":"(config)","hostname":..}
//                                     plus "close":true when the server ends the connection next
//   {"op":"complete","line":"..."} -> {"ok":true,"completions":[{"token":..,"help":..}],
//                                      "prompt":..}
//   anything else                  -> {"ok":false,"error":"..."}
//
// Each connection has its own Session (node stack), so an interactive shell can `configure
// terminal` and stay there, independently of every other connection. Commands run on the
// io_context thread like all protocol work; the daemon is single-threaded (DESIGN.md principle 4).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "control/cli.hpp"

namespace vipd::control {

struct ServerOptions {
  std::string path = "/run/vipd.sock";
  // The router's hostname for the shell prompt; asked on every hello/execute, so `hostname X` in
  // config mode shows in the next prompt.
  std::function<std::string()> hostname;
  std::string version;  // empty: this build's version
  // A request line longer than this gets an error and the connection is closed: it bounds the
  // memory one client can pin (commands are short; config is applied line by line).
  std::size_t max_request_bytes = 64 * 1024;
  // Further connections are refused with an error ("too many connections"); bounds
  // descriptors and sessions.
  std::size_t max_connections = 64;
  // vtysh's `exec-timeout`: a client that sends nothing for this long is told so and
  // disconnected, so that idle clients cannot hold every one of the max_connections slots. Asked
  // at each request, so a changed `line vty` / `exec-timeout` applies from a client's next
  // request on. Zero or less: never. Empty: kDefaultIdleTimeout (vtysh's 10 minutes).
  static constexpr std::chrono::milliseconds kDefaultIdleTimeout{10 * 60 * 1000};
  std::function<std::chrono::milliseconds()> idle_timeout;
  // Peers (SO_PEERCRED) allowed to connect: root, and the daemon's own user so that an
  // unprivileged daemon (tests, a non-root deployment) can be driven by the same user.
  std::vector<uid_t> allowed_uids{0, ::geteuid()};
};

class Server {
 public:
  // `tree` is owned by the daemon and must outlive the server (or at least its close()).
  Server(asio::io_context& io, CommandTree& tree, ServerOptions options);
  ~Server();  // close()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the socket (mode 0600) and starts accepting. A socket file nobody listens on is a
  // leftover of a crashed daemon and is replaced; if another process listens there, or the path
  // is something else than a socket, start() fails, so two daemons never share one socket.
  Status<std::string> start();
  // Stops accepting, closes every connection and removes the socket file (only if it is still
  // the one this server created). Call on the io_context thread, or after it stopped. Idempotent.
  void close();

  const std::string& path() const;
  std::size_t connections() const;

 private:
  friend class Connection;  // server.cpp: one client connection
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending handlers, which may outlive the Server
};

// Commands of the shell itself:
//   exec:   exit, quit      end the vipctl session (the server closes the connection)
//   config: do LINE...      run an exec command from any configuration node (FRR's `do`)
// `end` and the config-level `exit` belong to the configuration commands. Creates the "config"
// node (prompt "config") when it does not exist yet.
void install_shell_commands(CommandTree& tree);

// True once `exit`/`quit` ran at exec in this session: the connection is to be closed.
bool session_ended(const Session& session);

}  // namespace vipd::control
