// A recording ActionSink and a simulated LAN of VirtualRouters on one SimClock.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event/sim_clock.hpp"
#include "test_util.hpp"
#include "vrrp/fsm/virtual_router.hpp"

namespace vipd::vrrp::fsm::testing {

struct Record {
  event::Duration at;
  std::string what;
};

class RecordingSink : public ActionSink {
 public:
  RecordingSink(event::SimClock& clock, event::TimePoint start) : clock_(clock), start_(start) {}

  void send_advert(std::uint8_t priority) override {
    add("SendAdvert(" + std::to_string(priority) + ")");
    if (on_send) on_send(priority);
  }
  void add_vips() override { add("AddVips"); }
  void remove_vips() override { add("RemoveVips"); }
  void announce(unsigned repeat) override { add("Announce(" + std::to_string(repeat) + ")"); }
  void notify(State state, std::uint8_t priority) override {
    add("Notify(" + std::string(to_string(state)) + ", " + std::to_string(priority) + ")");
    if (on_notify) on_notify(state);
  }
  void notify_master_rx_lower_priority() override { add("NotifyMasterRxLowerPriority"); }
  void log(LogLevel level, std::string_view text) override {
    if (level == LogLevel::kInfo) lines.emplace_back(text);
    if (level == LogLevel::kInfo && journal != nullptr) journal->emplace_back(text);
    add(std::string(level == LogLevel::kInfo ? "Log(" : "LogDetail(") + std::string(text) + ")");
  }

  // When each record whose text starts with `prefix` happened, relative to the start.
  std::vector<event::Duration> times_of(std::string_view prefix) const {
    std::vector<event::Duration> out;
    for (const Record& r : records) {
      if (r.what.starts_with(prefix)) out.push_back(r.at);
    }
    return out;
  }

  std::vector<Record> records;
  Strings lines;               // kInfo log lines: what keepalived logs without -D
  Strings* journal = nullptr;  // also appended to (several routers' lines in one order)
  std::function<void(std::uint8_t)> on_send;
  std::function<void(State)> on_notify;

 private:
  void add(std::string what) { records.push_back({clock_.now() - start_, std::move(what)}); }
  event::SimClock& clock_;
  event::TimePoint start_;
};

// Routers on one LAN: an advert one sends reaches every other (via clock.post, at once).
class Lan {
 public:
  struct Node {
    std::unique_ptr<RecordingSink> sink;
    std::unique_ptr<VirtualRouter> router;
    bool connected = true;
    int segment = 0;  // adverts reach only the nodes of the same segment (a split LAN)
  };

  explicit Lan(event::SimClock& clock) : clock_(clock), start_(clock.now()) {}
  // The time the records are relative to.
  event::TimePoint start() const { return start_; }

  Node& add(const Config& config) {
    auto node = std::make_unique<Node>();
    node->sink = std::make_unique<RecordingSink>(clock_, start_);
    node->router = std::make_unique<VirtualRouter>(clock_, config, *node->sink);
    Node* self = node.get();
    node->sink->on_send = [this, self](std::uint8_t priority) { deliver(*self, priority); };
    nodes_.push_back(std::move(node));
    return *self;
  }

 private:
  void deliver(const Node& from, std::uint8_t priority) {
    if (!from.connected) return;
    const Config& c = from.router->config();
    for (auto& node : nodes_) {
      if (node.get() == &from || !node->connected || node->segment != from.segment) continue;
      VirtualRouter* to = node->router.get();
      const IpAddress source = c.primary_address;
      const Duration interval = c.advert_interval;
      clock_.post(
          [to, priority, source, interval] { to->advert_received(priority, source, interval); });
    }
  }

  event::SimClock& clock_;
  event::TimePoint start_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace vipd::vrrp::fsm::testing
