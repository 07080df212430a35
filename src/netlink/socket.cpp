#include "netlink/socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "common/errno_text.hpp"
#include "netlink/route_message.hpp"

namespace vipd::netlink {
namespace {

// One sendmsg() carries at most this much. The kernel refuses a netlink message larger than the
// socket's send buffer (EMSGSIZE), whose default (net.core.wmem_default) is about 208 KiB.
constexpr std::size_t kBatchBytes = 64 * 1024;
// Answers: error messages of a batch and dump parts. The kernel sizes dump messages to the
// reader's buffer up to 32 KiB (netlink_dump), so this never truncates.
constexpr std::size_t kReceiveBytes = 64 * 1024;

// The failure of a socket call, with its errno (read first: formatting may change it).
Error call_failed(const char* call) {
  int code = errno;
  return Error{code, call, false};
}

}  // namespace

std::string Error::text() const {
  std::string reason = std::strerror(code);
  if (message.empty()) return reason;
  if (!from_kernel) return fmt::format("{}: {}", message, reason);
  return fmt::format("{} ({})", reason, message);
}

std::string ext_ack_text(const nlmsghdr* nlh) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  std::size_t offset;
  if (nlh->nlmsg_type == NLMSG_ERROR) {
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(nlmsgerr)) return {};
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
      if (err->msg.nlmsg_len < sizeof(nlmsghdr)) return {};
      offset += NLMSG_ALIGN(err->msg.nlmsg_len - sizeof(nlmsghdr));
    }
  } else if (nlh->nlmsg_type == NLMSG_DONE) {
    offset = NLMSG_ALIGN(sizeof(int));
  } else {
    return {};
  }
  if (MNL_NLMSG_HDRLEN + offset > nlh->nlmsg_len) return {};
  std::string text;
  for_each_attribute(nlh, offset, [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
      text = mnl_attr_get_str(attr);
  });
  return text;
}

Socket::~Socket() {
  if (socket_) mnl_socket_close(socket_);
}

int Socket::fd() const {
  return socket_ ? mnl_socket_get_fd(socket_) : -1;
}

Status<std::string> Socket::open() {
  if (socket_) return Ok{};
  socket_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!socket_) return unexpected(errno_text("netlink socket"));
  if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
    auto error = errno_text("netlink bind");
    mnl_socket_close(socket_);
    socket_ = nullptr;
    return unexpected(error);
  }
  port_id_ = mnl_socket_get_portid(socket_);
  int one = 1;
  // Short ACKs (no echo of the request) and the kernel's reason text with each error.
  mnl_socket_setsockopt(socket_, NETLINK_CAP_ACK, &one, sizeof one);
  mnl_socket_setsockopt(socket_, NETLINK_EXT_ACK, &one, sizeof one);
  // Let the kernel filter dumps by the header's fields (route table/protocol, address
  // interface; kernel 4.20+). Older kernels ignore it; every dump is filtered here anyway.
  mnl_socket_setsockopt(socket_, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  // Room for every error answer of a batch; FORCE goes past net.core.rmem_max when we are
  // privileged (we are, to write routes), the plain option is the fallback.
  int bytes = 4 * 1024 * 1024;
  int fd = mnl_socket_get_fd(socket_);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  buffer_.resize(kBatchBytes);
  receive_.resize(kReceiveBytes);
  return Ok{};
}

std::uint32_t Socket::next_seq() {
  std::uint32_t seq = seq_++;
  if (seq_ == 0) seq_ = 1;
  return seq;
}

Result<std::vector<Failure>, std::string> Socket::send(std::size_t count, const Builder& build) {
  if (!socket_) return unexpected(std::string("netlink socket not open"));
  std::vector<Failure> failures;
  std::size_t used = 0, batch_start = 0;
  std::uint32_t first_seq = seq_;
  nlmsghdr* last = nullptr;
  auto flush_batch = [&]() -> Status<Error> {
    if (!last) return Ok{};
    // Only the last message asks for an ACK: its arrival says the kernel has processed the
    // whole batch, in order (netlink(7)); failures before it were answered already.
    last->nlmsg_flags |= NLM_F_ACK;
    auto sent =
        flush(std::span(buffer_.data(), used), first_seq, last->nlmsg_seq, batch_start, failures);
    used = 0;
    last = nullptr;
    return sent;
  };
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t seq = next_seq();
    if (!last) {
      first_seq = seq;
      batch_start = i;
    }
    std::size_t len = build(i, std::span(buffer_).subspan(used));
    if (len == 0 && last) {
      if (auto sent = flush_batch(); !sent) return unexpected(sent.error().text());
      first_seq = seq;
      batch_start = i;
      len = build(i, buffer_);
    }
    if (len == 0) {
      failures.push_back({i, EMSGSIZE, "message too large"});
      continue;
    }
    last = reinterpret_cast<nlmsghdr*>(buffer_.data() + used);
    last->nlmsg_seq = seq;
    used += NLMSG_ALIGN(len);
  }
  if (auto sent = flush_batch(); !sent) return unexpected(sent.error().text());
  return failures;
}

Status<Error> Socket::transmit(std::span<const std::byte> bytes) {
  if (mnl_socket_sendto(socket_, bytes.data(), bytes.size()) < 0)
    return unexpected(call_failed("netlink send"));
  ++batches_sent_;
  for (const auto* p = bytes.data(); p < bytes.data() + bytes.size();) {
    ++messages_sent_;
    p += NLMSG_ALIGN(reinterpret_cast<const nlmsghdr*>(p)->nlmsg_len);
  }
  return Ok{};
}

Status<Error> Socket::receive(std::uint32_t first_seq, std::uint32_t last_seq,
                              const AnswerHandler& on_answer) {
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_, receive_.data(), receive_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(call_failed("netlink receive"));
    }
    int left = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(receive_.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
      if (nlh->nlmsg_pid != port_id_) continue;
      // Sequence numbers of one batch are consecutive, wrapping at 2^32 past 0; anything else
      // answers an older request that was given up on.
      if (nlh->nlmsg_seq - first_seq > last_seq - first_seq) continue;
      if (on_answer(nlh)) return Ok{};
    }
  }
}

Status<Error> Socket::flush(std::span<const std::byte> bytes, std::uint32_t first_seq,
                            std::uint32_t last_seq, std::size_t base,
                            std::vector<Failure>& failures) {
  if (auto sent = transmit(bytes); !sent) return sent;
  return receive(first_seq, last_seq, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != NLMSG_ERROR) return false;
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(nlmsgerr)) return false;
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    if (err->error != 0)
      failures.push_back({base + (nlh->nlmsg_seq - first_seq), -err->error, ext_ack_text(nlh)});
    return nlh->nlmsg_seq == last_seq;
  });
}

Result<std::uint32_t, Error> Socket::send_one(const Writer& write, std::uint16_t flags) {
  if (!socket_) return unexpected(Error{ENOTCONN, "netlink socket not open", false});
  std::size_t len = write(buffer_);
  if (len == 0) return unexpected(Error{EMSGSIZE, "netlink message too large", false});
  auto* nlh = reinterpret_cast<nlmsghdr*>(buffer_.data());
  nlh->nlmsg_seq = next_seq();
  nlh->nlmsg_flags |= NLM_F_REQUEST | flags;
  if (auto sent = transmit(std::span(buffer_).first(nlh->nlmsg_len)); !sent)
    return unexpected(sent.error());
  return nlh->nlmsg_seq;
}

Status<Error> Socket::request(const Writer& write, const ReplyHandler& on_reply) {
  auto seq = send_one(write, NLM_F_ACK);
  if (!seq) return unexpected(seq.error());
  Error refused;
  auto received = receive(*seq, *seq, [&](const nlmsghdr* answer) {
    if (answer->nlmsg_type != NLMSG_ERROR) {
      if (on_reply) on_reply(answer);
      return false;
    }
    if (answer->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(nlmsgerr)) return false;
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(answer));
    if (err->error != 0) refused = Error{-err->error, ext_ack_text(answer), true};
    return true;
  });
  if (!received) return received;
  if (refused.code != 0) return unexpected(refused);
  return Ok{};
}

Status<Error> Socket::dump(const Writer& write, const ReplyHandler& on_message) {
  auto seq = send_one(write, NLM_F_DUMP);
  if (!seq) return unexpected(seq.error());
  Error refused;
  bool interrupted = false;
  auto received = receive(*seq, *seq, [&](const nlmsghdr* answer) {
    // netlink(7): a dump ends with NLMSG_DONE, whose payload is an int error (0 or negative);
    // a request the kernel refuses outright is answered by NLMSG_ERROR instead.
    if (answer->nlmsg_type == NLMSG_DONE || answer->nlmsg_type == NLMSG_ERROR) {
      int error = 0;
      if (answer->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(int))
        std::memcpy(&error, mnl_nlmsg_get_payload(answer), sizeof error);
      if (error != 0) refused = Error{-error, ext_ack_text(answer), true};
      return true;
    }
    if (answer->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
    on_message(answer);
    return false;
  });
  if (!received) return received;
  if (refused.code != 0) return unexpected(refused);
  if (interrupted) return unexpected(Error{EINTR, "dump interrupted by a change", true});
  return Ok{};
}

}  // namespace vipd::netlink
