// A NETLINK_ROUTE request socket (rtnetlink(7)) for any rtnetlink message: routes, addresses,
// links. Three ways to talk to the kernel, all built on one receive loop:
//  - send(): many messages in batches, many per sendmsg(), only the last of a batch asking for an
//    ACK; the kernel answers failures by themselves plus one ACK per batch (netlink(7): an error
//    is always reported, NLM_F_ACK asks for a report of success too). Failures come per message.
//  - request(): one message with NLM_F_ACK; its replies (RTM_GETLINK answers) and its error.
//  - dump(): one NLM_F_DUMP request; every message of the multipart answer up to NLMSG_DONE.
// Message builders live beside the types they encode (route_message, address_message,
// link_message) and are pure; this class only numbers, sends and matches answers.
#pragma once

#include <linux/netlink.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

struct mnl_socket;

namespace vipd::netlink {

// A refusal or a failure, as a positive errno plus text. From the kernel: its errno (EEXIST,
// EADDRNOTAVAIL, ENODEV, ...) and its extended ACK text if it sent one (NETLINK_EXT_ACK). From
// the socket itself (send/receive failed, socket not open): that call's errno and its name.
struct Error {
  int code = 0;
  // From the kernel: its extended ACK text (often empty). From the socket: the failing call.
  std::string message;
  bool from_kernel = true;
  // "File exists", "File exists (extended ACK text)", "netlink send: No buffer space available".
  std::string text() const;
  // The kernel refused to create what exists already (an address, a link name): EEXIST.
  bool already_exists() const { return from_kernel && code == EEXIST; }
  // The kernel found nothing to act on: no such address (EADDRNOTAVAIL), no such interface
  // (ENODEV), no such route (ESRCH).
  bool not_found() const {
    return from_kernel && (code == EADDRNOTAVAIL || code == ENODEV || code == ESRCH);
  }
};

// One failed message of a batch.
struct Failure {
  std::size_t index;    // into the messages given to send()
  int error;            // positive errno (EEXIST, ENETUNREACH, ESRCH, ...)
  std::string message;  // the kernel's extended ACK text, if it sent one
};

class Socket {
 public:
  // Writes message `index` into `room` (any nlmsg_seq; the socket numbers it) and returns its
  // length, or 0 if it does not fit (then it is retried in an empty buffer, and reported as
  // EMSGSIZE if it does not fit there either).
  using Builder = std::function<std::size_t(std::size_t index, std::span<std::byte> room)>;
  // Writes one message into `room` and returns its length, or 0 if it does not fit.
  using Writer = std::function<std::size_t(std::span<std::byte> room)>;
  // Called for each reply message to a request or dump (never for NLMSG_ERROR/NLMSG_DONE).
  using ReplyHandler = std::function<void(const nlmsghdr*)>;

  Socket() = default;
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Opens and binds the socket. The error text names the failing call.
  Status<std::string> open();
  bool is_open() const { return socket_ != nullptr; }
  int fd() const;

  // Builds and sends `count` messages (in order, batched) and waits for the kernel's answers.
  // Returns the messages that failed, or an error if the socket itself failed (then some
  // messages may have been applied and others not).
  Result<std::vector<Failure>, std::string> send(std::size_t count, const Builder& build);

  // Sends the message `write` writes (numbered here, NLM_F_ACK added) and waits for its ACK.
  // Replies before the ACK (the link of an RTM_GETLINK) go to on_reply. The kernel's refusal is
  // an Error with from_kernel set; a message that does not fit is EMSGSIZE.
  Status<Error> request(const Writer& write, const ReplyHandler& on_reply = {});

  // Sends the NLM_F_DUMP request `write` writes and passes every message of the answer to
  // on_message. Error EINTR: the kernel's tables changed during the dump (NLM_F_DUMP_INTR), so
  // what was passed may be inconsistent; dump again (collect() does).
  Status<Error> dump(const Writer& write, const ReplyHandler& on_message);

  // Dumps and keeps what parse(const nlmsghdr*) returns a value for (an optional<T>); dumps
  // again, up to three times in all, when a dump was interrupted.
  template <typename T, typename Parse>
  Result<std::vector<T>, Error> collect(const Writer& write, Parse&& parse) {
    for (int attempt = 0;; ++attempt) {
      std::vector<T> out;
      auto done = dump(write, [&](const nlmsghdr* m) {
        if (auto value = parse(m)) out.push_back(std::move(*value));
      });
      if (done) return out;
      if (done.error().code != EINTR || attempt == 2) return unexpected(done.error());
    }
  }

  // Messages and batches sent since open (for tests and logs).
  std::size_t messages_sent() const { return messages_sent_; }
  std::size_t batches_sent() const { return batches_sent_; }

 private:
  // Sends `bytes`, whole messages.
  Status<Error> transmit(std::span<const std::byte> bytes);
  // Reads answers until `on_answer` returns true for one of them. Only messages addressed to
  // this socket with a sequence number in first_seq..last_seq are passed on.
  using AnswerHandler = std::function<bool(const nlmsghdr*)>;
  Status<Error> receive(std::uint32_t first_seq, std::uint32_t last_seq,
                        const AnswerHandler& on_answer);
  // Writes one message into buffer_, numbers it, adds `flags` and sends it; its sequence number.
  Result<std::uint32_t, Error> send_one(const Writer& write, std::uint16_t flags);
  Status<Error> flush(std::span<const std::byte> bytes, std::uint32_t first_seq,
                      std::uint32_t last_seq, std::size_t base, std::vector<Failure>& failures);
  std::uint32_t next_seq();

  mnl_socket* socket_ = nullptr;
  std::uint32_t port_id_ = 0;
  std::uint32_t seq_ = 1;
  std::size_t messages_sent_ = 0;
  std::size_t batches_sent_ = 0;
  std::vector<std::byte> buffer_;   // outgoing batch
  std::vector<std::byte> receive_;  // incoming answers
};

// The text of an extended ACK (NETLINK_EXT_ACK) in an NLMSG_ERROR or NLMSG_DONE message:
// NLMSGERR_ATTR_MSG after the error and, if the kernel did not cap it, the echoed request.
std::string ext_ack_text(const nlmsghdr* message);

}  // namespace vipd::netlink
