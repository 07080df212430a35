// BGP sessions without sockets, for tests: a MemoryNetwork joins connected pairs of byte
// streams in memory. Every delivery (bytes, end of stream, accepted connections, connect
// results) is a task on the clock's post(), so with a SimClock a whole exchange between the
// speaker and scripted peers is deterministic and takes no real time. Tests can refuse a
// connect (nothing listens), leave it unanswered (an unreachable address), drop a connection
// (reset) and stall a reader (its sender's messages stay queued, like a zero TCP window).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>

#include "bgp/peer/transport.hpp"
#include "event/clock.hpp"

namespace vipd::bgp::peer {

class MemoryNetwork;

// One end of a connected pair of byte streams. Destroying it is close().
class MemorySocket {
 public:
  struct Pipe;
  MemorySocket(std::shared_ptr<Pipe> pipe, int side) : pipe_(std::move(pipe)), side_(side) {}
  ~MemorySocket();
  MemorySocket(const MemorySocket&) = delete;
  MemorySocket& operator=(const MemorySocket&) = delete;

  Endpoint local() const;
  Endpoint remote() const;

  // Queues bytes for the other end (false once this end is closed or the pair was reset).
  bool write(ByteSpan bytes);
  // Takes what has arrived so far.
  Bytes read();
  std::size_t available() const;
  // The other end closed and everything it sent has been read, or the pair was reset.
  bool eof() const;
  bool was_reset() const;
  // Called (through post()) when bytes or the end of the stream arrive; replaces the last one.
  void on_readable(std::function<void()> callback);
  // A stalled end takes nothing: the other end's writes stay queued there until it resumes.
  void stall(bool stalled);
  // Graceful: what is queued still goes, then the other end sees the end of the stream.
  void close();
  // Abortive (TCP RST): queued bytes are lost and both ends see a reset.
  void reset();
  // Writes of this end the other end has not taken yet (one per write()), and their bytes.
  std::size_t queued_writes() const;
  std::size_t queued_bytes() const;
  // Drops the writes the other end has not taken yet.
  void discard_queued();
  // Called (through post()) when the other end has taken every write of this end; replaces
  // the last one.
  void on_drained(std::function<void()> callback);

 private:
  std::shared_ptr<Pipe> pipe_;
  int side_;
};

// Accepted connections of a listener that a test opened on the network (the far side of the
// speaker's outgoing connections).
class MemoryAcceptQueue {
 public:
  std::unique_ptr<MemorySocket> accept();
  std::size_t pending() const { return queue_.size(); }

 private:
  friend class MemoryNetwork;
  std::deque<std::unique_ptr<MemorySocket>> queue_;
};

class MemoryNetwork {
 public:
  explicit MemoryNetwork(event::Clock& clock) : clock_(clock) {}
  ~MemoryNetwork();
  MemoryNetwork(const MemoryNetwork&) = delete;
  MemoryNetwork& operator=(const MemoryNetwork&) = delete;

  event::Clock& clock() { return clock_; }

  // Accepts connections to `at`; they go to the returned queue until it is destroyed. An
  // optional RFC 2385 key: connections must be signed with it (see connect()).
  std::shared_ptr<MemoryAcceptQueue> listen(Endpoint at, std::string md5_key = {});
  // Connects from `from` (a fresh port) to `to` right away, as a kernel completes the TCP
  // handshake: nullptr when nothing listens there (refused), the address is unreachable or
  // the RFC 2385 keys differ (the SYN is dropped).
  std::unique_ptr<MemorySocket> connect(const IpAddress& from, Endpoint to,
                                        const std::string& md5_key = {});
  // Connections to `address` get no answer (dropped SYNs) while set.
  void set_unreachable(const IpAddress& address, bool unreachable);

 private:
  friend class MemoryTransport;
  struct Bound {
    // Takes the listener's end of a new connection.
    std::function<void(std::unique_ptr<MemorySocket>)> accept;
    std::weak_ptr<void> owner;                  // the listener; gone: connections are refused
    std::map<IpAddress, std::string> md5_keys;  // per remote address
    std::string md5_key;                        // for every remote address
    std::string key_for(const IpAddress& remote) const;
  };
  enum class Outcome { kConnected, kRefused, kNoAnswer };
  // A new pair from `from` to `to`; the listener's end is handed to it through post().
  Outcome open(Endpoint from, Endpoint to, const std::string& md5_key,
               std::unique_ptr<MemorySocket>& ours);
  std::uint16_t ephemeral_port() { return next_port_++; }

  event::Clock& clock_;
  std::map<std::pair<IpAddress, std::uint16_t>, std::shared_ptr<Bound>> bound_;
  std::set<IpAddress> unreachable_;
  std::uint16_t next_port_ = 49152;  // the IANA dynamic range, as a kernel picks them
};

// The speaker's side of a MemoryNetwork: a host with one IPv4 and one IPv6 address.
class MemoryTransport final : public Transport {
 public:
  MemoryTransport(MemoryNetwork& network, IpAddress v4, IpAddress v6)
      : network_(network), v4_(v4), v6_(v6) {}

  std::unique_ptr<PendingConnect> connect(const ConnectOptions& options, ConnectDone done) override;
  std::unique_ptr<Listener> listen(std::uint16_t port, Family family, AcceptHandler on_accept,
                                   std::error_code& error) override;

  // The options of the last connect() (TTL, MD5 key, update-source), for tests.
  const std::optional<ConnectOptions>& last_connect() const { return last_connect_; }

 private:
  MemoryNetwork& network_;
  IpAddress v4_, v6_;
  std::optional<ConnectOptions> last_connect_;
};

// The message stream over one end of a memory pair (what the speaker's peers are given).
std::unique_ptr<Connection> make_memory_connection(std::unique_ptr<MemorySocket> socket);

}  // namespace vipd::bgp::peer
