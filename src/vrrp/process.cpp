#include "vrrp/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>

#include "common/descriptors.hpp"

extern char** environ;

namespace vipd::vrrp {

namespace {

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// execvp's PATH search, done before fork (the child must not allocate). Empty: not found.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* env = ::getenv("PATH");
  const std::string search = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= search.size()) {
    std::size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return {};
}

ProcessExit exit_of(int status, bool timed_out) {
  ProcessExit exit;
  exit.timed_out = timed_out;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

}  // namespace

struct AsioProcessRunner::Child {
  Child(asio::io_context& io, int fd) : descriptor(io, fd), timer(io) {}
  asio::posix::stream_descriptor descriptor;  // the pidfd: readable once the child exited
  asio::steady_timer timer;
  Done done;
  bool timed_out = false;
};

AsioProcessRunner::AsioProcessRunner(asio::io_context& io) : io_(io) {}

AsioProcessRunner::~AsioProcessRunner() {
  // Health checks still running are ours to end; notify scripts are left to finish (init reaps
  // them once vipd has exited).
  for (auto& [pid, child] : children_) {
    if (child->timer.expiry() != asio::steady_timer::time_point{}) ::kill(-pid, SIGKILL);
    std::error_code ignored;
    child->timer.cancel();
    child->descriptor.cancel(ignored);
  }
}

void AsioProcessRunner::run(const std::vector<std::string>& argv,
                            std::optional<std::chrono::milliseconds> timeout, Done done,
                            std::optional<RunAs> run_as) {
  auto fail = [&](std::string error) {
    ProcessExit exit;
    exit.started = false;
    exit.error = std::move(error);
    if (done) asio::post(io_, [done, exit] { done(exit); });
  };
  if (argv.empty()) return fail("empty command");
  // Everything the child needs is made here: between fork and execve it may only make
  // async-signal-safe calls.
  const std::string path = find_program(argv[0]);
  if (path.empty()) return fail(std::strerror(ENOENT));
  std::vector<char*> args;
  for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  const bool switch_user = run_as && (run_as->uid != ::geteuid() || run_as->gid != ::getegid());
  const RunAs as = run_as.value_or(RunAs{});
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return fail(std::strerror(errno));
  // Signals stay blocked until the child has reset their handlers (vipd's must not run there).
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // A process group of its own, so that a timeout ends a shell script's children too.
    ::setpgid(0, 0);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // vipd raised its descriptor limit; the script gets the one vipd was started with.
    restore_nofile_limit_in_child();
    // keepalived's set_script_env(): group first, supplementary groups cleared, then the user.
    bool ok = true;
    if (switch_user) {
      ok = ::setgroups(1, &as.gid) == 0 && ::setgid(as.gid) == 0 && ::setuid(as.uid) == 0;
    }
    if (ok) ::execve(path.c_str(), args.data(), environ);
    const int error = errno;
    ssize_t ignored = ::write(report[1], &error, sizeof error);
    (void)ignored;
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return fail(std::strerror(fork_errno));
  }
  ::setpgid(pid, pid);  // also from this side: no window where a timeout kill misses it
  int child_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(report[0], &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  if (got == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return fail(std::strerror(child_errno));
  }
  int fd = pidfd_open(pid);
  if (fd < 0) {
    // No pidfd (kernel before 5.3): wait in the open, a rare fallback that blocks.
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (done) asio::post(io_, [done, exit = exit_of(status, false)] { done(exit); });
    return;
  }
  auto child = std::make_unique<Child>(io_, fd);
  child->done = std::move(done);
  if (timeout) {
    child->timer.expires_after(*timeout);
    child->timer.async_wait([this, pid](std::error_code ec) {
      if (ec) return;
      auto it = children_.find(pid);
      if (it == children_.end()) return;
      it->second->timed_out = true;
      ::kill(-pid, SIGTERM);
      it->second->timer.expires_after(std::chrono::seconds(1));
      it->second->timer.async_wait([pid](std::error_code again) {
        if (!again) ::kill(-pid, SIGKILL);
      });
    });
  }
  child->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [this, pid](std::error_code ec) {
                                 if (ec) return;
                                 finish(pid);
                               });
  children_.emplace(pid, std::move(child));
}

void AsioProcessRunner::finish(int pid) {
  auto it = children_.find(pid);
  if (it == children_.end()) return;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::unique_ptr<Child> child = std::move(it->second);
  children_.erase(it);
  child->timer.cancel();
  if (child->done) child->done(exit_of(status, child->timed_out));
}

}  // namespace vipd::vrrp
