#include "vrrp/process.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace vipd::vrrp {

namespace {

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
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
                            std::optional<std::chrono::milliseconds> timeout, Done done) {
  auto fail = [&](std::string error) {
    ProcessExit exit;
    exit.started = false;
    exit.error = std::move(error);
    if (done) asio::post(io_, [done, exit] { done(exit); });
  };
  if (argv.empty()) return fail("empty command");
  std::vector<char*> args;
  for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // A process group of its own, so that a timeout ends a shell script's children too.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return fail(std::strerror(rc));
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
