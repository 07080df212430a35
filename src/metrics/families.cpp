#include "metrics/families.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

namespace vipd::metrics {

prometheus::MetricFamily* Families::family(std::string_view name, std::string_view help,
                                           prometheus::MetricType type) {
  if (auto it = index_.find(name); it != index_.end()) {
    prometheus::MetricFamily& existing = families_[it->second];
    return existing.type == type ? &existing : nullptr;
  }
  index_.emplace(std::string(name), families_.size());
  families_.push_back({std::string(name), std::string(help), type, {}});
  return &families_.back();
}

void Families::declare(std::string_view name, std::string_view help, prometheus::MetricType type) {
  family(name, help, type);
}

void Families::sample(std::string_view name, std::string_view help, prometheus::MetricType type,
                      Labels labels, double value) {
  prometheus::MetricFamily* f = family(name, help, type);
  if (!f) return;
  prometheus::ClientMetric sample;
  sample.label = std::move(labels);
  if (type == prometheus::MetricType::Counter)
    sample.counter.value = value;
  else
    sample.gauge.value = value;
  f->metric.push_back(std::move(sample));
}

void Families::append(std::vector<prometheus::MetricFamily> more) {
  for (auto& m : more) {
    prometheus::MetricFamily* f = family(m.name, m.help, m.type);
    if (!f) continue;
    for (auto& sample : m.metric) f->metric.push_back(std::move(sample));
  }
}

const prometheus::MetricFamily* Families::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &families_[it->second];
}

std::optional<double> Families::value(std::string_view name, Labels labels) const {
  const prometheus::MetricFamily* f = find(name);
  if (!f) return std::nullopt;
  std::sort(labels.begin(), labels.end());
  for (const auto& sample : f->metric) {
    Labels have = sample.label;
    std::sort(have.begin(), have.end());
    if (have != labels) continue;
    switch (f->type) {
      case prometheus::MetricType::Counter:
        return sample.counter.value;
      case prometheus::MetricType::Gauge:
        return sample.gauge.value;
      default:
        return sample.untyped.value;
    }
  }
  return std::nullopt;
}

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace vipd::metrics
