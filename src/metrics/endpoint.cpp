#include "metrics/endpoint.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace vipd::metrics {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Scrape {
  std::vector<prometheus::MetricFamily> families;
  double loop_delay = 0;  // seconds the job waited for the loop
};

}  // namespace

Endpoint::Endpoint(asio::io_context& io, EndpointOptions options, Collect collect,
                   NotReady not_ready)
    : options_(std::move(options)),
      collect_(std::move(collect)),
      not_ready_(std::move(not_ready)),
      caller_(io) {}

Endpoint::~Endpoint() {
  caller_.close();
  server_.reset();
}

Result<std::unique_ptr<Endpoint>, std::string> Endpoint::start(asio::io_context& io,
                                                               EndpointOptions options,
                                                               Collect collect,
                                                               NotReady not_ready) {
  std::unique_ptr<Endpoint> endpoint(
      new Endpoint(io, std::move(options), std::move(collect), std::move(not_ready)));
  Endpoint* self = endpoint.get();
  std::map<std::string, HttpServer::Handler> handlers{
      {"/metrics", [self] { return self->metrics(); }},
      {"/healthz", [self] { return self->healthz(); }},
      {"/readyz", [self] { return self->readyz(); }},
  };
  auto server = HttpServer::start(endpoint->options_.listen, std::move(handlers));
  if (!server) return unexpected(server.error());
  endpoint->server_ = std::move(*server);
  return endpoint;
}

HttpResponse Endpoint::loop_timeout() const {
  return {503, "text/plain; charset=utf-8",
          fmt::format("vipd's event loop did not answer within {} ms\n",
                      options_.loop_timeout.count())};
}

HttpResponse Endpoint::metrics() {
  const auto posted = SteadyClock::now();
  auto scrape = caller_.call<Scrape>(
      [this, posted] {
        Scrape s;
        s.loop_delay = std::chrono::duration<double>(SteadyClock::now() - posted).count();
        Families families;
        if (collect_) collect_(families);
        s.families = std::move(families).take();
        return s;
      },
      options_.loop_timeout);
  if (!scrape) {
    ++loop_timeouts_;
    return loop_timeout();
  }
  Families families;
  families.append(std::move(scrape->families));
  own_families(families, scrape->loop_delay);
  return {200, kTextContentType, serialize(families.families())};
}

HttpResponse Endpoint::healthz() {
  // Alive is more than the process existing: a loop that no longer runs handlers keeps no
  // session up. A liveness probe that fails here (3 times in a row in MetalLB's manifests)
  // restarts a vipd that hangs.
  auto answered = caller_.call<bool>([] { return true; }, options_.loop_timeout);
  if (!answered) {
    ++loop_timeouts_;
    return loop_timeout();
  }
  return {200, "text/plain; charset=utf-8", "ok\n"};
}

HttpResponse Endpoint::readyz() {
  auto reasons = caller_.call<std::vector<std::string>>(
      [this] { return not_ready_ ? not_ready_() : std::vector<std::string>{}; },
      options_.loop_timeout);
  if (!reasons) {
    ++loop_timeouts_;
    return loop_timeout();
  }
  if (reasons->empty()) return {200, "text/plain; charset=utf-8", "ok\n"};
  std::string body;
  for (const auto& reason : *reasons) body += reason + "\n";
  return {503, "text/plain; charset=utf-8", body};
}

void Endpoint::own_families(Families& families, double loop_delay) const {
  families.gauge("vipd_build_info", "vipd's version (always 1)", {{"version", options_.version}},
                 1);
  families.counter("vipd_metrics_loop_timeouts_total",
                   "Requests to /metrics, /healthz and /readyz that failed because the event "
                   "loop did not answer in time",
                   {}, static_cast<double>(loop_timeouts_.load()));
  families.gauge("vipd_event_loop_delay_seconds",
                 "How long this scrape's job waited for the event loop (its responsiveness)", {},
                 loop_delay);
  process_families(families);
}

void process_families(Families& families) {
  // /proc/self/stat: fields after the command (which may hold spaces) start at ')'.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  // proc(5): state is field 3, i.e. f[0]; utime 14, stime 15, starttime 22, rss 24.
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  families.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                   {}, cpu);
  families.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                 std::stod(f[21]) * page);
  families.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                 std::stod(f[20]));
  // Boot time (btime of /proc/stat) plus the start in ticks since boot.
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (!line.starts_with("btime ")) continue;
    families.gauge("process_start_time_seconds",
                   "Start time of the process since unix epoch in seconds.", {},
                   std::stod(line.substr(6)) + std::stod(f[19]) / ticks);
    break;
  }
  std::size_t fds = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(dir))
      if (entry->d_name[0] != '.') ++fds;
    ::closedir(dir);
    families.gauge("process_open_fds", "Number of open file descriptors.", {},
                   static_cast<double>(fds > 0 ? fds - 1 : 0));  // less the directory's own
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0)
    families.gauge("process_max_fds", "Maximum number of open file descriptors.", {},
                   static_cast<double>(limit.rlim_cur));
}

}  // namespace vipd::metrics
