// Process-wide logging to stderr, a file or syslog. Protocol code logs through these functions
// only; tests can install a capture sink.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vipd::log {

enum class Level { kDebug, kInfo, kNotice, kWarning, kError };

using Sink = std::function<void(Level, std::string_view)>;

void set_level(Level level);
Level level();
void to_stderr();
// Appends to path (reopened on reopen(), e.g. after SIGHUP/logrotate). False if it cannot open.
bool to_file(const std::string& path);
void to_syslog(const std::string& ident);
// Reopens the log file (SIGHUP after logrotate). When that fails (its directory vanished), the
// old file stays in use, the error is logged, written to stderr and syslog, kept in status(),
// and the result is false.
bool reopen();

// What `show logging` reports. Logging never throws and never stops the daemon: a line that
// cannot be written (a closed stderr, a pipe without reader, a full disk) is dropped and counted,
// and the next line that can be written is preceded by "N log lines dropped (error)".
struct Status {
  std::string output;               // "stderr", "file PATH", "syslog" or "sink"
  std::uint64_t dropped_lines = 0;  // since the start
  std::string last_write_error;     // of the last dropped line
  std::string reopen_error;         // of the last failed reopen(), empty once one succeeds
};
Status status();
// Replaces the output (tests). An empty sink restores stderr.
void set_sink(Sink sink);

void write(Level level, std::string_view message);
// A line of a debug topic the user turned on (log_topics.hpp): written at debug level whatever
// the level set with set_level().
void write_topic_line(std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kNotice) write(Level::kNotice, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::kWarning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vipd::log
