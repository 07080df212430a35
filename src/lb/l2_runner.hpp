// What the load balancer's L2 mode needs from the daemon (docs/lb.md "L2 mode"): a VRRP module
// of its own that runs the virtual routers of the L2 plan (announce_l2.hpp), whose addresses are
// answered for (ARP, NDP) rather than added to an interface, and this node's interfaces. The
// daemon's is lb/l2_service.hpp; the module's unit tests use a recording fake.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "lb/announce_l2.hpp"
#include "vrrp/config/model.hpp"

namespace vipd::vrrp {
class VrrpModule;
}

namespace vipd::lb {

class L2Runner {
 public:
  virtual ~L2Runner() = default;
  // This node starts (`owned`) or stops answering for a Service IP on an interface: its
  // virtual router became master, or left it.
  using Ownership =
      std::function<void(const IpAddress& ip, const std::string& interface, bool owned)>;
  // Opens what the virtual routers need (sockets, the responder). `changed` runs from the
  // loop when this node's interfaces or their addresses change: the plan is made again.
  virtual Status<std::string> start(std::function<void()> changed, Ownership ownership) = 0;
  // Runs exactly `config`'s instances: unchanged ones keep their state, an instance whose
  // addresses changed keeps it too (VrrpModule::apply).
  virtual void apply(const vrrp::config::KeepalivedConfig& config) = 0;
  // Masters hand over (priority 0, RFC 5798 §6.4.3) and stop answering; `done` runs when all
  // have (at once when nothing runs).
  virtual void stop(std::function<void()> done) = 0;
  virtual std::vector<NodeInterface> interfaces() const = 0;
  // The running virtual routers, for `show lb l2`; nullptr before start().
  virtual const vrrp::VrrpModule* vrrp() const = 0;
};

}  // namespace vipd::lb
