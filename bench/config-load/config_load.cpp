// Configuration load at scale (bench/config-load/run.sh): how long bgpd.conf takes to parse, to
// start (parse + apply to the speaker) and to reload, how long the event loop is blocked by a
// reload (the largest gap between the ticks of a 10 ms timer), and the peak RSS.
//
//   bench_config_load FILE [CHANGED_FILE]
//
// CHANGED_FILE is copied over FILE before the reload, so that the reload applies a change (its
// neighbor count differs: the reload is over once the speaker runs that many).
#include <sys/resource.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "bgp/config/parser.hpp"
#include "bgp/module.hpp"
#include "common/log.hpp"
#include "event/asio_clock.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the process: on a loaded machine, wall time says more about the neighbors.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

std::size_t neighbor_count(vipd::bgp::BgpModule& module) {
  const auto& bgp = module.speaker().running().bgp;
  return bgp ? bgp->neighbors.size() : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [CHANGED_FILE]\n", argv[0]);
    return 2;
  }
  vipd::log::set_level(vipd::log::Level::kWarning);
  const std::string file = argv[1];

  auto start = Clock::now();
  double cpu = cpu_seconds();
  auto errors = vipd::bgp::config::check_config_file(file, nullptr);
  double parse = seconds_since(start), parse_cpu = cpu_seconds() - cpu;
  if (!errors.empty()) {
    std::fprintf(stderr, "%s\n", errors.front().to_string().c_str());
    return 1;
  }

  asio::io_context io;
  vipd::event::AsioClock clock(io);
  vipd::bgp::BgpModuleOptions options;
  options.config_file = file;
  options.speaker.listen = false;
  vipd::bgp::BgpModule module(io, clock, options);
  start = Clock::now();
  cpu = cpu_seconds();
  if (!module.load().empty() || !module.start()) return 1;
  double load = seconds_since(start), load_cpu = cpu_seconds() - cpu;
  std::printf("parse %.3f s (cpu %.3f s), load+start %.3f s (cpu %.3f s), neighbors %zu\n", parse,
              parse_cpu, load, load_cpu, neighbor_count(module));

  if (argc > 2) {
    std::filesystem::copy_file(argv[2], file, std::filesystem::copy_options::overwrite_existing);
    const std::size_t before = neighbor_count(module);
    // A 10 ms tick: the largest gap between two ticks is how long the loop was blocked.
    asio::steady_timer tick(io);
    auto last = Clock::now();
    double worst = 0;
    bool done = false;
    std::function<void()> arm = [&] {
      tick.expires_after(std::chrono::milliseconds(10));
      tick.async_wait([&](asio::error_code) {
        auto now = Clock::now();
        worst = std::max(worst, std::chrono::duration<double>(now - last).count());
        last = now;
        if (neighbor_count(module) != before) done = true;
        if (!done) arm();
      });
    };
    arm();
    start = Clock::now();
    asio::post(io, [&] { module.reload(); });
    io.run_for(std::chrono::seconds(600));
    std::printf("reload %.3f s, longest event-loop block %.3f s\n", seconds_since(start), worst);
  }
  std::printf("peak RSS %ld MiB\n", peak_rss_mib());
  module.stop(nullptr);
  return 0;
}
