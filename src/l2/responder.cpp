#include "l2/responder.hpp"

#include <fmt/format.h>
#include <asio/error.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>

#include "common/log.hpp"
#include "l2/packet_receiver.hpp"
#include "l2/wire/answer.hpp"
#include "l2/wire/arp.hpp"
#include "l2/wire/ndp.hpp"

namespace vipd::l2 {
namespace {

// Frames answered per readiness before the loop gets a turn: a flood of requests (a scan of
// the subnet) must not starve BGP keepalives and VRRP adverts on the same loop. The rest are
// read in a posted continuation rather than after a new wait, which would depend on how the
// reactor re-arms its edge-triggered epoll registration for data already waiting.
constexpr int kFramesPerTurn = 64;

const char* family_name(Family family) {
  return family == Family::kIpv4 ? "ARP" : "NDP";
}

}  // namespace

struct Responder::Listener {
  explicit Listener(asio::io_context& io) : descriptor(io) {}
  ~Listener() {
    // The receiver owns the fd: the descriptor only borrowed it and must not close it too.
    // release() also cancels the pending wait (its handler sees operation_aborted).
    if (descriptor.is_open()) descriptor.release();
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  PacketReceiver receiver;
  asio::posix::stream_descriptor descriptor;
  wire::MacAddress mac;
  std::set<IpAddress> addresses;
};

Responder::Responder(asio::io_context& io) : io_(io) {}

Responder::~Responder() {
  close();
}

Status<std::string> Responder::claim(int ifindex, const wire::MacAddress& mac,
                                     const IpAddress& address) {
  const auto failed = [&](const std::string& why) {
    return unexpected(
        fmt::format("cannot answer for {} on ifindex {}: {}", address.to_string(), ifindex, why));
  };
  if (ifindex <= 0) return failed("no such interface");
  if (address.is_unspecified()) return failed("the unspecified address");

  const Key key{ifindex, address.family()};
  auto found = listeners_.find(key);
  if (found != listeners_.end() && found->second->addresses.count(address) > 0) {
    set_mac(ifindex, mac);
    return Ok{};
  }
  std::shared_ptr<Listener> listener;
  const bool fresh = found == listeners_.end();
  if (fresh) {
    // Until it is in listeners_, `listener` is the only owner: a failure below closes it.
    listener = std::make_shared<Listener>(io_);
    if (auto opened = listener->receiver.open(ifindex, address.family()); !opened) {
      return failed(opened.error());
    }
    std::error_code ec;
    listener->descriptor.assign(listener->receiver.fd(), ec);
    if (ec) return failed("watching the packet socket: " + ec.message());
    // Opened with the first listener (so a failed claim leaves no socket open), closed by
    // close(): every listener has it.
    if (auto opened = sender_.open(); !opened) return failed(opened.error());
  } else {
    listener = found->second;
  }
  // RFC 4861 §7.2.1: join the solicited-node group of each address answered for. Shared
  // groups are counted by the receiver, so each claimed address joins exactly once.
  if (address.is_v6()) {
    if (auto joined = listener->receiver.join_solicited_node(address); !joined) {
      return failed(joined.error());
    }
  }
  listener->addresses.insert(address);
  if (fresh) {
    listeners_.emplace(key, listener);
    wait(listener);
  }
  set_mac(ifindex, mac);
  log::debug("l2: answering {} for {} on ifindex {} with {}", family_name(address.family()),
             address.to_string(), ifindex, mac.to_string());
  return Ok{};
}

void Responder::release(int ifindex, const IpAddress& address) {
  const Key key{ifindex, address.family()};
  auto found = listeners_.find(key);
  if (found == listeners_.end()) return;
  Listener& listener = *found->second;
  if (listener.addresses.erase(address) == 0) return;
  log::debug("l2: no longer answering {} for {} on ifindex {}", family_name(address.family()),
             address.to_string(), ifindex);
  if (listener.addresses.empty()) {
    // Closes the socket, which leaves its groups. A completion already queued holds only a
    // weak_ptr: with its last owner gone here, it finds nothing and returns.
    listeners_.erase(found);
    return;
  }
  if (address.is_v6()) {
    // Fails only when the interface is gone; its groups went with it.
    if (auto left = listener.receiver.leave_solicited_node(address); !left) {
      log::debug("l2: leaving the solicited-node group of {} on ifindex {}: {}",
                 address.to_string(), ifindex, left.error());
    }
  }
}

void Responder::close() {
  listeners_.clear();  // as release() of the last address, for each
  sender_.close();
}

std::map<int, std::set<IpAddress>> Responder::claims() const {
  std::map<int, std::set<IpAddress>> out;
  for (const auto& [key, listener] : listeners_) {
    out[key.first].insert(listener->addresses.begin(), listener->addresses.end());
  }
  return out;
}

void Responder::set_mac(int ifindex, const wire::MacAddress& mac) {
  // The interface's MAC, for both families; the newest claim's wins (the MAC changed).
  for (Family family : {Family::kIpv4, Family::kIpv6}) {
    if (auto it = listeners_.find({ifindex, family}); it != listeners_.end()) it->second->mac = mac;
  }
}

void Responder::wait(const std::shared_ptr<Listener>& listener) {
  std::weak_ptr<Listener> weak = listener;
  // `this` is used only while the listener lives: listeners_ is its only other owner, so a
  // live listener means a live Responder.
  listener->descriptor.async_wait(
      asio::posix::stream_descriptor::wait_read, [this, weak](const std::error_code& ec) {
        auto listener = weak.lock();
        if (!listener || ec == asio::error::operation_aborted) return;
        if (ec) {
          log::error("l2: waiting on the {} socket of ifindex {}: {}; no longer answering there",
                     family_name(listener->receiver.family()), listener->receiver.ifindex(),
                     ec.message());
          return;
        }
        on_readable(listener);
      });
}

void Responder::on_readable(const std::shared_ptr<Listener>& listener) {
  for (int n = 0; n < kFramesPerTurn; ++n) {
    auto frame = listener->receiver.receive();
    if (!frame) {
      wait(listener);
      return;
    }
    answer(*listener, *frame);
  }
  std::weak_ptr<Listener> weak = listener;
  asio::post(io_, [this, weak] {
    if (auto listener = weak.lock()) on_readable(listener);
  });
}

// RFC 826 "Packet Reception" and RFC 4861 §7.2.4: the reply goes back out of the interface
// the request came in on, from that interface's MAC.
void Responder::answer(Listener& listener, ByteSpan frame) {
  const auto owns = [&listener](const IpAddress& a) { return listener.addresses.count(a) > 0; };
  const std::optional<Bytes> reply = wire::answer(frame, listener.mac, owns);
  if (!reply) return;
  const int ifindex = listener.receiver.ifindex();
  const bool arp = listener.receiver.family() == Family::kIpv4;
  if (auto sent = sender_.send_frame(ifindex, *reply); !sent) {
    ++counters_.send_errors;
    // Once per run of failures (a link that went down fails every reply until it is back).
    if (!last_send_failed_) {
      log::warning("l2: sending the {} on ifindex {}: {}",
                   arp ? "ARP reply" : "Neighbor Advertisement", ifindex, sent.error());
    }
    last_send_failed_ = true;
    return;
  }
  last_send_failed_ = false;
  ++(arp ? counters_.arp_replies : counters_.neighbor_adverts);
  if (log::level() > log::Level::kDebug) return;
  // The request again, for the log line only: answer() validated it.
  if (arp) {
    if (auto request = wire::parse_arp_frame(frame)) {
      log::debug("answered ARP who-has {} from {} ({}) on ifindex {}",
                 request->target_ip.to_string(), request->sender_mac.to_string(),
                 request->sender_ip.to_string(), ifindex);
    }
  } else if (auto solicit = wire::parse_neighbor_solicit_frame(frame)) {
    log::debug("answered NS for {} from {} ({}) on ifindex {}", solicit->target.to_string(),
               solicit->ethernet.source.to_string(), solicit->source.to_string(), ifindex);
  }
}

}  // namespace vipd::l2
