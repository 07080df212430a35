// Socket without a kernel: error texts and kinds, extended ACK parsing, use before open().
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "netlink/socket.hpp"

namespace vipd::netlink {
namespace {

TEST(NetlinkError, TextAndKinds) {
  Error exists{EEXIST, "", true};
  EXPECT_EQ(exists.text(), "File exists");
  EXPECT_TRUE(exists.already_exists());
  EXPECT_FALSE(exists.not_found());

  Error with_reason{EINVAL, "Invalid label", true};
  EXPECT_EQ(with_reason.text(), "Invalid argument (Invalid label)");

  for (int code : {EADDRNOTAVAIL, ENODEV, ESRCH}) {
    Error absent{code, "", true};
    EXPECT_TRUE(absent.not_found()) << code;
    EXPECT_FALSE(absent.already_exists()) << code;
  }

  // The same errno from a socket call is no answer of the kernel.
  Error socket_failure{ENODEV, "netlink send", false};
  EXPECT_FALSE(socket_failure.not_found());
  EXPECT_EQ(socket_failure.text(), "netlink send: No such device");
  EXPECT_FALSE((Error{EEXIST, "netlink send", false}).already_exists());
}

// An NLMSG_ERROR as the kernel sends it with NETLINK_EXT_ACK and NETLINK_CAP_ACK: nlmsgerr
// (error + the request's header only), then NLMSGERR_ATTR_MSG.
std::vector<std::byte> error_message(int error, const char* text, bool capped) {
  std::vector<std::byte> out(512);
  nlmsghdr* nlh = mnl_nlmsg_put_header(out.data());
  nlh->nlmsg_type = NLMSG_ERROR;
  nlh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
  auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
  err->error = -error;
  err->msg.nlmsg_len = sizeof(nlmsghdr) + (capped ? 0 : 8);
  if (!capped) mnl_nlmsg_put_extra_header(nlh, 8);  // the echoed request's payload
  mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
  out.resize(nlh->nlmsg_len);
  return out;
}

TEST(ExtAck, TextOfCappedAndFullErrors) {
  auto capped = error_message(EINVAL, "Nexthop has invalid gateway", true);
  EXPECT_EQ(ext_ack_text(reinterpret_cast<const nlmsghdr*>(capped.data())),
            "Nexthop has invalid gateway");
  auto full = error_message(EINVAL, "Label too long", false);
  EXPECT_EQ(ext_ack_text(reinterpret_cast<const nlmsghdr*>(full.data())), "Label too long");
}

TEST(ExtAck, NoTextWithoutTlvsOrWhenMalformed) {
  auto bytes = error_message(EINVAL, "text", true);
  auto* nlh = reinterpret_cast<nlmsghdr*>(bytes.data());
  nlh->nlmsg_flags &= ~NLM_F_ACK_TLVS;
  EXPECT_EQ(ext_ack_text(nlh), "");
  nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
  // An echoed request longer than the message.
  nlh->nlmsg_flags &= ~NLM_F_CAPPED;
  static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4096;
  EXPECT_EQ(ext_ack_text(nlh), "");
  // Not NUL-terminated.
  auto unterminated = error_message(EINVAL, "abcd", true);
  auto* u = reinterpret_cast<nlmsghdr*>(unterminated.data());
  char* tail = reinterpret_cast<char*>(u) + u->nlmsg_len - 4;  // "abcd\0" padded to 8
  std::memset(tail, 'x', 4);
  EXPECT_EQ(ext_ack_text(u), "");
  // Other message types carry none.
  u->nlmsg_type = RTM_NEWLINK;
  EXPECT_EQ(ext_ack_text(u), "");
}

TEST(ExtAck, TextOfADumpsDone) {
  std::vector<std::byte> out(128);
  nlmsghdr* nlh = mnl_nlmsg_put_header(out.data());
  nlh->nlmsg_type = NLMSG_DONE;
  nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
  *static_cast<int*>(mnl_nlmsg_put_extra_header(nlh, sizeof(int))) = -EINVAL;
  mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Invalid header for address dump request");
  EXPECT_EQ(ext_ack_text(nlh), "Invalid header for address dump request");
}

TEST(Socket, UseBeforeOpenIsAnErrorNotACrash) {
  Socket socket;
  EXPECT_FALSE(socket.is_open());
  EXPECT_EQ(socket.fd(), -1);
  auto write = [](std::span<std::byte>) -> std::size_t { return 0; };
  auto requested = socket.request(write);
  ASSERT_FALSE(requested);
  EXPECT_EQ(requested.error().code, ENOTCONN);
  EXPECT_FALSE(requested.error().from_kernel);
  EXPECT_FALSE(socket.dump(write, [](const nlmsghdr*) {}));
  auto sent = socket.send(1, [](std::size_t, std::span<std::byte>) -> std::size_t { return 0; });
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error(), "netlink socket not open");
}

TEST(Socket, AMessageThatDoesNotFitIsEmsgsize) {
  Socket socket;
  ASSERT_TRUE(socket.open());  // an unprivileged NETLINK_ROUTE socket
  auto requested = socket.request([](std::span<std::byte>) -> std::size_t { return 0; });
  ASSERT_FALSE(requested);
  EXPECT_EQ(requested.error().code, EMSGSIZE);
  auto sent = socket.send(2, [](std::size_t, std::span<std::byte>) -> std::size_t { return 0; });
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->size(), 2u);
  EXPECT_EQ((*sent)[1].index, 1u);
  EXPECT_EQ((*sent)[1].error, EMSGSIZE);
  EXPECT_EQ(socket.messages_sent(), 0u);
}

}  // namespace
}  // namespace vipd::netlink
