// CurlClient, Reflector and LeaseElector together against the fake Kubernetes API server
// (tests/k8s/fake_apiserver.py) over HTTPS on 127.0.0.1, with real time: its kubeconfig, its
// watch cuts, compaction (410), bookmarks, tokens and client certificates. Skipped when the
// server script is not in the tree (VIPD_FAKE_APISERVER may name another copy).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "event/asio_clock.hpp"
#include "k8s/config.hpp"
#include "k8s/lease.hpp"
#include "k8s/reflector.hpp"
#include "k8s_test_util.hpp"

namespace vipd::k8s {
namespace {

using test::ChildProcess;
using test::json;
using test::run_until;
using test::TempDir;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string fake_apiserver_path() {
  if (const char* path = std::getenv("VIPD_FAKE_APISERVER")) return path;
  return std::string(VIPD_SOURCE_DIR) + "/tests/k8s/fake_apiserver.py";
}

json service_manifest(const std::string& name) {
  return json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec", {{"type", "LoadBalancer"}, {"ports", {{{"port", 80}}}}}}};
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string script = fake_apiserver_path();
    if (!std::filesystem::exists(script)) GTEST_SKIP() << script << " is not there";
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"python3", script, "--port", "0", "--port-file", dir_.file("port"),
                                 "--tls-dir", dir_.file("tls"), "--client-ca",
                                 dir_.file("tls/ca.crt"), "--token", "secret", "--kubeconfig",
                                 dir_.file("kubeconfig"), "--bookmark-interval", "1"},
        dir_.file("server.log"));
    ASSERT_GT(test::wait_for_port(*server_, dir_.file("port"), 60s), 0) << server_->log();
    auto config = load_kubeconfig(dir_.file("kubeconfig"));
    ASSERT_TRUE(config.ok()) << config.error();
    config_ = *config;
    ASSERT_EQ(config_.server.rfind("https://127.0.0.1:", 0), 0u) << config_.server;
    ASSERT_FALSE(config_.ca_data.empty());
    client_ = std::make_unique<CurlClient>(io_, config_);
  }
  void TearDown() override {
    client_.reset();
    if (server_ && HasFailure()) std::cerr << server_->log();
  }

  Response call(Client& client, Request request) {
    std::optional<Response> out;
    client.request(std::move(request), [&](Response r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.has_value(); }));
    return out.value_or(Response{});
  }
  // The fake's control API (/_fake/OP).
  json control(const std::string& op, const json& body) {
    Response r =
        call(*client_, Request{"POST", "/_fake/" + op, body.dump(), "application/json", 10000ms});
    EXPECT_EQ(r.status, 200) << op << ": " << r.body << r.transport_error;
    return json::parse(r.body, nullptr, false);
  }
  void pause(std::chrono::milliseconds d) {
    run_until(
        io_, [] { return false; }, d);
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
  asio::io_context io_;
  event::AsioClock clock_{io_};
  ApiConfig config_;
  std::unique_ptr<CurlClient> client_;
};

TEST_F(ApiServerTest, ReflectorFollowsListWatchCutsAndCompaction) {
  control("load",
          json::array({service_manifest("s1"), service_manifest("s2"), service_manifest("s3")}));
  ReflectorOptions options;
  options.page_size = 2;  // two pages
  Reflector services(*client_, clock_,
                     ResourceType{"/api/v1", "services", "Service", "v1", "default", "", ""},
                     options);
  int changes = 0;
  services.start([&] { ++changes; });
  ASSERT_TRUE(run_until(io_, [&] { return services.synced(); })) << services.last_error();
  EXPECT_EQ(services.objects().size(), 3u);
  EXPECT_EQ(services.objects().at("default/s1")["kind"], "Service");
  EXPECT_EQ(services.objects().at("default/s1")["apiVersion"], "v1");
  EXPECT_EQ(changes, 1);

  // Events through the watch.
  control("load", json::array({service_manifest("s4")}));
  ASSERT_TRUE(run_until(io_, [&] { return services.objects().count("default/s4") > 0; }));
  control("delete", json::array({service_manifest("s2")}));
  ASSERT_TRUE(run_until(io_, [&] { return services.objects().count("default/s2") == 0; }));
  // Bookmarks every second move the resourceVersion.
  ASSERT_TRUE(run_until(io_, [&] { return services.stats().bookmarks > 0; }));

  // A watch cut in the middle of an event: resumed from the last resourceVersion, no relist,
  // and the event arrives on the new watch.
  const auto watches = services.stats().watches;
  EXPECT_EQ(control("cut", json{{"mode", "mid-event"}})["cut"], 1);
  control("load", json::array({service_manifest("s5")}));
  ASSERT_TRUE(run_until(io_, [&] { return services.objects().count("default/s5") > 0; }));
  EXPECT_GT(services.stats().watches, watches);
  EXPECT_EQ(services.stats().lists, 1u);
  // A connection dropped without a word: the same.
  control("cut", json{{"mode", "drop"}});
  control("load", json::array({service_manifest("s6")}));
  ASSERT_TRUE(run_until(io_, [&] { return services.objects().count("default/s6") > 0; }));
  EXPECT_EQ(services.stats().lists, 1u);

  // The next watch is held back while the server compacts past the reflector's
  // resourceVersion: 410, a relist, and the cache has what happened meanwhile.
  control("stall", json{{"ms", 1500}, {"path", "/services$"}, {"count", 1}});
  control("cut", json{{"mode", "clean"}});
  pause(300ms);
  control("load", json::array({service_manifest("s7")}));
  control("delete", json::array({service_manifest("s1")}));
  control("compact", json::object());
  ASSERT_TRUE(run_until(
      io_, [&] { return services.stats().relists_gone == 1; }, 15s))
      << services.last_error();
  ASSERT_TRUE(run_until(io_, [&] { return services.objects().count("default/s7") > 0; }));
  EXPECT_EQ(services.objects().count("default/s1"), 0u);
  EXPECT_EQ(services.stats().lists, 2u);
  std::vector<std::string> keys;
  for (const auto& [key, object] : services.objects()) keys.push_back(key);
  EXPECT_THAT(keys, ::testing::ElementsAre("default/s3", "default/s4", "default/s5", "default/s6",
                                           "default/s7"));
  services.stop();
}

TEST_F(ApiServerTest, ReflectorBacksOffWhileTheServerFails) {
  ReflectorOptions options;
  options.backoff_initial = 200ms;
  Reflector services(*client_, clock_,
                     ResourceType{"/api/v1", "services", "Service", "v1", "", "", ""}, options);
  control("fail", json{{"code", 500}, {"path", "/services$"}, {"count", 3}});
  services.start([] {});
  ASSERT_TRUE(run_until(
      io_, [&] { return services.synced(); }, 20s));
  // Three failures, three waits of 0.2-0.4, 0.4-0.8, 0.8-1.6 s.
  EXPECT_EQ(services.stats().errors, 3u);
  EXPECT_TRUE(services.last_error().empty());
}

LeaseOptions short_lease(const std::string& identity) {
  LeaseOptions o;
  o.namespace_ = "default";
  o.name = "vipd-test";
  o.identity = identity;
  o.lease_duration = 3s;
  o.renew_deadline = 2s;
  o.retry_period = 500ms;
  return o;
}

// metav1.MicroTime ("2006-01-02T15:04:05.000000Z") as a wall clock time.
std::chrono::system_clock::time_point parse_micro_time(const std::string& text) {
  std::tm utc{};
  long micros = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6ldZ", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &micros) != 7) {
    ADD_FAILURE() << "not a MicroTime: " << text;
    return {};
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(::timegm(&utc)) + std::chrono::microseconds(micros);
}

TEST_F(ApiServerTest, LeaseElectionHandsOverOnRelease) {
  auto options = short_lease;
  CurlClient client_b(io_, config_);
  LeaseElector a(*client_, clock_, options("node-a"));
  LeaseElector b(client_b, clock_, options("node-b"));
  bool a_leader = false, b_leader = false;
  a.start([&](bool leader) {
    a_leader = leader;
    EXPECT_FALSE(leader && b_leader);
  });
  ASSERT_TRUE(run_until(io_, [&] { return a_leader; })) << a.last_error();
  b.start([&](bool leader) {
    b_leader = leader;
    EXPECT_FALSE(leader && a_leader);
  });
  pause(4s);  // more than a lease duration: a renews, b waits
  EXPECT_TRUE(a_leader);
  EXPECT_FALSE(b_leader);
  EXPECT_EQ(b.holder(), "node-a");

  Response lease = call(*client_, Request{"GET",
                                          "/apis/coordination.k8s.io/v1/namespaces/default/"
                                          "leases/vipd-test",
                                          "", "application/json", 5000ms});
  ASSERT_EQ(lease.status, 200) << lease.body;
  json spec = json::parse(lease.body)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "node-a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 3);

  bool released = false;
  const auto stopped = std::chrono::steady_clock::now();
  a.stop([&] { released = true; });
  a_leader = a.leader();  // stop() does not call on_change
  EXPECT_FALSE(a_leader);
  ASSERT_TRUE(run_until(io_, [&] { return released && b_leader; }));
  // At b's watch event of the release, not on its next retry tick (0.5 s plus up to 0.6 s of
  // jitter), nor a lease duration later.
  const auto took = std::chrono::steady_clock::now() - stopped;
  EXPECT_LT(took, 500ms);
  RecordProperty(
      "release_takeover_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  std::printf("[ MEASURED ] takeover after release: %.1f ms\n",
              std::chrono::duration<double, std::milli>(took).count());
  b.stop();
  bool done = false;
  a.stop([&] { done = true; });
  ASSERT_TRUE(run_until(io_, [&] { return done; }));
}

TEST_F(ApiServerTest, LeaseElectionTakesOverALeaseDurationAfterTheHolderDies) {
  CurlClient client_b(io_, config_);
  LeaseOptions killed_options = short_lease("node-a");
  killed_options.release_on_stop = false;  // as after SIGKILL: no release
  LeaseElector a(*client_, clock_, killed_options);
  LeaseElector b(client_b, clock_, short_lease("node-b"));
  bool a_leader = false, b_leader = false;
  a.start([&](bool leader) { a_leader = leader; });
  ASSERT_TRUE(run_until(io_, [&] { return a_leader; })) << a.last_error();
  b.start([&](bool leader) {
    b_leader = leader;
    EXPECT_FALSE(leader && a_leader);
  });
  pause(4s);
  ASSERT_TRUE(a_leader);
  ASSERT_FALSE(b_leader);

  bool stopped = false;
  a.stop([&] { stopped = true; });
  const auto killed = std::chrono::steady_clock::now();
  a_leader = false;
  ASSERT_TRUE(run_until(io_, [&] { return stopped; }));
  pause(200ms);  // a renewal cancelled by stop() may still be on its way to the server
  const Request get_lease{"GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/vipd-test",
                          "", "application/json", 5000ms};
  Response before = call(*client_, get_lease);
  ASSERT_EQ(before.status, 200) << before.body;
  const json last = json::parse(before.body)["spec"];
  ASSERT_EQ(last["holderIdentity"], "node-a");

  ASSERT_TRUE(run_until(
      io_, [&] { return b_leader; }, 10s))
      << b.last_error();
  const auto took = std::chrono::steady_clock::now() - killed;
  Response after = call(*client_, get_lease);
  ASSERT_EQ(after.status, 200) << after.body;
  const json taken = json::parse(after.body)["spec"];
  EXPECT_EQ(taken["holderIdentity"], "node-b");
  EXPECT_EQ(taken["leaseTransitions"], last["leaseTransitions"].get<int>() + 1);
  // From a's last renewal (its renewTime) to b's acquisition (its acquireTime), both by this
  // machine's clock: the lease duration (3 s) and b's read and write, not up to 2.2 retry
  // periods more; well within the target of the lease duration + 1 s.
  const auto gap = parse_micro_time(taken["acquireTime"]) - parse_micro_time(last["renewTime"]);
  EXPECT_GE(gap, 3s);
  EXPECT_LE(gap, 3s + 1s);
  EXPECT_LE(took, 3s + 1s);
  RecordProperty(
      "death_takeover_after_last_renewal_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()));
  std::printf(
      "[ MEASURED ] takeover after the holder died: %.1f ms after its last renewal, "
      "%.1f ms after it stopped\n",
      std::chrono::duration<double, std::milli>(gap).count(),
      std::chrono::duration<double, std::milli>(took).count());
  b.stop();
}

TEST_F(ApiServerTest, ClientCertificateAndTokenRotation) {
  const Request namespaces{"GET", "/api/v1/namespaces", "", "application/json", 5000ms};
  ApiConfig anonymous = config_;
  anonymous.token.clear();
  CurlClient nobody(io_, anonymous);
  EXPECT_EQ(call(nobody, namespaces).status, 401);

  ApiConfig by_file = anonymous;
  by_file.client_certificate_file = dir_.file("tls/client.crt");
  by_file.client_key_file = dir_.file("tls/client.key");
  CurlClient cert_file(io_, by_file);
  Response r = call(cert_file, namespaces);
  EXPECT_EQ(r.status, 200) << r.body << r.transport_error;

  ApiConfig by_data = anonymous;
  std::ifstream cert(dir_.file("tls/client.crt")), key(dir_.file("tls/client.key"));
  std::stringstream cert_text, key_text;
  cert_text << cert.rdbuf();
  key_text << key.rdbuf();
  by_data.client_certificate_data = cert_text.str();
  by_data.client_key_data = key_text.str();
  CurlClient cert_data(io_, by_data);
  EXPECT_EQ(call(cert_data, namespaces).status, 200);

  // A bound service-account token rotates: the old one expires, the file has the new one.
  ApiConfig rotating = anonymous;
  rotating.token_file = dir_.write("token", "secret\n");
  CurlClient with_file(io_, rotating);
  EXPECT_EQ(call(with_file, namespaces).status, 200);
  control("tokens", json{{"add", "rotated"}, {"expire", "secret"}});
  EXPECT_EQ(call(with_file, namespaces).status, 401);
  dir_.write("token", "rotated\n");
  Response after = call(with_file, namespaces);
  EXPECT_EQ(after.status, 200) << after.body;
}

}  // namespace
}  // namespace vipd::k8s
