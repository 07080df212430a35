// keepalived.conf load at scale (bench/config-load/run.sh): parse and validation time of a
// generated file (gen_keepalived.py), and the peak RSS.
//
//   bench_keepalived_load FILE
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "vrrp/config/parser.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<vipd::vrrp::config::ConfigWarning> warnings;
  auto config = vipd::vrrp::config::load_keepalived_config(argv[1], &warnings);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().to_string().c_str());
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("keepalived.conf: %zu instances, %zu warnings, load %.3f s, peak RSS %ld MiB\n",
              config->instances.size(), warnings.size(), seconds, usage.ru_maxrss / 1024);
  return 0;
}
