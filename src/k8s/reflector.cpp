#include "k8s/reflector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "common/log.hpp"
#include "k8s/detail.hpp"

namespace vipd::k8s {
namespace {

using json = nlohmann::json;
using detail::member;
using detail::string_member;

// client-go's watchHandler: a watch that ends within a second without a single event is an
// error ("very short watch"), so that a server closing every watch at once costs backoff, not a
// request storm.
constexpr auto kShortWatch = std::chrono::seconds(1);
// The request's own timeout is the server's timeoutSeconds plus this margin: the server ends
// the watch first; the margin only catches a stream that hangs silently.
constexpr auto kWatchTimeoutMargin = std::chrono::seconds(30);
constexpr auto kListTimeout = std::chrono::seconds(60);
// A list whose continue token keeps expiring (a huge list on a busy cluster) starts over a few
// times, then backs off.
constexpr int kMaxExpiredRestarts = 3;

std::string metadata_string(const json& object, const char* key) {
  const json* metadata = member(object, "metadata");
  return metadata != nullptr ? string_member(*metadata, key) : std::string();
}

// "namespace/name", or "name" for a cluster-scoped object (client-go's
// MetaNamespaceKeyFunc); nothing without a name.
std::optional<std::string> object_key(const json& object) {
  std::string name = metadata_string(object, "name");
  if (name.empty()) return std::nullopt;
  std::string ns = metadata_string(object, "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

// What went wrong with a response, for last_error and logs: the Status message the API server
// sends with its errors when there is one.
std::string describe(const Response& response) {
  if (response.status == 0) return "transport: " + response.transport_error;
  std::string text = fmt::format("HTTP {}", response.status);
  json body = json::parse(response.body, nullptr, false);
  std::string message = body.is_discarded() ? std::string() : string_member(body, "message");
  if (message.empty() && !response.body.empty() && body.is_discarded()) {
    message = response.body.substr(0, 200);
  }
  if (!message.empty()) text += ": " + message;
  return text;
}

}  // namespace

struct Reflector::Impl {
  enum class Next { kList, kWatch };

  Impl(Client& c, event::Clock& clk, ResourceType t, ReflectorOptions o)
      : client(c),
        clock(clk),
        type(std::move(t)),
        options(o),
        retry_timer(clock.make_timer()),
        resync_timer(clock.make_timer()),
        rng(o.seed != 0 ? o.seed : std::random_device{}()),
        backoff(o.backoff_initial) {}

  ~Impl() { cancel_pending(); }

  std::string collection_path() const {
    std::string path = type.api_path;
    if (!type.namespace_.empty()) path += "/namespaces/" + url_escape(type.namespace_);
    return path + "/" + type.plural;
  }

  std::string selectors() const {
    std::string query;
    if (!type.label_selector.empty()) query += "&labelSelector=" + url_escape(type.label_selector);
    if (!type.field_selector.empty()) query += "&fieldSelector=" + url_escape(type.field_selector);
    return query;
  }

  void cancel_pending() {
    ++generation;  // a callback already on its way is ignored
    if (pending) client.cancel(*pending);
    pending.reset();
  }

  void start(std::function<void()> callback) {
    on_change = std::move(callback);
    if (running) return;
    running = true;
    if (synced && !resource_version.empty()) {
      start_watch();
    } else {
      begin_list(false);
    }
  }

  void stop() {
    running = false;
    cancel_pending();
    retry_timer->cancel();
    resync_timer->cancel();
  }

  // ---- LIST ----

  // A consistent LIST (no resourceVersion: the newest state, from etcd), page by page; the
  // watch then starts from the resourceVersion of that snapshot.
  void begin_list(bool after_gone) {
    cancel_pending();
    retry_timer->cancel();
    listing.clear();
    list_after_gone = after_gone;
    expired_restarts = 0;
    request_page("");
  }

  void request_page(const std::string& continue_token) {
    Request request;
    request.path = collection_path() + fmt::format("?limit={}", options.page_size) + selectors();
    if (!continue_token.empty()) request.path += "&continue=" + url_escape(continue_token);
    request.timeout = kListTimeout;
    const std::uint64_t my_generation = ++generation;
    pending = client.request(
        std::move(request),
        [this, my_generation, continued = !continue_token.empty()](Response response) {
          if (my_generation != generation) return;
          pending.reset();
          on_page(response, continued);
        });
  }

  void on_page(const Response& response, bool continued) {
    // A continue token expires (410 Gone, about five minutes after the first page, when etcd
    // compacted past its revision): the list starts over, as client-go's pager does.
    if (response.status == 410 && continued && expired_restarts < kMaxExpiredRestarts) {
      ++expired_restarts;
      log::info("kubernetes {}: list continue token expired; listing again", type.plural);
      listing.clear();
      request_page("");
      return;
    }
    if (!response.ok())
      return fail(Next::kList, "list: " + describe(response), server_wait(response));
    json body = json::parse(response.body, nullptr, false);
    const json* items = member(body, "items");
    if (body.is_discarded() || !body.is_object() ||
        (items != nullptr && !items->is_array() && !items->is_null())) {
      return fail(Next::kList, "list: the response is not a JSON list");
    }
    if (items != nullptr && items->is_array()) {
      for (const json& item : *items) {
        auto key = object_key(item);
        if (!key) {
          ++stats.errors;  // an item without a name: nothing can refer to it
          continue;
        }
        json object = item;
        label(object);
        listing[*key] = std::move(object);
      }
    }
    std::string next = metadata_string(body, "continue");
    if (!next.empty()) return request_page(next);
    std::string version = metadata_string(body, "resourceVersion");
    if (version.empty()) return fail(Next::kList, "list: the response has no resourceVersion");
    finish_list(std::move(version));
  }

  void finish_list(std::string version) {
    ++stats.lists;
    if (list_after_gone) ++stats.relists_gone;
    list_after_gone = false;
    // A relist replaces the cache: objects deleted while no watch was looking disappear.
    const bool changed = listing != cache;
    cache.swap(listing);
    listing.clear();
    resource_version = std::move(version);
    const bool first = !synced;
    synced = true;
    last_error.clear();
    if (options.resync.count() > 0) {
      resync_timer->arm(options.resync, [this] { resync(); });
    }
    start_watch();
    if (first || changed) notify();
  }

  // The periodic relist. During a backoff its target becomes a list; during a list nothing is
  // to do (it re-arms when that list completes).
  void resync() {
    if (!running) return;
    if (retry_timer->armed()) {
      retry_next = Next::kList;
      return;
    }
    if (watching) begin_list(false);
  }

  // ---- WATCH ----

  void start_watch() {
    cancel_pending();
    Request request;
    request.path =
        collection_path() +
        fmt::format("?watch=1&resourceVersion={}&allowWatchBookmarks=true&timeoutSeconds={}",
                    url_escape(resource_version), options.watch_timeout.count()) +
        selectors();
    request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.watch_timeout +
                                                                            kWatchTimeoutMargin);
    ++stats.watches;
    watch_started = clock.now();
    watch_events = 0;
    watching = true;
    const std::uint64_t my_generation = ++generation;
    pending = client.stream(
        std::move(request),
        [this, my_generation](std::string_view line) {
          if (my_generation == generation) on_line(line);
        },
        [this, my_generation](Response response) {
          if (my_generation != generation) return;
          pending.reset();
          watching = false;
          on_watch_end(response);
        });
  }

  // One watch event. Nothing in it is trusted: anything malformed ends the watch, which resumes
  // (after backoff) from the last resourceVersion applied.
  void on_line(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    json event = json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object()) {
      return abort_watch("watch: an event is not valid JSON");
    }
    const std::string kind = string_member(event, "type");
    const json* object = member(event, "object");
    if (object == nullptr || !object->is_object()) {
      return abort_watch("watch: an event has no object");
    }
    if (kind == "ERROR") {
      // A Status object: 410 Gone (Expired) when the resourceVersion was compacted away.
      const json* code = member(*object, "code");
      if (code != nullptr && code->is_number_integer() && code->get<long long>() == 410) {
        return relist_gone();
      }
      return abort_watch(fmt::format("watch: ERROR event: {}",
                                     object->dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    std::string version = metadata_string(*object, "resourceVersion");
    if (version.empty()) return abort_watch("watch: an event has no resourceVersion");
    if (kind == "BOOKMARK") {
      // Only the resourceVersion: the watch can resume from here after a cut.
      ++stats.bookmarks;
      ++watch_events;
      resource_version = std::move(version);
      return;
    }
    if (kind != "ADDED" && kind != "MODIFIED" && kind != "DELETED") {
      return abort_watch("watch: unknown event type \"" + kind + "\"");
    }
    auto key = object_key(*object);
    if (!key) return abort_watch("watch: an event's object has no name");
    bool changed = false;
    if (kind == "DELETED") {
      changed = cache.erase(*key) > 0;
    } else {
      json labelled = *object;
      label(labelled);
      auto [it, inserted] = cache.try_emplace(*key);
      if (inserted || it->second != labelled) {
        it->second = std::move(labelled);
        changed = true;
      }
    }
    ++stats.events;
    ++watch_events;
    gone_in_a_row = 0;
    resource_version = std::move(version);
    if (changed) notify();
  }

  void on_watch_end(const Response& response) {
    if (response.status == 200) {
      // The server's timeoutSeconds, or a cut: resume from the last resourceVersion, no
      // relist (it is still valid; if not, the server answers 410).
      if (watch_events == 0 && clock.now() - watch_started < kShortWatch) {
        return fail(Next::kWatch, "watch: closed within a second without any event");
      }
      backoff = options.backoff_initial;
      last_error.clear();
      return start_watch();
    }
    if (response.status == 410) return relist_gone();
    fail(Next::kWatch, "watch: " + describe(response), server_wait(response));
  }

  void abort_watch(const std::string& why) {
    cancel_pending();
    watching = false;
    fail(Next::kWatch, why);
  }

  // 410 Gone: the resourceVersion is older than what the server keeps; only a new LIST helps.
  // A second 410 before any event came is not retried at once (a server that answers every
  // watch with 410 would otherwise get a LIST per round trip).
  void relist_gone() {
    cancel_pending();
    watching = false;
    ++gone_in_a_row;
    log::info("kubernetes {}: resourceVersion {} expired (410 Gone); listing again", type.plural,
              resource_version);
    if (gone_in_a_row > 1) {
      list_after_gone = true;
      return fail(Next::kList, "watch: 410 Gone again right after a list");
    }
    begin_list(true);
  }

  // ---- errors ----

  // What the server asked to wait: Retry-After with 429 Too Many Requests (the API server's
  // Priority and Fairness turning requests away) or 503, as client-go's rest client honours it;
  // at most backoff_max, so that a server's odd value cannot park the cache.
  std::chrono::milliseconds server_wait(const Response& response) const {
    if ((response.status != 429 && response.status != 503) || !response.retry_after)
      return std::chrono::milliseconds(0);
    return std::min<std::chrono::milliseconds>(*response.retry_after, options.backoff_max);
  }

  // Backoff as client-go's: 800 ms doubling to 30 s, each wait plus up to `jitter` times itself
  // at random (no lockstep of many clients after an API server restart); no shorter than what
  // the server asked (`at_least`).
  void fail(Next next, const std::string& why,
            std::chrono::milliseconds at_least = std::chrono::milliseconds(0)) {
    ++stats.errors;
    last_error = why;
    const auto base = backoff;
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const auto delay =
        std::max(at_least, base + std::chrono::duration_cast<std::chrono::milliseconds>(
                                      base * (options.jitter * uniform(rng))));
    backoff = std::min(base * 2, options.backoff_max);
    retry_next = synced && !resource_version.empty() ? next : Next::kList;
    log::warning("kubernetes {}: {}; retrying in {} ms{}", type.plural, why, delay.count(),
                 delay == at_least ? " (the server's Retry-After)" : "");
    retry_timer->arm(delay, [this] {
      if (!running) return;
      if (retry_next == Next::kList) {
        begin_list(list_after_gone);
      } else {
        start_watch();
      }
    });
  }

  void label(json& object) const {
    if (!type.kind.empty()) object["kind"] = type.kind;
    if (!type.api_version.empty()) object["apiVersion"] = type.api_version;
  }

  void notify() {
    if (on_change) on_change();
  }

  Client& client;
  event::Clock& clock;
  const ResourceType type;
  const ReflectorOptions options;
  std::function<void()> on_change;

  Cache cache;
  Cache listing;  // pages of the LIST in progress
  bool synced = false;
  std::string resource_version;
  ReflectorStats stats;
  std::string last_error;

  bool running = false;
  bool watching = false;
  bool list_after_gone = false;
  std::optional<Client::RequestId> pending;
  std::uint64_t generation = 0;
  event::TimePoint watch_started{};
  std::uint64_t watch_events = 0;
  int gone_in_a_row = 0;
  int expired_restarts = 0;

  std::unique_ptr<event::Timer> retry_timer;
  std::unique_ptr<event::Timer> resync_timer;
  Next retry_next = Next::kList;
  std::mt19937_64 rng;
  std::chrono::milliseconds backoff;
};

Reflector::Reflector(Client& client, event::Clock& clock, ResourceType type,
                     ReflectorOptions options)
    : impl_(std::make_unique<Impl>(client, clock, std::move(type), options)) {}

Reflector::~Reflector() = default;

void Reflector::start(std::function<void()> on_change) {
  impl_->start(std::move(on_change));
}

void Reflector::stop() {
  impl_->stop();
}

const Reflector::Cache& Reflector::objects() const {
  return impl_->cache;
}

bool Reflector::synced() const {
  return impl_->synced;
}

const std::string& Reflector::resource_version() const {
  return impl_->resource_version;
}

const ReflectorStats& Reflector::stats() const {
  return impl_->stats;
}

const ResourceType& Reflector::type() const {
  return impl_->type;
}

const std::string& Reflector::last_error() const {
  return impl_->last_error;
}

}  // namespace vipd::k8s
