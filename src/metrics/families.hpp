// What a scrape of /metrics collects: metric families (prometheus-cpp's MetricFamily, the data
// model of its TextSerializer), built on the event loop by the modules (module::Module::
// collect_metrics) from the state they hold, then serialized on the HTTP server's thread.
//
// Families are made on first use and found again by name, so that two contributors of one
// family (the keepalived.conf VRRP module and the load balancer's L2 virtual routers both give
// vipd_vrrp_state) add samples to the same family: the exposition format allows a name once.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vipd::metrics {

// {{"peer", "192.0.2.1:179"}, {"vrf", "default"}}
using Labels = std::vector<prometheus::ClientMetric::Label>;

class Families {
 public:
  // One sample of the gauge / counter `name` (made with `help` on first use). A name used with
  // another type than before is a programming error: the sample is dropped (tests check names
  // and types, and promtool the whole output).
  void gauge(std::string_view name, std::string_view help, Labels labels, double value) {
    sample(name, help, prometheus::MetricType::Gauge, std::move(labels), value);
  }
  void counter(std::string_view name, std::string_view help, Labels labels, double value) {
    sample(name, help, prometheus::MetricType::Counter, std::move(labels), value);
  }
  // A family with no samples yet (HELP and TYPE are still exposed: "no BGP neighbor" is
  // different from "no BGP module").
  void declare(std::string_view name, std::string_view help, prometheus::MetricType type);

  const std::vector<prometheus::MetricFamily>& families() const { return families_; }
  std::vector<prometheus::MetricFamily> take() && { return std::move(families_); }
  void append(std::vector<prometheus::MetricFamily> more);

  // For tests: the family, and the value of the sample with exactly these labels (any order).
  const prometheus::MetricFamily* find(std::string_view name) const;
  std::optional<double> value(std::string_view name, Labels labels) const;

 private:
  void sample(std::string_view name, std::string_view help, prometheus::MetricType type,
              Labels labels, double value);
  prometheus::MetricFamily* family(std::string_view name, std::string_view help,
                                   prometheus::MetricType type);
  std::vector<prometheus::MetricFamily> families_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// The Prometheus text exposition format, version 0.0.4 (prometheus-cpp's TextSerializer).
std::string serialize(const std::vector<prometheus::MetricFamily>& families);
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace vipd::metrics
