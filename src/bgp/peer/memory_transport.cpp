#include "bgp/peer/memory_transport.hpp"

#include <utility>

#include "bgp/peer/message_framer.hpp"

namespace vipd::bgp::peer {

// The state both ends share. Bytes move from one side's outbound queue to the other side's
// inbound buffer in a posted task, so that delivery order is the order of post() calls.
struct MemorySocket::Pipe : std::enable_shared_from_this<MemorySocket::Pipe> {
  explicit Pipe(event::Clock& c) : clock(c) {}

  struct Side {
    Endpoint local;
    std::deque<Bytes> outbound;  // written, not yet taken by the other side
    std::size_t outbound_bytes = 0;
    Bytes inbound;  // taken from the other side, not yet read
    std::function<void()> on_readable;
    std::function<void()> on_drained;  // the other side took everything outbound
    bool stalled = false;
    bool closing = false;   // close() called: the end of the stream follows the queued bytes
    bool fin_sent = false;  // the other side was told the stream ended
    bool peer_fin = false;  // the other side's stream ended
    bool flush_posted = false;
    bool notify_posted = false;
    bool drained_posted = false;
  };

  event::Clock& clock;
  Side sides[2];
  bool reset = false;

  void flush_later(int from) {
    Side& s = sides[from];
    if (s.flush_posted) return;
    s.flush_posted = true;
    clock.post([self = shared_from_this(), from] {
      self->sides[from].flush_posted = false;
      self->flush(from);
    });
  }

  void flush(int from) {
    Side& s = sides[from];
    Side& d = sides[1 - from];
    if (reset) {
      s.outbound.clear();
      s.outbound_bytes = 0;
      return;
    }
    if (d.stalled) return;  // stall(false) flushes again
    bool moved = false;
    for (; !s.outbound.empty(); s.outbound.pop_front(), moved = true)
      d.inbound.insert(d.inbound.end(), s.outbound.front().begin(), s.outbound.front().end());
    if (moved && s.outbound_bytes > 0) drained_later(from);
    s.outbound_bytes = 0;
    if (s.closing && !s.fin_sent) {
      s.fin_sent = true;
      d.peer_fin = true;
      moved = true;
    }
    if (moved) notify_later(1 - from);
  }

  void drained_later(int side) {
    Side& s = sides[side];
    if (!s.on_drained || s.drained_posted) return;
    s.drained_posted = true;
    clock.post([self = shared_from_this(), side] {
      Side& s = self->sides[side];
      s.drained_posted = false;
      auto callback = s.on_drained;  // may replace or clear itself
      if (callback && s.outbound.empty() && !self->reset) callback();
    });
  }

  void notify_later(int to) {
    Side& d = sides[to];
    if (!d.on_readable || d.notify_posted) return;
    d.notify_posted = true;
    clock.post([self = shared_from_this(), to] {
      self->sides[to].notify_posted = false;
      auto callback = self->sides[to].on_readable;  // may replace or clear itself
      if (callback) callback();
    });
  }
};

MemorySocket::~MemorySocket() {
  pipe_->sides[side_].on_readable = nullptr;
  pipe_->sides[side_].on_drained = nullptr;
  close();
}

Endpoint MemorySocket::local() const {
  return pipe_->sides[side_].local;
}
Endpoint MemorySocket::remote() const {
  return pipe_->sides[1 - side_].local;
}

bool MemorySocket::write(ByteSpan bytes) {
  auto& s = pipe_->sides[side_];
  if (pipe_->reset || s.closing) return false;
  s.outbound.emplace_back(bytes.begin(), bytes.end());
  s.outbound_bytes += bytes.size();
  pipe_->flush_later(side_);
  return true;
}

Bytes MemorySocket::read() {
  return std::exchange(pipe_->sides[side_].inbound, {});
}

std::size_t MemorySocket::available() const {
  return pipe_->sides[side_].inbound.size();
}

bool MemorySocket::eof() const {
  const auto& s = pipe_->sides[side_];
  return s.inbound.empty() && (s.peer_fin || pipe_->reset);
}

bool MemorySocket::was_reset() const {
  return pipe_->reset;
}

void MemorySocket::on_readable(std::function<void()> callback) {
  auto& s = pipe_->sides[side_];
  s.on_readable = std::move(callback);
  if (!s.inbound.empty() || s.peer_fin || pipe_->reset) pipe_->notify_later(side_);
}

void MemorySocket::stall(bool stalled) {
  pipe_->sides[side_].stalled = stalled;
  if (!stalled) pipe_->flush_later(1 - side_);
}

void MemorySocket::close() {
  auto& s = pipe_->sides[side_];
  if (s.closing || pipe_->reset) return;
  s.closing = true;
  pipe_->flush_later(side_);
}

void MemorySocket::reset() {
  if (pipe_->reset) return;
  pipe_->reset = true;
  for (auto& s : pipe_->sides) {
    s.outbound.clear();
    s.inbound.clear();
  }
  pipe_->notify_later(0);
  pipe_->notify_later(1);
}

std::size_t MemorySocket::queued_writes() const {
  return pipe_->sides[side_].outbound.size();
}

std::size_t MemorySocket::queued_bytes() const {
  return pipe_->sides[side_].outbound_bytes;
}

void MemorySocket::discard_queued() {
  auto& s = pipe_->sides[side_];
  s.outbound.clear();
  s.outbound_bytes = 0;
}

void MemorySocket::on_drained(std::function<void()> callback) {
  pipe_->sides[side_].on_drained = std::move(callback);
}

std::unique_ptr<MemorySocket> MemoryAcceptQueue::accept() {
  if (queue_.empty()) return nullptr;
  auto socket = std::move(queue_.front());
  queue_.pop_front();
  return socket;
}

namespace {

// The framed message stream over one end; shared with its readable callback so that a handler
// may destroy the Connection.
class MemoryStream : public std::enable_shared_from_this<MemoryStream> {
 public:
  explicit MemoryStream(std::unique_ptr<MemorySocket> socket) : socket_(std::move(socket)) {}

  void start(Connection::Handlers handlers) {
    handlers_ = std::move(handlers);
    socket_->on_readable([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->readable();
    });
    socket_->on_drained([weak = weak_from_this()] {
      auto self = weak.lock();
      if (self && !self->closing_ && self->handlers_.on_drained) self->handlers_.on_drained();
    });
  }
  void send(Bytes message) { socket_->write(message); }
  void close() {
    closing_ = true;
    socket_->close();
  }
  void set_max_message_size(std::size_t size) { framer_.set_max_message_size(size); }
  const MemorySocket& socket() const { return *socket_; }
  MemorySocket& socket() { return *socket_; }

 private:
  void readable() {
    if (closing_) return;
    auto self = shared_from_this();  // a handler may let go of the Connection
    if (Bytes bytes = socket_->read(); !bytes.empty()) {
      framer_.append(bytes);
      framer_.deliver_until_closed(handlers_.on_message, handlers_.on_header_error, closing_);
    }
    if (closing_ || !socket_->eof()) return;
    closing_ = true;
    auto error = socket_->was_reset() ? std::make_error_code(std::errc::connection_reset)
                                      : std::make_error_code(std::errc::not_connected);
    if (handlers_.on_closed) handlers_.on_closed(error);
  }

  std::unique_ptr<MemorySocket> socket_;
  Connection::Handlers handlers_;
  MessageFramer framer_;
  bool closing_ = false;
};

class MemoryConnection final : public Connection {
 public:
  explicit MemoryConnection(std::unique_ptr<MemorySocket> socket)
      : stream_(std::make_shared<MemoryStream>(std::move(socket))) {}
  ~MemoryConnection() override { stream_->close(); }

  void start(Handlers handlers) override { stream_->start(std::move(handlers)); }
  void send(Bytes message) override { stream_->send(std::move(message)); }
  void close() override { stream_->close(); }
  void set_max_message_size(std::size_t size) override { stream_->set_max_message_size(size); }
  Endpoint local() const override { return stream_->socket().local(); }
  Endpoint remote() const override { return stream_->socket().remote(); }
  std::size_t queued_messages() const override { return stream_->socket().queued_writes(); }
  std::size_t queued_bytes() const override { return stream_->socket().queued_bytes(); }
  void discard_queued() override { stream_->socket().discard_queued(); }

 private:
  std::shared_ptr<MemoryStream> stream_;
};

class MemoryPendingConnect final : public PendingConnect {
 public:
  ~MemoryPendingConnect() override { *cancelled = true; }
  std::shared_ptr<bool> cancelled = std::make_shared<bool>(false);
};

class MemoryListener final : public Listener {
 public:
  MemoryListener(std::shared_ptr<void> owner, std::shared_ptr<void> bound,
                 std::map<IpAddress, std::string>& keys)
      : owner_(std::move(owner)), bound_(std::move(bound)), keys_(keys) {}
  std::error_code set_md5_key(const IpAddress& peer, std::string_view key) override {
    if (key.empty())
      keys_.erase(peer);
    else
      keys_[peer] = std::string(key);
    return {};
  }

 private:
  std::shared_ptr<void> owner_;  // while it lives, the network accepts for this listener
  std::shared_ptr<void> bound_;  // holds keys_
  std::map<IpAddress, std::string>& keys_;
};

}  // namespace

std::unique_ptr<Connection> make_memory_connection(std::unique_ptr<MemorySocket> socket) {
  return std::make_unique<MemoryConnection>(std::move(socket));
}

MemoryNetwork::~MemoryNetwork() = default;

std::string MemoryNetwork::Bound::key_for(const IpAddress& remote) const {
  auto it = md5_keys.find(remote);
  return it != md5_keys.end() ? it->second : md5_key;
}

std::shared_ptr<MemoryAcceptQueue> MemoryNetwork::listen(Endpoint at, std::string md5_key) {
  auto queue = std::make_shared<MemoryAcceptQueue>();
  auto bound = std::make_shared<Bound>();
  bound->owner = queue;
  bound->md5_key = std::move(md5_key);
  bound->accept = [weak = std::weak_ptr(queue)](std::unique_ptr<MemorySocket> socket) {
    if (auto q = weak.lock()) q->queue_.push_back(std::move(socket));
  };
  bound_[{at.address, at.port}] = bound;
  return queue;
}

void MemoryNetwork::set_unreachable(const IpAddress& address, bool unreachable) {
  if (unreachable)
    unreachable_.insert(address);
  else
    unreachable_.erase(address);
}

MemoryNetwork::Outcome MemoryNetwork::open(Endpoint from, Endpoint to, const std::string& md5_key,
                                           std::unique_ptr<MemorySocket>& ours) {
  if (unreachable_.contains(to.address)) return Outcome::kNoAnswer;
  auto it = bound_.find({to.address, to.port});
  if (it == bound_.end()) return Outcome::kRefused;
  std::shared_ptr<Bound> bound = it->second;
  if (bound->owner.expired()) {
    bound_.erase(it);
    return Outcome::kRefused;
  }
  // RFC 2385: a segment without the expected signature is dropped silently, so the
  // handshake never completes.
  if (bound->key_for(from.address) != md5_key) return Outcome::kNoAnswer;
  if (from.port == 0) from.port = ephemeral_port();
  auto pipe = std::make_shared<MemorySocket::Pipe>(clock_);
  pipe->sides[0].local = from;
  pipe->sides[1].local = to;
  ours = std::make_unique<MemorySocket>(pipe, 0);
  auto theirs =
      std::make_shared<std::unique_ptr<MemorySocket>>(std::make_unique<MemorySocket>(pipe, 1));
  clock_.post([bound, theirs] {
    if (!bound->owner.expired()) bound->accept(std::move(*theirs));
  });
  return Outcome::kConnected;
}

std::unique_ptr<MemorySocket> MemoryNetwork::connect(const IpAddress& from, Endpoint to,
                                                     const std::string& md5_key) {
  std::unique_ptr<MemorySocket> socket;
  open({from, 0}, to, md5_key, socket);
  return socket;
}

std::unique_ptr<PendingConnect> MemoryTransport::connect(const ConnectOptions& options,
                                                         ConnectDone done) {
  last_connect_ = options;
  auto pending = std::make_unique<MemoryPendingConnect>();
  IpAddress local = options.local ? *options.local : options.remote.address.is_v4() ? v4_ : v6_;
  std::unique_ptr<MemorySocket> ours;
  auto outcome = network_.open({local, 0}, options.remote, options.md5_key, ours);
  if (outcome == MemoryNetwork::Outcome::kNoAnswer) return pending;  // until cancelled
  auto socket = std::make_shared<std::unique_ptr<MemorySocket>>(std::move(ours));
  network_.clock().post([cancelled = pending->cancelled, done = std::move(done), socket] {
    if (*cancelled) return;
    if (!*socket)
      done(std::make_error_code(std::errc::connection_refused), nullptr);
    else
      done({}, make_memory_connection(std::move(*socket)));
  });
  return pending;
}

std::unique_ptr<Listener> MemoryTransport::listen(std::uint16_t port, Family family,
                                                  AcceptHandler on_accept, std::error_code& error) {
  const IpAddress& address = family == Family::kIpv4 ? v4_ : v6_;
  auto& slot = network_.bound_[{address, port}];
  if (slot && !slot->owner.expired()) {
    error = std::make_error_code(std::errc::address_in_use);
    return nullptr;
  }
  auto owner = std::make_shared<int>(0);
  slot = std::make_shared<MemoryNetwork::Bound>();
  slot->owner = owner;
  slot->accept = [on_accept = std::move(on_accept)](std::unique_ptr<MemorySocket> socket) {
    on_accept(make_memory_connection(std::move(socket)));
  };
  error = {};
  return std::make_unique<MemoryListener>(std::move(owner), slot, slot->md5_keys);
}

}  // namespace vipd::bgp::peer
