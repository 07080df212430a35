// The daemon's L2Runner (l2_runner.hpp): a VRRP module of the load balancer's own (a
// VrrpService with its own sockets, beside the one of --vrrp-config if any) on a network whose
// addresses the responder answers for (lb/l2/responder_network.hpp), and this node's
// interfaces from the daemon's interface view.
#pragma once

#include <asio/io_context.hpp>
#include <memory>

#include "event/clock.hpp"
#include "l2/responder.hpp"
#include "lb/l2_runner.hpp"
#include "netlink/interface_view.hpp"
#include "vrrp/service.hpp"

namespace vipd::lb {

class L2Service final : public L2Runner {
 public:
  // `interfaces`: the daemon's view of the links; it outlives the service.
  L2Service(asio::io_context& io, event::Clock& clock, netlink::InterfaceView& interfaces);
  ~L2Service() override;

  Status<std::string> start(std::function<void()> changed, Ownership ownership) override;
  void apply(const vrrp::config::KeepalivedConfig& config) override;
  void stop(std::function<void()> done) override;
  std::vector<NodeInterface> interfaces() const override;
  const vrrp::VrrpModule* vrrp() const override;

 private:
  asio::io_context& io_;
  event::Clock& clock_;
  netlink::InterfaceView& interfaces_;
  vipd::l2::Responder responder_;
  std::unique_ptr<vrrp::VrrpService> vrrp_;
  netlink::InterfaceView::Subscription changes_;
  std::function<void()> changed_;
  Ownership ownership_;
  bool change_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::lb
