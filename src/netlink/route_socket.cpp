#include "netlink/route_socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

namespace vipd::netlink {
namespace {

// One sendmsg() carries at most this much. The kernel refuses a netlink message larger than the
// socket's send buffer (EMSGSIZE), whose default (net.core.wmem_default) is about 208 KiB.
constexpr std::size_t kBatchBytes = 64 * 1024;
// Answers: error messages of a batch and dump parts. The kernel sizes dump messages to the
// reader's buffer up to 32 KiB (netlink_dump), so this never truncates.
constexpr std::size_t kReceiveBytes = 64 * 1024;

std::string errno_text(const char* what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

// The text of an extended ACK (NETLINK_EXT_ACK): NLMSGERR_ATTR_MSG after the nlmsgerr and, if
// the kernel did not cap it (NETLINK_CAP_ACK), the echoed request.
std::string ext_ack_text(const nlmsghdr* nlh) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  std::size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  if (MNL_NLMSG_HDRLEN + offset > nlh->nlmsg_len) return {};
  std::string text;
  for_each_attribute(nlh, offset, [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
      text = mnl_attr_get_str(attr);
  });
  return text;
}

}  // namespace

RouteSocket::~RouteSocket() {
  if (socket_) mnl_socket_close(socket_);
}

Status<std::string> RouteSocket::open() {
  if (socket_) return Ok{};
  socket_ = mnl_socket_open(NETLINK_ROUTE);
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
  // Let the kernel filter dumps by the header's table/protocol (kernel 4.20+; older kernels
  // ignore it and dump() filters anyway).
  mnl_socket_setsockopt(socket_, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  // Room for every error answer of a batch; FORCE goes past net.core.rmem_max when we are
  // privileged (we are, to write routes), the plain option is the fallback.
  int bytes = 4 * 1024 * 1024;
  int fd = mnl_socket_get_fd(socket_);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  buffer_.resize(kBatchBytes);
  return Ok{};
}

Result<std::vector<RouteFailure>, std::string> RouteSocket::send(
    std::span<const RouteRequest> requests) {
  if (!socket_) return unexpected(std::string("netlink socket not open"));
  std::vector<RouteFailure> failures;
  std::size_t used = 0, batch_start = 0;
  std::uint32_t first_seq = seq_;
  nlmsghdr* last = nullptr;
  auto flush_batch = [&]() -> Status<std::string> {
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
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::uint32_t seq = seq_++;
    if (seq_ == 0) seq_ = 1;
    if (!last) {
      first_seq = seq;
      batch_start = i;
    }
    auto room = std::span(buffer_).subspan(used);
    std::size_t len = build_route_message(room, requests[i].op, requests[i].route, seq);
    if (len == 0 && last) {
      if (auto sent = flush_batch(); !sent) return unexpected(sent.error());
      first_seq = seq;
      batch_start = i;
      len = build_route_message(buffer_, requests[i].op, requests[i].route, seq);
    }
    if (len == 0) {
      failures.push_back({i, EMSGSIZE, "route message too large"});
      continue;
    }
    last = reinterpret_cast<nlmsghdr*>(buffer_.data() + used);
    used += len;
  }
  if (auto sent = flush_batch(); !sent) return unexpected(sent.error());
  return failures;
}

Status<std::string> RouteSocket::flush(std::span<const std::byte> bytes, std::uint32_t first_seq,
                                       std::uint32_t last_seq, std::size_t base,
                                       std::vector<RouteFailure>& failures) {
  if (mnl_socket_sendto(socket_, bytes.data(), bytes.size()) < 0)
    return unexpected(errno_text("netlink send"));
  ++batches_sent_;
  for (const auto* p = bytes.data(); p < bytes.data() + bytes.size();) {
    ++messages_sent_;
    p += NLMSG_ALIGN(reinterpret_cast<const nlmsghdr*>(p)->nlmsg_len);
  }
  std::vector<std::byte> in(kReceiveBytes);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_, in.data(), in.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(errno_text("netlink receive"));
    }
    int left = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(in.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
      if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != port_id_) continue;
      if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(nlmsgerr)) continue;
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      std::uint32_t seq = nlh->nlmsg_seq;
      // Sequence numbers of one batch are consecutive, wrapping at 2^32 past 0.
      std::uint32_t offset = seq - first_seq;
      if (offset > last_seq - first_seq) continue;  // an answer to an older request
      if (err->error != 0) failures.push_back({base + offset, -err->error, ext_ack_text(nlh)});
      if (seq == last_seq) return Ok{};
    }
  }
}

Result<std::vector<Route>, std::string> RouteSocket::dump(int family, std::uint8_t protocol) {
  if (!socket_) return unexpected(std::string("netlink socket not open"));
  std::vector<std::byte> out(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(out.data());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  std::uint32_t seq = seq_++;
  if (seq_ == 0) seq_ = 1;
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(family);
  rtm->rtm_protocol = protocol;
  rtm->rtm_table = RT_TABLE_MAIN;
  mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0)
    return unexpected(errno_text("netlink route dump"));

  struct Context {
    std::vector<Route> routes;
    std::uint8_t protocol;
  } context{{}, protocol};
  auto on_message = [](const nlmsghdr* m, void* data) -> int {
    auto* c = static_cast<Context*>(data);
    if (route_protocol(m) != c->protocol) return MNL_CB_OK;
    if (auto route = parse_route_message(m); route && route->table == RT_TABLE_MAIN)
      c->routes.push_back(std::move(*route));
    return MNL_CB_OK;
  };
  std::vector<std::byte> in(kReceiveBytes);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_, in.data(), in.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(errno_text("netlink route dump"));
    }
    int ret =
        mnl_cb_run(in.data(), static_cast<std::size_t>(n), seq, port_id_, on_message, &context);
    if (ret == MNL_CB_STOP) break;
    if (ret < 0) return unexpected(errno_text("netlink route dump"));
  }
  return std::move(context.routes);
}

}  // namespace vipd::netlink
