#include "common/log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace vipd::log {
namespace {

enum class Output { kStderr, kFile, kSyslog, kSink };

struct State {
  Level level = Level::kInfo;
  Output output = Output::kStderr;
  std::string file_path;
  int file_fd = -1;
  std::string syslog_ident;
  Sink sink;
  // Lines that could not be written since the last line that could, and in total.
  std::uint64_t dropped_pending = 0;
  std::uint64_t dropped_total = 0;
  std::string last_write_error;
  std::string reopen_error;
};

State& state() {
  static State s;
  return s;
}

void close_file() {
  if (state().file_fd >= 0) ::close(state().file_fd);
  state().file_fd = -1;
}

// O_APPEND: logrotate's copytruncate and other writers keep working; 0666 less the umask, as
// fopen(path, "a") did.
int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
}

// Writes all of `text` to fd, or gives the errno that stopped it. Plain write(2), not stdio or
// fmt::print: those throw or keep a sticky error, and logging must never stop the daemon.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return errno;
    if (written == 0) return EIO;
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
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

void write_line(int fd, std::string_view message) {
  auto& s = state();
  const std::string stamp = timestamp();
  std::string text;
  if (s.dropped_pending > 0) {
    // Said once the output works again, so that a gap in the log is never silent.
    text =
        fmt::format("{} {} log lines dropped ({})\n", stamp, s.dropped_pending, s.last_write_error);
  }
  text += fmt::format("{} {}\n", stamp, message);
  if (int error = write_all(fd, text); error != 0) {
    ++s.dropped_pending;
    ++s.dropped_total;
    s.last_write_error = std::strerror(error);
    return;
  }
  s.dropped_pending = 0;
}

}  // namespace

namespace {
void write_unfiltered(Level level, std::string_view message);
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
  int fd = open_log_file(path);
  if (fd < 0) return false;
  close_file();
  state().file_fd = fd;
  state().file_path = path;
  state().output = Output::kFile;
  state().reopen_error.clear();
  return true;
}

void to_syslog(const std::string& ident) {
  close_file();
  state().syslog_ident = ident;  // openlog keeps the pointer
  openlog(state().syslog_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
  state().output = Output::kSyslog;
}

bool reopen() {
  auto& s = state();
  if (s.output != Output::kFile) return true;
  int fd = open_log_file(s.file_path);
  if (fd < 0) {
    // The old descriptor stays: lines keep going to the old (perhaps rotated away) file, which
    // is better than none, and this error says where they went.
    s.reopen_error = fmt::format("cannot reopen log file {}: {}; still writing to the old file",
                                 s.file_path, std::strerror(errno));
    write(Level::kError, s.reopen_error);
    // Also where an operator looks when the log file is gone: stderr (the journal under
    // systemd) and syslog. Failures here are ignored: there is nowhere left to report them.
    (void)write_all(STDERR_FILENO, fmt::format("{} {}\n", timestamp(), s.reopen_error));
    ::syslog(LOG_DAEMON | LOG_ERR, "%s", s.reopen_error.c_str());
    return false;
  }
  close_file();
  s.file_fd = fd;
  s.reopen_error.clear();
  return true;
}

Status status() {
  const auto& s = state();
  Status st;
  switch (s.output) {
    case Output::kStderr:
      st.output = "stderr";
      break;
    case Output::kFile:
      st.output = "file " + s.file_path;
      break;
    case Output::kSyslog:
      st.output = "syslog";
      break;
    case Output::kSink:
      st.output = "sink";
      break;
  }
  st.dropped_lines = s.dropped_total;
  st.last_write_error = s.last_write_error;
  st.reopen_error = s.reopen_error;
  return st;
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
  if (level < state().level) return;
  write_unfiltered(level, message);
}

void write_topic_line(std::string_view message) {
  write_unfiltered(Level::kDebug, message);
}

namespace {

void write_unfiltered(Level level, std::string_view message) {
  auto& s = state();
  switch (s.output) {
    case Output::kSink:
      s.sink(level, message);
      break;
    case Output::kSyslog:
      syslog(syslog_priority(level), "%.*s", static_cast<int>(message.size()), message.data());
      break;
    case Output::kFile:
    case Output::kStderr:
      write_line(s.output == Output::kFile ? s.file_fd : STDERR_FILENO, message);
      break;
  }
}

}  // namespace

}  // namespace vipd::log
