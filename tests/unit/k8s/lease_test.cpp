#include "k8s/lease.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <random>

#include "k8s_test_util.hpp"

namespace vipd::k8s {
namespace {

using test::FakeCall;
using test::FakeClient;
using test::FakeLeaseStore;
using test::json;
using namespace std::chrono_literals;

// How a candidate reaches the API server.
enum class Net {
  kUp,
  kRefused,       // every request fails at once
  kHang,          // requests never arrive (a dead path)
  kLoseResponse,  // requests are applied, their answers never come back
};

struct Candidate {
  Candidate(event::SimClock& clock, FakeLeaseStore& store, const std::string& identity,
            std::uint64_t seed, event::Duration latency)
      : clock(clock),
        latency(latency),
        client(clock),
        elector(client, clock, options(identity, seed)) {
    client.set_server(
        [this, &store, &clock](const Request& request) -> std::optional<Response> {
          switch (FakeLeaseStore::is_list(request) ? stream_net() : net) {
            case Net::kRefused:
              return Response{0, "", "Connection refused", {}};
            case Net::kHang:
              return std::nullopt;
            case Net::kLoseResponse:
              store.handle(request);
              return std::nullopt;
            case Net::kUp:
              break;
          }
          if (lose_response && lose_response(request)) {
            store.handle(request);
            return std::nullopt;
          }
          if (before_request) before_request(request);
          Response response = store.handle(request);
          if (request.method != "GET" && response.ok()) last_write = clock.now();
          return response;
        },
        latency);
    client.set_stream_server([this, &store](FakeCall& call) { open_watch(store, call); });
    store.on_event.push_back([self = std::weak_ptr<Candidate*>(self)](const auto& event) {
      if (auto candidate = self.lock()) (*candidate)->publish(event);
    });
  }

  static LeaseOptions options(const std::string& identity, std::uint64_t seed) {
    LeaseOptions options;
    options.namespace_ = "ns";
    options.name = "vipd";
    options.identity = identity;
    options.seed = seed;
    return options;
  }

  void start(event::SimClock& clock) {
    elector.start([this, &clock](bool leader) {
      EXPECT_NE(leader, is_leader) << elector.options().identity;
      is_leader = leader;
      (leader ? became_at : lost_at) = clock.now();
      ++(leader ? ups : downs);
      if (on_change) on_change(leader);
    });
  }

  // Requests for the Lease itself (not the watch's LIST and WATCH).
  std::size_t count(const std::string& method) {
    std::size_t n = 0;
    for (auto& call : client.calls())
      n += call->request.method == method && call->request.path.find('?') == std::string::npos;
    return n;
  }
  std::size_t watches_opened() {
    std::size_t n = 0;
    for (auto& call : client.calls()) n += call->stream;
    return n;
  }

  // The watch's requests meet `watch_net` when set, the others `net`.
  Net stream_net() const { return watch_net.value_or(net); }

  // A WATCH arrives at the server: the events after its resourceVersion, then every new one,
  // each `latency` later, in order.
  void open_watch(FakeLeaseStore& store, FakeCall& call) {
    switch (stream_net()) {
      case Net::kRefused:
        return FakeClient::respond(call, Response{0, "", "Connection refused", {}});
      case Net::kHang:
      case Net::kLoseResponse:
        return;  // hangs until its timeout
      case Net::kUp:
        break;
    }
    const std::string& path = call.request.path;
    const auto at = path.find("resourceVersion=");
    ASSERT_NE(at, std::string::npos) << path;
    const std::uint64_t from = std::stoull(path.substr(at + 16));
    watches.push_back(Watch{&call, false});
    for (const auto& event : store.history) {
      if (event.version > from) deliver(watches.size() - 1, event.line);
    }
  }
  void publish(const FakeLeaseStore::Event& event) {
    for (std::size_t i = 0; i < watches.size(); ++i) {
      if (watches[i].call->open() && !watches[i].dead) deliver(i, event.line);
    }
  }
  // An event on its way; a network that broke meanwhile cuts the stream (refused) or loses
  // the event and everything after it (a dead path: the stream hangs, silent). Events come in
  // order, also when `watch_lag` holds some back.
  void deliver(std::size_t index, const std::string& line) {
    auto timer = clock.make_timer();
    const event::TimePoint due =
        std::max(clock.now() + watch_latency.value_or(latency) + watch_lag, last_due);
    last_due = due;
    timer->arm(due - clock.now(), [this, index, line] {
      Watch& watch = watches[index];
      if (!watch.call->open() || watch.dead) return;
      switch (stream_net()) {
        case Net::kUp:
          return FakeClient::line(*watch.call, line);
        case Net::kRefused:
          return FakeClient::respond(*watch.call, Response{0, "", "Connection reset by peer", {}});
        case Net::kHang:
        case Net::kLoseResponse:
          watch.dead = true;
          return;
      }
    });
    deliveries.push_back(std::move(timer));
  }

  struct Watch {
    FakeCall* call;
    bool dead;
  };

  event::SimClock& clock;
  event::Duration latency;
  FakeClient client;
  LeaseElector elector;
  Net net = Net::kUp;
  std::optional<Net> watch_net;
  std::optional<event::Duration> watch_latency;  // of events; default: the requests' latency
  event::Duration watch_lag{};  // added to the events' latency (a watch cache behind etcd)
  event::TimePoint last_due{};
  bool is_leader = false;
  int ups = 0;
  int downs = 0;
  event::TimePoint became_at{};
  event::TimePoint lost_at{};
  event::TimePoint last_write{};
  std::function<void(bool)> on_change;
  std::function<void(const Request&)> before_request;
  std::function<bool(const Request&)> lose_response;  // true: applied, the answer never comes
  std::vector<Watch> watches;
  std::vector<std::unique_ptr<event::Timer>> deliveries;
  std::shared_ptr<Candidate*> self = std::make_shared<Candidate*>(this);
};

json other_spec(const std::string& holder, const std::string& renew, int transitions = 3) {
  return json{{"holderIdentity", holder},
              {"leaseDurationSeconds", 15},
              {"acquireTime", "2024-01-01T00:00:00.000000Z"},
              {"renewTime", renew},
              {"leaseTransitions", transitions}};
}

class LeaseTest : public ::testing::Test {
 protected:
  Candidate& add(const std::string& identity, event::Duration latency = 10ms) {
    candidates_.push_back(
        std::make_unique<Candidate>(clock_, store_, identity, candidates_.size() + 11, latency));
    return *candidates_.back();
  }
  // Advances in small steps, checking that no two candidates lead at once.
  void run(event::Duration total, event::Duration step = 50ms) {
    for (event::Duration done{}; done < total; done += step) {
      clock_.advance(step);
      int leaders = 0;
      for (auto& c : candidates_) leaders += c->elector.leader();
      ASSERT_LE(leaders, 1) << "two leaders at once";
    }
  }
  json spec() const { return (*store_.lease)["spec"]; }
  // A candidate added and started, then `settle` of time.
  Candidate& started(const std::string& identity, event::Duration settle) {
    Candidate& candidate = add(identity);
    candidate.start(clock_);
    run(settle);
    return candidate;
  }
  // Another controller holds the Lease and renews it every 2 s, `times` times.
  void other_renews(int times) {
    for (int i = 0; i < times; ++i) {
      run(2s);
      ++renewals_;
      store_.put_spec(other_spec("other", fmt::format("2024-01-01T00:{:02}:{:02}.000000Z",
                                                      renewals_ / 60, renewals_ % 60)));
    }
  }
  void never_two_leaders(std::uint32_t seed, bool split);

  event::SimClock clock_;
  FakeLeaseStore store_;
  std::vector<std::unique_ptr<Candidate>> candidates_;
  int renewals_ = 0;
};

TEST_F(LeaseTest, AcquiresAFreeLease) {
  Candidate& a = add("node-a_x1");
  a.start(clock_);
  run(200ms);
  EXPECT_TRUE(a.is_leader);
  EXPECT_TRUE(a.elector.leader());
  EXPECT_EQ(a.ups, 1);
  EXPECT_EQ(a.elector.holder(), "node-a_x1");
  ASSERT_TRUE(store_.lease);
  EXPECT_EQ(a.count("GET"), 1u);
  EXPECT_EQ(a.count("POST"), 1u);
  EXPECT_EQ((*store_.lease)["kind"], "Lease");
  EXPECT_EQ((*store_.lease)["metadata"]["name"], "vipd");
  EXPECT_EQ((*store_.lease)["metadata"]["namespace"], "ns");
  EXPECT_EQ(spec()["holderIdentity"], "node-a_x1");
  EXPECT_EQ(spec()["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec()["leaseTransitions"], 0);
  EXPECT_EQ(spec()["acquireTime"], spec()["renewTime"]);
  // metav1.MicroTime: "2006-01-02T15:04:05.000000Z".
  const std::string renew = spec()["renewTime"];
  const std::string shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  ASSERT_EQ(renew.size(), shape.size()) << renew;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    EXPECT_TRUE(shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(renew[i])) != 0
                                : renew[i] == shape[i])
        << renew;
  }
}

TEST_F(LeaseTest, HolderRenewsEveryRetryPeriodWithoutReading) {
  Candidate& a = add("a");
  a.start(clock_);
  run(100ms);
  ASSERT_TRUE(a.is_leader);
  const json acquired = spec();
  const std::size_t writes = store_.writes;
  run(20s);
  // One renewal per 2 s retry period, by the fast path (PUT with the resourceVersion last
  // written, no GET).
  EXPECT_GE(store_.writes - writes, 9u);
  EXPECT_LE(store_.writes - writes, 10u);
  EXPECT_EQ(a.count("GET"), 1u);
  EXPECT_EQ(spec()["acquireTime"], acquired["acquireTime"]);
  EXPECT_NE(spec()["renewTime"], acquired["renewTime"]);
  EXPECT_EQ(spec()["leaseTransitions"], 0);
  EXPECT_EQ(a.ups, 1);
  EXPECT_EQ(a.downs, 0);
}

TEST_F(LeaseTest, WaitsWhileAnotherHolderRenews) {
  store_.put_spec(other_spec("other", "2024-01-01T00:00:00.000000Z"));
  Candidate& a = add("a");
  a.start(clock_);
  other_renews(30);
  EXPECT_FALSE(a.is_leader);
  EXPECT_EQ(a.elector.holder(), "other");
  EXPECT_EQ(a.count("PUT"), 0u);
  // The watch brings every renewal: the retry ticks read nothing while it does (only the
  // first try reads the Lease).
  EXPECT_EQ(a.watches_opened(), 1u);
  EXPECT_EQ(a.count("GET"), 1u);
  // The one Lease, by name.
  for (auto& call : a.client.calls()) {
    if (call->request.path.find('?') == std::string::npos) continue;
    EXPECT_THAT(call->request.path,
                ::testing::StartsWith(std::string(FakeLeaseStore::kCollection) + "?"));
    EXPECT_THAT(call->request.path, ::testing::HasSubstr("fieldSelector=metadata.name%3Dvipd"));
  }
}

TEST_F(LeaseTest, WithoutTheWatchCandidatesPollEveryRetryPeriod) {
  store_.put_spec(other_spec("other", "2024-01-01T00:00:00.000000Z"));
  Candidate& a = add("a");
  a.watch_net = Net::kRefused;  // LIST and WATCH fail; GET and PUT of the Lease work
  a.start(clock_);
  other_renews(30);
  EXPECT_FALSE(a.is_leader);
  EXPECT_EQ(a.elector.holder(), "other");
  EXPECT_EQ(a.count("PUT"), 0u);
  // Candidates retry every 2 s plus up to 1.2 times that: 60 s is 13 to 31 tries.
  EXPECT_GE(a.count("GET"), 13u);
  EXPECT_LE(a.count("GET"), 31u);
  // The holder dies: its last renewal is seen on the next poll, up to 4.4 s late, and the
  // Lease taken a lease duration after that.
  const auto died = clock_.now();
  run(25s);
  ASSERT_TRUE(a.is_leader);
  EXPECT_GE(a.became_at - died, 15s);
  EXPECT_LE(a.became_at - died, 15s + 4400ms + 100ms);
}

TEST_F(LeaseTest, WatchComesBackAfterItWasDown) {
  store_.put_spec(other_spec("other", "t0"));
  Candidate& a = add("a");
  a.watch_net = Net::kRefused;
  a.start(clock_);
  run(1s);
  a.watch_net.reset();
  // The reflector retries with backoff (0.8 s doubling, jittered); meanwhile the ticks poll.
  other_renews(10);
  EXPECT_FALSE(a.is_leader);
  const std::size_t gets = a.count("GET");
  other_renews(10);
  EXPECT_LE(a.count("GET"), gets + 1);  // the watch is back: no more polling
  // A renewal is seen when its event arrives: takeover a lease duration after the last one.
  const auto died = clock_.now();
  run(20s);
  ASSERT_TRUE(a.is_leader);
  EXPECT_GE(a.became_at - died, 15s);
  EXPECT_LE(a.became_at - died, 15s + 100ms);
}

TEST_F(LeaseTest, TakesOverAfterLeaseDurationWithoutChangeWhateverTheHolderClockSays) {
  // The holder's renewTime is in the future (a skewed clock): it is never compared; only the
  // time since this candidate saw the record change counts.
  store_.put_spec(other_spec("other", "2099-01-01T00:00:00.000000Z"));
  Candidate& a = add("a");
  const auto start = clock_.now();
  a.start(clock_);
  run(30s);
  ASSERT_TRUE(a.is_leader);
  const auto took = a.became_at - start;
  EXPECT_GE(took, 15s);
  EXPECT_LE(took, 15s + 100ms);  // at the expiry, not the next retry tick
  EXPECT_EQ(spec()["holderIdentity"], "a");
  EXPECT_EQ(spec()["leaseTransitions"], 4);
  EXPECT_NE(spec()["acquireTime"], "2024-01-01T00:00:00.000000Z");
}

TEST_F(LeaseTest, AReleasedLeaseIsTakenAtOnce) {
  json released = other_spec("", "2024-01-01T00:00:00.000000Z");
  released["leaseDurationSeconds"] = 1;
  store_.put_spec(released);
  Candidate& a = add("a");
  a.start(clock_);
  run(200ms);
  EXPECT_TRUE(a.is_leader);
  EXPECT_EQ(spec()["leaseTransitions"], 4);
}

TEST_F(LeaseTest, TakesOverALeaseDurationAfterTheHoldersLastRenewal) {
  Candidate& b = started("b", 1s);
  ASSERT_TRUE(b.is_leader);
  Candidate& a = started("a", 10s);
  ASSERT_FALSE(a.is_leader);
  EXPECT_EQ(a.elector.holder(), "b");
  // The holder dies (nothing it sends arrives any more): a takes over a lease duration after
  // the last renewal that reached the server (its event, a's GET and PUT: 50 ms), not on a
  // retry tick up to 4.4 s later.
  b.net = Net::kHang;
  run(20s);
  ASSERT_TRUE(a.is_leader);
  EXPECT_GE(a.became_at - b.last_write, 15s);
  EXPECT_LE(a.became_at - b.last_write, 15s + 100ms);
  EXPECT_GT(a.became_at, b.lost_at);  // b stepped down at its renew deadline, before
  EXPECT_EQ(spec()["holderIdentity"], "a");
  EXPECT_EQ(spec()["leaseTransitions"], 1);
}

TEST_F(LeaseTest, ADeletedLeaseIsTakenAtOnce) {
  store_.put_spec(other_spec("other", "t0"));
  Candidate& a = add("a");
  a.start(clock_);
  run(5s);
  ASSERT_FALSE(a.is_leader);
  const auto deleted = clock_.now();
  store_.remove();  // kubectl delete lease
  run(200ms);
  ASSERT_TRUE(a.is_leader);
  // The DELETED event, a GET (404) and the POST.
  EXPECT_LE(a.became_at - deleted, 60ms);
  EXPECT_EQ(a.count("POST"), 1u);
  EXPECT_EQ(spec()["holderIdentity"], "a");
  EXPECT_EQ(spec()["leaseTransitions"], 0);
}

TEST_F(LeaseTest, AReleaseSeenWhileATryIsInFlightIsTriedAgainAtOnce) {
  // Slow requests, fast watch events: the release's event arrives while a poll's answer
  // (read before the release) is still on its way.
  store_.put_spec(other_spec("other", "t0"));
  Candidate& a = add("a", 100ms);
  a.watch_latency = 1ms;
  std::unique_ptr<event::Timer> later = clock_.make_timer();
  event::TimePoint released_at{};
  a.before_request = [&](const Request& request) {
    // The holder is silent, so the retry ticks poll; the second poll meets the release.
    if (request.method == "GET" && request.path == FakeLeaseStore::path() && a.count("GET") == 2 &&
        !later->armed() && released_at == event::TimePoint{}) {
      later->arm(1ms, [&] {
        json released = other_spec("", "t1");
        released["leaseDurationSeconds"] = 1;
        store_.put_spec(released);
        released_at = clock_.now();
      });
    }
  };
  a.start(clock_);
  run(10s);
  ASSERT_NE(released_at, event::TimePoint{});
  ASSERT_TRUE(a.is_leader);
  // The poll's answer (99 ms), then a GET and a PUT (200 ms each); not the next retry tick.
  EXPECT_LE(a.became_at - released_at, 500ms);
  EXPECT_EQ(a.count("GET"), 3u);
}

TEST_F(LeaseTest, AStaleWatchEventNamingThisCandidateLeadsToARead) {
  // Watch events may come later than a read shows the same change (the API server's watch
  // cache lags etcd). An old record naming this candidate must not be taken as the truth
  // with the resourceVersion of a newer read: a write without a read would take the Lease
  // from its holder.
  store_.put_spec(other_spec("c", "t0"));
  Candidate& a = add("a");
  a.start(clock_);
  run(14s);  // c stopped renewing at 0; the Lease is c's until a's expiry at about 15 s
  a.watch_lag = 3s;
  const std::size_t gets = a.count("GET");
  store_.put_spec(other_spec("a", "t1"));  // a's write whose answer a never got, say
  store_.put_spec(other_spec("c", "t2"));  // c renews after it: the Lease is c's
  run(2s);
  ASSERT_FALSE(a.is_leader);
  EXPECT_GT(a.count("GET"), gets);  // c's renewal is read (polls, the expiry) before its event
  run(10s);
  EXPECT_FALSE(a.is_leader);
  EXPECT_EQ(a.count("PUT"), 0u);
  EXPECT_EQ(store_.holder(), "c");
}

TEST_F(LeaseTest, ConflictMeansRereadNotLeadership) {
  store_.put_spec(other_spec("other", "t0"));
  Candidate& a = add("a");
  bool raced = false;
  event::TimePoint conflict_at{};
  a.before_request = [&](const Request& request) {
    // The holder renews just before our takeover arrives: our PUT carries a stale
    // resourceVersion.
    if (request.method == "PUT" && !raced) {
      raced = true;
      conflict_at = clock_.now();
      store_.put_spec(other_spec("other", "t1"));
    }
  };
  a.start(clock_);
  run(20s);
  ASSERT_TRUE(raced);
  EXPECT_FALSE(a.is_leader);
  EXPECT_EQ(a.elector.holder(), "other");
  EXPECT_THAT(a.elector.last_error(), ::testing::HasSubstr("409"));
  run(20s);
  // The record changed at the conflict: another full lease duration from the reread.
  ASSERT_TRUE(a.is_leader);
  EXPECT_GE(a.became_at - conflict_at, 15s);
  EXPECT_EQ(spec()["leaseTransitions"], 4);
}

TEST_F(LeaseTest, LosesLeadershipWhenItCannotRenewWithinTheDeadline) {
  for (Net net : {Net::kRefused, Net::kHang, Net::kLoseResponse}) {
    SCOPED_TRACE(static_cast<int>(net));
    candidates_.clear();
    store_ = FakeLeaseStore();
    Candidate& a = add("a");
    a.start(clock_);
    run(5100ms);
    ASSERT_TRUE(a.is_leader);
    a.net = net;
    run(20s);
    EXPECT_FALSE(a.is_leader);
    EXPECT_EQ(a.downs, 1);
    // Lost within retry period + renew deadline of the last renewal that got through, before
    // any other candidate may take the Lease (lease duration).
    const auto after = a.lost_at - a.last_write;
    EXPECT_GE(after, 10s);
    EXPECT_LE(after, 12s + 100ms);
    EXPECT_LT(after, 15s);
    // Back as a candidate: when the API comes back, it takes the Lease again (still its own).
    a.net = Net::kUp;
    run(10s);
    EXPECT_TRUE(a.is_leader);
    EXPECT_EQ(a.ups, 2);
    EXPECT_EQ(spec()["holderIdentity"], "a");
  }
}

TEST_F(LeaseTest, LosesAtOnceWhenSomeoneElseHoldsTheLease) {
  Candidate& a = add("a");
  a.start(clock_);
  run(1s);
  ASSERT_TRUE(a.is_leader);
  const auto taken = clock_.now();
  store_.put_spec(other_spec("intruder", "t"));  // e.g. an operator's kubectl edit
  run(5s);
  EXPECT_FALSE(a.is_leader);
  EXPECT_LE(a.lost_at - taken, 2s + 100ms);  // at the next renewal, not the deadline
  EXPECT_EQ(a.elector.holder(), "intruder");
}

TEST_F(LeaseTest, ReleasesOnStopAndTheNextCandidateTakesOverAtOnce) {
  Candidate& a = started("a", 1s);
  ASSERT_TRUE(a.is_leader);
  Candidate& b = started("b", 10s);
  EXPECT_FALSE(b.is_leader);

  bool released = false;
  a.elector.stop([&] { released = true; });
  EXPECT_FALSE(a.elector.leader());
  EXPECT_EQ(a.downs, 0);  // stop() does not call on_change
  const auto stopped = clock_.now();
  run(25ms, 5ms);  // the release is written (10 ms each way); b has not read it yet
  EXPECT_TRUE(released);
  const auto release_written = a.last_write;
  EXPECT_EQ(spec()["holderIdentity"], "");
  EXPECT_EQ(spec()["leaseDurationSeconds"], 1);
  EXPECT_EQ(spec()["leaseTransitions"], 0);
  run(5s);
  ASSERT_TRUE(b.is_leader);
  // Within one event: the release's event, b's GET and PUT, 10 ms each way.
  EXPECT_LE(b.became_at - stopped, 100ms);
  EXPECT_LE(b.became_at - release_written, 50ms);
  EXPECT_EQ(spec()["leaseTransitions"], 1);

  // Stopping a candidate writes nothing.
  const std::size_t writes = store_.writes;
  bool done = false;
  a.elector.stop([&] { done = true; });
  run(100ms);
  EXPECT_TRUE(done);
  EXPECT_EQ(store_.writes, writes);
}

TEST_F(LeaseTest, ReleaseAfterARenewalThatReachedTheServerButWasCancelled) {
  Candidate& a = add("a");
  a.start(clock_);
  run(100ms);
  ASSERT_TRUE(a.is_leader);
  bool renewal_arrived = false;
  a.before_request = [&](const Request& request) {
    if (request.method == "PUT") renewal_arrived = true;
  };
  while (!renewal_arrived) clock_.advance(1ms);
  a.before_request = nullptr;
  // The renewal is written; its answer is 10 ms away when the elector stops.
  bool released = false;
  a.elector.stop([&] { released = true; });
  run(200ms);
  EXPECT_TRUE(released);
  EXPECT_EQ(spec()["holderIdentity"], "");  // 409, reread, released
  EXPECT_EQ(spec()["leaseDurationSeconds"], 1);
}

TEST_F(LeaseTest, NoReleaseWhenDisabledAndNoCallbackAfterDestruction) {
  auto options = Candidate::options("a", 1);
  options.release_on_stop = false;
  FakeClient client(clock_);
  client.set_server([this](const Request& r) { return store_.handle(r); }, 50ms);
  int changes = 0;
  {
    LeaseElector elector(client, clock_, options);
    elector.start([&](bool) { ++changes; });
    clock_.advance(1s);
    ASSERT_TRUE(elector.leader());
    const std::size_t writes = store_.writes;
    elector.stop();
    clock_.advance(1s);
    EXPECT_EQ(store_.writes, writes);
    EXPECT_EQ(spec()["holderIdentity"], "a");
    elector.start([&](bool) { ++changes; });
    clock_.advance(10ms);  // a request in flight when the elector goes
  }
  clock_.advance(60s);
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(client.count_open(), 0u);
}

TEST_F(LeaseTest, AFailedRenewalIsFollowedByAFreshRecord) {
  Candidate& a = add("a");
  a.start(clock_);
  run(5s);
  ASSERT_TRUE(a.is_leader);
  // Leadership lost at the renew deadline; the record still names a, so its next try renews
  // it (after a read: the fast path, an update without one, is for the leader only).
  a.net = Net::kRefused;
  for (int i = 0; i < 400 && a.downs == 0; ++i) run(50ms);
  ASSERT_EQ(a.downs, 1);
  a.net = Net::kUp;
  json lost;  // that update is written, its answer lost: it fails by its timeout, 10 s later
  a.lose_response = [&](const Request& request) {
    if (request.method != "PUT" || !lost.is_null()) return false;
    lost = json::parse(request.body)["spec"];
    return true;
  };
  for (int i = 0; i < 600 && a.ups < 2; ++i) run(50ms);
  ASSERT_FALSE(lost.is_null());
  ASSERT_EQ(a.ups, 2);
  // Then read, and written again as a new record: a renewal others can see as a change (the
  // same record again would be none, and they would time the lease from the lost write).
  EXPECT_EQ(spec()["holderIdentity"], "a");
  EXPECT_NE(spec()["renewTime"], lost["renewTime"]);
  EXPECT_EQ(spec()["acquireTime"], lost["acquireTime"]);
}

// Two candidates whose networks fail at random, each in its own way, for 120 rounds of 1 to
// 25 s. `split`: the watch's requests fail independently of the others, and its events lag
// by up to 5 s at times (a watch cache behind etcd).
void LeaseTest::never_two_leaders(std::uint32_t seed, bool split) {
  Candidate& a = add("a", 30ms);
  Candidate& b = add("b", 45ms);
  a.on_change = [&](bool leader) { EXPECT_FALSE(leader && b.elector.leader()); };
  b.on_change = [&](bool leader) { EXPECT_FALSE(leader && a.elector.leader()); };
  a.start(clock_);
  b.start(clock_);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, 4);
  std::uniform_int_distribution<int> seconds(1, 25);
  std::uniform_int_distribution<int> lag_ms(0, 5000);
  std::array<Candidate*, 2> both{&a, &b};
  const auto random_net = [&] {
    // Half the time it works.
    const int p = pick(rng);
    return p < 2 ? Net::kUp : static_cast<Net>(p - 1);
  };
  for (int round = 0; round < 120; ++round) {
    for (Candidate* c : both) {
      c->net = random_net();
      if (split) {
        c->watch_net = random_net();
        c->watch_lag = pick(rng) == 0 ? std::chrono::milliseconds(lag_ms(rng)) : 0ms;
      }
    }
    run(std::chrono::seconds(seconds(rng)));
    if (HasFatalFailure()) return;
  }
  // The election did move, more than once, in both directions.
  EXPECT_GE(a.ups, 2);
  EXPECT_GE(b.ups, 2);
  // With both reachable again, one of them leads within a lease duration and a retry.
  for (Candidate* c : both) {
    c->net = Net::kUp;
    c->watch_net.reset();
  }
  run(20s);
  EXPECT_TRUE(a.is_leader != b.is_leader);
}

TEST_F(LeaseTest, TwoCandidatesAreNeverLeadersAtOnce) {
  never_two_leaders(2024, false);
}

TEST_F(LeaseTest, TwoCandidatesAreNeverLeadersAtOnceWhenTheWatchFailsOnItsOwn) {
  never_two_leaders(161, true);
}

}  // namespace
}  // namespace vipd::k8s
