#include "bgp/peer/asio_transport.hpp"

#include <sys/socket.h>

#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <deque>
#include <optional>
#include <utility>

#include "bgp/peer/message_framer.hpp"
#include "bgp/peer/socket_options.hpp"
#include "common/descriptors.hpp"
#include "common/log.hpp"
#include "event/accept_backoff.hpp"
#include "event/asio_clock.hpp"

namespace vipd::bgp::peer {

using asio::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxCoalesce = 64 * 1024;
// How long close() waits for the queued messages (a NOTIFICATION) to go out before it closes
// anyway: a neighbor that stopped reading must not keep the connection and its queue alive
// until the kernel gives up, which for a zero window it never does (issue 15, D1).
constexpr auto kCloseLinger = std::chrono::seconds(5);

Endpoint from_asio(const tcp::endpoint& e) {
  return {peer::from_asio(e.address()), e.port()};
}

// One TCP connection: reads into the framer, writes queued messages coalesced. Shared with its
// pending reads and writes, so that close() can still flush after the owner let go.
class Stream : public std::enable_shared_from_this<Stream> {
 public:
  explicit Stream(tcp::socket socket)
      : socket_(std::move(socket)), linger_(socket_.get_executor()) {
    std::error_code ec;
    if (auto local = socket_.local_endpoint(ec); !ec) local_ = from_asio(local);
    if (auto remote = socket_.remote_endpoint(ec); !ec) remote_ = from_asio(remote);
    socket_.set_option(tcp::no_delay(true), ec);
  }
  ~Stream() {
    std::error_code ec;
    socket_.close(ec);
  }

  void start(Connection::Handlers handlers) {
    handlers_ = std::move(handlers);
    read_more();
  }

  void send(Bytes message) {
    if (closed_) return;
    queued_bytes_ += message.size();
    queue_.push_back(std::move(message));
    if (!writing_) write_more();
  }

  void close() {
    if (closed_) return;
    // Handlers are kept (close() may run inside one of them) but never called again.
    closing_ = true;
    if (!writing_) {
      finish_close();
      return;
    }
    linger_.expires_after(kCloseLinger);
    linger_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec && !self->closed_) self->finish_close();
    });
  }

  void discard_queued() {
    for (const auto& m : queue_) queued_bytes_ -= m.size();
    queue_.clear();
  }

  void set_max_message_size(std::size_t size) { framer_.set_max_message_size(size); }
  const Endpoint& local() const { return local_; }
  const Endpoint& remote() const { return remote_; }
  std::size_t queued_messages() const { return queue_.size() + (writing_ ? 1 : 0); }
  std::size_t queued_bytes() const { return queued_bytes_ + writing_buffer_.size(); }

 private:
  void read_more() {
    if (closing_) return;
    auto space = framer_.prepare(kReadChunk);
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(space.data(), space.size()),
                            [self](std::error_code ec, std::size_t n) {
                              if (self->closing_) return;
                              if (ec) {
                                self->closing_ = true;
                                if (self->handlers_.on_closed) self->handlers_.on_closed(ec);
                                return;
                              }
                              self->framer_.commit(n);
                              self->deliver();
                              self->read_more();
                            });
  }

  void deliver() {
    framer_.deliver_until_closed(handlers_.on_message, handlers_.on_header_error, closing_);
  }

  void write_more() {
    writing_buffer_.clear();
    if (queue_.empty()) {
      bool was_writing = std::exchange(writing_, false);
      if (closing_) {
        if (!closed_) finish_close();
      } else if (was_writing && handlers_.on_drained) {
        handlers_.on_drained();  // may send() again, which starts the next write
      }
      return;
    }
    writing_ = true;
    while (!queue_.empty() && (writing_buffer_.empty() ||
                               writing_buffer_.size() + queue_.front().size() <= kMaxCoalesce)) {
      writing_buffer_.insert(writing_buffer_.end(), queue_.front().begin(), queue_.front().end());
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
    }
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(writing_buffer_),
                      [self](std::error_code ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec) {
                          self->discard_queued();
                          self->writing_buffer_.clear();
                          self->writing_ = false;
                          if (!self->closing_) {
                            self->closing_ = true;
                            if (self->handlers_.on_closed) self->handlers_.on_closed(ec);
                          }
                          self->finish_close();
                          return;
                        }
                        self->write_more();
                      });
  }

  void finish_close() {
    closed_ = true;
    linger_.cancel();
    discard_queued();
    std::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  Connection::Handlers handlers_;
  Endpoint local_, remote_;
  MessageFramer framer_;
  asio::steady_timer linger_;  // bounds the flush of close()
  std::deque<Bytes> queue_;    // waiting to be written
  std::size_t queued_bytes_ = 0;
  Bytes writing_buffer_;  // being written (several messages coalesced)
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

class TcpConnection final : public Connection {
 public:
  explicit TcpConnection(tcp::socket socket)
      : stream_(std::make_shared<Stream>(std::move(socket))) {}
  ~TcpConnection() override { stream_->close(); }

  void start(Handlers handlers) override { stream_->start(std::move(handlers)); }
  void send(Bytes message) override { stream_->send(std::move(message)); }
  void close() override { stream_->close(); }
  void set_max_message_size(std::size_t size) override { stream_->set_max_message_size(size); }
  Endpoint local() const override { return stream_->local(); }
  Endpoint remote() const override { return stream_->remote(); }
  std::size_t queued_messages() const override { return stream_->queued_messages(); }
  std::size_t queued_bytes() const override { return stream_->queued_bytes(); }
  void discard_queued() override { stream_->discard_queued(); }

 private:
  std::shared_ptr<Stream> stream_;
};

// The socket of an attempt and its callback, shared with the pending async_connect.
struct Attempt {
  explicit Attempt(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  Transport::ConnectDone done;
  bool cancelled = false;

  // Hands the result over once; the callback may destroy the PendingConnect.
  void finish(std::error_code ec) {
    if (cancelled) return;
    cancelled = true;
    auto callback = std::move(done);
    if (ec)
      callback(ec, nullptr);
    else
      callback({}, std::make_unique<TcpConnection>(std::move(socket)));
  }
};

class TcpPendingConnect final : public PendingConnect {
 public:
  explicit TcpPendingConnect(std::shared_ptr<Attempt> attempt) : attempt_(std::move(attempt)) {}
  ~TcpPendingConnect() override {
    attempt_->cancelled = true;
    attempt_->done = nullptr;
    std::error_code ec;
    attempt_->socket.close(ec);
  }

 private:
  std::shared_ptr<Attempt> attempt_;
};

// A listening socket for one address family (IPv6 with V6ONLY, so TCP MD5 keys of IPv4
// neighbors go on the IPv4 socket in their own form). The acceptor lives in a Core shared with
// the pending accept and back-off: destroying the listener closes it, and a completion already
// queued (an accept that failed with EMFILE just before) finds the Core alive and closed.
class TcpListener final : public Listener {
 public:
  TcpListener(asio::io_context& io, Family family, Transport::AcceptHandler on_accept)
      : core_(std::make_shared<Core>(io, family, std::move(on_accept))) {}
  ~TcpListener() override { core_->close(); }

  std::error_code open(std::uint16_t port) { return core_->open(port); }

  std::error_code set_md5_key(const IpAddress& peer, std::string_view key) override {
    return set_tcp_md5(core_->acceptor.native_handle(), peer, key);
  }

 private:
  struct Core : std::enable_shared_from_this<Core> {
    Core(asio::io_context& io, Family f, Transport::AcceptHandler handler)
        : acceptor(io), clock(io), family(f), on_accept(std::move(handler)) {}

    std::error_code open(std::uint16_t port) {
      std::error_code ec;
      auto endpoint =
          family == Family::kIpv4 ? tcp::endpoint(tcp::v4(), port) : tcp::endpoint(tcp::v6(), port);
      acceptor.open(endpoint.protocol(), ec);
      if (ec) return ec;
      acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (family == Family::kIpv6) acceptor.set_option(asio::ip::v6_only(true), ec);
      acceptor.bind(endpoint, ec);
      if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        std::error_code ignored;
        acceptor.close(ignored);
        return ec;
      }
      backoff.emplace(
          clock, fmt::format("bgp: {} port {}", family == Family::kIpv4 ? "IPv4" : "IPv6", port));
      accept_next();
      return {};
    }

    void close() {
      closed = true;
      on_accept = nullptr;
      if (backoff) backoff->cancel();
      std::error_code ignored;
      acceptor.close(ignored);  // the pending accept completes with operation_aborted
    }

    void accept_next() {
      acceptor.async_accept([self = shared_from_this()](std::error_code ec, tcp::socket socket) {
        if (self->closed || ec == asio::error::operation_aborted) return;
        if (ec) {
          // Out of descriptors the connection stays in the backlog and the socket readable:
          // wait instead of spinning on accept().
          std::weak_ptr<Core> weak = self;
          self->backoff->failed(ec, [weak] {
            if (auto core = weak.lock(); core && !core->closed) core->accept_next();
          });
          return;
        }
        self->backoff->succeeded();
        self->deliver(std::move(socket));
        if (!self->closed) self->accept_next();  // the handler may have closed the listener
      });
    }

    void deliver(tcp::socket socket) {
      // A connection reset before it was taken has no remote endpoint: nothing to hand on.
      std::error_code remote_error;
      auto remote = socket.remote_endpoint(remote_error);
      if (remote_error) return;
      if (in_descriptor_reserve(socket.native_handle())) {
        // The last descriptors are kept for the control socket (common/descriptors.hpp); the
        // neighbor sees the connection closed and tries again after its ConnectRetry timer.
        if (reserve_log.allow(clock.now()))
          log::error("bgp: refused the connection from {}: {}", remote.address().to_string(),
                     describe_resource_error(std::make_error_code(std::errc::too_many_files_open)));
        return;
      }
      auto handler = on_accept;  // it may close the listener, which clears on_accept
      handler(std::make_unique<TcpConnection>(std::move(socket)));
    }

    tcp::acceptor acceptor;
    event::AsioClock clock;
    Family family;
    Transport::AcceptHandler on_accept;
    std::optional<event::AcceptBackoff> backoff;
    event::LogLimiter reserve_log{event::AcceptBackoff::kLogInterval};
    bool closed = false;
  };

  std::shared_ptr<Core> core_;
};

}  // namespace

std::unique_ptr<PendingConnect> AsioTransport::connect(const ConnectOptions& options,
                                                       ConnectDone done) {
  const IpAddress& remote = options.remote.address;
  const std::string name = remote.to_string();
  auto attempt = std::make_shared<Attempt>(io_);
  attempt->done = std::move(done);
  tcp::socket& socket = attempt->socket;
  std::error_code ec;
  socket.open(remote.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec && in_descriptor_reserve(socket.native_handle())) {
    // The last descriptors are kept for the control socket (common/descriptors.hpp).
    socket.close(ec);
    ec = std::make_error_code(std::errc::too_many_files_open);
  }
  if (is_resource_exhaustion(ec)) {
    // The FSM waits in Active for the ConnectRetry timer (TcpConnectionFails in Connect). With
    // many neighbors this would be a line per neighbor and retry: one a minute at most.
    static event::LogLimiter limiter(event::AcceptBackoff::kLogInterval);
    if (limiter.allow(std::chrono::steady_clock::now()))
      log::error("neighbor {}: cannot open a connection: {}{}", name, describe_resource_error(ec),
                 limiter.suppressed() > 0
                     ? fmt::format(" ({} such failures of other attempts not logged)",
                                   limiter.suppressed())
                     : std::string());
    asio::post(io_, [attempt, ec] { attempt->finish(ec); });
    return std::make_unique<TcpPendingConnect>(attempt);
  }
  if (!ec && !options.md5_key.empty()) {
    ec = set_tcp_md5(socket.native_handle(), remote, options.md5_key);
    if (ec) log::error("neighbor {}: cannot set TCP MD5 key: {}", name, ec.message());
  }
  if (!ec && !options.interface.empty()) {
    const auto& dev = options.interface;
    if (setsockopt(socket.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, dev.c_str(),
                   static_cast<socklen_t>(dev.size())) != 0)
      ec = {errno, std::system_category()};
  }
  if (!ec && options.local) socket.bind(tcp::endpoint(to_asio(*options.local), 0), ec);
  if (!ec && options.ttl > 0) ec = set_ttl(socket.native_handle(), remote, options.ttl);
  if (!ec) (void)set_traffic_class(socket.native_handle(), remote);
  if (ec) {
    log::error("neighbor {}: cannot open a connection: {}", name, ec.message());
    asio::post(io_, [attempt, ec] { attempt->finish(ec); });
    return std::make_unique<TcpPendingConnect>(attempt);
  }
  socket.async_connect(tcp::endpoint(to_asio(remote), options.remote.port),
                       [attempt](std::error_code error) {
                         if (error == asio::error::operation_aborted) return;
                         attempt->finish(error);
                       });
  return std::make_unique<TcpPendingConnect>(attempt);
}

std::unique_ptr<Listener> AsioTransport::listen(std::uint16_t port, Family family,
                                                AcceptHandler on_accept, std::error_code& error) {
  auto listener = std::make_unique<TcpListener>(io_, family, std::move(on_accept));
  error = listener->open(port);
  if (error) return nullptr;
  return listener;
}

}  // namespace vipd::bgp::peer
