// The daemon's HTTP endpoint for Prometheus and the probes (--metrics-listen; docs/metrics.md):
// what it collects from the modules and the kernel route table, and when vipd is ready.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "kernel.hpp"
#include "metrics/endpoint.hpp"
#include "module/module.hpp"

namespace vipd {

// Where the daemon is in its life (the daemon sets it, the endpoint reads it on the loop).
struct DaemonPhase {
  bool started = false;   // every module started
  bool stopping = false;  // a stop signal came
};

// Listens on `listen` (ADDR:PORT, [IPV6]:PORT). Everything it reads, it reads on the loop;
// `modules`, `kernel` and `phase` outlive the endpoint.
Result<std::unique_ptr<metrics::Endpoint>, std::string> start_metrics_endpoint(
    const std::string& listen, asio::io_context& io, const module::ModuleList& modules,
    KernelServices& kernel, const DaemonPhase& phase);

}  // namespace vipd
