// Debug topics (FRR's `debug bgp neighbor-events`, `debug bgp updates in`, ...): lines a user
// turned on by topic, optionally for some peers or prefixes only. A topic's lines are written at
// debug level whatever --log-level says, as FRR writes its debug lines once the topic is on;
// with the topic off they cost one load of a flag.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"

namespace vipd::log {

enum class Topic : std::uint8_t {
  kBgpNeighborEvents,
  kBgpUpdatesIn,
  kBgpUpdatesOut,
  kBgpUpdatesPrefix,  // updates, both ways, about some prefixes
  kBgpKeepalives,
  kBgpBestpath,
  kBgpZebra,
  kBgpNht,
  kBgpGracefulRestart,
  kBgpBfd,
  kCount
};
inline constexpr std::size_t kTopicCount = static_cast<std::size_t>(Topic::kCount);

// Turns a topic on, for the subjects in `only` (peer addresses or prefixes as text; empty:
// every subject), or off.
void set_topic(Topic topic, bool on, std::vector<std::string> only = {});
void clear_topics();

namespace detail {
extern std::array<bool, kTopicCount> g_topic_on;
bool topic_matches(Topic topic, std::string_view subject);
}  // namespace detail

// Whether the topic is on at all (callers check this before building a subject).
inline bool topic_on(Topic topic) {
  return detail::g_topic_on[static_cast<std::size_t>(topic)];
}
// Whether the topic is on for `subject` (empty: for every subject only).
inline bool wants(Topic topic, std::string_view subject = {}) {
  return topic_on(topic) && detail::topic_matches(topic, subject);
}

template <typename... Args>
void topic_debug(Topic topic, std::string_view subject, fmt::format_string<Args...> f,
                 Args&&... args) {
  if (wants(topic, subject)) write_topic_line(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vipd::log
