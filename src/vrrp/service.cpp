#include "vrrp/service.hpp"

namespace vipd::vrrp {

namespace {
netlink::MonitorOptions link_only() {
  netlink::MonitorOptions options;
  options.addresses = false;
  options.receive_buffer_bytes = 1024 * 1024;
  return options;
}
}  // namespace

VrrpService::VrrpService(asio::io_context& io, event::Clock& clock)
    : network_(io),
      processes_(io),
      module_(clock, network_, processes_),
      monitor_(
          io,
          [this](const netlink::Event& event) {
            const auto* link = std::get_if<netlink::LinkEvent>(&event);
            if (!link) return;
            using Kind = netlink::LinkEvent::Kind;
            if (link->kind == Kind::kAdded)
              module_.link_added(link->link.name, link->link.usable());
            if (link->kind == Kind::kUp) module_.link_changed(link->link.name, true);
            if (link->kind == Kind::kDown || link->kind == Kind::kRemoved)
              module_.link_changed(link->link.name, false);
            if (link->kind == Kind::kRemoved) module_.link_removed(link->link.name);
          },
          link_only()) {}

VrrpService::~VrrpService() {
  stop();
}

Status<std::string> VrrpService::start(const config::KeepalivedConfig& config) {
  if (auto opened = network_.open(); !opened) return unexpected("rtnetlink: " + opened.error());
  if (auto started = monitor_.start(); !started)
    return unexpected("netlink link monitor: " + started.error());
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
  monitor_.stop();
  network_.close_sockets();
}

}  // namespace vipd::vrrp
