// Child processes for notify scripts and vrrp_script health checks, without blocking the event
// loop. ProcessRunner is the interface the instance and the script tracker use (tests give a fake
// that finishes processes when told); AsioProcessRunner forks (switching to the script's user
// and group, keepalived's script_user) and waits on a pidfd through the daemon's io_context,
// killing a child that outlives its timeout.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vipd::vrrp {

struct ProcessExit {
  bool started = true;     // false: could not be spawned (then `error` says why)
  bool timed_out = false;  // killed after its timeout
  int exit_code = -1;      // when it exited normally
  int signal = 0;          // when a signal ended it
  std::string error;
  bool success() const { return started && !timed_out && signal == 0 && exit_code == 0; }
};

// The user and group a script runs as (keepalived's uid:gid of a script).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const RunAs&) const = default;
};

class ProcessRunner {
 public:
  using Done = std::function<void(const ProcessExit&)>;
  virtual ~ProcessRunner() = default;
  // Runs argv[0] (a path, or a name looked up in PATH) with argv, as `run_as` (unset: as vipd).
  // `timeout`: SIGTERM after it, SIGKILL 1 s later (keepalived's order). `done` (may be empty)
  // runs on the loop once the child is reaped; it is never called after the runner is destroyed.
  virtual void run(const std::vector<std::string>& argv,
                   std::optional<std::chrono::milliseconds> timeout, Done done,
                   std::optional<RunAs> run_as) = 0;
  void run(const std::vector<std::string>& argv, std::optional<std::chrono::milliseconds> timeout,
           Done done) {
    run(argv, timeout, std::move(done), std::nullopt);
  }
};

class AsioProcessRunner final : public ProcessRunner {
 public:
  explicit AsioProcessRunner(asio::io_context& io);
  ~AsioProcessRunner() override;
  using ProcessRunner::run;
  // The child: its own process group, default signal dispositions and an empty signal mask,
  // then (when run_as differs from vipd's ids) setgroups/setgid/setuid, then execve. A failure
  // up to execve is reported as not started, with its errno text.
  void run(const std::vector<std::string>& argv, std::optional<std::chrono::milliseconds> timeout,
           Done done, std::optional<RunAs> run_as) override;
  std::size_t running() const { return children_.size(); }

 private:
  struct Child;
  void finish(int pid);

  asio::io_context& io_;
  std::map<int, std::unique_ptr<Child>> children_;
};

}  // namespace vipd::vrrp
