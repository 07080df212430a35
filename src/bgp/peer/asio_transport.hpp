// BGP sessions over TCP on the daemon's Asio event loop: connect with the socket options a
// neighbor needs (RFC 2385 MD5, TTL, update-source, DSCP), listeners per address family, and
// the message stream of a socket.
#pragma once

#include <asio/io_context.hpp>

#include "bgp/peer/transport.hpp"

namespace vipd::bgp::peer {

class AsioTransport final : public Transport {
 public:
  explicit AsioTransport(asio::io_context& io) : io_(io) {}

  std::unique_ptr<PendingConnect> connect(const ConnectOptions& options, ConnectDone done) override;
  std::unique_ptr<Listener> listen(std::uint16_t port, Family family, AcceptHandler on_accept,
                                   std::error_code& error) override;

 private:
  asio::io_context& io_;
};

}  // namespace vipd::bgp::peer
