// vipd's HTTP endpoint (--metrics-listen ADDR:PORT, MetalLB's 7472 in the manifests):
//   /metrics  the Prometheus text format: what the modules report (module::Module::
//             collect_metrics) and the process's own families
//   /healthz  200 while the process is alive: the event loop answers within the timeout
//   /readyz   200 once every module has started and is ready (the load balancer has read
//             the cluster once); 503 with one reason a line otherwise
//
// Threads: the HTTP server (libmicrohttpd) serves on its own threads; every read of the daemon's
// state is a job on the event loop (LoopCaller), so that protocol code keeps its one thread and no
// locks. The job copies numbers into MetricFamily structs (microseconds for thousands of samples);
// the text is made on the server thread. A loop that does not answer within `loop_timeout` fails
// the request with 503 (Prometheus records the target down, `up == 0`, which alerts see)
// rather than serving numbers that might be old or made without the loop.
#pragma once

#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "metrics/families.hpp"
#include "metrics/http_server.hpp"
#include "metrics/loop_call.hpp"

namespace vipd::metrics {

struct EndpointOptions {
  ListenAddress listen;
  std::chrono::milliseconds loop_timeout{2000};
  std::string version;  // vipd_build_info
};

class Endpoint {
 public:
  // Both run on the event loop. `collect` adds the daemon's families; `not_ready` returns why
  // the daemon is not ready (empty: ready).
  using Collect = std::function<void(Families&)>;
  using NotReady = std::function<std::vector<std::string>()>;

  static Result<std::unique_ptr<Endpoint>, std::string> start(asio::io_context& io,
                                                              EndpointOptions options,
                                                              Collect collect, NotReady not_ready);
  // On the loop: no job runs from here on and waiting requests fail at once; the server stops
  // with the object.
  void close() { caller_.close(); }
  ~Endpoint();

  std::uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  Endpoint(asio::io_context& io, EndpointOptions options, Collect collect, NotReady not_ready);
  HttpResponse metrics();
  HttpResponse healthz();
  HttpResponse readyz();
  HttpResponse loop_timeout() const;
  // Families that need no loop: the build, the endpoint's own counters, the process (/proc).
  void own_families(Families& families, double loop_delay) const;

  EndpointOptions options_;
  Collect collect_;
  NotReady not_ready_;
  LoopCaller caller_;
  std::atomic<std::uint64_t> loop_timeouts_{0};
  std::unique_ptr<HttpServer> server_;  // last: its threads stop before the rest goes
};

// The process families the Go client exposes by default (process_cpu_seconds_total,
// process_resident_memory_bytes, ...), read from /proc/self; Linux only, nothing elsewhere.
void process_families(Families& families);

}  // namespace vipd::metrics
