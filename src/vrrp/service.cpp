#include "vrrp/service.hpp"

namespace vipd::vrrp {

VrrpService::VrrpService(asio::io_context& io, event::Clock& clock,
                         netlink::InterfaceView& interfaces, NetworkWrapper wrap_network)
    : network_(io),
      wrapped_(wrap_network ? wrap_network(network_) : nullptr),
      processes_(io),
      module_(clock, wrapped_ ? *wrapped_ : static_cast<Network&>(network_), processes_),
      interfaces_(interfaces) {}

void VrrpService::link_event(const netlink::Event& event) {
  // VRRP follows the links only. After an overrun the monitor reports the links that changed
  // while notifications were lost as LinkEvents, so ResyncNeeded needs nothing here.
  const auto* link = std::get_if<netlink::LinkEvent>(&event);
  if (!link) return;
  using Kind = netlink::LinkEvent::Kind;
  if (link->kind == Kind::kAdded) module_.link_added(link->link.name, link->link.usable());
  if (link->kind == Kind::kUp) module_.link_changed(link->link.name, true);
  if (link->kind == Kind::kDown || link->kind == Kind::kRemoved)
    module_.link_changed(link->link.name, false);
  if (link->kind == Kind::kRemoved) module_.link_removed(link->link.name);
}

VrrpService::~VrrpService() {
  stop();
}

Status<std::string> VrrpService::start(const config::KeepalivedConfig& config) {
  if (auto opened = network_.open(); !opened) return unexpected("rtnetlink: " + opened.error());
  if (!interfaces_.ready())
    return unexpected(std::string("no view of the links (netlink monitor)"));
  link_changes_ = interfaces_.subscribe([this](const netlink::Event& e) { link_event(e); });
  module_.apply(config);
  return Ok();
}

void VrrpService::stop(std::function<void()> done) {
  if (stopped_) return;
  if (stopping_ || !done) {
    // Second signal, reload failure or destruction: no more waiting.
    module_.stop();
    close();
    return;
  }
  stopping_ = true;
  module_.stop([this, done = std::move(done)] {
    close();
    done();
  });
}

void VrrpService::close() {
  if (stopped_) return;
  stopped_ = true;
  link_changes_.reset();
  network_.close_sockets();
}

}  // namespace vipd::vrrp
