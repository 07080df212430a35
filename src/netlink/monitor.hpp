// Kernel notifications as events: a NETLINK_ROUTE socket subscribed to the multicast groups of
// links, addresses and (optionally) routes (rtnetlink(7), RTNLGRP_*), decoded into LinkEvent,
// AddressEvent and RouteEvent for a callback. Users: VRRP (fault state when its interface goes
// down, noticing a VIP that someone removed), the FIB (routes whose next hop sits on a link that
// went down: IPv4 flushes them without sending RTM_DELROUTE, so link events are the signal).
//
// Monitor is event-loop agnostic: it exposes fd() and process_ready(). AsioMonitor
// (monitor_asio.hpp) drives it from an asio::io_context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "netlink/address_message.hpp"
#include "netlink/link_message.hpp"
#include "netlink/route_message.hpp"
#include "netlink/socket.hpp"

namespace vipd::netlink {

struct LinkEvent {
  enum class Kind : std::uint8_t {
    kAdded,    // a link not seen before (created, or moved into this namespace)
    kRemoved,  // the link is gone; `link` is its last reported state
    kUp,       // became usable (admin up with carrier: Link::usable())
    kDown,     // stopped being usable (admin down, carrier lost)
    kChanged,  // something else changed (name, MAC, MTU, flags, oper state short of usability)
  };
  Kind kind = Kind::kAdded;
  Link link;  // the state after the change
  bool operator==(const LinkEvent&) const = default;
};

struct AddressEvent {
  // kAdded also reports changes of an address already there (an IPv6 address leaving the
  // tentative state, a lifetime update): treat it idempotently.
  enum class Kind : std::uint8_t { kAdded, kRemoved };
  Kind kind = Kind::kAdded;
  InterfaceAddress address;
  bool operator==(const AddressEvent&) const = default;
};

struct RouteEvent {
  enum class Kind : std::uint8_t { kAdded, kRemoved };
  Kind kind = Kind::kAdded;
  Route route;
  bool operator==(const RouteEvent&) const = default;
};

// The kernel dropped notifications because the socket's receive queue was full (recv() failed
// with ENOBUFS): whatever the user derived from events may be stale and must be read again
// (list_addresses, list_links). The monitor refreshes its own link table right after this event
// and reports the differences it finds as LinkEvents.
struct ResyncNeeded {
  bool operator==(const ResyncNeeded&) const = default;
};

using Event = std::variant<LinkEvent, AddressEvent, RouteEvent, ResyncNeeded>;

// Turns notification messages into events. Keeps the last state of every link, to tell an
// up/down transition from another change and to report a removed link's last state. Pure: no
// socket (DESIGN principle 1), so unit tests and the fuzzer feed it messages directly.
class EventDecoder {
 public:
  // The links the kernel has now (a dump): replaces the table and appends the differences to
  // the table before as events (none the first time, when `report` is false).
  void reset_links(const std::vector<Link>& links, std::vector<Event>& out, bool report = true);
  // Appends the events of one notification (none for messages that change nothing known).
  void decode(const nlmsghdr* message, std::vector<Event>& out);

  const std::map<int, Link>& links() const { return links_; }

 private:
  void link_seen(Link link, std::vector<Event>& out);

  std::map<int, Link> links_;
};

struct MonitorOptions {
  bool links = true;      // RTNLGRP_LINK
  bool addresses = true;  // RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR
  bool routes = false;    // RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE (busy on a full-table router)
  // Route notifications with one of these rtm_protocols are dropped by a socket filter in the
  // kernel, before they take room in the receive queue: a daemon that installs a full table
  // does not read its own million routes back (the FIB's monitor skips vipd's and BGP's).
  std::vector<std::uint8_t> ignored_route_protocols;
  // SO_RCVBUF(FORCE) of the socket: room for bursts (a link going down removes all its
  // addresses and routes at once) before the kernel drops notifications.
  int receive_buffer_bytes = 4 * 1024 * 1024;
};

class Monitor {
 public:
  using Callback = std::function<void(const Event&)>;

  explicit Monitor(Callback callback, MonitorOptions options = {});
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Opens the socket (non-blocking), joins the groups, then reads the current links, so that
  // the first notification about a link is classified against its real previous state. Events
  // start with the first change after open().
  Status<std::string> open();
  bool is_open() const { return fd_ >= 0; }
  // Readable when notifications are queued.
  int fd() const { return fd_; }

  // Reads the queued notifications without blocking (at most max_datagrams receives, so that a
  // flood cannot starve the event loop; the fd stays readable if more are left) and calls the
  // callback once per event, in the kernel's order. Must not be called from the callback, and
  // the callback must not destroy the monitor. An error means the socket is unusable.
  Status<std::string> process_ready(std::size_t max_datagrams = 64);

  const std::map<int, Link>& links() const { return decoder_.links(); }
  std::size_t overruns() const { return overruns_; }

 private:
  Status<std::string> resync();
  void deliver();

  Callback callback_;
  MonitorOptions options_;
  int fd_ = -1;
  Socket requests_;  // link dumps: at open and after an overrun
  EventDecoder decoder_;
  std::vector<Event> pending_;
  std::vector<std::byte> buffer_;
  std::size_t overruns_ = 0;
};

}  // namespace vipd::netlink
