#include "common/log_topics.hpp"

#include <algorithm>

namespace vipd::log {
namespace detail {

std::array<bool, kTopicCount> g_topic_on{};

namespace {
std::array<std::vector<std::string>, kTopicCount>& filters() {
  static std::array<std::vector<std::string>, kTopicCount> f;
  return f;
}
}  // namespace

bool topic_matches(Topic topic, std::string_view subject) {
  const auto& only = filters()[static_cast<std::size_t>(topic)];
  if (only.empty()) return true;
  return std::find(only.begin(), only.end(), subject) != only.end();
}

}  // namespace detail

void set_topic(Topic topic, bool on, std::vector<std::string> only) {
  auto i = static_cast<std::size_t>(topic);
  detail::g_topic_on[i] = on;
  detail::filters()[i] = on ? std::move(only) : std::vector<std::string>{};
}

void clear_topics() {
  for (std::size_t i = 0; i < kTopicCount; ++i) set_topic(static_cast<Topic>(i), false);
}

}  // namespace vipd::log
