#include "lb/l2_service.hpp"

#include <linux/if_arp.h>

#include <asio/post.hpp>

#include "lb/l2/responder_network.hpp"

namespace vipd::lb {

L2Service::L2Service(asio::io_context& io, event::Clock& clock, netlink::InterfaceView& interfaces)
    : io_(io), clock_(clock), interfaces_(interfaces), responder_(io) {}

L2Service::~L2Service() {
  *alive_ = false;
  changes_.reset();
  vrrp_.reset();
  responder_.close();
}

Status<std::string> L2Service::start(std::function<void()> changed, Ownership ownership) {
  changed_ = std::move(changed);
  ownership_ = std::move(ownership);
  auto claimed = [this](int ifindex, const IpAddress& ip, bool owned) {
    const netlink::Link* link = interfaces_.link(ifindex);
    if (ownership_) ownership_(ip, link ? link->name : std::to_string(ifindex), owned);
  };
  vrrp_ = std::make_unique<vrrp::VrrpService>(
      io_, clock_, interfaces_,
      [this, claimed](vrrp::Network& kernel) -> std::unique_ptr<vrrp::Network> {
        return std::make_unique<l2::ResponderNetwork>(kernel, responder_, claimed);
      });
  if (auto started = vrrp_->start(vrrp::config::KeepalivedConfig{}); !started) {
    vrrp_.reset();
    return started;
  }
  // Links and addresses decide where each virtual router runs: plan again when they change,
  // once per burst of events (a link going down brings its addresses' events along).
  changes_ = interfaces_.subscribe([this](const netlink::Event& event) {
    if (std::holds_alternative<netlink::RouteEvent>(event) || change_posted_ || !changed_) return;
    change_posted_ = true;
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;
      change_posted_ = false;
      if (changed_) changed_();
    });
  });
  return Ok();
}

void L2Service::apply(const vrrp::config::KeepalivedConfig& config) {
  if (vrrp_) vrrp_->reload(config);
}

void L2Service::stop(std::function<void()> done) {
  changes_.reset();
  changed_ = nullptr;
  if (!vrrp_) {
    if (done) done();
    return;
  }
  vrrp_->stop([this, done = std::move(done)] {
    responder_.close();
    if (done) done();
  });
}

std::vector<NodeInterface> L2Service::interfaces() const {
  std::vector<NodeInterface> out;
  for (const auto& [ifindex, link] : interfaces_.links()) {
    if (link.type != ARPHRD_ETHER) continue;  // ARP and NDP answers are Ethernet frames
    NodeInterface itf{link.name, {}};
    for (const auto& address : interfaces_.addresses(ifindex))
      itf.subnets.emplace_back(address.address, address.prefix_length);
    out.push_back(std::move(itf));
  }
  return out;
}

const vrrp::VrrpModule* L2Service::vrrp() const {
  return vrrp_ ? &vrrp_->module() : nullptr;
}

}  // namespace vipd::lb
