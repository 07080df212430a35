// The transport seam of BGP sessions: how a Peer connects to its neighbor, how the Speaker is
// reached, and the message stream of one connection. The daemon uses TCP over Asio
// (asio_transport.hpp); tests use connected pairs in memory, delivered through the clock's
// post() (memory_transport.hpp), so sessions run on a simulated clock without sockets.
// RFC 4271 §8 calls this layer "the TCP connection"; nothing here knows the FSM.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::peer {

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

// One established connection carrying BGP messages, framed (RFC 4271 §4.1). Destroying it is
// close().
class Connection {
 public:
  struct Handlers {
    // A whole message, header included; valid only during the call.
    std::function<void(ByteSpan)> on_message;
    // The header of the next message is bad (RFC 4271 §6.1); the connection stops reading.
    std::function<void(const wire::Error&)> on_header_error;
    // The neighbor closed the connection or it failed; not called after close().
    std::function<void(std::error_code)> on_closed;
    // Everything queued has been handed to the network (queued_bytes() is 0 again); the
    // sender may produce more (flow control of UPDATEs, issue 15 D1). Never called from
    // inside send(), nor after close().
    std::function<void()> on_drained;
  };

  virtual ~Connection() = default;

  // Starts delivering received messages to the handlers (never from inside this call).
  virtual void start(Handlers handlers) = 0;
  // Queues one encoded message.
  virtual void send(Bytes message) = 0;
  // Stops reading; the queued messages (e.g. a NOTIFICATION) are still sent, then the
  // connection is shut down. No handler is called any more.
  virtual void close() = 0;
  // The largest message accepted from now on (4096, or 65535 with RFC 8654).
  virtual void set_max_message_size(std::size_t size) = 0;

  virtual Endpoint local() const = 0;
  virtual Endpoint remote() const = 0;
  // Messages queued and not yet handed to the network.
  virtual std::size_t queued_messages() const = 0;
  // Bytes of those messages (including a write in progress).
  virtual std::size_t queued_bytes() const = 0;
  // Drops the queued messages that have not started to go out (a message partly written is
  // finished), so that a NOTIFICATION sent next is not stuck behind them.
  virtual void discard_queued() = 0;
};

// An outgoing connection attempt in progress. Destroying it cancels the attempt: its callback
// is never called afterwards.
class PendingConnect {
 public:
  virtual ~PendingConnect() = default;
};

struct ConnectOptions {
  Endpoint remote;
  std::optional<IpAddress> local;  // `neighbor A update-source ADDRESS`
  std::string interface;           // `neighbor A update-source IFNAME` (SO_BINDTODEVICE)
  std::string md5_key;             // RFC 2385; empty = none
  // IP TTL / IPv6 hop limit of outgoing packets; 0 leaves the system default (iBGP).
  int ttl = 0;
};

// A socket accepting connections to the speaker on one address family.
class Listener {
 public:
  virtual ~Listener() = default;
  // RFC 2385: connections from `peer` must be signed with `key` (an empty key removes it).
  virtual std::error_code set_md5_key(const IpAddress& peer, std::string_view key) = 0;
};

class Transport {
 public:
  using ConnectDone = std::function<void(std::error_code, std::unique_ptr<Connection>)>;
  using AcceptHandler = std::function<void(std::unique_ptr<Connection>)>;

  virtual ~Transport() = default;

  // Connects to options.remote; `done` runs later (never from inside this call) with the
  // connection, or with an error and no connection, unless the attempt was destroyed first.
  virtual std::unique_ptr<PendingConnect> connect(const ConnectOptions& options,
                                                  ConnectDone done) = 0;
  // Listens on `port` of every address of `family`; accepted connections (their remote
  // endpoint known) go to `on_accept`.
  virtual std::unique_ptr<Listener> listen(std::uint16_t port, Family family,
                                           AcceptHandler on_accept, std::error_code& error) = 0;
};

}  // namespace vipd::bgp::peer
