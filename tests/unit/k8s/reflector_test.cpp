#include "k8s/reflector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s_test_util.hpp"

namespace vipd::k8s {
namespace {

using test::FakeCall;
using test::FakeClient;
using test::json;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

json service(const std::string& ns, const std::string& name, const std::string& rv,
             const std::string& ip = "10.0.0.1") {
  return json{{"metadata", {{"namespace", ns}, {"name", name}, {"resourceVersion", rv}}},
              {"spec", {{"clusterIP", ip}}}};
}

json service_list(const std::vector<json>& items, const std::string& rv,
                  const std::string& next = "") {
  json metadata{{"resourceVersion", rv}};
  if (!next.empty()) metadata["continue"] = next;
  return json{
      {"kind", "ServiceList"}, {"apiVersion", "v1"}, {"metadata", metadata}, {"items", items}};
}

class ReflectorTest : public ::testing::Test {
 protected:
  ReflectorTest() : client_(clock_) {}

  void make(ReflectorOptions options = {}, ResourceType type = {}) {
    if (type.plural.empty())
      type = ResourceType{"/api/v1", "services", "Service", "v1", "", "", ""};
    options.seed = 7;
    reflector_ = std::make_unique<Reflector>(client_, clock_, type, options);
    reflector_->start([this] { ++changes_; });
  }

  // Lists one page with `items` at `rv`; returns the watch that follows.
  FakeCall& list(const std::vector<json>& items, const std::string& rv) {
    FakeCall& call = client_.last();
    EXPECT_FALSE(call.stream);
    EXPECT_THAT(call.request.path, Not(HasSubstr("watch=1")));
    FakeClient::respond(call, 200, service_list(items, rv));
    return watch();
  }
  FakeCall& watch() {
    FakeCall& call = client_.last();
    EXPECT_TRUE(call.stream);
    EXPECT_TRUE(call.open());
    return call;
  }
  // The wait before the next request, as armed now.
  event::Duration wait() const { return clock_.next_deadline() - clock_.now(); }

  event::SimClock clock_;
  FakeClient client_;
  std::unique_ptr<Reflector> reflector_;
  int changes_ = 0;
};

TEST_F(ReflectorTest, PaginatedListThenWatchFromItsResourceVersion) {
  ReflectorOptions options;
  options.page_size = 2;
  make(options);
  ASSERT_EQ(client_.calls().size(), 1u);
  EXPECT_EQ(client_.last().request.path, "/api/v1/services?limit=2");
  EXPECT_FALSE(reflector_->synced());

  FakeClient::respond(
      client_.last(), 200,
      service_list({service("a", "s1", "5"), service("a", "s2", "6")}, "9", "tok/1+"));
  ASSERT_EQ(client_.calls().size(), 2u);
  EXPECT_EQ(client_.last().request.path, "/api/v1/services?limit=2&continue=tok%2F1%2B");
  EXPECT_FALSE(reflector_->synced());
  EXPECT_EQ(changes_, 0);

  FakeClient::respond(client_.last(), 200, service_list({service("", "cluster-wide", "7")}, "9"));
  EXPECT_TRUE(reflector_->synced());
  EXPECT_EQ(changes_, 1);
  EXPECT_EQ(reflector_->resource_version(), "9");
  const auto& objects = reflector_->objects();
  ASSERT_EQ(objects.size(), 3u);
  ASSERT_TRUE(objects.count("a/s1"));
  EXPECT_TRUE(objects.count("cluster-wide"));
  EXPECT_EQ(objects.at("a/s1")["kind"], "Service");
  EXPECT_EQ(objects.at("a/s1")["apiVersion"], "v1");
  EXPECT_EQ(reflector_->stats().lists, 1u);

  FakeCall& w = watch();
  EXPECT_EQ(
      w.request.path,
      "/api/v1/services?watch=1&resourceVersion=9&allowWatchBookmarks=true&timeoutSeconds=300");
  EXPECT_EQ(reflector_->stats().watches, 1u);
}

TEST_F(ReflectorTest, NamespaceAndSelectorsInThePath) {
  make({}, ResourceType{"/apis/metallb.io/v1beta1", "ipaddresspools", "IPAddressPool",
                        "metallb.io/v1beta1", "metallb-system", "app in (a,b)", "spec.x=y"});
  EXPECT_EQ(client_.last().request.path,
            "/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools?limit=500"
            "&labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=spec.x%3Dy");
  FakeCall& w = list({}, "3");
  EXPECT_EQ(w.request.path,
            "/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools?watch=1"
            "&resourceVersion=3&allowWatchBookmarks=true&timeoutSeconds=300"
            "&labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=spec.x%3Dy");
  EXPECT_EQ(changes_, 1);  // the first list is reported even when empty
}

TEST_F(ReflectorTest, WatchEventsApplied) {
  make();
  FakeCall& w = list({service("a", "s1", "5")}, "5");
  FakeClient::event(w, "ADDED", service("a", "s2", "6"));
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(reflector_->objects().size(), 2u);
  EXPECT_EQ(reflector_->objects().at("a/s2")["kind"], "Service");

  FakeClient::event(w, "MODIFIED", service("a", "s1", "7", "10.0.0.9"));
  EXPECT_EQ(changes_, 3);
  EXPECT_EQ(reflector_->objects().at("a/s1")["spec"]["clusterIP"], "10.0.0.9");

  // The same object again (a re-sent event) changes nothing visible.
  FakeClient::event(w, "MODIFIED", service("a", "s1", "7", "10.0.0.9"));
  EXPECT_EQ(changes_, 3);

  FakeClient::event(w, "DELETED", service("a", "s2", "8"));
  EXPECT_EQ(changes_, 4);
  EXPECT_FALSE(reflector_->objects().count("a/s2"));
  // Deleting what is not there: nothing changes but the resourceVersion.
  FakeClient::event(w, "DELETED", service("a", "nope", "9"));
  EXPECT_EQ(changes_, 4);
  EXPECT_EQ(reflector_->resource_version(), "9");
  EXPECT_EQ(reflector_->stats().events, 5u);
  EXPECT_EQ(reflector_->stats().errors, 0u);
}

TEST_F(ReflectorTest, BookmarkMovesResourceVersionAndAnEndedStreamResumesWithoutList) {
  make();
  FakeCall& w = list({service("a", "s1", "5")}, "5");
  FakeClient::event(w, "BOOKMARK",
                    json{{"kind", "Service"}, {"metadata", {{"resourceVersion", "42"}}}});
  EXPECT_EQ(reflector_->resource_version(), "42");
  EXPECT_EQ(reflector_->stats().bookmarks, 1u);
  EXPECT_EQ(changes_, 1);

  // The server's timeoutSeconds ends the stream: the next watch starts at once from 42.
  clock_.advance(300s);
  const std::size_t before = client_.calls().size();
  FakeClient::end(w);
  ASSERT_EQ(client_.calls().size(), before + 1);
  FakeCall& next = watch();
  EXPECT_THAT(next.request.path, HasSubstr("resourceVersion=42&"));
  EXPECT_EQ(reflector_->stats().lists, 1u);

  // A cut mid-stream (curl reports the 200 with an error) resumes the same way.
  FakeClient::event(next, "ADDED", service("a", "s2", "43"));
  FakeClient::respond(next, Response{200, "", "HTTP/2 stream 1 was not closed cleanly", {}});
  FakeCall& third = watch();
  EXPECT_THAT(third.request.path, HasSubstr("resourceVersion=43&"));
  EXPECT_EQ(reflector_->stats().lists, 1u);
  EXPECT_EQ(reflector_->stats().watches, 3u);
  EXPECT_EQ(reflector_->stats().errors, 0u);
}

TEST_F(ReflectorTest, VeryShortEmptyWatchBacksOff) {
  make();
  FakeCall& w = list({}, "5");
  const std::size_t before = client_.calls().size();
  FakeClient::end(w);  // closed at once, nothing sent
  EXPECT_EQ(client_.calls().size(), before);
  EXPECT_EQ(reflector_->stats().errors, 1u);
  EXPECT_THAT(reflector_->last_error(), HasSubstr("within a second"));
  EXPECT_GE(wait(), 800ms);
  clock_.advance(wait());
  EXPECT_THAT(watch().request.path, HasSubstr("resourceVersion=5&"));
}

TEST_F(ReflectorTest, GoneRelists) {
  make();
  FakeCall& w = list({service("a", "s1", "5"), service("a", "s2", "5")}, "5");
  FakeClient::end(w, 410);
  FakeCall& relist = client_.last();
  EXPECT_FALSE(relist.stream);
  EXPECT_EQ(relist.request.path, "/api/v1/services?limit=500");
  // The relist finds s2 gone: the cache follows it.
  FakeCall& w2 = list({service("a", "s1", "20")}, "20");
  EXPECT_EQ(reflector_->stats().lists, 2u);
  EXPECT_EQ(reflector_->stats().relists_gone, 1u);
  EXPECT_EQ(reflector_->objects().size(), 1u);
  EXPECT_EQ(changes_, 2);
  EXPECT_THAT(w2.request.path, HasSubstr("resourceVersion=20&"));

  // The same as an ERROR event in the stream (the usual way: "too old resource version").
  FakeClient::event(w2, "ADDED", service("a", "s3", "21"));
  FakeClient::line(
      w2,
      R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (21)","reason":"Expired","code":410}})json");
  EXPECT_TRUE(w2.cancelled);
  EXPECT_FALSE(client_.last().stream);
  list({service("a", "s1", "30"), service("a", "s3", "30")}, "30");
  EXPECT_EQ(reflector_->stats().relists_gone, 2u);
  EXPECT_EQ(reflector_->stats().errors, 0u);
}

TEST_F(ReflectorTest, RepeatedGoneWithoutEventsBacksOff) {
  make();
  FakeCall& w = list({}, "5");
  FakeClient::end(w, 410);
  FakeCall& w2 = list({}, "6");
  const std::size_t before = client_.calls().size();
  FakeClient::end(w2, 410);  // again, with no event between: not at once
  EXPECT_EQ(client_.calls().size(), before);
  clock_.advance(wait());
  EXPECT_FALSE(client_.last().stream);
  list({}, "7");
  EXPECT_EQ(reflector_->stats().relists_gone, 2u);
}

TEST_F(ReflectorTest, ExpiredContinueTokenRestartsTheList) {
  ReflectorOptions options;
  options.page_size = 1;
  make(options);
  FakeClient::respond(client_.last(), 200, service_list({service("a", "s1", "5")}, "5", "c1"));
  FakeClient::respond(client_.last(), 410,
                      json{{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}});
  EXPECT_EQ(client_.last().request.path, "/api/v1/services?limit=1");
  FakeClient::respond(client_.last(), 200, service_list({service("a", "s2", "8")}, "8"));
  EXPECT_TRUE(reflector_->synced());
  // The first attempt's page is not mixed into the result.
  EXPECT_EQ(reflector_->objects().size(), 1u);
  EXPECT_TRUE(reflector_->objects().count("a/s2"));
}

TEST_F(ReflectorTest, BackoffGrowsWithJitterCapsAndResets) {
  ReflectorOptions options;
  options.jitter = 1.0;
  make(options);
  FakeCall* w = &list({}, "5");
  std::vector<event::Duration> waits;
  auto base = 800ms;
  for (int i = 0; i < 9; ++i) {
    FakeClient::respond(*w, 500, json{{"kind", "Status"}, {"message", "etcd is sad"}});
    EXPECT_THAT(reflector_->last_error(), HasSubstr("HTTP 500: etcd is sad"));
    const auto delay = wait();
    EXPECT_GE(delay, base) << i;
    EXPECT_LE(delay, 2 * base) << i;
    base = std::min<std::chrono::milliseconds>(base * 2, 30s);
    waits.push_back(delay);
    clock_.advance(delay);
    w = &watch();
    EXPECT_THAT(w->request.path, HasSubstr("resourceVersion=5&"));  // no relist on errors
  }
  EXPECT_EQ(reflector_->stats().lists, 1u);
  EXPECT_EQ(reflector_->stats().errors, 9u);
  // Jitter: not all the same fraction of the base.
  EXPECT_NE(waits[0] * 2, waits[1]);

  // A watch that works resets the backoff.
  FakeClient::event(*w, "ADDED", service("a", "s1", "6"));
  clock_.advance(5s);
  FakeClient::end(*w);
  EXPECT_TRUE(reflector_->last_error().empty());
  w = &watch();
  FakeClient::respond(*w, Response{0, "", "Connection refused", {}});
  EXPECT_THAT(reflector_->last_error(), HasSubstr("transport: Connection refused"));
  EXPECT_GE(wait(), 800ms);
  EXPECT_LE(wait(), 1600ms);
}

TEST_F(ReflectorTest, ListErrorsBackOffAndKeepTheCache) {
  make();
  FakeClient::respond(client_.last(), Response{503, "not json", {}, {}});
  EXPECT_FALSE(reflector_->synced());
  EXPECT_THAT(reflector_->last_error(), HasSubstr("list: HTTP 503: not json"));
  clock_.advance(wait());
  FakeClient::respond(client_.last(), Response{200, "{\"items\": 5}", {}, {}});
  EXPECT_THAT(reflector_->last_error(), HasSubstr("not a JSON list"));
  clock_.advance(wait());
  FakeClient::respond(client_.last(), Response{200, "{\"items\": []}", {}, {}});
  EXPECT_THAT(reflector_->last_error(), HasSubstr("no resourceVersion"));
  clock_.advance(wait());
  list({service("a", "s1", "5")}, "5");
  EXPECT_TRUE(reflector_->synced());
  EXPECT_TRUE(reflector_->last_error().empty());
  EXPECT_EQ(reflector_->stats().errors, 3u);
}

TEST_F(ReflectorTest, RetryAfterOfTooManyRequestsIsWaitedUpToTheBackoffCap) {
  make();
  // 429 with Retry-After 20: the server's wait, not the 0.8-1.6 s backoff.
  Response busy{429, R"({"kind":"Status","reason":"TooManyRequests"})", {}, {}};
  busy.retry_after = std::chrono::seconds(20);
  FakeClient::respond(client_.last(), busy);
  EXPECT_EQ(wait(), 20s);
  clock_.advance(wait());
  // 503 asking for two minutes: at most backoff_max (30 s).
  Response away{503, "", {}, {}};
  away.retry_after = std::chrono::seconds(120);
  FakeClient::respond(client_.last(), away);
  EXPECT_EQ(wait(), 30s);
  clock_.advance(wait());
  // Another status with the header: the backoff alone (third failure: 3.2-6.4 s).
  Response broken{500, "", {}, {}};
  broken.retry_after = std::chrono::seconds(25);
  FakeClient::respond(client_.last(), broken);
  EXPECT_GE(wait(), 3200ms);
  EXPECT_LE(wait(), 6400ms);
  clock_.advance(wait());
  // The watch too.
  FakeCall& w = list({service("a", "s1", "5")}, "5");
  Response watch_busy{429, "", {}, {}};
  watch_busy.retry_after = std::chrono::seconds(9);
  FakeClient::respond(w, watch_busy);
  EXPECT_THAT(reflector_->last_error(), HasSubstr("HTTP 429"));
  EXPECT_GE(wait(), 9s);
}

TEST_F(ReflectorTest, ResyncRemovesAnObjectTheWatchMissed) {
  ReflectorOptions options;
  options.resync = 600s;
  make(options);
  FakeCall& w = list({service("a", "s1", "5"), service("a", "s2", "5")}, "5");
  EXPECT_EQ(changes_, 1);
  clock_.advance(599s);
  EXPECT_TRUE(w.open());
  clock_.advance(1s);
  // The watch stops; a consistent list replaces the cache.
  EXPECT_TRUE(w.cancelled);
  FakeCall& w2 = list({service("a", "s1", "5")}, "50");
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(reflector_->objects().size(), 1u);
  EXPECT_THAT(w2.request.path, HasSubstr("resourceVersion=50&"));
  EXPECT_EQ(reflector_->stats().lists, 2u);
  EXPECT_EQ(reflector_->stats().relists_gone, 0u);

  // Nothing drifted: no on_change.
  clock_.advance(600s);
  list({service("a", "s1", "5")}, "60");
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(reflector_->stats().lists, 3u);
}

TEST_F(ReflectorTest, ResyncDuringBackoffListsInsteadOfWatching) {
  ReflectorOptions options;
  options.resync = 60s;
  options.backoff_initial = 50s;
  options.backoff_max = 50s;
  options.jitter = 0;
  make(options);
  FakeCall& w = list({}, "5");
  clock_.advance(30s);
  FakeClient::end(w, 500);  // retry at 80 s; the resync at 60 s turns it into a list
  clock_.advance(50s);
  EXPECT_FALSE(client_.last().stream);
  list({}, "9");
  EXPECT_EQ(reflector_->stats().lists, 2u);
}

TEST_F(ReflectorTest, BadWatchInputRestartsFromTheLastGoodResourceVersion) {
  ReflectorOptions options;
  options.resync = 0s;  // only the backoff timer runs
  make(options);
  FakeCall* w = &list({}, "5");
  FakeClient::event(*w, "ADDED", service("a", "s1", "6"));
  const std::vector<std::string> bad = {
      "{not json",
      "[1,2]",
      R"({"type":"ADDED"})",
      R"({"type":"ADDED","object":[]})",
      R"({"type":"ADDED","object":{"metadata":{"name":"x"}}})",             // no resourceVersion
      R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"7"}}})",  // no name
      R"({"type":"ADDED","object":{"metadata":{"name":5,"resourceVersion":"7"}}})",
      R"({"type":"ADDED","object":{"metadata":"x"}})",
      R"({"type":"SOMETHING","object":{"metadata":{"name":"x","resourceVersion":"7"}}})",
      R"({"type":"ERROR","object":{"code":"410"}})",
      R"({"type":"ERROR","object":{"kind":"Status","code":500,"message":"internal"}})",
      R"({"type":7,"object":{}})",
      std::string("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"\xff\xfe\"}}}"),
  };
  std::uint64_t errors = 0;
  for (const auto& line : bad) {
    FakeClient::line(*w, line);
    EXPECT_TRUE(w->cancelled) << line;
    EXPECT_EQ(reflector_->stats().errors, ++errors) << line;
    clock_.advance(wait());
    w = &watch();
    EXPECT_THAT(w->request.path, HasSubstr("resourceVersion=6&")) << line;
  }
  EXPECT_EQ(reflector_->stats().lists, 1u);
  EXPECT_EQ(reflector_->objects().size(), 1u);
  // Blank lines (keep-alives of some proxies) are not errors.
  FakeClient::line(*w, "");
  FakeClient::line(*w, "\r");
  EXPECT_TRUE(w->open());
}

TEST_F(ReflectorTest, LinesAfterAnAbortAreIgnored) {
  make();
  FakeCall& w = list({}, "5");
  FakeClient::line(w, "garbage");
  // A Client that still delivered (it must not) would not reach the cache.
  w.cancelled = false;
  FakeClient::event(w, "ADDED", service("a", "s1", "6"));
  EXPECT_TRUE(reflector_->objects().empty());
}

TEST_F(ReflectorTest, StopCancelsAndStartResumes) {
  make();
  FakeCall& w = list({service("a", "s1", "5")}, "5");
  reflector_->stop();
  EXPECT_TRUE(w.cancelled);
  EXPECT_EQ(client_.count_open(), 0u);
  clock_.advance(3600s);
  EXPECT_EQ(client_.count_open(), 0u);
  reflector_->start([this] { ++changes_; });
  EXPECT_THAT(watch().request.path, HasSubstr("resourceVersion=5&"));
  reflector_.reset();
  EXPECT_EQ(client_.count_open(), 0u);
}

}  // namespace
}  // namespace vipd::k8s
