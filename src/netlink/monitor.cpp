#include "netlink/monitor.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "common/errno_text.hpp"
#include "netlink/links.hpp"

namespace vipd::netlink {
namespace {

// A notification datagram holds one message; a link message with every attribute is a few KiB.
// The kernel truncates (MSG_TRUNC) what does not fit, so leave plenty of room.
constexpr std::size_t kDatagramBytes = 64 * 1024;

LinkEvent::Kind change_kind(const Link& before, const Link& after) {
  if (before.usable() != after.usable())
    return after.usable() ? LinkEvent::Kind::kUp : LinkEvent::Kind::kDown;
  return LinkEvent::Kind::kChanged;
}

// A classic BPF socket filter that drops RTM_NEWROUTE/RTM_DELROUTE notifications whose
// rtm_protocol is one of `protocols` and accepts everything else. A notification datagram holds
// one message (rtnetlink sends each on its own), so the header at offset 0 is the message's.
// Loads of BPF_H are in network byte order, hence the htons() of the host-order message types.
std::vector<sock_filter> route_protocol_filter(const std::vector<std::uint8_t>& protocols) {
  const auto n = static_cast<std::uint8_t>(protocols.size());
  std::vector<sock_filter> program;
  program.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(nlmsghdr, nlmsg_type)));
  program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWROUTE), 1, 0));
  program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELROUTE), 0,
                             static_cast<std::uint8_t>(n + 1)));
  program.push_back(
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN + offsetof(rtmsg, rtm_protocol)));
  for (std::uint8_t i = 0; i < n; ++i)
    program.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, protocols[i], static_cast<std::uint8_t>(n - i), 0));
  program.push_back(BPF_STMT(BPF_RET | BPF_K, 0xffffffff));  // accept
  program.push_back(BPF_STMT(BPF_RET | BPF_K, 0));           // drop
  return program;
}

}  // namespace

void EventDecoder::link_seen(Link link, std::vector<Event>& out) {
  auto it = links_.find(link.ifindex);
  if (it == links_.end()) {
    out.push_back(LinkEvent{LinkEvent::Kind::kAdded, link});
    links_.emplace(link.ifindex, std::move(link));
    return;
  }
  if (it->second == link) return;
  out.push_back(LinkEvent{change_kind(it->second, link), link});
  it->second = std::move(link);
}

void EventDecoder::reset_links(const std::vector<Link>& links, std::vector<Event>& out,
                               bool report) {
  std::map<int, Link> before = std::move(links_);
  links_.clear();
  for (const Link& link : links) {
    if (report) {
      auto it = before.find(link.ifindex);
      if (it == before.end())
        out.push_back(LinkEvent{LinkEvent::Kind::kAdded, link});
      else if (!(it->second == link))
        out.push_back(LinkEvent{change_kind(it->second, link), link});
      if (it != before.end()) before.erase(it);
    }
    links_.emplace(link.ifindex, link);
  }
  if (report)
    for (auto& [ifindex, link] : before)
      out.push_back(LinkEvent{LinkEvent::Kind::kRemoved, std::move(link)});
}

void EventDecoder::decode(const nlmsghdr* message, std::vector<Event>& out) {
  switch (message->nlmsg_type) {
    case RTM_NEWLINK:
      if (auto link = parse_link_message(message)) link_seen(std::move(*link), out);
      break;
    case RTM_DELLINK:
      if (auto link = parse_link_message(message)) {
        links_.erase(link->ifindex);
        out.push_back(LinkEvent{LinkEvent::Kind::kRemoved, std::move(*link)});
      }
      break;
    case RTM_NEWADDR:
    case RTM_DELADDR:
      if (auto address = parse_address_message(message))
        out.push_back(AddressEvent{message->nlmsg_type == RTM_NEWADDR
                                       ? AddressEvent::Kind::kAdded
                                       : AddressEvent::Kind::kRemoved,
                                   std::move(*address)});
      break;
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      if (auto route = parse_route_message(message))
        out.push_back(RouteEvent{message->nlmsg_type == RTM_NEWROUTE ? RouteEvent::Kind::kAdded
                                                                     : RouteEvent::Kind::kRemoved,
                                 std::move(*route)});
      break;
    default:
      break;
  }
}

Monitor::Monitor(Callback callback, MonitorOptions options)
    : callback_(std::move(callback)), options_(options) {}

Monitor::~Monitor() {
  if (fd_ >= 0) ::close(fd_);
}

Status<std::string> Monitor::open() {
  if (fd_ >= 0) return Ok{};
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return unexpected(errno_text("netlink monitor socket"));
  auto fail = [&](const char* call) {
    auto text = errno_text(call);
    ::close(fd);
    return unexpected(text);
  };
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
    return fail("netlink monitor bind");
  std::vector<unsigned> groups;
  if (options_.links) groups.push_back(RTNLGRP_LINK);
  if (options_.addresses) groups.insert(groups.end(), {RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR});
  if (options_.routes) groups.insert(groups.end(), {RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE});
  for (unsigned group : groups)
    if (::setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
      return fail("netlink monitor join group");
  if (options_.routes && !options_.ignored_route_protocols.empty()) {
    if (options_.ignored_route_protocols.size() > 200) {
      ::close(fd);
      return unexpected(std::string("netlink monitor: too many ignored route protocols"));
    }
    auto program = route_protocol_filter(options_.ignored_route_protocols);
    sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
    if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) != 0)
      return fail("netlink monitor route filter");
  }
  int bytes = options_.receive_buffer_bytes;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  // Joined first, dumped second: a change between the two is in the dump and in the queue, and
  // the queued copy then matches the table and reports nothing.
  if (options_.links) {
    if (auto opened = requests_.open(); !opened) {
      ::close(fd);
      return opened;
    }
    auto links = list_links(requests_);
    if (!links) {
      ::close(fd);
      return unexpected("netlink link dump: " + links.error().text());
    }
    decoder_.reset_links(*links, pending_, false);
  }
  fd_ = fd;
  buffer_.resize(kDatagramBytes);
  return Ok{};
}

Status<std::string> Monitor::resync() {
  ++overruns_;
  pending_.emplace_back(std::in_place_type<ResyncNeeded>);
  if (options_.links) {
    auto links = list_links(requests_);
    if (!links) return unexpected("netlink link dump: " + links.error().text());
    decoder_.reset_links(*links, pending_);
  }
  return Ok{};
}

void Monitor::deliver() {
  // Moved out first: the callback may call links(), and a later process_ready() refills it.
  std::vector<Event> events = std::move(pending_);
  pending_.clear();
  for (const Event& event : events) callback_(event);
}

Status<std::string> Monitor::process_ready(std::size_t max_datagrams) {
  if (fd_ < 0) return unexpected(std::string("netlink monitor not open"));
  for (std::size_t i = 0; i < max_datagrams; ++i) {
    sockaddr_nl sender{};
    socklen_t sender_len = sizeof sender;
    ssize_t n = ::recvfrom(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&sender), &sender_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno != ENOBUFS) return unexpected(errno_text("netlink monitor receive"));
      // netlink(7): the queue overflowed and notifications were lost.
      if (auto resynced = resync(); !resynced) return resynced;
      deliver();
      continue;
    }
    // Only the kernel (port 0) sends rtnetlink notifications.
    if (sender.nl_pid != 0) continue;
    int left = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left))
      decoder_.decode(nlh, pending_);
    deliver();
  }
  return Ok{};
}

}  // namespace vipd::netlink
