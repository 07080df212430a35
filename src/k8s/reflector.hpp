// One resource type of the Kubernetes API kept in memory, as client-go's Reflector and Informer
// keep it: a paginated LIST (limit/continue), then a WATCH from the list's resourceVersion with
// allowWatchBookmarks, resumed after each end of stream from the last resourceVersion seen (an
// event's or a BOOKMARK's), a full relist only on 410 Gone (or an ERROR event with code 410),
// exponential backoff with jitter on errors (no request storm when the API server is away), and
// a periodic relist that repairs any drift. While the API is away the cache keeps what it knew.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "event/clock.hpp"
#include "k8s/client.hpp"

namespace vipd::k8s {

// Where a resource lives: "/api/v1" + "services", "/apis/metallb.io/v1beta1" + "ipaddresspools".
struct ResourceType {
  std::string api_path;        // "/api/v1", "/apis/discovery.k8s.io/v1", ...
  std::string plural;          // "services"
  std::string kind;            // "Service": set on cached objects (a LIST's items lack kind)
  std::string api_version;     // "v1", "metallb.io/v1beta1": set on cached objects likewise
  std::string namespace_;      // empty: all namespaces (or cluster-scoped)
  std::string label_selector;  // optional
  std::string field_selector;  // optional
};

struct ReflectorOptions {
  std::uint32_t page_size = 500;                   // LIST limit
  std::chrono::seconds watch_timeout{300};         // timeoutSeconds (server ends the watch)
  std::chrono::milliseconds backoff_initial{800};  // client-go: 800 ms, doubling, cap 30 s
  std::chrono::milliseconds backoff_max{30000};
  double jitter = 1.0;               // + up to jitter * delay, random
  std::chrono::seconds resync{600};  // full relist to repair drift; 0: never
  std::uint64_t seed = 0;            // jitter's RNG; 0: random
};

struct ReflectorStats {
  std::uint64_t lists = 0;         // complete LISTs (each may be several pages)
  std::uint64_t relists_gone = 0;  // of them, after 410 Gone
  std::uint64_t watches = 0;       // WATCH requests started
  std::uint64_t events = 0;        // ADDED/MODIFIED/DELETED applied
  std::uint64_t bookmarks = 0;
  std::uint64_t errors = 0;  // failed requests (transport, 5xx, 401/403, bad JSON)
};

class Reflector {
 public:
  // Objects by "namespace/name" (cluster-scoped: "name").
  using Cache = std::map<std::string, nlohmann::json>;
  Reflector(Client& client, event::Clock& clock, ResourceType type, ReflectorOptions options = {});
  ~Reflector();

  // Starts listing. `on_change` runs on the loop after the first complete list and after
  // every change of the cache (one call per watch event or relist that changed something).
  void start(std::function<void()> on_change);
  void stop();

  const Cache& objects() const;
  bool synced() const;                          // the first list has completed
  const std::string& resource_version() const;  // last seen
  const ReflectorStats& stats() const;
  const ResourceType& type() const;
  // Why the last request failed, empty when the last one succeeded (for status and logs).
  const std::string& last_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vipd::k8s
