// Internal to the keepalived.conf parser: the parser state shared by the files that read the
// sections (parse_*.cpp) and the validation pass (validate.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vrrp/config/diagnostic.hpp"
#include "vrrp/config/model.hpp"
#include "vrrp/config/source.hpp"

namespace vipd::vrrp::config::detail {

inline constexpr std::size_t kIfNameSize = 16;  // IFNAMSIZ, with the terminating NUL

// Whether `word` is one of `words` (the keyword tables of the parsers).
template <std::size_t N>
bool contains(const std::string_view (&words)[N], std::string_view word) {
  for (auto w : words)
    if (w == word) return true;
  return false;
}

struct Location {
  const std::string* file = nullptr;
  std::size_t line = 0;
};

enum class NumberStatus { kOk, kInvalid, kOutOfRange };

// strtol() as keepalived calls it: optional blanks and sign, decimal digits, nothing after.
NumberStatus parse_integer(std::string_view text, std::int64_t min, std::int64_t max,
                           std::int64_t& value);
// A decimal number of seconds ("1", "0.5", "1e-1") in microseconds, truncated as keepalived's
// `(unsigned)(seconds * TIMER_HZ)`; min and max in microseconds.
NumberStatus parse_seconds(std::string_view text, std::int64_t min_us, std::int64_t max_us,
                           std::int64_t& microseconds);
// check_true_false(): true/on/yes, false/off/no.
std::optional<bool> parse_bool(std::string_view text);

// A track_script / track_interface line, kept until the scripts are known.
struct TrackDraft {
  Location at;
  bool defined_before = false;  // the vrrp_script came earlier in the file
  bool weight_given = false;
  std::optional<bool> reverse_given;
};

// Settings whose effective value depends on others (the global_defs, the address family, strict
// mode, the initial state), resolved once the whole file is read, and the places of the lines
// that later checks point at.
struct InstanceDraft {
  Location at;
  Location vrid_at;
  Location interface_at;
  bool vrid_set = false;
  std::optional<std::uint8_t> priority;
  std::optional<InitialState> state;
  std::optional<std::uint8_t> version;
  std::optional<Family> family;
  std::optional<std::int64_t> advert_int_us;
  Location advert_int_at;
  std::optional<std::int64_t> preempt_delay_us;
  bool auth_block = false;
  std::optional<bool> accept;
  std::optional<bool> strict_mode;
  std::optional<bool> smtp_alert;
  std::optional<bool> skip_check_adv_addr;
  std::optional<bool> lower_prio_no_advert;
  std::optional<bool> higher_prio_send_advert;
  std::optional<Seconds> garp_master_delay;
  std::optional<std::uint32_t> garp_master_repeat;
  std::optional<Seconds> garp_master_refresh;
  std::optional<std::uint32_t> garp_master_refresh_repeat;
  std::optional<Seconds> garp_lower_prio_delay;
  std::optional<std::uint32_t> garp_lower_prio_repeat;
  std::vector<TrackDraft> track_script;
  std::vector<Location> track_interface;
};

struct SyncGroupDraft {
  Location at;
  std::vector<Location> member_at;  // parallel to SyncGroup::group
  std::vector<TrackDraft> track_script;
  std::vector<Location> track_interface;
};

struct GlobalDraft {
  std::optional<Seconds> garp_lower_prio_delay;
  std::optional<std::uint32_t> garp_lower_prio_repeat;
};

// Reads the logical lines into a KeepalivedConfig. The first error stops it; warnings collect.
class Parser {
 public:
  Parser(LineSource& source, std::vector<ConfigWarning>& warnings)
      : source_(source), warnings_(warnings) {}
  Result<KeepalivedConfig, ConfigError> parse();

 private:
  using LineHandler = std::function<bool(const SourceLine&)>;

  // parser.cpp: blocks, diagnostics, values.
  std::optional<SourceLine> next_line();  // nullopt: end of input, or error_ is set
  bool parse_root(const SourceLine& line);
  bool read_block(const SourceLine& header, const LineHandler& each);
  bool skip_block(const SourceLine& header);
  // As keepalived does with a keyword it does not know, and vipd with one it does not
  // implement: a warning at the line, and its block (if one follows) skipped, nested braces
  // included. `vipd --strict` makes the warning an error.
  bool ignore_keyword(const SourceLine& line, std::string message);
  bool unknown_keyword(const SourceLine& line);
  bool not_implemented(const SourceLine& line, std::string_view consequence);
  bool fail(const SourceLine& at, std::string message);
  bool fail(const Location& at, std::string message);
  void warn(const SourceLine& at, std::string message);
  void warn(const Location& at, std::string message);
  bool need_values(const SourceLine& at, std::size_t count);
  bool need_name(const SourceLine& at, std::string_view what);
  // A number the keyword must have: a malformed one is an error; one out of [min, max] is a
  // warning with keepalived's `out_of_range` text and leaves `value` unset, so the caller keeps
  // its default.
  bool read_integer(const SourceLine& at, std::int64_t min, std::int64_t max,
                    std::optional<std::int64_t>& value, const std::string& out_of_range);
  bool read_seconds(const SourceLine& at, std::int64_t min_us, std::int64_t max_us,
                    std::optional<std::int64_t>& value, const std::string& out_of_range);
  bool take_number(const SourceLine& at, NumberStatus status, std::int64_t parsed,
                   std::optional<std::int64_t>& value, const std::string& out_of_range);
  // A GARP repeat count: `prefix` is "" (global_defs) or "(NAME): " (an instance), as in
  // keepalived's messages; 0 becomes 1 with a warning.
  bool read_repeat(const SourceLine& at, std::string_view prefix,
                   std::optional<std::uint32_t>& value);
  // Whole seconds in [0, max] (GARP delays and refresh); `invalid` is keepalived's message.
  bool read_whole_seconds(const SourceLine& at, std::int64_t max, const std::string& invalid,
                          std::optional<Seconds>& value);
  bool read_address(const SourceLine& at, std::string_view text, IpAddress& address);
  bool read_command(const SourceLine& at, ScriptCommand& command, bool extra_words_are_user);
  bool read_notify(const SourceLine& at, std::string_view owner, Notify& notify, bool& handled);
  bool read_flag(const SourceLine& at, std::string_view owner, bool& flag);
  static Location where(const SourceLine& line) { return {line.file, line.line}; }

  // parse_global.cpp
  bool parse_global_defs(const SourceLine& header);
  bool parse_global_line(const SourceLine& line);
  bool parse_global_vrrp(const SourceLine& line, bool& handled);
  bool parse_global_mail(const SourceLine& line, bool& handled);
  bool parse_global_other(const SourceLine& line);

  // parse_instance.cpp
  bool parse_instance(const SourceLine& header);
  bool parse_instance_line(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft);
  bool parse_instance_core(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft,
                           bool& handled);
  bool parse_instance_timers(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft,
                             bool& handled);
  bool parse_instance_modes(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft,
                            bool& handled);
  bool parse_instance_other(const SourceLine& line, VrrpInstance& vrrp, bool& handled);
  bool parse_authentication(const SourceLine& header, VrrpInstance& vrrp, InstanceDraft& draft);
  // The first address of an instance sets its family; false: `family` is the other one.
  static bool set_family(InstanceDraft& draft, Family family);

  // parse_address.cpp
  bool parse_addresses(const SourceLine& header, VrrpInstance& vrrp, InstanceDraft& draft,
                       bool excluded);
  bool parse_address_line(const SourceLine& line, VirtualAddress& vip);
  bool parse_address_option(const SourceLine& line, std::size_t& i, VirtualAddress& vip,
                            char& broadcast_special);
  void finish_address(const SourceLine& line, VirtualAddress& vip, char broadcast_special);
  bool parse_unicast_peers(const SourceLine& header, VrrpInstance& vrrp, InstanceDraft& draft);
  bool parse_source_address(const SourceLine& line, VrrpInstance& vrrp, InstanceDraft& draft);

  // parse_track.cpp
  bool parse_script(const SourceLine& header);
  bool parse_script_line(const SourceLine& line, VrrpScript& script);
  bool parse_sync_group(const SourceLine& header);
  bool parse_sync_group_line(const SourceLine& line, SyncGroup& group, SyncGroupDraft& draft);
  // A track_interface / track_script weight line: `NAME [weight N [reverse|noreverse]]`.
  bool read_track_weight(const SourceLine& line, std::string_view owner, std::string_view what,
                         int& weight, bool& weight_given, std::optional<bool>& reverse);
  bool parse_track_interfaces(const SourceLine& header, std::string_view owner,
                              std::vector<TrackedInterface>& tracked,
                              std::vector<Location>& places);
  bool parse_track_scripts(const SourceLine& header, std::string_view owner,
                           std::vector<TrackedScript>& tracked, std::vector<TrackDraft>& drafts);

  // validate.cpp
  bool validate();
  bool resolve_instance(VrrpInstance& vrrp, InstanceDraft& draft);
  void resolve_version(VrrpInstance& vrrp, const InstanceDraft& draft);
  void resolve_state(VrrpInstance& vrrp, const InstanceDraft& draft);
  void resolve_authentication(VrrpInstance& vrrp, const InstanceDraft& draft);
  void resolve_advert_int(VrrpInstance& vrrp, const InstanceDraft& draft);
  void resolve_preemption(VrrpInstance& vrrp, const InstanceDraft& draft);
  void resolve_strict_dependents(VrrpInstance& vrrp, const InstanceDraft& draft);
  bool resolve_addresses(VrrpInstance& vrrp, const InstanceDraft& draft);
  bool resolve_track_scripts(std::string_view owner, std::vector<TrackedScript>& tracked,
                             const std::vector<TrackDraft>& drafts);
  void resolve_track_interfaces(VrrpInstance& vrrp, InstanceDraft& draft);
  void drop_sync_group_weights(VrrpInstance& vrrp, const Location& at);
  bool check_vrids();
  bool resolve_sync_groups();

  LineSource& source_;
  std::vector<ConfigWarning>& warnings_;
  KeepalivedConfig config_;
  GlobalDraft global_draft_;
  std::vector<InstanceDraft> instance_drafts_;
  std::vector<SyncGroupDraft> sync_group_drafts_;
  std::optional<SourceLine> pushed_back_;
  std::optional<ConfigError> error_;
};

}  // namespace vipd::vrrp::config::detail
