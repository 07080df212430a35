// A NETLINK_ROUTE socket for route writes and dumps (rtnetlink(7)). Writes go out in batches:
// many messages per sendmsg(), only the last one asking for an ACK, so the kernel answers only
// failures plus one ACK per batch (netlink(7): an error is always reported, NLM_F_ACK asks for a
// report of success too). Failures are returned per message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "netlink/route_message.hpp"

struct mnl_socket;

namespace vipd::netlink {

struct RouteRequest {
  RouteOp op;
  Route route;
};

struct RouteFailure {
  std::size_t index;    // into the requests given to send()
  int error;            // positive errno (EEXIST, ENETUNREACH, ESRCH, ...)
  std::string message;  // the kernel's extended ACK text, if it sent one
};

class RouteSocket {
 public:
  RouteSocket() = default;
  ~RouteSocket();
  RouteSocket(const RouteSocket&) = delete;
  RouteSocket& operator=(const RouteSocket&) = delete;

  // Opens and binds the socket. The error text names the failing call.
  Status<std::string> open();
  bool is_open() const { return socket_ != nullptr; }

  // Sends every request (in order, batched) and waits for the kernel's answers. Returns the
  // requests that failed, or an error if the socket itself failed (then some requests may have
  // been applied and others not).
  Result<std::vector<RouteFailure>, std::string> send(std::span<const RouteRequest> requests);

  // Every route of `family` (AF_INET or AF_INET6) in the main table with rtm_protocol
  // `protocol`.
  Result<std::vector<Route>, std::string> dump(int family, std::uint8_t protocol);

  // Messages and batches sent since open (for tests and logs).
  std::size_t messages_sent() const { return messages_sent_; }
  std::size_t batches_sent() const { return batches_sent_; }

 private:
  // Sends `bytes` (whole messages with seq first_seq..last_seq) and reads the answers until the
  // ACK of last_seq; failures get index base + (seq - first_seq).
  Status<std::string> flush(std::span<const std::byte> bytes, std::uint32_t first_seq,
                            std::uint32_t last_seq, std::size_t base,
                            std::vector<RouteFailure>& failures);

  mnl_socket* socket_ = nullptr;
  std::uint32_t port_id_ = 0;
  std::uint32_t seq_ = 1;
  std::size_t messages_sent_ = 0;
  std::size_t batches_sent_ = 0;
  std::vector<std::byte> buffer_;
};

}  // namespace vipd::netlink
