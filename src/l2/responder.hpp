// The L2 mode's responder on the daemon's event loop (MetalLB's "layer2" mode): the node that
// owns a Service IP answers ARP requests (RFC 826) and IPv6 Neighbor Solicitations (RFC 4861
// §7.2.3) for it with its interface's MAC, although the address is configured on no interface.
//
// Glue only: PacketReceiver (one AF_PACKET socket per interface and family, opened by the first
// claim and closed with the last release) is watched with asio::posix::stream_descriptor's
// async_wait; each frame goes through wire::answer() and the reply, if any, out of the same
// interface through one PacketSender. Which node owns what is decided elsewhere (src/lb/l2):
// this answers for what it is told to claim.
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "l2/packet_socket.hpp"
#include "l2/wire/mac.hpp"

namespace vipd::l2 {

// The addresses this node answers ARP requests / Neighbor Solicitations for, per interface.
class AddressResponder {
 public:
  virtual ~AddressResponder() = default;
  // Starts answering for `address` on interface `ifindex`, whose MAC is `mac`. Idempotent.
  virtual Status<std::string> claim(int ifindex, const wire::MacAddress& mac,
                                    const IpAddress& address) = 0;
  // Stops answering for it; unknown addresses are ignored.
  virtual void release(int ifindex, const IpAddress& address) = 0;
};

// Needs CAP_NET_RAW: claim() says so when the sockets cannot be opened, and a later claim tries
// again. Sockets are opened by claim(), in the caller's network namespace. Destroy it before
// `io` (its descriptors are registered there); waits still queued in `io` after close() or
// destruction complete without touching it.
class Responder final : public AddressResponder {
 public:
  explicit Responder(asio::io_context& io);
  ~Responder() override;  // closes everything
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // A second claim of the same address only updates the MAC (the interface's MAC changed):
  // claims are not counted, one release() ends it. The MAC is per interface: the last claim's
  // MAC is used for every address on `ifindex`. Errors: ifindex <= 0 (0 would be every
  // interface), the unspecified address, and the socket errors (no CAP_NET_RAW, no such
  // interface), with the address and ifindex in the message; nothing is claimed then.
  Status<std::string> claim(int ifindex, const wire::MacAddress& mac,
                            const IpAddress& address) override;
  void release(int ifindex, const IpAddress& address) override;
  // Releases everything and closes every socket; claim() may be called again afterwards.
  void close();

  struct Counters {
    std::uint64_t arp_replies = 0;
    std::uint64_t neighbor_adverts = 0;
    std::uint64_t send_errors = 0;
  };
  const Counters& counters() const { return counters_; }
  // What is claimed now (for `show`): ifindex -> addresses.
  std::map<int, std::set<IpAddress>> claims() const;

 private:
  struct Listener;  // one receiver: (ifindex, family)
  using Key = std::pair<int, Family>;

  void wait(const std::shared_ptr<Listener>& listener);
  void on_readable(const std::shared_ptr<Listener>& listener);
  void answer(Listener& listener, ByteSpan frame);
  void set_mac(int ifindex, const wire::MacAddress& mac);

  asio::io_context& io_;
  std::map<Key, std::shared_ptr<Listener>> listeners_;
  PacketSender sender_;  // one for every interface, opened by the first claim
  Counters counters_;
  bool last_send_failed_ = false;
};

}  // namespace vipd::l2
