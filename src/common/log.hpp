// Process-wide logging to stderr, a file or syslog. Protocol code logs through these functions
// only; tests can install a capture sink.
#pragma once

#include <fmt/format.h>

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
void reopen();
// Replaces the output (tests). An empty sink restores stderr.
void set_sink(Sink sink);

void write(Level level, std::string_view message);

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
