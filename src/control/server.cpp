#include "control/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/log.hpp"
#include "event/accept_backoff.hpp"
#include "event/asio_clock.hpp"

#ifndef VIPD_VERSION
#error "VIPD_VERSION must be defined by the build"
#endif

namespace vipd::control {
namespace {

using json = nlohmann::json;
using stream = asio::local::stream_protocol;

// `exit` at exec moves the session to this node, which has no commands: nothing more can run in
// it, and the server sees that the connection is to end. Session has no other place for the
// flag, and the CommandTree API stays as it is.
constexpr std::string_view kEndedNode = "vipctl-ended";

std::string encode(const json& message) {
  // Command output may carry bytes that are not UTF-8 (a peer's description, say); replace them
  // instead of throwing in the middle of a response.
  return message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// nlohmann's escaping of `text` as the inside of a JSON string (no quotes), so that streamed
// output is escaped exactly as a whole response would be.
std::string escaped(const std::string& text) {
  std::string quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// encode(message) cut where the "output" string's text goes: the part before its closing quote
// and the rest, so that a streamed output is sent between them. Members in nlohmann's order
// (sorted keys), separators as dump(-1) writes them.
std::pair<std::string, std::string> encode_around_output(const json& message) {
  std::string head = "{", tail;
  bool after = false;
  for (auto it = message.begin(); it != message.end(); ++it) {
    std::string member = it == message.begin() ? "" : ",";
    member += json(it.key()).dump() + ":";
    std::string value = it.value().dump(-1, ' ', false, json::error_handler_t::replace);
    if (it.key() == "output") {
      head += member + value.substr(0, value.size() - 1);
      tail = "\"";
      after = true;
      continue;
    }
    (after ? tail : head) += member + value;
  }
  tail += "}\n";
  return {std::move(head), std::move(tail)};
}

json error_response(std::string message) {
  return {{"ok", false}, {"error", std::move(message)}};
}

// For FRR's `do`: what follows the leading "do" word of `line`, if the line starts with it.
std::optional<std::string_view> after_do(std::string_view line) {
  auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line.substr(start, 2) != "do") return std::nullopt;
  std::string_view rest = line.substr(start + 2);
  if (rest.empty() || (rest.front() != ' ' && rest.front() != '\t')) return std::nullopt;
  auto next = rest.find_first_not_of(" \t");
  return next == std::string_view::npos ? std::string_view{} : rest.substr(next);
}

}  // namespace

class Connection;

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, CommandTree& command_tree, ServerOptions opts)
      : io(io_context),
        tree(command_tree),
        options(std::move(opts)),
        acceptor(io_context),
        clock(io_context),
        backoff(clock, "control socket " + options.path) {
    if (options.version.empty()) options.version = VIPD_VERSION;
  }

  void accept();
  void admit(stream::socket socket);
  void close();
  // `stream` gets the rest of the output of a command that streams it (CommandResult).
  json handle(Session& session, std::string_view line, bool& close_after, OutputStream& stream);
  std::string hostname() const { return options.hostname ? options.hostname() : "vipd"; }
  std::chrono::milliseconds idle_timeout() const {
    return options.idle_timeout ? options.idle_timeout() : ServerOptions::kDefaultIdleTimeout;
  }

  asio::io_context& io;
  CommandTree& tree;
  ServerOptions options;
  stream::acceptor acceptor;
  event::AsioClock clock;
  event::AcceptBackoff backoff;  // shared with BGP's listeners: waits out EMFILE
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections;
  // Identity of the socket file this server created, so that close() never removes a socket
  // that a newer daemon put at the same path.
  bool created = false;
  dev_t dev = 0;
  ino_t ino = 0;
};

// One client: reads request lines, answers each in order. Owned by the server's table while
// open and by its pending handlers; `server` is cleared when the server closes, after which the
// connection only winds down.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl* server, stream::socket socket, std::string peer = {})
      : server_(server),
        socket_(std::move(socket)),
        idle_(socket_.get_executor()),
        peer_(std::move(peer)) {}

  void start() {
    touch();
    process();
  }

  // Sends one error and ends the connection (refused peers, oversized requests).
  void reject(std::string message) { write(encode(error_response(std::move(message))), true); }

  // The server is going away: drop the back pointer and stop all I/O.
  void detach() {
    server_ = nullptr;
    idle_.cancel();
    stream_ = nullptr;
    asio::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](asio::error_code ec, std::size_t n) {
                              if (ec) return self->finish();
                              self->touch();
                              self->pending_.append(self->buffer_.data(), n);
                              self->process();
                            });
  }

  // Answers the next complete request line, or reads more. One request is in flight at a time,
  // so a pipelining client gets its answers in order and cannot queue unbounded output.
  void process() {
    if (!server_) return finish();
    const std::size_t limit = server_->options.max_request_bytes;
    for (;;) {
      auto newline = pending_.find('\n');
      if (newline == std::string::npos) {
        if (pending_.size() > limit) return reject_oversized(limit);
        return read();
      }
      if (newline > limit) return reject_oversized(limit);
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      bool close_after = false;
      OutputStream stream;
      json response = server_->handle(session_, line, close_after, stream);
      if (!stream) return write(encode(response), close_after);
      auto [head, tail] = encode_around_output(response);
      stream_ = std::move(stream);
      tail_ = std::move(tail);
      return write_streamed(std::move(head), close_after);
    }
  }

  // One batch of the stream per loop turn, written before the next is made: the answer costs
  // one batch of memory, and a client that stops reading stops the production (issue 15).
  void write_streamed(std::string data, bool close_after) {
    static constexpr std::size_t kBatchBytes = 64 * 1024;
    std::string batch;
    bool more = true;
    try {
      while (more && batch.size() < kBatchBytes) more = stream_(batch);
    } catch (const std::exception& e) {
      // As for a handler (Impl::handle): the daemon survives; the answer ends valid JSON.
      log::error("control: streamed output failed: {}", e.what());
      batch += std::string("\n% Internal error: ") + e.what() + "\n";
      more = false;
    }
    data += escaped(batch);
    if (!more) {
      data += tail_;
      stream_ = nullptr;
    }
    out_ = std::move(data);
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this(), more, close_after](asio::error_code ec, std::size_t) {
          if (ec || !self->server_) return self->finish();
          if (more) return self->write_streamed({}, close_after);
          if (close_after) return self->finish();
          self->process();
        });
  }

  void reject_oversized(std::size_t limit) {
    log::warning("control: request larger than {} bytes, closing the connection", limit);
    reject(fmt::format("request too large (limit {} bytes)", limit));
  }

  void write(std::string data, bool close_after) {
    out_ = std::move(data);
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), close_after](asio::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec || close_after) return self->finish();
                        self->process();
                      });
  }

  // vtysh's exec-timeout: the client sent nothing for the idle timeout, from its connection or
  // its last request on. Its slot (max_connections) is freed; it is told why before the close.
  void touch() {
    const auto timeout = server_ ? server_->idle_timeout() : std::chrono::milliseconds(0);
    if (timeout.count() <= 0) {
      idle_.cancel();
      return;
    }
    idle_.expires_after(timeout);  // a pending wait completes with operation_aborted
    idle_.async_wait([weak = weak_from_this(), timeout](asio::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->server_) return;
      log::info("control: closing the connection of {}: idle for {} (exec-timeout)", self->peer_,
                describe(timeout));
      self->server_->connections.erase(self.get());
      self->server_ = nullptr;
      if (self->writing_) return self->finish();  // not reading its answer either
      json message = error_response(
          fmt::format("connection closed by vipd: idle for {} (exec-timeout)", describe(timeout)));
      message["close"] = true;
      self->write(encode(message), true);
    });
  }

  static std::string describe(std::chrono::milliseconds timeout) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    if (seconds >= 60 && seconds % 60 == 0) return fmt::format("{} min", seconds / 60);
    if (seconds > 0) return fmt::format("{} s", seconds);
    return fmt::format("{} ms", timeout.count());
  }

  void finish() {
    idle_.cancel();
    stream_ = nullptr;  // it refers to the module that made it, which may go away next
    asio::error_code ignored;
    socket_.shutdown(stream::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (server_) server_->connections.erase(this);
    server_ = nullptr;
  }

  Server::Impl* server_;
  stream::socket socket_;
  asio::steady_timer idle_;
  std::string peer_;  // "uid U pid P", for the log
  bool writing_ = false;
  std::array<char, 4096> buffer_{};
  std::string pending_;
  std::string out_;
  OutputStream stream_;  // the rest of a streamed answer, then tail_
  std::string tail_;
  Session session_;
};

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](asio::error_code ec, stream::socket socket) {
    if (!self->acceptor.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors and the like: retry later instead of spinning on accept().
      std::weak_ptr<Impl> weak = self;
      self->backoff.failed(ec, [weak] {
        if (auto impl = weak.lock(); impl && impl->acceptor.is_open()) impl->accept();
      });
      return;
    }
    self->backoff.succeeded();
    self->admit(std::move(socket));
    self->accept();
  });
}

void Server::Impl::admit(stream::socket socket) {
  ucred peer{};
  socklen_t length = sizeof(peer);
  bool known = ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0;
  bool allowed = known && std::find(options.allowed_uids.begin(), options.allowed_uids.end(),
                                    peer.uid) != options.allowed_uids.end();
  if (!allowed) {
    log::warning("control: refused connection from uid {} pid {}", known ? peer.uid : -1,
                 known ? peer.pid : -1);
    std::make_shared<Connection>(nullptr, std::move(socket))->reject("permission denied");
    return;
  }
  if (connections.size() >= options.max_connections) {
    log::warning("control: refused connection: {} clients connected", connections.size());
    std::make_shared<Connection>(nullptr, std::move(socket))->reject("too many connections");
    return;
  }
  auto connection = std::make_shared<Connection>(this, std::move(socket),
                                                 fmt::format("uid {} pid {}", peer.uid, peer.pid));
  connections.emplace(connection.get(), connection);
  connection->start();
}

json Server::Impl::handle(Session& session, std::string_view line, bool& close_after,
                          OutputStream& stream) {
  json request = json::parse(line, nullptr, false);
  if (request.is_discarded() || !request.is_object())
    return error_response("malformed request: expected one JSON object per line");
  auto op = request.find("op");
  if (op == request.end() || !op->is_string())
    return error_response("malformed request: missing \"op\"");
  const auto& name = op->get_ref<const std::string&>();
  try {
    if (name == "hello")
      return {{"ok", true},
              {"hostname", hostname()},
              {"prompt", tree.prompt_suffix(session)},
              {"version", options.version}};
    if (name != "execute" && name != "complete")
      return error_response("unknown op \"" + name + "\"");
    auto text = request.find("line");
    if (text == request.end() || !text->is_string())
      return error_response("malformed request: missing \"line\"");
    const auto& input = text->get_ref<const std::string&>();

    if (name == "execute") {
      // `do` is run here rather than through the tree: a command found in an enclosing node
      // leaves the inner ones (vtysh fallback), and `do` from config-router must stay there.
      auto rest = session.node() != "exec" ? after_do(input) : std::nullopt;
      Session exec;
      CommandResult result =
          rest ? tree.execute_streamed(exec, *rest) : tree.execute_streamed(session, input);
      stream = std::move(result.stream);
      json response = {{"ok", result.ok},
                       {"output", std::move(result.output)},
                       {"prompt", tree.prompt_suffix(session)},
                       {"hostname", hostname()}};
      if (session_ended(session)) {
        response["close"] = true;
        close_after = true;
      }
      return response;
    }

    // `do` takes the rest of the line as LINE...; complete that rest as the exec command it is.
    std::vector<Completion> completions;
    auto rest = session.node() != "exec" ? after_do(input) : std::nullopt;
    if (rest) {
      completions = tree.complete(Session{}, *rest);
    } else {
      completions = tree.complete(session, input);
    }
    json list = json::array();
    for (auto& c : completions) list.push_back({{"token", c.token}, {"help", c.help}});
    return {
        {"ok", true}, {"completions", std::move(list)}, {"prompt", tree.prompt_suffix(session)}};
  } catch (const std::exception& e) {
    // A command handler bug must not take the daemon (and its BGP sessions) down.
    log::error("control: {} request failed: {}", name, e.what());
    return {{"ok", false},
            {"error", std::string("internal error: ") + e.what()},
            {"output", std::string("% Internal error: ") + e.what()}};
  }
}

void Server::Impl::close() {
  asio::error_code ignored;
  backoff.cancel();
  if (acceptor.is_open()) acceptor.close(ignored);
  if (created) {
    struct stat st {};
    if (::lstat(options.path.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino)
      ::unlink(options.path.c_str());
    created = false;
  }
  auto open = std::move(connections);
  connections.clear();
  for (auto& [raw, connection] : open) connection->detach();
}

Server::Server(asio::io_context& io, CommandTree& tree, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, tree, std::move(options))) {}

Server::~Server() {
  close();
}

const std::string& Server::path() const {
  return impl_->options.path;
}

std::size_t Server::connections() const {
  return impl_->connections.size();
}

void Server::close() {
  impl_->close();
}

Status<std::string> Server::start() {
  auto& impl = *impl_;
  const std::string& path = impl.options.path;
  if (impl.acceptor.is_open()) return unexpected("control socket " + path + " is already open");
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path))
    return unexpected(fmt::format("control socket path '{}' is empty or too long", path));

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return unexpected(path + " exists and is not a socket");
    // Someone answering on it is a running daemon; a refused connection means a stale file.
    stream::socket probe(impl.io);
    asio::error_code ec;
    probe.connect(stream::endpoint(path), ec);
    if (!ec) return unexpected("another daemon is already listening on " + path);
    if (ec != asio::error::connection_refused)
      return unexpected(fmt::format("cannot check {}: {}", path, ec.message()));
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return unexpected(fmt::format("cannot remove stale {}: {}", path, std::strerror(errno)));
    log::notice("control: removed stale socket {}", path);
  } else if (errno != ENOENT) {
    return unexpected(fmt::format("cannot stat {}: {}", path, std::strerror(errno)));
  }

  asio::error_code ec;
  auto fail = [&](std::string_view what) {
    asio::error_code ignored;
    impl.acceptor.close(ignored);
    return unexpected(fmt::format("cannot {} control socket {}: {}", what, path, ec.message()));
  };
  impl.acceptor.open(stream(), ec);
  if (ec) return fail("open");
  impl.acceptor.bind(stream::endpoint(path), ec);
  if (ec) return fail("bind");
  impl.created = true;
  if (::lstat(path.c_str(), &st) == 0) {
    impl.dev = st.st_dev;
    impl.ino = st.st_ino;
  }
  // Before listen(), so that no client can connect while the mode is still the umask's.
  if (::chmod(path.c_str(), 0600) != 0) {
    ec = asio::error_code(errno, asio::system_category());
    impl.close();
    return unexpected(fmt::format("cannot chmod {}: {}", path, ec.message()));
  }
  impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    auto message = fmt::format("cannot listen on control socket {}: {}", path, ec.message());
    impl.close();
    return unexpected(message);
  }
  log::info("control: listening on {}", path);
  impl.accept();
  return Ok{};
}

void install_shell_commands(CommandTree& tree) {
  auto end_session = [](const Invocation&, Session& session) {
    session.reset_to_exec();
    session.push(std::string(kEndedNode));
    return CommandResult::success();
  };
  tree.install("exec", "exit", "Exit current mode and down to previous mode", end_session);
  tree.install("exec", "quit", "Exit current mode and down to previous mode", end_session);

  if (!tree.has_node("config")) tree.add_node("config", "config");
  // Installed for `?` and for sessions outside the server; the server runs `do` itself so that
  // the node is kept (see Impl::handle). The exec command runs in a throwaway session: `do
  // configure terminal` or `do exit` cannot disturb the configuration session.
  tree.install("config", "do LINE...", "To run exec commands in config mode",
               [&tree](const Invocation& inv, Session&) {
                 Session exec;
                 return tree.execute(exec, inv.get("LINE..."));
               });
}

bool session_ended(const Session& session) {
  return session.node() == kEndedNode;
}

}  // namespace vipd::control
