#include "vrrp/config/parser.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "vrrp/config/lexer.hpp"
#include "vrrp/config/parse_detail.hpp"

namespace vipd::vrrp::config {

std::string ConfigDiagnostic::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}: {}", file, line, message);
}

namespace detail {
namespace {

// Root blocks of keepalived's checker (LVS) and BFD processes. keepalived's VRRP process skips
// them too; vipd runs neither, so they are skipped with a warning.
constexpr std::string_view kOtherProcessBlocks[] = {"virtual_server", "virtual_server_group",
                                                    "local_address_group", "SSL", "bfd_instance"};

// VRRP-process root keywords of keepalived 2.2 that vipd does not implement: they are skipped
// with a warning that says what is then not configured (an error with --strict).
constexpr std::string_view kUnsupportedRoot[] = {
    "static_ipaddress", "static_routes",   "static_rules",       "track_group",
    "garp_group",       "vrrp_track_file", "vrrp_track_process", "linkbeat_interfaces"};

template <std::size_t N>
bool is_one_of(std::string_view word, const std::string_view (&words)[N]) {
  for (auto w : words)
    if (w == word) return true;
  return false;
}

void skip_blanks(std::string_view text, std::size_t& i) {
  while (i < text.size() && is_blank(text[i])) ++i;
}

}  // namespace

NumberStatus parse_integer(std::string_view text, std::int64_t min, std::int64_t max,
                           std::int64_t& value) {
  std::size_t i = 0;
  skip_blanks(text, i);
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::size_t first_digit = i;
  std::int64_t magnitude = 0;
  bool overflow = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (magnitude > (INT64_MAX - 9) / 10) overflow = true;
    if (!overflow) magnitude = magnitude * 10 + (text[i] - '0');
  }
  if (i == first_digit || i != text.size()) return NumberStatus::kInvalid;
  if (overflow) return NumberStatus::kOutOfRange;
  std::int64_t v = negative ? -magnitude : magnitude;
  if (v < min || v > max) return NumberStatus::kOutOfRange;
  value = v;
  return NumberStatus::kOk;
}

NumberStatus parse_seconds(std::string_view text, std::int64_t min_us, std::int64_t max_us,
                           std::int64_t& microseconds) {
  std::size_t i = 0;
  skip_blanks(text, i);
  std::string_view number = text.substr(i);
  // Exact decimal reading first: "0.29" must be 290000 us, not 289999 as through a double.
  std::size_t j = 0;
  bool negative = false;
  if (j < number.size() && (number[j] == '+' || number[j] == '-')) negative = number[j++] == '-';
  std::int64_t whole = 0;
  std::int64_t fraction = 0;
  int digits = 0;
  int fraction_digits = 0;
  for (; j < number.size() && number[j] >= '0' && number[j] <= '9'; ++j, ++digits)
    whole = std::min<std::int64_t>(whole * 10 + (number[j] - '0'), INT64_MAX / 10'000'000);
  if (j < number.size() && number[j] == '.') {
    for (++j; j < number.size() && number[j] >= '0' && number[j] <= '9'; ++j, ++digits)
      if (fraction_digits < 6) fraction = fraction * 10 + (number[j] - '0'), ++fraction_digits;
  }
  std::int64_t us = 0;
  if (digits > 0 && j == number.size()) {
    for (int k = fraction_digits; k < 6; ++k) fraction *= 10;
    us = whole * 1'000'000 + fraction;
    if (negative) us = -us;
  } else {
    // strtod()'s other forms keepalived also takes: exponents, hex floats.
    std::string copy(number);
    char* end = nullptr;
    errno = 0;
    double seconds = std::strtod(copy.c_str(), &end);
    if (copy.empty() || *end != '\0' || !std::isfinite(seconds)) return NumberStatus::kInvalid;
    if (errno == ERANGE || std::fabs(seconds) > 1e12) return NumberStatus::kOutOfRange;
    us = static_cast<std::int64_t>(seconds * 1e6);
  }
  if (us < min_us || us > max_us) return NumberStatus::kOutOfRange;
  microseconds = us;
  return NumberStatus::kOk;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "off" || text == "no") return false;
  return std::nullopt;
}

Result<KeepalivedConfig, ConfigError> Parser::parse() {
  while (auto line = next_line()) {
    if (!parse_root(*line)) break;
  }
  if (!error_) validate();
  if (error_) return unexpected(*error_);
  return std::move(config_);
}

std::optional<SourceLine> Parser::next_line() {
  if (pushed_back_) {
    std::optional<SourceLine> line = std::move(pushed_back_);
    pushed_back_.reset();
    return line;
  }
  auto line = source_.next();
  if (!line && source_.error()) error_ = *source_.error();
  return line;
}

bool Parser::parse_root(const SourceLine& line) {
  const std::string& keyword = line.words[0];
  if (line.is_open()) return fail(line, "Unexpected '{'");
  if (line.is_close()) {
    // keepalived's parser reports it and reads on (lib/parser.c, CONFIG_UNEXPECTED_EOB).
    warn(line, "Extra '}' found - ignoring it");
    return true;
  }
  if (keyword == "global_defs") return parse_global_defs(line);
  if (keyword == "vrrp_instance") return parse_instance(line);
  if (keyword == "vrrp_script") return parse_script(line);
  if (keyword == "vrrp_sync_group") return parse_sync_group(line);
  if (is_one_of(keyword, kOtherProcessBlocks)) {
    warn(line, fmt::format("'{}' configures keepalived's checker or BFD process, which vipd does "
                           "not run - ignoring the block",
                           keyword));
    return skip_block(line);
  }
  if (is_one_of(keyword, kUnsupportedRoot))
    return not_implemented(line, "the addresses, routes or tracking it configures are not set up");
  if (keyword == "linkbeat_use_polling") {  // pre-2.0 root form of the instance keyword
    warn(line, "'linkbeat_use_polling' has no effect in vipd - ignoring");
    return true;
  }
  return unknown_keyword(line);
}

bool Parser::ignore_keyword(const SourceLine& line, std::string message) {
  warn(line, std::move(message));
  return skip_block(line);
}

bool Parser::unknown_keyword(const SourceLine& line) {
  // keepalived's own text (lib/parser.c process_stream()).
  return ignore_keyword(line, fmt::format("Unknown keyword '{}'", line.words[0]));
}

bool Parser::not_implemented(const SourceLine& line, std::string_view consequence) {
  return ignore_keyword(line, fmt::format("'{}' is not implemented by vipd - ignoring it: {}",
                                          line.words[0], consequence));
}

bool Parser::read_block(const SourceLine& header, const LineHandler& each) {
  auto open = next_line();
  if (!open) {
    if (error_) return false;
    return fail(header, fmt::format("Missing '{{' after '{}'", header.words[0]));
  }
  if (!open->is_open())
    return fail(*open, fmt::format("Missing '{{' at beginning of configuration block '{}'",
                                   header.words[0]));
  while (true) {
    auto line = next_line();
    if (!line) {
      if (error_) return false;
      return fail(header, fmt::format("Missing '}}': the '{}' block started here is not closed",
                                      header.words[0]));
    }
    if (line->is_close()) return true;
    if (line->is_open()) return fail(*line, "Unexpected '{'");
    if (!each(*line)) return false;
  }
}

bool Parser::skip_block(const SourceLine& header) {
  auto open = next_line();
  if (!open) return !error_;
  if (!open->is_open()) {  // a keyword without a block: nothing to skip (keepalived's rule)
    pushed_back_ = std::move(open);
    return true;
  }
  for (int depth = 1; depth > 0;) {
    auto line = next_line();
    if (!line) {
      if (error_) return false;
      return fail(header, fmt::format("Missing '}}': the '{}' block started here is not closed",
                                      header.words[0]));
    }
    if (line->is_open()) ++depth;
    if (line->is_close()) --depth;
  }
  return true;
}

bool Parser::fail(const SourceLine& at, std::string message) {
  return fail(where(at), std::move(message));
}

bool Parser::fail(const Location& at, std::string message) {
  if (!error_) error_ = ConfigError{*at.file, at.line, std::move(message)};
  return false;
}

void Parser::warn(const SourceLine& at, std::string message) {
  warn(where(at), std::move(message));
}

void Parser::warn(const Location& at, std::string message) {
  warnings_.push_back({*at.file, at.line, std::move(message)});
}

bool Parser::need_values(const SourceLine& at, std::size_t count) {
  if (at.words.size() > count) return true;
  return fail(at, fmt::format("missing value after '{}'", at.words.back()));
}

bool Parser::need_name(const SourceLine& at, std::string_view what) {
  if (at.words.size() == 2) return true;
  if (at.words.size() < 2) return fail(at, fmt::format("{} must have a name", what));
  return fail(at, fmt::format("{} takes one name, not '{}'", what, at.text));
}

bool Parser::read_integer(const SourceLine& at, std::int64_t min, std::int64_t max,
                          std::optional<std::int64_t>& value, const std::string& out_of_range) {
  value.reset();
  if (!need_values(at, 1)) return false;
  std::int64_t v = 0;
  NumberStatus status = parse_integer(at.words[1], min, max, v);
  return take_number(at, status, v, value, out_of_range);
}

bool Parser::read_seconds(const SourceLine& at, std::int64_t min_us, std::int64_t max_us,
                          std::optional<std::int64_t>& value, const std::string& out_of_range) {
  value.reset();
  if (!need_values(at, 1)) return false;
  std::int64_t v = 0;
  NumberStatus status = parse_seconds(at.words[1], min_us, max_us, v);
  return take_number(at, status, v, value, out_of_range);
}

bool Parser::take_number(const SourceLine& at, NumberStatus status, std::int64_t parsed,
                         std::optional<std::int64_t>& value, const std::string& out_of_range) {
  switch (status) {
    case NumberStatus::kInvalid:
      return fail(at, fmt::format("invalid number '{}' for '{}'", at.words[1], at.words[0]));
    case NumberStatus::kOutOfRange:
      warn(at, out_of_range);
      return true;
    case NumberStatus::kOk:
      value = parsed;
      return true;
  }
  return true;
}

bool Parser::read_repeat(const SourceLine& at, std::string_view prefix,
                         std::optional<std::uint32_t>& value) {
  std::optional<std::int64_t> v;
  if (!read_integer(at, 0, UINT32_MAX, v,
                    fmt::format("{}{} '{}' invalid - ignoring", prefix, at.words[0],
                                at.words.size() > 1 ? at.words[1] : "")))
    return false;
  if (!v) return true;
  if (*v == 0) {
    warn(at, fmt::format("{}{} must be greater than 0, setting to 1", prefix, at.words[0]));
    v = 1;
  }
  value = static_cast<std::uint32_t>(*v);
  return true;
}

bool Parser::read_whole_seconds(const SourceLine& at, std::int64_t max, const std::string& invalid,
                                std::optional<Seconds>& value) {
  std::optional<std::int64_t> v;
  if (!read_integer(at, 0, max, v, invalid)) return false;
  if (v) value = Seconds(*v);
  return true;
}

bool Parser::read_address(const SourceLine& at, std::string_view text, IpAddress& address) {
  auto parsed = IpAddress::parse(text);
  if (!parsed) return fail(at, fmt::format("invalid IP address '{}'", text));
  address = *parsed;
  return true;
}

bool Parser::read_command(const SourceLine& at, ScriptCommand& command, bool extra_words_are_user) {
  auto words = split_command(at.text);
  if (!words) return fail(at, words.error());
  if (words->size() < 2) return fail(at, fmt::format("missing command after '{}'", at.words[0]));
  auto argv = split_command((*words)[1]);
  if (!argv) return fail(at, argv.error());
  if (argv->empty()) return fail(at, fmt::format("empty command for '{}'", at.words[0]));
  command.argv = std::move(*argv);
  if (!extra_words_are_user) {
    if (words->size() > 2)
      warn(at, fmt::format("'{}' runs only '{}'; the words after it are ignored (quote the "
                           "whole command line)",
                           at.words[0], (*words)[1]));
    return true;
  }
  if (words->size() > 2) command.user = (*words)[2];
  if (words->size() > 3) command.group = (*words)[3];
  if (words->size() > 4)
    warn(at, fmt::format("'{}': the words after the user and group are ignored (quote the "
                         "whole command line)",
                         at.words[0]));
  return true;
}

bool Parser::read_notify(const SourceLine& at, std::string_view owner, Notify& notify,
                         bool& handled) {
  const std::string& keyword = at.words[0];
  ScriptCommand* target = keyword == "notify_master"                ? &notify.master
                          : keyword == "notify_backup"              ? &notify.backup
                          : keyword == "notify_fault"               ? &notify.fault
                          : keyword == "notify_stop"                ? &notify.stop
                          : keyword == "notify"                     ? &notify.any
                          : keyword == "notify_master_rx_lower_pri" ? &notify.master_rx_lower_pri
                                                                    : nullptr;
  handled = target != nullptr;
  if (!handled) return true;
  ScriptCommand command;
  if (!read_command(at, command, true)) return false;
  if (!target->empty()) {
    warn(at, fmt::format("({}) {} script already specified - ignoring {}", owner, keyword,
                         at.words[1]));
    return true;
  }
  *target = std::move(command);
  return true;
}

bool Parser::read_flag(const SourceLine& at, std::string_view owner, bool& flag) {
  if (at.words.size() < 2) {
    flag = true;
    return true;
  }
  if (auto value = parse_bool(at.words[1])) {
    flag = *value;
  } else {
    warn(at, fmt::format("({}) invalid {} {} specified", owner, at.words[0], at.words[1]));
  }
  return true;
}

}  // namespace detail

Result<KeepalivedConfig, ConfigError> parse_keepalived_config(std::string_view text,
                                                              std::string_view file_name,
                                                              std::vector<ConfigWarning>* warnings,
                                                              const IncludeLoader* includes) {
  std::vector<ConfigWarning> collected;
  LineSource source{std::string(file_name), std::string(text), includes, &collected};
  detail::Parser parser(source, collected);
  auto result = parser.parse();
  if (warnings != nullptr)
    warnings->insert(warnings->end(), std::make_move_iterator(collected.begin()),
                     std::make_move_iterator(collected.end()));
  return result;
}

Result<KeepalivedConfig, ConfigError> load_keepalived_config(const std::string& path,
                                                             std::vector<ConfigWarning>* warnings) {
  auto text = read_text_file(path);
  if (!text) return unexpected(ConfigError{path, 0, text.error()});
  FileIncludeLoader files;
  return parse_keepalived_config(*text, path, warnings, &files);
}

}  // namespace vipd::vrrp::config
