// An in-memory Kubernetes API behind the k8s::Client interface, for the API source's unit tests
// on the simulated clock: collections by resource plural, one resourceVersion counter, LIST
// (items without kind, the list's resourceVersion), WATCH streams fed by every change, GET,
// POST (generateName), PUT with resourceVersion checks (409), merge PATCH, DELETE, and the
// status subresource. Tests can answer any request themselves first (`intercept`). Real HTTP
// and the real semantics of paging, bookmarks and 410 are covered against the test API server
// (tests/k8s/) and by the reflector's own tests.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "event/sim_clock.hpp"
#include "k8s/client.hpp"

namespace vipd::lb::kube::testing {

using nlohmann::json;

class FakeApi final : public k8s::Client {
 public:
  explicit FakeApi(event::SimClock& clock) : clock_(clock) {}

  // Every request seen, in order.
  std::vector<k8s::Request> requests;
  // Answers a request before the fake does (return nullopt to let it).
  std::function<std::optional<k8s::Response>(const k8s::Request&)> intercept;
  bool api_down = false;  // every request fails with "connection refused"; watches end

  // Creates or replaces an object as a user would (kubectl apply): `plural` names the
  // collection; namespace from metadata.
  json apply(const std::string& plural, json object) {
    auto& store = objects_[plural];
    const std::string key = key_of(object);
    const bool existed = store.contains(key);
    object["metadata"]["resourceVersion"] = std::to_string(++version_);
    if (!existed) object["metadata"]["uid"] = "uid-" + std::to_string(version_);
    store[key] = object;
    notify(plural, existed ? "MODIFIED" : "ADDED", object);
    return object;
  }
  void remove(const std::string& plural, const std::string& key) {
    auto& store = objects_[plural];
    auto it = store.find(key);
    if (it == store.end()) return;
    json object = it->second;
    store.erase(it);
    ++version_;
    notify(plural, "DELETED", object);
  }
  const json* find(const std::string& plural, const std::string& key) const {
    auto it = objects_.find(plural);
    if (it == objects_.end()) return nullptr;
    auto object = it->second.find(key);
    return object == it->second.end() ? nullptr : &object->second;
  }
  std::map<std::string, json> objects(const std::string& plural) const {
    auto it = objects_.find(plural);
    return it == objects_.end() ? std::map<std::string, json>{} : it->second;
  }
  std::size_t count(const std::string& method, const std::string& path_prefix) const {
    std::size_t n = 0;
    for (const auto& r : requests)
      if (r.method == method && r.path.starts_with(path_prefix)) ++n;
    return n;
  }
  // Ends every open watch (as an API server restart would).
  void cut_watches() {
    auto watches = std::move(watches_);
    watches_.clear();
    for (auto& [id, watch] : watches) {
      auto done = watch.done;
      clock_.post([done] { done(k8s::Response{200, "", "", {}}); });
    }
  }
  std::size_t open_watches() const { return watches_.size(); }

  RequestId request(k8s::Request request, std::function<void(k8s::Response)> done) override {
    requests.push_back(request);
    auto response = answer(request);
    const RequestId id = ++next_id_;
    live_.insert(id);
    clock_.post([this, id, done, response] {
      if (live_.erase(id)) done(response);
    });
    return id;
  }

  RequestId stream(k8s::Request request, std::function<void(std::string_view)> on_line,
                   std::function<void(k8s::Response)> done) override {
    requests.push_back(request);
    const RequestId id = ++next_id_;
    if (api_down) {
      clock_.post([done] { done(k8s::Response{0, "", "connection refused", {}}); });
      return id;
    }
    auto target = parse(request.path);
    watches_[id] = Watch{target, std::move(on_line), std::move(done)};
    return id;
  }

  void cancel(RequestId id) override {
    live_.erase(id);
    watches_.erase(id);
  }

 private:
  struct Target {
    std::string plural;
    std::string namespace_;  // empty: all
    std::string name;
    bool status = false;
    std::string label_selector;  // "k=v"
  };
  struct Watch {
    Target target;
    std::function<void(std::string_view)> on_line;
    std::function<void(k8s::Response)> done;
  };

  static std::string key_of(const json& object) {
    const auto& metadata = object["metadata"];
    std::string name = metadata.value("name", "");
    std::string ns = metadata.value("namespace", "");
    return ns.empty() ? name : ns + "/" + name;
  }

  static std::string query_value(const std::string& query, const std::string& key) {
    std::size_t pos = 0;
    while (pos < query.size()) {
      auto end = query.find('&', pos);
      if (end == std::string::npos) end = query.size();
      auto item = query.substr(pos, end - pos);
      if (item.starts_with(key + "=")) {
        std::string value = item.substr(key.size() + 1);
        // %3D and %2F are all the label selectors here need.
        for (auto [from, to] : {std::pair{"%3D", "="}, std::pair{"%2F", "/"}}) {
          for (auto at = value.find(from); at != std::string::npos; at = value.find(from))
            value.replace(at, 3, to);
        }
        return value;
      }
      pos = end + 1;
    }
    return {};
  }

  static Target parse(const std::string& full_path) {
    Target target;
    std::string path = full_path, query;
    if (auto q = full_path.find('?'); q != std::string::npos) {
      path = full_path.substr(0, q);
      query = full_path.substr(q + 1);
    }
    target.label_selector = query_value(query, "labelSelector");
    std::vector<std::string> parts;
    for (std::size_t pos = 1; pos <= path.size();) {
      auto end = path.find('/', pos);
      if (end == std::string::npos) end = path.size();
      parts.push_back(path.substr(pos, end - pos));
      pos = end + 1;
    }
    // /api/v1/... or /apis/GROUP/VERSION/...
    std::size_t i = parts.size() > 0 && parts[0] == "api" ? 2 : 3;
    std::vector<std::string> rest(parts.begin() + static_cast<long>(std::min(i, parts.size())),
                                  parts.end());
    if (rest.size() >= 3 && rest[0] == "namespaces") {
      target.namespace_ = rest[1];
      rest.erase(rest.begin(), rest.begin() + 2);
    }
    if (!rest.empty()) target.plural = rest[0];
    if (rest.size() > 1) target.name = rest[1];
    target.status = rest.size() > 2 && rest[2] == "status";
    return target;
  }

  static bool selected(const Target& target, const json& object) {
    if (!target.namespace_.empty() &&
        object["metadata"].value("namespace", "") != target.namespace_)
      return false;
    if (target.label_selector.empty()) return true;
    auto eq = target.label_selector.find('=');
    auto key = target.label_selector.substr(0, eq);
    auto value = target.label_selector.substr(eq + 1);
    const auto& labels = object["metadata"].value("labels", json::object());
    return labels.contains(key) && labels[key] == value;
  }

  void notify(const std::string& plural, const std::string& type, const json& object) {
    std::string line = json{{"type", type}, {"object", object}}.dump() + "\n";
    for (auto& [id, watch] : watches_) {
      if (watch.target.plural != plural || !selected(watch.target, object)) continue;
      auto on_line = watch.on_line;
      clock_.post([this, id = id, on_line, line] {
        if (watches_.contains(id)) on_line(line);
      });
    }
  }

  static k8s::Response status_response(long code, const std::string& reason,
                                       const std::string& message) {
    json body = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason},
                 {"code", code}};
    return {code, body.dump(), "", {}};
  }

  k8s::Response answer(const k8s::Request& request) {
    if (intercept) {
      if (auto response = intercept(request)) return *response;
    }
    if (api_down) return {0, "", "connection refused", {}};
    auto target = parse(request.path);
    auto& store = objects_[target.plural];
    const std::string key =
        target.namespace_.empty() ? target.name : target.namespace_ + "/" + target.name;
    if (request.method == "GET" && target.name.empty()) {
      json items = json::array();
      for (const auto& [k, object] : store)
        if (selected(target, object)) items.push_back(object);
      json list = {{"kind", "List"},
                   {"apiVersion", "v1"},
                   {"metadata", {{"resourceVersion", std::to_string(version_)}}},
                   {"items", items}};
      return {200, list.dump(), "", {}};
    }
    if (request.method == "GET") {
      auto it = store.find(key);
      if (it == store.end()) return status_response(404, "NotFound", target.name + " not found");
      return {200, it->second.dump(), "", {}};
    }
    if (request.method == "POST") {
      json object = json::parse(request.body);
      auto& metadata = object["metadata"];
      if (!metadata.contains("name"))
        metadata["name"] =
            metadata.value("generateName", "x-") + std::to_string(++generated_names_);
      metadata["namespace"] = target.namespace_;
      if (store.contains(key_of(object)))
        return status_response(409, "AlreadyExists", "already exists");
      if (object.contains("status") && has_status_subresource(target.plural))
        object.erase("status");
      return {201, apply(target.plural, object).dump(), "", {}};
    }
    auto it = store.find(key);
    if (it == store.end()) return status_response(404, "NotFound", target.name + " not found");
    if (request.method == "DELETE") {
      json object = it->second;
      remove(target.plural, key);
      return {200, object.dump(), "", {}};
    }
    json current = it->second;
    if (request.method == "PUT") {
      json object = json::parse(request.body);
      const std::string sent = object["metadata"].value("resourceVersion", "");
      if (!sent.empty() && sent != current["metadata"].value("resourceVersion", ""))
        return status_response(409, "Conflict",
                               "Operation cannot be fulfilled on " + target.plural + " \"" +
                                   target.name + "\": the object has been modified");
      if (target.status)
        current["status"] = object.value("status", json::object());
      else
        current = object;
      return {200, apply(target.plural, current).dump(), "", {}};
    }
    if (request.method == "PATCH") {
      json patch = json::parse(request.body);
      if (target.status) {
        json status_only = {{"status", patch.value("status", json::object())}};
        current.merge_patch(status_only);
      } else {
        current.merge_patch(patch);
      }
      return {200, apply(target.plural, current).dump(), "", {}};
    }
    return status_response(405, "MethodNotAllowed", request.method);
  }

  static bool has_status_subresource(const std::string& plural) {
    return plural != "events" && plural != "leases";
  }

  event::SimClock& clock_;
  std::uint64_t version_ = 100;
  std::uint64_t next_id_ = 0;
  std::uint64_t generated_names_ = 0;
  std::set<RequestId> live_;
  std::map<RequestId, Watch> watches_;
  std::map<std::string, std::map<std::string, json>> objects_;
};

}  // namespace vipd::lb::kube::testing
