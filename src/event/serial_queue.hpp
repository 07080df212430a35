// Runs a state machine's events one at a time. An event handed in while one is being dispatched
// (an action callback feeding the machine again) waits until the current one is finished, so
// every step sees the state the previous step left. The owner may be destroyed by a callback:
// dispatch is given a liveness flag and returns false once it is cleared, and then nothing of
// the owner (this queue included) is touched again. Used by the BGP session driver and the VRRP
// virtual router.
#pragma once

#include <deque>
#include <memory>

namespace vipd::event {

template <typename Event>
class SerialQueue {
 public:
  SerialQueue() = default;
  ~SerialQueue() { *alive_ = false; }
  SerialQueue(const SerialQueue&) = delete;
  SerialQueue& operator=(const SerialQueue&) = delete;

  // dispatch(const Event&, const std::shared_ptr<bool>& alive) -> bool (false: owner gone).
  template <typename Dispatch>
  void handle(const Event& event, Dispatch&& dispatch) {
    queue_.push_back(event);
    if (dispatching_) return;  // re-entered from a callback: runs after the current event
    dispatching_ = true;
    const std::shared_ptr<bool> alive = alive_;
    try {
      while (!queue_.empty()) {
        const Event next = std::move(queue_.front());
        queue_.pop_front();
        if (!dispatch(next, alive)) return;  // destroyed by a callback: touch nothing
      }
    } catch (...) {
      // A throwing callback must not leave the owner deaf to later events.
      if (*alive) {
        dispatching_ = false;
        queue_.clear();
      }
      throw;
    }
    dispatching_ = false;
  }

  // Cleared when the owner (holding this queue) is destroyed; timer callbacks may check it.
  const std::shared_ptr<bool>& alive() const { return alive_; }

 private:
  std::deque<Event> queue_;
  bool dispatching_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::event
