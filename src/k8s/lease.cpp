#include "k8s/lease.hpp"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "common/log.hpp"
#include "k8s/detail.hpp"
#include "k8s/reflector.hpp"

namespace vipd::k8s {
namespace {

using json = nlohmann::json;
using detail::integer_member;
using detail::string_member;

// client-go's wait.JitterUntil factor for acquiring: each retry waits retry_period plus up to
// 1.2 times it at random.
constexpr double kAcquireJitter = 1.2;

// The try at the end of the observed lease duration comes this much after it, so that the
// check (strictly after) holds even on a clock whose timers round to the millisecond.
constexpr auto kExpiryMargin = std::chrono::milliseconds(5);

// client-go's LeaderElectionRecord, as a coordination.k8s.io/v1 LeaseSpec carries it.
struct Record {
  std::string holder;
  std::int64_t duration_seconds = 0;
  std::string acquire_time;
  std::string renew_time;
  std::int64_t transitions = 0;
};

json spec_of(const Record& record) {
  return json{{"holderIdentity", record.holder},
              {"leaseDurationSeconds", record.duration_seconds},
              {"acquireTime", record.acquire_time},
              {"renewTime", record.renew_time},
              {"leaseTransitions", record.transitions}};
}

// LeaseSpecToLeaderElectionRecord: absent fields are zero.
std::optional<Record> record_of(const json& lease) {
  if (!lease.is_object()) return std::nullopt;
  static const json kNoSpec = json::object();
  const json* found = detail::member(lease, "spec");
  const json& spec = found != nullptr ? *found : kNoSpec;  // a non-object: every field absent
  Record record;
  record.holder = string_member(spec, "holderIdentity");
  record.duration_seconds = integer_member(spec, "leaseDurationSeconds");
  record.acquire_time = string_member(spec, "acquireTime");
  record.renew_time = string_member(spec, "renewTime");
  record.transitions = integer_member(spec, "leaseTransitions");
  return record;
}

// What client-go compares to see whether the record changed (its observedRawRecord).
std::string raw_of(const Record& record) {
  return spec_of(record).dump();
}

// metav1.MicroTime: RFC 3339 in UTC with microseconds ("2006-01-02T15:04:05.000000Z").
std::string micro_time(std::chrono::system_clock::time_point at) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  long fraction = static_cast<long>(micros % 1000000);
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
}

}  // namespace

struct LeaseElector::Impl {
  Impl(Client& c, event::Clock& clk, LeaseOptions o)
      : client(c),
        clock(clk),
        options(std::move(o)),
        retry_timer(clock.make_timer()),
        deadline_timer(clock.make_timer()),
        expiry_timer(clock.make_timer()),
        rng(options.seed != 0 ? options.seed : std::random_device{}()),
        wall_base(std::chrono::system_clock::now()),
        steady_base(clock.now()) {}

  ~Impl() {
    *alive = false;
    cancel_pending();
  }

  std::string collection_path() const {
    return "/apis/coordination.k8s.io/v1/namespaces/" + url_escape(options.namespace_) + "/leases";
  }
  std::string lease_path() const { return collection_path() + "/" + url_escape(options.name); }

  // Wall time for the record's timestamps, which are informational (no decision reads them):
  // the wall clock at construction moved on by the Clock, so that a simulated clock gives
  // times that move with it.
  std::string now_text() const {
    return micro_time(wall_base + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      clock.now() - steady_base));
  }

  std::chrono::milliseconds request_timeout() const { return options.renew_deadline; }

  bool is_leader() const { return have_observed && observed.holder == options.identity; }

  // isLeaseValid: the record's own leaseDurationSeconds from when this candidate last saw the
  // record change, by its own clock; the holder's renewTime is never compared across machines.
  bool lease_valid(event::TimePoint now) const {
    return have_observed && observed_time + std::chrono::seconds(observed.duration_seconds) > now;
  }

  void set_observed(const Record& record) {
    observed = record;
    observed_raw = raw_of(record);
    observed_time = clock.now();
    have_observed = true;
    schedule_expiry();
  }

  // A candidate tries again exactly when the holder's lease runs out as observed here, not on
  // the next jittered retry tick (which would add up to 2.2 retry periods to every takeover).
  void schedule_expiry() {
    if (!running || leading || !have_observed || observed.holder.empty() || is_leader()) {
      expiry_timer->cancel();
      return;
    }
    const event::TimePoint at =
        observed_time + std::chrono::seconds(observed.duration_seconds) + kExpiryMargin;
    expiry_timer->arm(std::max(at - clock.now(), event::Duration::zero()), [this] { try_now(); });
  }

  void cancel_pending() {
    ++generation;
    if (pending) client.cancel(*pending);
    pending.reset();
  }

  template <typename F>
  void send(Request request, F&& then) {
    request.timeout = request_timeout();
    const std::uint64_t my_generation = ++generation;
    pending = client.request(
        std::move(request),
        [this, my_generation, then = std::forward<F>(then)](Response response) mutable {
          if (my_generation != generation) return;
          pending.reset();
          then(response);
        });
  }

  void start(std::function<void(bool)> callback) {
    on_change = std::move(callback);
    if (running) return;
    running = true;
    start_watch();
    retry_timer->arm(event::Duration::zero(), [this] { tick(); });
  }

  // ---- watching the Lease while not the holder ----

  // A watch on the one Lease (fieldSelector metadata.name): every renewal, release and
  // deletion is seen when it happens, and the observed time is when its event arrived, not
  // the next poll. The holder needs none (its renewals tell it everything), so the watch runs
  // only while this candidate is not leading; a fresh one (LIST, then WATCH) each time.
  void start_watch() {
    ReflectorOptions reflector_options;
    reflector_options.seed = options.seed;
    watch = std::make_unique<Reflector>(
        client, clock,
        ResourceType{"/apis/coordination.k8s.io/v1", "leases", "Lease", "coordination.k8s.io/v1",
                     options.namespace_, "", "metadata.name=" + options.name},
        reflector_options);
    events_at_tick = 0;
    watch->start([this] { on_watch(); });
  }

  void stop_watch() { watch.reset(); }

  void on_watch() {
    if (!running || leading || !watch) return;
    const auto& objects = watch->objects();
    auto found = objects.find(options.namespace_ + "/" + options.name);
    if (found == objects.end()) {
      // Deleted (or not created yet): nothing to wait for; the try reads 404 and creates it.
      return try_now();
    }
    auto record = record_of(found->second);
    if (!record) return;
    if (have_observed && raw_of(*record) == observed_raw) return;  // a relist: nothing new
    set_observed(*record);
    // Released (empty holder, client-go's ReleaseOnCancel), or ours (a write whose answer was
    // lost): try at once. Otherwise set_observed has scheduled the try at its expiry.
    if (observed.holder.empty() || is_leader()) try_now();
  }

  // A try out of turn (the watch saw a change, the observed lease ran out): at once, or as soon
  // as the try in flight is done when there is one (it may have read the record before).
  void try_now() {
    if (!running || leading) return;
    if (pending) {
      try_again = true;
      return;
    }
    attempt();
  }

  // The jittered retry tick of a candidate. While the watch shows it is alive (an event came
  // since the last tick: a live holder renews every retry period) the read would tell nothing
  // new; otherwise (the watch is down, or silent) the tick polls as client-go does.
  void tick() {
    if (!running || leading || pending) return;  // the try in flight arms the next tick
    if (watch && have_observed) {
      const std::uint64_t events = watch->stats().events + watch->stats().bookmarks;
      const bool live = watch->synced() && events != events_at_tick;
      events_at_tick = events;
      if (live) return retry_timer->arm(jittered(options.retry_period), [this] { tick(); });
    }
    attempt();
  }

  // ---- tryAcquireOrRenew ----

  // This candidate's record as of now: renewTime (and acquireTime, unless kept) is the time.
  Record new_record() const {
    const std::string now = now_text();
    return Record{options.identity,
                  std::chrono::duration_cast<std::chrono::seconds>(options.lease_duration).count(),
                  now, now, 0};
  }

  void attempt() {
    if (!running) return;
    try_again = false;
    const event::TimePoint now = clock.now();
    Record record = new_record();
    // 1. The holder's fast path: update the Lease as last seen, no read first. Only while
    // leading (client-go: whenever the record last observed names this candidate): a
    // candidate's observations come from the watch too, whose events may be older than the
    // last read (its resourceVersion in `lease`), so a candidate reads before it writes.
    if (leading && is_leader() && lease_valid(now) && lease.is_object()) {
      record.acquire_time = observed.acquire_time;
      record.transitions = observed.transitions;
      return update(record, [this](bool ok) {
        if (ok) return attempt_done(true);
        // A fresh record and time, not the ones of the failed update: that update may have
        // been written and only its answer lost (it then failed by its timeout, a renew
        // deadline later). Writing the same record again would be no change that others can
        // observe, so they would time the lease from the first write while this candidate
        // times it from the second: both leaders at once for up to that gap.
        slow_path(new_record(), clock.now());
      });
    }
    slow_path(record, now);
  }

  // 2. Read (or create) the Lease, 3. check holder and expiry, 4. update.
  void slow_path(Record record, event::TimePoint now) {
    Request get;
    get.path = lease_path();
    send(std::move(get), [this, record, now](const Response& response) mutable {
      if (response.status == 404) return create(record);
      if (!response.ok()) {
        last_error =
            "get lease: HTTP " + std::to_string(response.status) + " " + response.transport_error;
        return attempt_done(false);
      }
      json body = json::parse(response.body, nullptr, false);
      auto old = record_of(body);
      if (body.is_discarded() || !old) {
        last_error = "get lease: not a Lease";
        return attempt_done(false);
      }
      lease = std::move(body);
      if (!have_observed || raw_of(*old) != observed_raw) set_observed(*old);
      if (!old->holder.empty() && lease_valid(now) && !is_leader()) {
        return attempt_done(false);  // held, and renewed within its duration as we saw it
      }
      if (is_leader()) {
        record.acquire_time = old->acquire_time;
        record.transitions = old->transitions;
      } else {
        record.transitions = old->transitions + 1;
      }
      update(record, [this](bool ok) { attempt_done(ok); });
    });
  }

  void create(const Record& record) {
    Request post;
    post.method = "POST";
    post.path = collection_path();
    post.body = json{{"apiVersion", "coordination.k8s.io/v1"},
                     {"kind", "Lease"},
                     {"metadata", {{"name", options.name}, {"namespace", options.namespace_}}},
                     {"spec", spec_of(record)}}
                    .dump();
    send(std::move(post), [this, record](const Response& response) {
      // 409: another candidate created it first; the next try reads it.
      if (!accept_write(response, record, "create lease")) return attempt_done(false);
      attempt_done(true);
    });
  }

  // Update with the resourceVersion last read: a 409 Conflict means someone else wrote since.
  template <typename F>
  void update(const Record& record, F&& then) {
    Request put;
    put.method = "PUT";
    put.path = lease_path();
    json body = lease;
    body["spec"] = spec_of(record);
    put.body = body.dump();
    send(std::move(put), [this, record, then = std::forward<F>(then)](const Response& response) {
      then(accept_write(response, record, "update lease"));
    });
  }

  bool accept_write(const Response& response, const Record& record, const char* what) {
    if (!response.ok()) {
      last_error = fmt::format("{}: HTTP {} {}", what, response.status, response.transport_error);
      return false;
    }
    json body = json::parse(response.body, nullptr, false);
    // The server's copy carries the new resourceVersion; without it the next write must read.
    lease = body.is_object() ? std::move(body) : json();
    set_observed(record);
    last_error.clear();
    return true;
  }

  // ---- acquire and renew loops ----

  void attempt_done(bool ok) {
    if (!running) return;
    if (!leading) {
      if (!ok) {
        retry_timer->arm(jittered(options.retry_period), [this] { tick(); });
        if (try_again) attempt();  // the watch saw something while this try was in flight
        return;
      }
      leading = true;
      try_again = false;
      expiry_timer->cancel();
      stop_watch();
      log::notice("kubernetes lease {}/{}: {} became leader", options.namespace_, options.name,
                  options.identity);
      retry_timer->arm(options.retry_period, [this] { renew_cycle(); });
      if (on_change) on_change(true);
      return;
    }
    if (ok) {
      deadline_timer->cancel();
      return retry_timer->arm(options.retry_period, [this] { renew_cycle(); });
    }
    // Someone else holds it now (our write raced theirs): no longer the leader, at once.
    if (have_observed && !observed.holder.empty() && !is_leader()) {
      return lose("the lease is held by " + observed.holder);
    }
    // wait.PollImmediateUntil: try again every retry period until the renew deadline.
    retry_timer->arm(options.retry_period, [this] { attempt(); });
  }

  // One renewal (client-go's renew loop body): success within renew_deadline or leadership ends.
  void renew_cycle() {
    deadline_timer->arm(options.renew_deadline, [this] {
      lose(fmt::format("could not renew within {} ms", options.renew_deadline.count()));
    });
    attempt();
  }

  void lose(const std::string& why) {
    cancel_pending();
    deadline_timer->cancel();
    leading = false;
    log::warning("kubernetes lease {}/{}: {} stopped leading: {}", options.namespace_, options.name,
                 options.identity, why);
    start_watch();
    schedule_expiry();
    retry_timer->arm(jittered(options.retry_period), [this] { tick(); });
    if (on_change) on_change(false);
  }

  std::chrono::milliseconds jittered(std::chrono::milliseconds period) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    return period + std::chrono::duration_cast<std::chrono::milliseconds>(
                        period * (kAcquireJitter * uniform(rng)));
  }

  // client-go's release (ReleaseOnCancel): an empty holder with a one-second duration and the
  // transitions kept, so a candidate takes over on its next try instead of waiting out the
  // lease duration. Not cancelled by the destructor: the request should still go out.
  void stop(std::function<void()> done) {
    const bool was_running = running;
    running = false;
    cancel_pending();
    stop_watch();
    retry_timer->cancel();
    deadline_timer->cancel();
    expiry_timer->cancel();
    try_again = false;
    leading = false;
    if (!was_running || !options.release_on_stop || !is_leader() || !lease.is_object()) {
      if (done) clock.post(std::move(done));
      return;
    }
    const std::string now = now_text();
    release(lease, Record{"", 1, now, now, observed.transitions}, std::move(done), true);
  }

  // A renewal cancelled by stop() may still have reached the server: the release then meets a
  // 409 (its resourceVersion is the one before). Read once more and release that, if the Lease
  // is still ours. Callbacks touch the elector only while it exists and is stopped.
  void release(json object, Record record, std::function<void()> done, bool reread_on_conflict) {
    object["spec"] = spec_of(record);
    Request put;
    put.method = "PUT";
    put.path = lease_path();
    put.body = object.dump();
    put.timeout = request_timeout();
    client.request(std::move(put), [this, alive = alive, record, done = std::move(done),
                                    reread_on_conflict](Response response) mutable {
      const bool usable = *alive && !running;
      if (usable && response.status == 409 && reread_on_conflict) {
        Request get;
        get.path = lease_path();
        get.timeout = request_timeout();
        client.request(std::move(get), [this, alive = alive, record,
                                        done = std::move(done)](Response current) mutable {
          json body = json::parse(current.body, nullptr, false);
          auto holder = record_of(body);
          if (*alive && !running && current.ok() && holder && holder->holder == options.identity) {
            return release(std::move(body), record, std::move(done), false);
          }
          if (done) done();
        });
        return;
      }
      if (usable && response.ok()) {
        json object = json::parse(response.body, nullptr, false);
        lease = object.is_object() ? std::move(object) : json();
        set_observed(record);
      }
      if (done) done();
    });
  }

  Client& client;
  event::Clock& clock;
  const LeaseOptions options;
  std::function<void(bool)> on_change;

  bool running = false;
  bool leading = false;
  Record observed;
  std::string observed_raw;
  event::TimePoint observed_time{};
  bool have_observed = false;
  json lease;  // the Lease as the server last returned it (its resourceVersion for updates)
  std::string last_error;

  std::optional<Client::RequestId> pending;
  std::uint64_t generation = 0;
  std::unique_ptr<event::Timer> retry_timer;
  std::unique_ptr<event::Timer> deadline_timer;
  std::unique_ptr<event::Timer> expiry_timer;  // a candidate's try when the observed lease ends
  std::unique_ptr<Reflector> watch;            // the Lease, while not leading
  std::uint64_t events_at_tick = 0;            // the watch's events at the last retry tick
  bool try_again = false;                      // a try out of turn came during one in flight
  std::mt19937_64 rng;
  std::chrono::system_clock::time_point wall_base;
  event::TimePoint steady_base;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

LeaseElector::LeaseElector(Client& client, event::Clock& clock, LeaseOptions options)
    : impl_(std::make_unique<Impl>(client, clock, std::move(options))) {}

LeaseElector::~LeaseElector() = default;

void LeaseElector::start(std::function<void(bool leader)> on_change) {
  impl_->start(std::move(on_change));
}

void LeaseElector::stop(std::function<void()> done) {
  impl_->stop(std::move(done));
}

bool LeaseElector::leader() const {
  return impl_->leading;
}

const std::string& LeaseElector::holder() const {
  return impl_->observed.holder;
}

const LeaseOptions& LeaseElector::options() const {
  return impl_->options;
}

const std::string& LeaseElector::last_error() const {
  return impl_->last_error;
}

}  // namespace vipd::k8s
