#include "metrics.hpp"

#include "common/log.hpp"
#include "fib/metrics.hpp"

namespace vipd {

Result<std::unique_ptr<metrics::Endpoint>, std::string> start_metrics_endpoint(
    const std::string& listen, asio::io_context& io, const module::ModuleList& modules,
    KernelServices& kernel, const DaemonPhase& phase) {
  auto address = metrics::parse_listen_address(listen);
  if (!address) return unexpected(address.error());
  metrics::EndpointOptions options;
  options.listen = *address;
  options.version = PROJECT_VERSION;
  auto collect = [&modules, &kernel](metrics::Families& families) {
    for (const auto& m : modules) m->collect_metrics(families);
    if (const fib::Fib* table = kernel.open_route_table()) fib::collect_metrics(*table, families);
  };
  auto not_ready = [&modules, &phase]() -> std::vector<std::string> {
    if (phase.stopping) return {"vipd is stopping"};
    if (!phase.started) return {"vipd is starting"};
    std::vector<std::string> reasons;
    for (const auto& m : modules)
      if (auto reason = m->not_ready(); !reason.empty()) reasons.push_back(std::move(reason));
    return reasons;
  };
  auto endpoint = metrics::Endpoint::start(io, options, std::move(collect), std::move(not_ready));
  if (endpoint) {
    metrics::ListenAddress bound{options.listen.address, (*endpoint)->port()};
    log::info("metrics: serving /metrics, /healthz and /readyz on {}", bound.to_string());
  }
  return endpoint;
}

}  // namespace vipd
