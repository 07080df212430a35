#include "lb/kube/api_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <utility>

#include "common/log.hpp"
#include "common/rfc3339.hpp"
#include "k8s/detail.hpp"

namespace vipd::lb::kube {
namespace {

using nlohmann::json;

constexpr const char* kMetallbApi = "/apis/metallb.io/v1beta1";
// Labels MetalLB puts on its status objects (internal/k8s/controllers/values.go).
constexpr const char* kLabelNode = "metallb.io/node";
constexpr const char* kLabelServiceName = "metallb.io/service-name";
constexpr const char* kLabelServiceNamespace = "metallb.io/service-namespace";
constexpr const char* kLabelPeer = "metallb.io/peer";
// client-go's event correlator folds repeats seen within this window into one Event.
constexpr auto kEventAggregationWindow = std::chrono::minutes(10);
// Reread-and-retry rounds on 409 within one attempt (client-go's DefaultRetry: 5 steps).
constexpr int kConflictRounds = 5;

k8s::ResourceType core_type(std::string api, std::string plural, std::string kind,
                            std::string version) {
  k8s::ResourceType type;
  type.api_path = std::move(api);
  type.plural = std::move(plural);
  type.kind = std::move(kind);
  type.api_version = std::move(version);
  return type;
}

k8s::ResourceType metallb_type(const std::string& version, std::string plural, std::string kind,
                               const std::string& namespace_) {
  k8s::ResourceType type;
  type.api_path = "/apis/metallb.io/" + version;
  type.plural = std::move(plural);
  type.kind = std::move(kind);
  type.api_version = "metallb.io/" + version;
  type.namespace_ = namespace_;
  return type;
}

// resourceVersions are opaque, but etcd's are increasing integers; compared only when both are.
bool version_newer(const std::string& a, const std::string& b) {
  std::uint64_t x = 0, y = 0;
  auto ra = std::from_chars(a.data(), a.data() + a.size(), x);
  auto rb = std::from_chars(b.data(), b.data() + b.size(), y);
  return ra.ec == std::errc{} && rb.ec == std::errc{} && x > y;
}

std::string object_path(const std::string& api, const std::string& namespace_,
                        const std::string& plural, const std::string& name = "") {
  std::string path = api + "/namespaces/" + namespace_ + "/" + plural;
  if (!name.empty()) path += "/" + name;
  return path;
}

std::string service_path(const cluster::ObjectKey& key) {
  return object_path("/api/v1", key.namespace_, "services", key.name);
}

json ingress_json(const std::vector<IpAddress>& ips) {
  json ingress = json::array();
  for (const auto& ip : ips) ingress.push_back({{"ip", ip.to_string()}});
  return ingress;
}

// object[a][b] as a string; empty when any of it is absent or of another shape.
std::string string_at(const json& object, const char* a, const char* b) {
  const json* outer = k8s::detail::member(object, a);
  return outer != nullptr ? k8s::detail::string_member(*outer, b) : std::string();
}

std::string label_of(const json& object, const char* label) {
  const json* metadata = k8s::detail::member(object, "metadata");
  const json* labels = metadata != nullptr ? k8s::detail::member(*metadata, "labels") : nullptr;
  return labels != nullptr ? k8s::detail::string_member(*labels, label) : std::string();
}

// A MetalLB resource as its configuration: what the API adds (status, resourceVersion, uid,
// managedFields, timestamps) left out.
std::string resource_text(const json& object) {
  json kept = json::object();
  for (const char* field : {"apiVersion", "kind", "spec", "data", "stringData", "type"})
    if (object.contains(field)) kept[field] = object[field];
  if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object())
    for (const char* field : {"name", "namespace", "labels", "annotations"})
      if (metadata->contains(field)) kept["metadata"][field] = (*metadata)[field];
  return kept.dump();
}

// The Status a failed request returned, for logs: its message, else the HTTP status.
std::string failure_text(const k8s::Response& response) {
  if (response.status == 0) return response.transport_error;
  const std::string message =
      k8s::detail::string_member(json::parse(response.body, nullptr, false), "message");
  if (!message.empty()) return fmt::format("{} {}", response.status, message);
  return fmt::format("HTTP {}", response.status);
}

}  // namespace

// One write towards the API, retried until it succeeds or is replaced by a newer one.
struct ApiSource::Write {
  using Outcome = WriteOutcome;
  std::string description;     // for logs
  event::TimePoint started{};  // of the attempt in flight
  // The controller's assignments go first: Events and status objects wait while one is
  // pending or in flight (they are for people; the address is what the Service waits for).
  bool urgent = false;
  // One attempt; calls finish exactly once (from a completion on the loop).
  std::function<void(std::function<void(Outcome)> finish)> attempt;
};

ApiSource::ApiSource(k8s::Client& client, event::Clock& clock, ApiSourceOptions options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      coalesce_timer_(clock.make_timer()) {
  if (options_.lease.namespace_.empty()) options_.lease.namespace_ = options_.namespace_;
  if (options_.lease.identity.empty()) {
    std::random_device random;
    options_.lease.identity = fmt::format(
        "{}_{:08x}", options_.node_name.empty() ? "vipd" : options_.node_name, random());
  }
}

ApiSource::ApiSource(std::unique_ptr<k8s::Client> client, event::Clock& clock,
                     ApiSourceOptions options)
    : ApiSource(*client, clock, std::move(options)) {
  owned_client_ = std::move(client);
}

ApiSource::~ApiSource() {
  *alive_ = false;
  stop();
}

std::vector<std::string> ApiSource::start(Listener listener) {
  listener_ = std::move(listener);
  running_ = true;
  auto add = [this](std::vector<std::unique_ptr<k8s::Reflector>>& into, k8s::ResourceType type) {
    into.push_back(
        std::make_unique<k8s::Reflector>(client_, clock_, std::move(type), options_.reflector));
  };
  // Kind order (parsed_ is indexed by it).
  add(core_, core_type("/api/v1", "services", "Service", "v1"));
  add(core_, core_type("/apis/discovery.k8s.io/v1", "endpointslices", "EndpointSlice",
                       "discovery.k8s.io/v1"));
  add(core_, core_type("/api/v1", "nodes", "Node", "v1"));
  add(core_, core_type("/api/v1", "namespaces", "Namespace", "v1"));
  if (options_.watch_resources) {
    const auto& ns = options_.namespace_;
    add(metallb_, metallb_type("v1beta1", "ipaddresspools", "IPAddressPool", ns));
    // BGPPeer is served as v1beta1 and v1beta2; v1beta2 is the storage version and the parser
    // reads both.
    add(metallb_, metallb_type("v1beta2", "bgppeers", "BGPPeer", ns));
    add(metallb_, metallb_type("v1beta1", "bgpadvertisements", "BGPAdvertisement", ns));
    add(metallb_, metallb_type("v1beta1", "l2advertisements", "L2Advertisement", ns));
    add(metallb_, metallb_type("v1beta1", "communities", "Community", ns));
    add(metallb_, metallb_type("v1beta1", "bfdprofiles", "BFDProfile", ns));
    // BGPPeer passwordSecret: Secrets of the namespace, as MetalLB's speaker reads them.
    auto secrets = core_type("/api/v1", "secrets", "Secret", "v1");
    secrets.namespace_ = ns;
    add(secrets_, std::move(secrets));
  }
  if (!options_.node_name.empty()) {
    // This node's status objects, so a restarted speaker adopts (or removes) what it left.
    for (auto [plural, kind] : {std::pair{"servicel2statuses", "ServiceL2Status"},
                                std::pair{"servicebgpstatuses", "ServiceBGPStatus"},
                                std::pair{"bgpsessionstatuses", "BGPSessionStatus"}}) {
      auto type = metallb_type("v1beta1", plural, kind, options_.namespace_);
      type.label_selector = fmt::format("{}={}", kLabelNode, options_.node_name);
      add(statuses_, std::move(type));
    }
  }
  for (auto* group : {&core_, &metallb_, &secrets_})
    for (auto& reflector : *group) reflector->start([this] { on_reflector_change(); });
  for (auto& reflector : statuses_) {
    reflector->start([this, plural = reflector->type().plural] {
      for (auto it = pending_clears_.begin(); it != pending_clears_.end();) {
        if (it->first != plural) {
          ++it;
          continue;
        }
        auto node = it->second;
        it = pending_clears_.erase(it);
        clear_owned(plural, node);
      }
    });
  }
  return {};
}

void ApiSource::stop() {
  running_ = false;
  for (auto* group : {&core_, &metallb_, &secrets_, &statuses_})
    for (auto& reflector : *group) reflector->stop();
  coalesce_timer_->cancel();
  if (lease_) lease_->stop();
  // Writes in flight finish on their own; no new ones start, nothing is retried.
  for (auto& [target, timer] : retry_timers_) timer->cancel();
  pending_.clear();
  urgent_targets_.clear();
  waiting_.clear();
}

void ApiSource::stop_gracefully(std::function<void()> done) {
  auto lease = std::move(lease_);
  stop();
  if (!lease || !lease->leader()) {
    if (done) done();
    return;
  }
  // Whichever comes first: the release's answer or a second.
  auto once = std::make_shared<std::function<void()>>(std::move(done));
  auto finish = [once] {
    if (*once) std::exchange(*once, nullptr)();
  };
  stop_timer_ = clock_.make_timer();
  stop_timer_->arm(std::chrono::seconds(1), finish);
  lease->stop(finish);
  lease_ = std::move(lease);
}

bool ApiSource::synced() const {
  for (const auto* group : {&core_, &metallb_})
    for (const auto& reflector : *group)
      if (!reflector->synced()) return false;
  return !core_.empty();
}

std::vector<const k8s::Reflector*> ApiSource::reflectors() const {
  std::vector<const k8s::Reflector*> all;
  for (const auto* group : {&core_, &metallb_, &secrets_, &statuses_})
    for (const auto& reflector : *group) all.push_back(reflector.get());
  return all;
}

std::size_t ApiSource::pending_writes() const {
  return pending_.size() + in_flight_.size();
}

std::vector<std::string> ApiSource::errors() const {
  return errors_;
}

void ApiSource::on_reflector_change() {
  if (!running_ || coalesce_timer_->armed()) return;
  std::weak_ptr<bool> alive = alive_;
  coalesce_timer_->arm(options_.coalesce, [this, alive] {
    if (alive.expired() || !running_) return;
    rebuild();
  });
}

void ApiSource::parse_into(const k8s::Reflector& reflector, std::map<std::string, Parsed>& cache,
                           cluster::ClusterState& state, std::vector<std::string>& errors) {
  const auto& objects = reflector.objects();
  // Forget objects that are gone.
  for (auto it = cache.begin(); it != cache.end();)
    it = objects.contains(it->first) ? std::next(it) : cache.erase(it);
  for (const auto& [key, object] : objects) {
    std::string version = string_at(object, "metadata", "resourceVersion");
    auto& parsed = cache[key];
    if (parsed.resource_version != version || version.empty()) {
      parsed.resource_version = version;
      parsed.objects = {};
      cluster::parse_objects(object.dump(), fmt::format("{} {}", reflector.type().kind, key),
                             parsed.objects);
    }
    for (const auto& e : parsed.objects.errors) errors.push_back(e);
    for (const auto& s : parsed.objects.services) state.services[s.key] = s;
    for (const auto& s : parsed.objects.endpoint_slices) state.endpoint_slices[s.key] = s;
    for (const auto& n : parsed.objects.nodes) state.nodes[n.name] = n;
    for (const auto& n : parsed.objects.namespaces) state.namespaces[n.name] = n;
  }
}

void ApiSource::rebuild() {
  const auto started = std::chrono::steady_clock::now();
  cluster::ClusterState next;
  std::vector<std::string> errors;
  for (std::size_t kind = 0; kind < core_.size(); ++kind)
    parse_into(*core_[kind], parsed_[kind], next, errors);
  // Our own ingress writes count until the API shows them (or something newer).
  const auto& services = core_[static_cast<std::size_t>(Kind::kService)]->objects();
  for (auto it = written_ingress_.begin(); it != written_ingress_.end();) {
    auto service = next.services.find(it->first);
    auto cached = services.find(it->first.namespace_ + "/" + it->first.name);
    if (service == next.services.end() || cached == services.end()) {
      it = written_ingress_.erase(it);
      continue;
    }
    const std::string seen = string_at(cached->second, "metadata", "resourceVersion");
    const auto& version = it->second.version;
    if (service->second.ingress == it->second.ips ||
        (!version.empty() && (seen == version || version_newer(seen, version)))) {
      it = written_ingress_.erase(it);
      continue;
    }
    service->second.ingress = it->second.ips;
    ++it;
  }
  for (const auto& e : errors)
    if (logged_errors_.insert(e).second) log::warning("lb: {}", e);
  errors_ = std::move(errors);
  const auto generation = resources_.generation;
  rebuild_resources();
  if (!synced()) return;
  const bool changed = !(next == state_) || generation != resources_.generation;
  state_ = std::move(next);
  if (first_call_done_ && !changed) return;
  first_call_done_ = true;
  ++stats_.listener_calls;
  const auto built = std::chrono::steady_clock::now();
  if (listener_) listener_(state_);
  log::debug("lb: cluster state from the API ({} Services) built in {} us, handled in {} us",
             state_.services.size(),
             std::chrono::duration_cast<std::chrono::microseconds>(built - started).count(),
             std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - built)
                 .count());
}

void ApiSource::rebuild_resources() {
  if (!options_.watch_resources) return;
  std::vector<std::pair<std::string, std::string>> documents;
  for (const auto* group : {&metallb_, &secrets_}) {
    for (const auto& reflector : *group) {
      for (const auto& [key, object] : reflector->objects())
        documents.emplace_back(fmt::format("{} {}", reflector->type().kind, key),
                               resource_text(object));
    }
  }
  // Only what a resource says counts: a status write (the pools' counts, ours) or a new
  // resourceVersion alone is no new configuration.
  if (documents == resources_.documents && resources_.generation != 0) return;
  resources_.documents = std::move(documents);
  ++resources_.generation;
}

bool ApiSource::acquire_leadership(std::function<void(bool leader)> on_change) {
  if (!lease_) lease_ = std::make_unique<k8s::LeaseElector>(client_, clock_, options_.lease);
  lease_->start(std::move(on_change));
  return lease_->leader();
}

// --- writes -------------------------------------------------------------------------------

void ApiSource::submit(std::unique_ptr<Write> write) {
  if (!running_) return;
  const std::string target = write->description;
  const bool urgent = write->urgent;
  pending_[target] = std::move(write);
  if (urgent) urgent_targets_.insert(target);
  if (in_flight_.contains(target) ||
      (retry_timers_.contains(target) && retry_timers_[target]->armed()))
    return;
  if (!urgent && !urgent_targets_.empty()) {
    waiting_.insert(target);
    return;
  }
  run(target);
}

void ApiSource::urgent_done(const std::string& target, bool failed) {
  // A failed one is retried later; the others do not wait for it (the API may be away).
  if (!failed && (pending_.contains(target) || in_flight_.contains(target))) return;
  urgent_targets_.erase(target);
  if (!urgent_targets_.empty()) return;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (const auto& t : waiting)
    if (!in_flight_.contains(t)) run(t);
}

void ApiSource::run(const std::string& target) {
  auto it = pending_.find(target);
  if (it == pending_.end() || !running_) return;
  auto& slot = in_flight_[target];
  slot = std::move(it->second);
  pending_.erase(it);
  slot->started = clock_.now();
  std::weak_ptr<bool> alive = alive_;
  slot->attempt([this, alive, target](WriteOutcome outcome) {
    if (alive.expired()) return;
    finished(target, outcome == WriteOutcome::kDone);
  });
}

void ApiSource::finished(const std::string& target, bool ok) {
  auto flight = in_flight_.find(target);
  if (flight == in_flight_.end()) return;
  auto write = std::move(flight->second);
  in_flight_.erase(flight);
  log::debug(
      "lb: {} {} in {} ms", target, ok ? "written" : "failed",
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - write->started).count());
  if (ok) {
    ++stats_.status_writes;
    retry_delay_.erase(target);
    if (pending_.contains(target)) run(target);
    if (write->urgent) urgent_done(target, false);
    return;
  }
  ++stats_.write_failures;
  if (write->urgent) urgent_done(target, true);
  // A newer desired write replaces the failed one; otherwise it is tried again.
  if (!pending_.contains(target)) pending_[target] = std::move(write);
  auto& delay = retry_delay_[target];
  delay = delay.count() == 0 ? options_.write_retry_initial
                             : std::min(delay * 2, options_.write_retry_max);
  auto& timer = retry_timers_[target];
  if (!timer) timer = clock_.make_timer();
  std::weak_ptr<bool> alive = alive_;
  timer->arm(delay, [this, alive, target] {
    if (!alive.expired()) run(target);
  });
}

void ApiSource::write_ingress(const cluster::ObjectKey& service,
                              const std::vector<IpAddress>& ips) {
  if (auto it = state_.services.find(service); it != state_.services.end())
    it->second.ingress = ips;
  written_ingress_[service] = {ips, ""};
  auto write = std::make_unique<Write>();
  write->description = "status of Service " + service.to_string();
  write->urgent = true;
  write->attempt = [this, service, ips](std::function<void(WriteOutcome)> finish) {
    // The Service as last seen; a 409 rereads it (RetryOnConflict).
    const auto& cache = core_[static_cast<std::size_t>(Kind::kService)]->objects();
    auto cached = cache.find(service.namespace_ + "/" + service.name);
    put_ingress(service, ips, cached == cache.end() ? json() : cached->second, 0,
                std::move(finish));
  };
  submit(std::move(write));
}

void ApiSource::put_ingress(const cluster::ObjectKey& service, const std::vector<IpAddress>& ips,
                            nlohmann::json object, int round,
                            std::function<void(WriteOutcome)> finish) {
  if (!object.is_object()) {
    finish(WriteOutcome::kDone);  // deleted: nothing to record
    return;
  }
  object["status"]["loadBalancer"] =
      ips.empty() ? json::object() : json{{"ingress", ingress_json(ips)}};
  k8s::Request request;
  request.method = "PUT";
  request.path = service_path(service) + "/status";
  request.body = object.dump();
  std::weak_ptr<bool> alive = alive_;
  client_.request(
      std::move(request), [this, alive, service, ips, finish, round](k8s::Response response) {
        if (alive.expired()) return;
        if (response.ok()) {
          // The overlay stays until the watch shows this write (or a newer object).
          auto body = json::parse(response.body, nullptr, false);
          auto written = written_ingress_.find(service);
          if (written != written_ingress_.end() && written->second.ips == ips && body.is_object())
            written->second.version = string_at(body, "metadata", "resourceVersion");
          finish(WriteOutcome::kDone);
          return;
        }
        if (response.status == 404) {
          written_ingress_.erase(service);
          finish(WriteOutcome::kDone);
          return;
        }
        if (response.status == 409 && round < kConflictRounds) {
          ++stats_.conflicts;
          k8s::Request get;
          get.path = service_path(service);
          client_.request(std::move(get),
                          [this, alive, service, ips, finish, round](k8s::Response latest) {
                            if (alive.expired()) return;
                            if (latest.status == 404) {
                              finish(WriteOutcome::kDone);
                              return;
                            }
                            auto object = json::parse(latest.body, nullptr, false);
                            if (!latest.ok() || !object.is_object()) {
                              finish(WriteOutcome::kRetry);
                              return;
                            }
                            put_ingress(service, ips, std::move(object), round + 1, finish);
                          });
          return;
        }
        log::warning("lb: writing the status of Service {}: {}", service.to_string(),
                     failure_text(response));
        finish(WriteOutcome::kRetry);
      });
}

void ApiSource::record_event(const cluster::ObjectKey& service, const std::string& reason,
                             const std::string& message, bool warning) {
  log::info("lb: event on Service {}: {} {}", service.to_string(), reason, message);
  const std::string record_key = service.to_string() + "\n" + reason + "\n" + message;
  const auto now = clock_.now();
  auto& record = events_[record_key];
  const bool repeat = !record.name.empty() && now - record.first < kEventAggregationWindow;
  if (!repeat) {
    // client-go names Events "<object name>.<unix nanoseconds in hex>".
    record.name = fmt::format("{}.{:x}", service.name,
                              std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    record.count = 0;
    record.first = now;
  }
  ++record.count;
  const std::string timestamp = rfc3339_now();
  json involved = {{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"namespace", service.namespace_},
                   {"name", service.name}};
  if (!core_.empty()) {
    const auto& cache = core_[static_cast<std::size_t>(Kind::kService)]->objects();
    if (auto it = cache.find(service.namespace_ + "/" + service.name); it != cache.end()) {
      involved["uid"] = string_at(it->second, "metadata", "uid");
      involved["resourceVersion"] = string_at(it->second, "metadata", "resourceVersion");
    }
  }
  json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", record.name}, {"namespace", service.namespace_}}},
      {"involvedObject", involved},
      {"reason", reason},
      {"message", message},
      {"type", warning ? "Warning" : "Normal"},
      {"source", {{"component", options_.component}, {"host", options_.node_name}}},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", record.count},
      {"reportingComponent", options_.component},
      {"reportingInstance", options_.node_name},
  };
  auto write = std::make_unique<Write>();
  write->description = "event " + record.name;
  const bool patch = repeat;
  const std::string path = object_path("/api/v1", service.namespace_, "events");
  const std::string name = record.name;
  const int count = record.count;
  write->attempt = [this, event, patch, path, name, count,
                    timestamp](std::function<void(WriteOutcome)> finish) {
    k8s::Request request;
    if (patch) {
      request.method = "PATCH";
      request.path = path + "/" + name;
      request.content_type = "application/merge-patch+json";
      request.body = json{{"count", count}, {"lastTimestamp", timestamp}}.dump();
    } else {
      request.method = "POST";
      request.path = path;
      request.body = event.dump();
    }
    std::weak_ptr<bool> alive = alive_;
    client_.request(
        std::move(request), [this, alive, finish, event, path, patch](k8s::Response response) {
          if (alive.expired()) return;
          if (response.ok() || response.status == 409) {
            // 409 on POST: this Event exists already (an earlier attempt got through).
            ++stats_.events_posted;
            finish(WriteOutcome::kDone);
            return;
          }
          if (patch && response.status == 404) {
            // Expired (Events live an hour): post it anew.
            k8s::Request post;
            post.method = "POST";
            post.path = path;
            post.body = event.dump();
            client_.request(std::move(post), [this, alive, finish](k8s::Response again) {
              if (alive.expired()) return;
              if (again.ok()) ++stats_.events_posted;
              finish(again.ok() ? WriteOutcome::kDone : WriteOutcome::kRetry);
            });
            return;
          }
          log::warning("lb: posting an event: {}", failure_text(response));
          finish(WriteOutcome::kRetry);
        });
  };
  submit(std::move(write));
}

nlohmann::json ApiSource::owner_references() const {
  if (options_.pod_name.empty() || options_.pod_uid.empty()) return json::array();
  return json::array({{{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"name", options_.pod_name},
                       {"uid", options_.pod_uid}}});
}

void ApiSource::write_owned(const std::string& plural, const std::string& identity,
                            const std::string& generate_name, const std::string& fixed_name,
                            nlohmann::json labels, nlohmann::json status) {
  const std::string owned_key = plural + "/" + identity;
  auto write = std::make_unique<Write>();
  write->description = plural + " " + identity;
  write->attempt = [this, plural, owned_key, generate_name, fixed_name, labels,
                    status](std::function<void(WriteOutcome)> finish) {
    const std::string collection = object_path(kMetallbApi, options_.namespace_, plural);
    std::weak_ptr<bool> alive = alive_;
    // Adopt an object this node left (a previous run), found by its labels.
    if (!owned_names_.contains(owned_key)) {
      for (const auto& reflector : statuses_) {
        if (reflector->type().plural != plural) continue;
        for (const auto& [key, object] : reflector->objects()) {
          std::string name = string_at(object, "metadata", "name");
          if (deleted_names_.contains(plural + "/" + name)) continue;
          bool same = true;
          for (const auto& [label, value] : labels.items())
            same = same && label_of(object, label.c_str()) == value.get<std::string>();
          if (same) {
            owned_names_[owned_key] = name;
            break;
          }
        }
      }
    }
    auto patch_status = [this, alive, plural, owned_key, collection, status,
                         finish](const std::string& name) {
      k8s::Request request;
      request.method = "PATCH";
      request.path = collection + "/" + name + "/status";
      request.content_type = "application/merge-patch+json";
      request.body = json{{"status", status}}.dump();
      client_.request(std::move(request), [this, alive, owned_key, finish](k8s::Response r) {
        if (alive.expired()) return;
        if (r.status == 404) owned_names_.erase(owned_key);  // deleted under us: create anew
        if (!r.ok()) log::warning("lb: writing {}: {}", owned_key, failure_text(r));
        finish(r.ok() ? WriteOutcome::kDone : WriteOutcome::kRetry);
      });
    };
    if (auto it = owned_names_.find(owned_key); it != owned_names_.end()) {
      patch_status(it->second);
      return;
    }
    json metadata = {{"namespace", options_.namespace_}, {"labels", labels}};
    if (!fixed_name.empty())
      metadata["name"] = fixed_name;
    else
      metadata["generateName"] = generate_name;
    if (auto owners = owner_references(); !owners.empty()) metadata["ownerReferences"] = owners;
    json object = {{"apiVersion", "metallb.io/v1beta1"},
                   {"kind", ""},
                   {"metadata", metadata},
                   {"status", status}};
    for (const auto& reflector : statuses_)
      if (reflector->type().plural == plural) object["kind"] = reflector->type().kind;
    k8s::Request request;
    request.method = "POST";
    request.path = collection;
    request.body = object.dump();
    client_.request(std::move(request), [this, alive, owned_key, fixed_name, patch_status,
                                         finish](k8s::Response response) {
      if (alive.expired()) return;
      std::string name = fixed_name;
      if (response.ok()) {
        auto created = json::parse(response.body, nullptr, false);
        if (created.is_object()) name = string_at(created, "metadata", "name");
      } else if (!(response.status == 409 && !fixed_name.empty())) {
        log::warning("lb: creating {}: {}", owned_key, failure_text(response));
        finish(WriteOutcome::kRetry);
        return;
      }
      owned_names_[owned_key] = name;
      // The status subresource ignores status on create: write it now.
      patch_status(name);
    });
  };
  submit(std::move(write));
}

void ApiSource::delete_owned(const std::string& plural, const std::string& identity) {
  const std::string owned_key = plural + "/" + identity;
  auto it = owned_names_.find(owned_key);
  if (it == owned_names_.end()) return;
  const std::string name = it->second;
  owned_names_.erase(it);
  // A pending write of the same object is superseded by the delete.
  pending_.erase(plural + " " + identity);
  deleted_names_.insert(plural + "/" + name);
  auto write = std::make_unique<Write>();
  write->description = plural + " " + identity;
  write->attempt = [this, plural, name](std::function<void(WriteOutcome)> finish) {
    k8s::Request request;
    request.method = "DELETE";
    request.path = object_path(kMetallbApi, options_.namespace_, plural, name);
    std::weak_ptr<bool> alive = alive_;
    client_.request(std::move(request), [alive, finish](k8s::Response response) {
      if (alive.expired()) return;
      finish(response.ok() || response.status == 404 ? WriteOutcome::kDone : WriteOutcome::kRetry);
    });
  };
  submit(std::move(write));
}

void ApiSource::clear_owned(const std::string& plural, const std::string& node) {
  for (const auto& reflector : statuses_) {
    if (reflector->type().plural != plural) continue;
    if (!reflector->synced()) {
      pending_clears_.insert({plural, node});
      continue;
    }
    for (const auto& [key, object] : reflector->objects()) {
      if (label_of(object, kLabelNode) != node) continue;
      std::string name = string_at(object, "metadata", "name");
      // Known under an identity: delete it through that, so a later write creates anew.
      std::string identity = "~" + name;
      for (const auto& [owned_key, owned_name] : owned_names_)
        if (owned_name == name && owned_key.starts_with(plural + "/"))
          identity = owned_key.substr(plural.size() + 1);
      owned_names_[plural + "/" + identity] = name;
      delete_owned(plural, identity);
    }
  }
}

namespace {
std::string service_identity(const cluster::ObjectKey& service, const std::string& node) {
  return service.namespace_ + "/" + service.name + "@" + node;
}
json service_labels(const cluster::ObjectKey& service, const std::string& node) {
  return {{kLabelNode, node},
          {kLabelServiceName, service.name},
          {kLabelServiceNamespace, service.namespace_}};
}
}  // namespace

void ApiSource::write_l2_status(const cluster::ServiceL2Status& status) {
  json interfaces = json::array();
  for (const auto& name : status.interfaces) interfaces.push_back({{"name", name}});
  write_owned("servicel2statuses", service_identity(status.service, status.node), "l2-", "",
              service_labels(status.service, status.node),
              {{"node", status.node},
               {"serviceName", status.service.name},
               {"serviceNamespace", status.service.namespace_},
               {"interfaces", interfaces}});
}

void ApiSource::remove_l2_status(const cluster::ObjectKey& service, const std::string& node) {
  delete_owned("servicel2statuses", service_identity(service, node));
}

void ApiSource::clear_l2_statuses(const std::string& node) {
  clear_owned("servicel2statuses", node);
}

void ApiSource::write_bgp_status(const cluster::ServiceBGPStatus& status) {
  write_owned("servicebgpstatuses", service_identity(status.service, status.node), "bgp-", "",
              service_labels(status.service, status.node),
              {{"node", status.node},
               {"serviceName", status.service.name},
               {"serviceNamespace", status.service.namespace_},
               {"peers", status.peers}});
}

void ApiSource::remove_bgp_status(const cluster::ObjectKey& service, const std::string& node) {
  delete_owned("servicebgpstatuses", service_identity(service, node));
}

void ApiSource::clear_bgp_statuses(const std::string& node) {
  clear_owned("servicebgpstatuses", node);
}

void ApiSource::write_session_status(const cluster::BgpSessionStatus& status) {
  // Named NODE-PEER as MetalLB's status design names them (design/crd-status.md).
  write_owned("bgpsessionstatuses", status.node + "/" + status.peer, "",
              status.node + "-" + status.peer,
              {{kLabelNode, status.node}, {kLabelPeer, status.peer}},
              {{"node", status.node},
               {"peer", status.peer_address},
               {"vrf", status.vrf},
               {"bgpStatus", status.bgp_status},
               {"bfdStatus", status.bfd_status}});
}

void ApiSource::remove_session_status(const std::string& node, const std::string& peer) {
  const std::string owned_key = "bgpsessionstatuses/" + node + "/" + peer;
  if (!owned_names_.contains(owned_key)) owned_names_[owned_key] = node + "-" + peer;
  delete_owned("bgpsessionstatuses", node + "/" + peer);
}

void ApiSource::write_pool_status(const cluster::PoolStatus& status) {
  auto write = std::make_unique<Write>();
  write->description = "status of IPAddressPool " + status.pool;
  const std::string path =
      object_path(kMetallbApi, options_.namespace_, "ipaddresspools", status.pool) + "/status";
  json body = {{"status",
                {{"assignedIPv4", status.assigned_ipv4},
                 {"assignedIPv6", status.assigned_ipv6},
                 {"availableIPv4", status.available_ipv4},
                 {"availableIPv6", status.available_ipv6}}}};
  write->attempt = [this, path, body](std::function<void(WriteOutcome)> finish) {
    k8s::Request request;
    request.method = "PATCH";
    request.path = path;
    request.content_type = "application/merge-patch+json";
    request.body = body.dump();
    std::weak_ptr<bool> alive = alive_;
    client_.request(std::move(request), [alive, finish](k8s::Response response) {
      if (alive.expired()) return;
      finish(response.ok() || response.status == 404 ? WriteOutcome::kDone : WriteOutcome::kRetry);
    });
  };
  submit(std::move(write));
}

}  // namespace vipd::lb::kube
