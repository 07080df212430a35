// The lines around BGP in an FRR configuration (model.hpp FrrLines): FRR's debug topics, the
// `frr defaults` profiles, and how these lines are written back and shown.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "bgp/config/model.hpp"

namespace vipd::bgp::config {

// One of FRR's `debug bgp` topics (bgpd/bgp_debug.c of FRR 8.4).
struct DebugTopicInfo {
  enum class Filter : std::uint8_t { kNone, kPeer, kPrefix };
  const char* key;    // after `debug bgp `: "updates in", "neighbor-events"
  const char* shown;  // its line in `show debugging`
  Filter filter;
  int write_rank;  // position in bgp_config_write_debug(), which differs from the show order
};
// In `show debugging bgp` order.
std::span<const DebugTopicInfo> debug_topics();
const DebugTopicInfo* find_debug_topic(std::string_view key);

// The `debug bgp` lines of the configuration, in FRR's order.
std::string render_debug(const DebugTopics& topics);
// `show debugging [bgp]` as FRR's bgpd prints it.
std::string show_debugging(const DebugTopics& topics);
// Makes the log write the lines of the configured topics (common/log_topics.hpp).
void apply_debug(const DebugTopics& topics);

// `frr version`, `frr defaults`: the first lines of FRR's write-back.
void render_frr_head(std::string& out, const FrrLines& frr);
// Kept lines, debug lines, zebra's forwarding and interface blocks.
void render_frr_body(std::string& out, const FrrLines& frr);

// The notice logged once for each kept line (what vipd does instead).
std::string kept_line_notice(const KeptLine& line);

}  // namespace vipd::bgp::config
