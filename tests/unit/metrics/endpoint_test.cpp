// metrics::Endpoint over loopback: /metrics, /healthz and /readyz answered from jobs on an
// event loop (a thread of the test runs the io_context, as the daemon's main thread does), a
// loop that does not answer in time, close(), and the listen address syntax.
#include "metrics/endpoint.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace vipd::metrics {
namespace {

struct Reply {
  long status = 0;
  std::string body;
  std::string content_type;
};

// A GET with libcurl (the test is the client; nothing here speaks HTTP by hand).
Reply http_get(std::uint16_t port, const std::string& path, bool ipv6 = false) {
  Reply reply;
  CURL* curl = curl_easy_init();
  const std::string url =
      (ipv6 ? "http://[::1]:" : "http://127.0.0.1:") + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t size, std::size_t n, void* out) {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (type) reply.content_type = type;
  }
  curl_easy_cleanup(curl);
  return reply;
}

// The daemon's loop on a thread: kept running by a work guard until the fixture ends.
class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    endpoint_.reset();
    work_.reset();
    io_.stop();
    loop_.join();
  }
  void start(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
             ListenAddress listen = {*IpAddress::parse("127.0.0.1"), 0}) {
    EndpointOptions options;
    options.listen = listen;
    options.loop_timeout = timeout;
    options.version = "9.9.9";
    auto collect = [this](Families& f) {
      // Runs on the loop thread, never on the server's.
      on_loop_ = std::this_thread::get_id() == loop_.get_id();
      f.gauge("metallb_bgp_session_up", "BGP session state (1 is up, 0 is down)",
              {{"peer", "10.0.0.2:179"}, {"vrf", "default"}}, session_up_);
    };
    auto not_ready = [this] { return reasons_; };
    auto started = Endpoint::start(io_, options, collect, not_ready);
    ASSERT_TRUE(started) << started.error();
    endpoint_ = std::move(*started);
    ASSERT_NE(endpoint_->port(), 0);
  }
  // Blocks the loop for `d` (a handler that takes long).
  void block_loop(std::chrono::milliseconds d) {
    asio::post(io_, [d] { std::this_thread::sleep_for(d); });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread loop_;
  std::unique_ptr<Endpoint> endpoint_;
  std::atomic<bool> on_loop_{false};
  // Written by the test before requests, read on the loop: the post orders them.
  double session_up_ = 1;
  std::vector<std::string> reasons_;
};

TEST_F(EndpointTest, MetricsAreCollectedOnTheLoopAndServedAsText) {
  start();
  Reply r = http_get(endpoint_->port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(on_loop_);
  EXPECT_NE(r.body.find("# TYPE metallb_bgp_session_up gauge\n"
                        "metallb_bgp_session_up{peer=\"10.0.0.2:179\",vrf=\"default\"} 1\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("vipd_build_info{version=\"9.9.9\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
  EXPECT_NE(r.body.find("vipd_metrics_loop_timeouts_total 0\n"), std::string::npos);
}

TEST_F(EndpointTest, ProbesSayAliveAndWhyNotReady) {
  start();
  EXPECT_EQ(http_get(endpoint_->port(), "/healthz").status, 200);
  Reply ready = http_get(endpoint_->port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ok\n");
  asio::post(io_, [this] { reasons_ = {"vipd is starting", "lb: no cluster yet"}; });
  Reply not_ready = http_get(endpoint_->port(), "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, "vipd is starting\nlb: no cluster yet\n");
}

TEST_F(EndpointTest, OnlyItsPathsAndGet) {
  start();
  EXPECT_EQ(http_get(endpoint_->port(), "/metricsx").status, 404);
  EXPECT_EQ(http_get(endpoint_->port(), "/").status, 404);
}

TEST_F(EndpointTest, ALoopThatDoesNotAnswerFailsTheRequestInTime) {
  start(std::chrono::milliseconds(200));
  block_loop(std::chrono::milliseconds(1000));
  const auto t0 = std::chrono::steady_clock::now();
  Reply r = http_get(endpoint_->port(), "/metrics");
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("did not answer within 200 ms"), std::string::npos) << r.body;
  EXPECT_LT(waited, std::chrono::milliseconds(900));
  EXPECT_EQ(http_get(endpoint_->port(), "/healthz").status, 503);
  // Once the loop runs again, the next scrape works and counts the failures.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  Reply after = http_get(endpoint_->port(), "/metrics");
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(after.body.find("vipd_metrics_loop_timeouts_total 2\n"), std::string::npos)
      << after.body;
}

TEST_F(EndpointTest, AfterCloseNoJobRunsAndRequestsFailAtOnce) {
  start();
  std::atomic<bool> closed{false};
  asio::post(io_, [&] {
    endpoint_->close();
    closed = true;
  });
  while (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(http_get(endpoint_->port(), "/metrics").status, 503);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
}

TEST_F(EndpointTest, ListensOnIpv6Loopback) {
  start(std::chrono::milliseconds(2000), {*IpAddress::parse("::1"), 0});
  EXPECT_EQ(http_get(endpoint_->port(), "/healthz", true).status, 200);
}

TEST_F(EndpointTest, APortInUseIsAnError) {
  start();
  EndpointOptions options;
  options.listen = {*IpAddress::parse("127.0.0.1"), endpoint_->port()};
  auto second = Endpoint::start(io_, options, {}, {});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("cannot listen on 127.0.0.1:"), std::string::npos)
      << second.error();
}

TEST(ListenAddress, ParsesBothFamilies) {
  auto v4 = parse_listen_address("127.0.0.1:7472");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address.to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port, 7472);
  auto v6 = parse_listen_address("[::1]:7472");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address.to_string(), "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:7472");
  EXPECT_TRUE(parse_listen_address("[::]:7472"));
  EXPECT_TRUE(parse_listen_address("0.0.0.0:0"));
}

TEST(ListenAddress, RefusesWhatIsNotAddrPort) {
  for (auto bad :
       {"7472", ":7472", "localhost:7472", "::1:7472", "[::1]7472", "[::1]:", "127.0.0.1:65536",
        "127.0.0.1:-1", "127.0.0.1:72x", "[127.0.0.1]:7472", "[::1:7472", ""})
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

}  // namespace
}  // namespace vipd::metrics
