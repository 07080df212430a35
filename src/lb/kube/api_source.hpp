// The --k8s-api source: the cluster as the Kubernetes API serves it, kept by one reflector
// (list + watch, k8s/reflector.hpp) per resource: core/v1 Services, Nodes and Namespaces,
// discovery.k8s.io/v1 EndpointSlices, and the metallb.io resources of the speaker's namespace
// (IPAddressPools, BGPPeers as v1beta2, BGPAdvertisements, L2Advertisements, Communities,
// BFDProfiles), which replace --lb-config files as MetalLB reads them.
//
// Objects are read with the directory source's parser (cluster/parse.hpp: a JSON object is a
// YAML document), each once per resourceVersion. The listener runs once every reflector has
// listed, then after each change that changes the state, coalesced over `coalesce`. While the
// API is away the state stays what it was (the reflectors keep their caches), so the speaker
// keeps announcing what it knew, as MetalLB's does.
//
// Writes (each retried with backoff until it succeeds or is superseded; a 409 Conflict rereads
// the object and applies the change again, as client-go's RetryOnConflict):
//  - the controller's assignments: status.loadBalancer.ingress through the Service's status
//    subresource, with the resourceVersion read (optimistic concurrency);
//  - Events (core/v1) on the Service, a repeat within 10 minutes folded into the first one's
//    count as client-go's event correlator does;
//  - the speaker's status objects in its namespace (ServiceL2Status "l2-*", ServiceBGPStatus
//    "bgp-*" by generateName, BGPSessionStatus NODE-PEER), labelled metallb.io/node,
//    metallb.io/service-name, metallb.io/service-namespace as MetalLB labels them, owned by
//    the speaker's pod when it is known (so Kubernetes deletes them with the pod);
//  - the pools' status counts.
// Leadership: a coordination.k8s.io Lease (k8s/lease.hpp).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "event/clock.hpp"
#include "k8s/client.hpp"
#include "k8s/lease.hpp"
#include "k8s/reflector.hpp"
#include "lb/cluster/parse.hpp"
#include "lb/cluster/source.hpp"

namespace vipd::lb::kube {

struct ApiSourceOptions {
  std::string namespace_ = "metallb-system";  // the metallb.io resources, Lease, status objects
  std::string node_name;                      // labels of this speaker's status objects
  // The speaker's pod (downward API: POD_NAME, POD_UID), owner of its status objects; empty:
  // no owner reference.
  std::string pod_name;
  std::string pod_uid;
  std::string component = "vipd";  // Event source.component
  // false: the MetalLB resources come from --lb-config files; the API's are not watched.
  bool watch_resources = true;
  std::chrono::milliseconds coalesce{5};
  k8s::ReflectorOptions reflector;
  k8s::LeaseOptions lease;  // namespace_ and identity filled in when empty
  std::chrono::milliseconds write_retry_initial{500};
  std::chrono::milliseconds write_retry_max{30000};
};

struct ApiSourceStats {
  std::uint64_t listener_calls = 0;
  std::uint64_t status_writes = 0;   // successful writes of any status
  std::uint64_t conflicts = 0;       // 409s answered by a reread
  std::uint64_t write_failures = 0;  // other failed writes (retried)
  std::uint64_t events_posted = 0;
};

class ApiSource final : public cluster::ClusterSource {
 public:
  ApiSource(k8s::Client& client, event::Clock& clock, ApiSourceOptions options);
  // Owning its client (the daemon's CurlClient).
  ApiSource(std::unique_ptr<k8s::Client> client, event::Clock& clock, ApiSourceOptions options);
  ~ApiSource() override;
  ApiSource(const ApiSource&) = delete;
  ApiSource& operator=(const ApiSource&) = delete;

  std::vector<std::string> start(Listener listener) override;
  void stop() override;
  // Also releases the Lease when held (client-go's ReleaseOnCancel).
  void stop_gracefully(std::function<void()> done) override;
  const cluster::ClusterState& state() const override { return state_; }
  bool acquire_leadership(std::function<void(bool leader)> on_change) override;
  void write_ingress(const cluster::ObjectKey& service, const std::vector<IpAddress>& ips) override;
  void write_l2_status(const cluster::ServiceL2Status& status) override;
  void remove_l2_status(const cluster::ObjectKey& service, const std::string& node) override;
  void clear_l2_statuses(const std::string& node) override;
  void record_event(const cluster::ObjectKey& service, const std::string& reason,
                    const std::string& message, bool warning) override;
  void write_bgp_status(const cluster::ServiceBGPStatus& status) override;
  void remove_bgp_status(const cluster::ObjectKey& service, const std::string& node) override;
  void clear_bgp_statuses(const std::string& node) override;
  void write_session_status(const cluster::BgpSessionStatus& status) override;
  void remove_session_status(const std::string& node, const std::string& peer) override;
  void write_pool_status(const cluster::PoolStatus& status) override;
  const ResourceDocuments* resources() const override {
    return options_.watch_resources ? &resources_ : nullptr;
  }

  // For status and tests.
  bool synced() const;
  const ApiSourceStats& stats() const { return stats_; }
  std::vector<const k8s::Reflector*> reflectors() const;
  // Writes not yet done (pending or in flight).
  std::size_t pending_writes() const;
  // Problems in objects now ("Service default/x: spec.ports[0].port: ..."), each logged once.
  std::vector<std::string> errors() const;

 private:
  struct Write;
  enum class WriteOutcome { kDone, kRetry };
  struct Parsed {
    std::string resource_version;
    cluster::ParsedObjects objects;
  };
  enum class Kind { kService, kEndpointSlice, kNode, kNamespace };

  void on_reflector_change();
  void rebuild();
  void parse_into(const k8s::Reflector& reflector, std::map<std::string, Parsed>& cache,
                  cluster::ClusterState& state, std::vector<std::string>& errors);
  void rebuild_resources();

  // One desired write per target (path); a newer one replaces a pending older one.
  void submit(std::unique_ptr<Write> write);
  void run(const std::string& target);
  void finished(const std::string& target, bool ok);
  // An urgent write of `target` succeeded (or failed, to be retried): once none is left,
  // the writes held back start.
  void urgent_done(const std::string& target, bool failed);
  nlohmann::json owner_references() const;
  // One PUT of the Service's status (round: rereads after a 409 so far).
  void put_ingress(const cluster::ObjectKey& service, const std::vector<IpAddress>& ips,
                   nlohmann::json object, int round, std::function<void(WriteOutcome)> finish);
  // A speaker status object (l2 / bgp / session): kept by (plural, identity) so a later write
  // patches the same object.
  void write_owned(const std::string& plural, const std::string& identity,
                   const std::string& generate_name, const std::string& fixed_name,
                   nlohmann::json labels, nlohmann::json status);
  void delete_owned(const std::string& plural, const std::string& identity);
  void clear_owned(const std::string& plural, const std::string& node);

  std::unique_ptr<k8s::Client> owned_client_;  // before client_: it may refer to it
  k8s::Client& client_;
  event::Clock& clock_;
  ApiSourceOptions options_;
  Listener listener_;
  bool running_ = false;
  std::vector<std::unique_ptr<k8s::Reflector>> core_;     // Kind order
  std::vector<std::unique_ptr<k8s::Reflector>> metallb_;  // metallb.io resources
  // Secrets (BGPPeer passwordSecret): in the resources, but not waited for: RBAC may not
  // grant them, and a missing one is the BGPPeer's error.
  std::vector<std::unique_ptr<k8s::Reflector>> secrets_;
  std::vector<std::unique_ptr<k8s::Reflector>> statuses_;  // our status objects (to adopt)
  std::map<std::string, Parsed> parsed_[4];
  std::vector<std::string> errors_;
  std::set<std::string> logged_errors_;
  cluster::ClusterState state_;
  // Ingress written by this process, applied over what the API shows until the watch catches
  // up (the write alone must not look like a change back to the old value).
  struct WrittenIngress {
    std::vector<IpAddress> ips;
    std::string version;  // the resourceVersion our write made; empty: not written yet
  };
  std::map<cluster::ObjectKey, WrittenIngress> written_ingress_;
  // clear_*_statuses called before that reflector had listed: done once it has.
  std::set<std::pair<std::string, std::string>> pending_clears_;  // (plural, node)
  ResourceDocuments resources_;
  std::unique_ptr<event::Timer> coalesce_timer_;
  bool first_call_done_ = false;

  std::unique_ptr<k8s::LeaseElector> lease_;
  std::unique_ptr<event::Timer> stop_timer_;

  std::map<std::string, std::unique_ptr<Write>> pending_;  // by target
  std::map<std::string, std::unique_ptr<Write>> in_flight_;
  std::set<std::string> urgent_targets_;  // urgent writes pending or in flight
  std::set<std::string> waiting_;         // other writes held back meanwhile
  std::map<std::string, std::unique_ptr<event::Timer>> retry_timers_;
  std::map<std::string, std::chrono::milliseconds> retry_delay_;
  // Speaker status objects: (plural + "/" + identity) -> object name in the API.
  std::map<std::string, std::string> owned_names_;
  std::set<std::string> deleted_names_;  // deletes sent: not adopted again
  struct EventRecord {
    std::string name;
    int count = 0;
    event::TimePoint first;
  };
  std::map<std::string, EventRecord> events_;  // by service + reason + message
  ApiSourceStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::lb::kube
