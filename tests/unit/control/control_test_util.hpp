// Shared by the control socket and vipctl tests: a small command tree, a temporary directory and
// a raw socket for byte-level protocol tests.
#pragma once

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "control/cli.hpp"

namespace vipd::control {

// The shape of the real tree (exec, config, config-router) with commands whose effects the
// tests can see. `hostname` is what the server's hostname callback returns.
inline void install_test_commands(CommandTree& tree, std::string& hostname) {
  tree.add_node("config", "config");
  tree.add_node("config-router", "config-router");
  tree.describe("show", "Show running system information");
  tree.describe("neighbor", "Specify neighbor router");
  // Keywords after the first take their `?` help from describe() only.
  tree.describe("foo", "Foo");
  tree.describe("session", "The node stack");
  tree.install("exec", "show foo", "Foo", [](const Invocation&, Session&) {
    return CommandResult::success("foo output\nsecond line");
  });
  tree.install("exec", "show session", "The node stack", [](const Invocation&, Session& s) {
    std::string out;
    for (const auto& frame : s.stack) out += (out.empty() ? "" : " ") + frame.node;
    return CommandResult::success(out);
  });
  tree.install(
      "exec", "show throw", "A command with a bug",
      [](const Invocation&, Session&) -> CommandResult { throw std::runtime_error("boom"); });
  tree.install("exec", "configure terminal", "Configuration from vty interface",
               [](const Invocation&, Session& s) {
                 s.push("config");
                 return CommandResult::success();
               });
  tree.install("config", "router bgp (1-4294967295)$asn", "BGP information",
               [](const Invocation& inv, Session& s) {
                 s.push("config-router", inv.get("asn"));
                 return CommandResult::success();
               });
  tree.install("config", "hostname WORD", "Set system's network name",
               [&hostname](const Invocation& inv, Session&) {
                 hostname = inv.get("WORD");
                 return CommandResult::success();
               });
  tree.install("config-router", "neighbor <A.B.C.D|X:X::X:X>$peer remote-as (1-4294967295)$asn",
               "Specify a BGP neighbor", [](const Invocation& inv, Session& s) {
                 return CommandResult::success("peer " + inv.get("peer") + " as " + inv.get("asn") +
                                               " in " + *s.argument_of("config-router"));
               });
  for (const char* node : {"config", "config-router"}) {
    tree.install(node, "exit", "Exit current mode and down to previous mode",
                 [](const Invocation&, Session& s) {
                   s.pop();
                   return CommandResult::success();
                 });
  }
  tree.install("config", "end", "End current mode and change to enable mode",
               [](const Invocation&, Session& s) {
                 s.reset_to_exec();
                 return CommandResult::success();
               });
}

class TempDir {
 public:
  TempDir() {
    // Short, under /tmp: a unix socket path must fit in 108 bytes.
    char pattern[] = "/tmp/vipd-control-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class RawSocket {
 public:
  explicit RawSocket(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
      throw std::runtime_error("connect failed");
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  void send(const std::string& bytes) {
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
      throw std::runtime_error("short send");
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  // One line without its newline; "" on EOF or after 5 s of silence.
  std::string read_line() {
    for (;;) {
      auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return "";
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace vipd::control
