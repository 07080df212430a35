#include "event/accept_backoff.hpp"

#include <algorithm>

#include "common/descriptors.hpp"
#include "common/log.hpp"

namespace vipd::event {

bool LogLimiter::allow(TimePoint now) {
  if (logged_ && now - last_ < interval_) {
    ++held_back_;
    return false;
  }
  logged_ = true;
  last_ = now;
  reported_suppressed_ = held_back_;
  held_back_ = 0;
  return true;
}

AcceptBackoff::AcceptBackoff(Clock& clock, std::string what)
    : clock_(clock), what_(std::move(what)), timer_(clock.make_timer()) {}

AcceptBackoff::~AcceptBackoff() {
  cancel();
}

void AcceptBackoff::failed(std::error_code ec, std::function<void()> retry) {
  const TimePoint now = clock_.now();
  if (failures_++ == 0) {
    episode_start_ = now;
    log_ = LogLimiter(kLogInterval);  // a new episode is always logged
  }
  if (log_.allow(now)) {
    if (failures_ == 1)
      log::error("{}: cannot accept connections: {}; retrying with back-off up to {} ms", what_,
                 describe_resource_error(ec),
                 std::chrono::duration_cast<std::chrono::milliseconds>(kMaxDelay).count());
    else
      log::error("{}: still cannot accept connections: {} ({} attempts failed in {} s)", what_,
                 describe_resource_error(ec), failures_,
                 std::chrono::duration_cast<std::chrono::seconds>(now - episode_start_).count());
  }
  const Duration wait = delay_;
  delay_ = std::min<Duration>(delay_ * 2, kMaxDelay);
  timer_->arm(wait, std::move(retry));
}

void AcceptBackoff::succeeded() {
  if (failures_ > 0) {
    log::notice(
        "{}: accepting connections again after {} failed attempts in {} s", what_, failures_,
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - episode_start_).count());
  }
  failures_ = 0;
  delay_ = kFirstDelay;
}

void AcceptBackoff::cancel() {
  timer_->cancel();
}

}  // namespace vipd::event
