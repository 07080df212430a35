#include "common/log.hpp"

#include <syslog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace vipd::log {
namespace {

enum class Output { kStderr, kFile, kSyslog, kSink };

struct State {
  Level level = Level::kInfo;
  Output output = Output::kStderr;
  std::string file_path;
  std::FILE* file = nullptr;
  std::string syslog_ident;
  Sink sink;
};

State& state() {
  static State s;
  return s;
}

void close_file() {
  if (state().file) std::fclose(state().file);
  state().file = nullptr;
}

int syslog_priority(Level level) {
  switch (level) {
    case Level::kDebug:
      return LOG_DEBUG;
    case Level::kInfo:
      return LOG_INFO;
    case Level::kNotice:
      return LOG_NOTICE;
    case Level::kWarning:
      return LOG_WARNING;
    case Level::kError:
      return LOG_ERR;
  }
  return LOG_INFO;
}

// "2026-11-28 04:50:01.123": local time with milliseconds, as failover drills measure in ms.
std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03d}", buf, static_cast<int>(ms.count()));
}

}  // namespace

void set_level(Level level) {
  state().level = level;
}
Level level() {
  return state().level;
}

void to_stderr() {
  close_file();
  state().output = Output::kStderr;
}

bool to_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return false;
  close_file();
  state().file = f;
  state().file_path = path;
  state().output = Output::kFile;
  return true;
}

void to_syslog(const std::string& ident) {
  close_file();
  state().syslog_ident = ident;  // openlog keeps the pointer
  openlog(state().syslog_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
  state().output = Output::kSyslog;
}

void reopen() {
  if (state().output == Output::kFile) to_file(state().file_path);
}

void set_sink(Sink sink) {
  if (sink) {
    state().sink = std::move(sink);
    state().output = Output::kSink;
  } else {
    state().sink = nullptr;
    to_stderr();
  }
}

void write(Level level, std::string_view message) {
  auto& s = state();
  if (level < s.level) return;
  switch (s.output) {
    case Output::kSink:
      s.sink(level, message);
      break;
    case Output::kSyslog:
      syslog(syslog_priority(level), "%.*s", static_cast<int>(message.size()), message.data());
      break;
    case Output::kFile:
      fmt::print(s.file, "{} {}\n", timestamp(), message);
      std::fflush(s.file);
      break;
    case Output::kStderr:
      fmt::print(stderr, "{} {}\n", timestamp(), message);
      break;
  }
}

}  // namespace vipd::log
