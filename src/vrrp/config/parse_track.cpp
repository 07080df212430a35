// vrrp_script, vrrp_sync_group, and the track_interface / track_script blocks of instances and
// sync groups.
#include <fmt/format.h>

#include <algorithm>

#include "vrrp/config/parse_detail.hpp"

namespace vipd::vrrp::config::detail {
namespace {

constexpr std::int64_t kMaxScriptSeconds = 4294;  // UINT_MAX / TIMER_HZ

constexpr std::string_view kUnsupportedGroupKeywords[] = {"track_file", "track_bfd",
                                                          "track_process"};

}  // namespace

bool Parser::parse_script(const SourceLine& header) {
  if (!need_name(header, "vrrp_script")) return false;
  if (config_.find_script(header.words[1]) != nullptr)
    return fail(header, fmt::format("vrrp_script {} already defined", header.words[1]));
  VrrpScript script;
  script.name = header.words[1];
  bool ok =
      read_block(header, [&](const SourceLine& line) { return parse_script_line(line, script); });
  if (!ok) return false;
  if (script.script.empty()) {
    warn(header, fmt::format("No script set for vrrp_script {} - removing", script.name));
    return true;
  }
  config_.scripts.push_back(std::move(script));
  return true;
}

bool Parser::parse_script_line(const SourceLine& line, VrrpScript& script) {
  const std::string& keyword = line.words[0];
  const std::string value = line.words.size() > 1 ? line.words[1] : std::string();
  const std::string& name = script.name;
  if (keyword == "script") return read_command(line, script.script, false);
  if (keyword == "interval" || keyword == "timeout") {
    std::optional<std::int64_t> seconds;
    std::string invalid =
        keyword == "interval"
            ? fmt::format("({}): vrrp script interval '{}' must be between 1 and {} - ignoring",
                          name, value, kMaxScriptSeconds)
            : fmt::format("({}): vrrp script timeout '{}' invalid - ignoring", name, value);
    if (!read_integer(line, 0, kMaxScriptSeconds, seconds, invalid)) return false;
    if (!seconds) return true;
    if (*seconds == 0) {
      warn(line,
           fmt::format("({}): vrrp script {} must be greater than 0, setting to 1", name, keyword));
      seconds = 1;
    }
    if (keyword == "interval")
      script.interval = Seconds(*seconds);
    else
      script.timeout = Seconds(*seconds);
    return true;
  }
  if (keyword == "weight") {
    std::optional<std::int64_t> weight;
    if (!read_integer(line, -253, 253, weight,
                      fmt::format("vrrp_script {} weight {} must be in [-253, 253]", name, value)))
      return false;
    if (weight) script.weight = static_cast<int>(*weight);
    if (line.words.size() > 2) {
      if (line.words[2] == "reverse")
        script.weight_reverse = true;
      else
        warn(line, fmt::format("vrrp_script {} unknown weight option {}", name, line.words[2]));
    }
    return true;
  }
  if (keyword == "rise" || keyword == "fall") {
    std::optional<std::int64_t> count;
    if (!read_integer(line, 1, INT32_MAX, count,
                      fmt::format("({}): vrrp script {} value '{}' invalid, defaulting to 1", name,
                                  keyword, value)))
      return false;
    (keyword == "rise" ? script.rise : script.fall) = static_cast<std::uint32_t>(count.value_or(1));
    return true;
  }
  if (keyword == "user") {
    if (!need_values(line, 1)) return false;
    script.user = value;
    script.group = line.words.size() > 2 ? line.words[2] : std::string();
    return true;
  }
  if (keyword == "init_fail") {
    script.init_fail = true;
    return true;
  }
  return unknown_keyword(line);
}

bool Parser::parse_sync_group(const SourceLine& header) {
  if (!need_name(header, "vrrp_sync_group")) return false;
  const std::string& name = header.words[1];
  for (const auto& g : config_.sync_groups)
    if (g.name == name)
      return fail(header, fmt::format("vrrp sync group {} already defined", name));
  SyncGroup group;
  group.name = name;
  SyncGroupDraft draft;
  draft.at = where(header);
  bool ok = read_block(
      header, [&](const SourceLine& line) { return parse_sync_group_line(line, group, draft); });
  if (!ok) return false;
  config_.sync_groups.push_back(std::move(group));
  sync_group_drafts_.push_back(std::move(draft));
  return true;
}

bool Parser::parse_sync_group_line(const SourceLine& line, SyncGroup& group,
                                   SyncGroupDraft& draft) {
  const std::string& keyword = line.words[0];
  if (keyword == "group") {
    if (!draft.member_at.empty())
      return fail(line, fmt::format("Group list already specified for sync group {}", group.name));
    bool ok = read_block(line, [&](const SourceLine& member) {
      for (const auto& name : member.words) {
        group.group.push_back(name);
        draft.member_at.push_back(where(member));
      }
      return true;
    });
    if (ok && group.group.empty())
      warn(line, fmt::format("Warning - sync group {} has empty group block", group.name));
    return ok;
  }
  if (keyword == "track_interface")
    return parse_track_interfaces(line, group.name, group.track_interface, draft.track_interface);
  if (keyword == "track_script")
    return parse_track_scripts(line, group.name, group.track_script, draft.track_script);
  if (keyword == "smtp_alert") return read_flag(line, group.name, group.smtp_alert);
  if (keyword == "global_tracking" || keyword == "sync_group_tracking_weight") {
    if (keyword == "global_tracking")
      warn(line, fmt::format("({}) global_tracking is deprecated. Use track_interface/script/file "
                             "on the sync group",
                             group.name));
    group.sync_group_tracking_weight = true;
    return true;
  }
  bool handled = false;
  if (!read_notify(line, group.name, group.notify, handled)) return false;
  if (handled) return true;
  for (auto unsupported : kUnsupportedGroupKeywords)
    if (keyword == unsupported)
      return not_implemented(line, fmt::format("sync group {} runs without it", group.name));
  return unknown_keyword(line);
}

bool Parser::read_track_weight(const SourceLine& line, std::string_view owner,
                               std::string_view what, int& weight, bool& weight_given,
                               std::optional<bool>& reverse) {
  const std::string& tracked = line.words[0];
  weight_given = false;
  if (line.words.size() < 2) return true;
  if (line.words[1] != "weight")
    return fail(line,
                fmt::format("({}) unknown {} {} option {}", owner, what, tracked, line.words[1]));
  if (line.words.size() < 3)
    return fail(line,
                fmt::format("({}) weight without value specified for {} {}", owner, what, tracked));
  std::int64_t w = 0;
  switch (parse_integer(line.words[2], -254, 254, w)) {
    case NumberStatus::kInvalid:
      return fail(line, fmt::format("invalid number '{}' for the weight of {} {}", line.words[2],
                                    what, tracked));
    case NumberStatus::kOutOfRange:
      warn(line, fmt::format("({}) weight {} for {} must be between [-253..253] inclusive. "
                             "Ignoring...",
                             owner, line.words[2], tracked));
      return true;
    case NumberStatus::kOk:
      break;
  }
  if (w == -254 || w == 254) {
    warn(line,
         fmt::format("({}) weight for {} cannot be +/-254. Setting to +/-253", owner, tracked));
    w = w < 0 ? -253 : 253;
  }
  weight = static_cast<int>(w);
  weight_given = true;
  if (line.words.size() > 3) {
    if (line.words[3] == "reverse" || line.words[3] == "noreverse")
      reverse = line.words[3] == "reverse";
    else
      warn(line, fmt::format("({}) unknown {} {} weight option {} - ignoring", owner, what, tracked,
                             line.words[3]));
  }
  return true;
}

bool Parser::parse_track_interfaces(const SourceLine& header, std::string_view owner,
                                    std::vector<TrackedInterface>& tracked,
                                    std::vector<Location>& places) {
  if (header.words.size() > 1)
    return fail(header, "track_interface takes a block: track_interface {");
  return read_block(header, [&](const SourceLine& line) {
    TrackedInterface entry;
    entry.name = line.words[0];
    if (entry.name.empty() || entry.name.size() >= 16)
      return fail(line,
                  fmt::format("Interface name '{}' is not a valid interface name", entry.name));
    std::optional<bool> reverse;
    bool weight_given = false;
    if (!read_track_weight(line, owner, "track_interface", entry.weight, weight_given, reverse))
      return false;
    entry.reverse = reverse.value_or(false);
    bool listed = std::any_of(tracked.begin(), tracked.end(),
                              [&](const TrackedInterface& t) { return t.name == entry.name; });
    if (listed) {
      warn(line, fmt::format("({}) duplicate track_interface {} - ignoring", owner, entry.name));
      return true;
    }
    tracked.push_back(std::move(entry));
    places.push_back(where(line));
    return true;
  });
}

bool Parser::parse_track_scripts(const SourceLine& header, std::string_view owner,
                                 std::vector<TrackedScript>& tracked,
                                 std::vector<TrackDraft>& drafts) {
  if (header.words.size() > 1) return fail(header, "track_script takes a block: track_script {");
  return read_block(header, [&](const SourceLine& line) {
    TrackedScript entry;
    entry.name = line.words[0];
    TrackDraft draft;
    draft.at = where(line);
    draft.defined_before = config_.find_script(entry.name) != nullptr;
    if (!read_track_weight(line, owner, "track_script", entry.weight, draft.weight_given,
                           draft.reverse_given))
      return false;
    bool listed = std::any_of(tracked.begin(), tracked.end(),
                              [&](const TrackedScript& t) { return t.name == entry.name; });
    if (listed) {
      warn(line, fmt::format("({}) duplicate track_script {} - ignoring", owner, entry.name));
      return true;
    }
    tracked.push_back(std::move(entry));
    drafts.push_back(draft);
    return true;
  });
}

}  // namespace vipd::vrrp::config::detail
