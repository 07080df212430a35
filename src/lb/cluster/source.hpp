// Where the load balancer learns the cluster: the --k8s-dir directory of manifests now
// (dir_source.hpp), the Kubernetes API watch later. Both implement this interface, so the
// allocator and the speaker never know which one runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/ip.hpp"
#include "lb/cluster/objects.hpp"

namespace vipd::lb::cluster {

class ClusterSource {
 public:
  using Listener = std::function<void(const ClusterState&)>;
  virtual ~ClusterSource() = default;

  // Starts watching; `listener` runs on the event loop with the whole state, first once the
  // initial read is done, then after each change (coalesced: a burst of file writes gives one
  // call). Returns errors that prevent watching at all.
  virtual std::vector<std::string> start(Listener listener) = 0;
  virtual void stop() = 0;
  // stop(), then `done` once what the source must tell others before it goes has been sent
  // (the API source releases the controller's Lease, so the next controller takes over at
  // once), or after at most a second. `done` may run from inside this call.
  virtual void stop_gracefully(std::function<void()> done) {
    stop();
    if (done) done();
  }
  // The last state read.
  virtual const ClusterState& state() const = 0;

  // Controller only. Whether this process may write assignments (it holds the lock or, for
  // the API, the Lease). `on_change` runs when that changes.
  virtual bool acquire_leadership(std::function<void(bool leader)> on_change) = 0;
  // Records a Service's assigned addresses as its status.loadBalancer.ingress (empty: none).
  // state() reflects it at once; the write alone does not call this process's listener again
  // (other processes watching the same cluster see it through theirs).
  virtual void write_ingress(const ObjectKey& service, const std::vector<IpAddress>& ips) = 0;
  // A Kubernetes Event on the Service (IPAllocated, AllocationFailed, ...); the directory
  // source logs it and keeps the last ones in the status file.
  // Speaker: this node announces `status.service` in L2 mode (MetalLB's ServiceL2Status);
  // remove_l2_status when it no longer does. Not read back: it is for `kubectl get` and
  // whoever watches the cluster.
  virtual void write_l2_status(const ServiceL2Status& status) = 0;
  virtual void remove_l2_status(const ObjectKey& service, const std::string& node) = 0;
  // Every ServiceL2Status of `node`: what a previous run of this node left (it may have died
  // without removing them).
  virtual void clear_l2_statuses(const std::string& node) = 0;
  virtual void record_event(const ObjectKey& service, const std::string& reason,
                            const std::string& message, bool warning) = 0;

  // The other status resources of recent MetalLB releases, for `kubectl get`: the API source
  // publishes them, the directory source does not (nothing reads them there; `vipctl` shows
  // the same). Speaker: ServiceBGPStatus per announced Service, BGPSessionStatus per session;
  // controller: the pools' counts.
  virtual void write_bgp_status(const ServiceBGPStatus&) {}
  virtual void remove_bgp_status(const ObjectKey& /*service*/, const std::string& /*node*/) {}
  virtual void clear_bgp_statuses(const std::string& /*node*/) {}
  virtual void write_session_status(const BgpSessionStatus&) {}
  virtual void remove_session_status(const std::string& /*node*/, const std::string& /*peer*/) {}
  virtual void write_pool_status(const PoolStatus&) {}

  // The MetalLB resources, when the source carries them (the API's metallb.io objects), each
  // as where it came from and its JSON text; `generation` changes whenever one does. nullptr:
  // they come from --lb-config files.
  struct ResourceDocuments {
    std::uint64_t generation = 0;
    std::vector<std::pair<std::string, std::string>> documents;
  };
  virtual const ResourceDocuments* resources() const { return nullptr; }
};

}  // namespace vipd::lb::cluster
