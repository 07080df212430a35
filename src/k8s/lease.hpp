// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules
// (tools/leaderelection): a candidate takes the Lease when it is free or when its holder has not
// renewed it for leaseDurationSeconds as observed locally (the holder's clock is never
// trusted: the candidate times from when it last saw the record change); the holder renews
// every retry period and gives up leadership when it could not renew within the renew deadline
// (before anyone else may take it); every write carries the resourceVersion read (409 Conflict:
// someone else wrote first, reread). On a clean stop the holder releases the Lease (empty
// holderIdentity, leaseDurationSeconds 1), so the next one takes over at once.
//
// Unlike client-go, a candidate does not learn of changes by polling alone: it watches the
// Lease (a Reflector, fieldSelector metadata.name), so its observed time is when a renewal's
// event arrived; it tries when the observed lease duration has passed, not on its next retry
// tick, and at once when the Lease is released or deleted. Takeover after a holder dies takes
// the lease duration plus a read and a write, where polling added up to 2.2 retry periods to
// see the last renewal and as much again to try. The jittered retry ticks remain and poll
// whenever the watch has been silent since the previous tick, so a broken watch costs speed,
// not correctness. A candidate reads (GET) before every write, which carries the
// resourceVersion read; only the holder renews without a read.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "event/clock.hpp"
#include "k8s/client.hpp"

namespace vipd::k8s {

struct LeaseOptions {
  std::string namespace_;  // where the Lease is
  std::string name = "vipd-controller";
  std::string identity;  // this candidate: node name + "_" + random, as client-go
  std::chrono::milliseconds lease_duration{15000};  // client-go's and MetalLB's defaults
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
  std::uint64_t seed = 0;  // the retry jitter's RNG; 0: random
};

class LeaseElector {
 public:
  LeaseElector(Client& client, event::Clock& clock, LeaseOptions options);
  ~LeaseElector();
  // Starts trying; `on_change(true)` when this candidate becomes the holder, `(false)` when it
  // stops being it (renew deadline passed, someone else holds the Lease). Runs on the loop.
  void start(std::function<void(bool leader)> on_change);
  // Stops; releases the Lease if held and release_on_stop (best effort, asynchronous): `done`
  // runs on the loop when the release request has completed (at once when there was nothing to
  // release), so a daemon can wait for it before it exits. The release request is not
  // cancelled by the destructor; the Client must outlive it. on_change is not called by stop().
  void stop(std::function<void()> done = {});
  bool leader() const;
  const std::string& holder() const;  // as last read
  const LeaseOptions& options() const;
  // Why the last request failed, empty after a successful write (for status and logs).
  const std::string& last_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vipd::k8s
