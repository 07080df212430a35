// One keepalived `vrrp_script`: runs its command every `interval` as a child process (never
// blocking the loop), kills it after `timeout`, and turns exit statuses into a good/failed state
// with `rise`/`fall` hysteresis, logged as keepalived does ("VRRP_Script(chk) succeeded",
// "VRRP_Script(chk) failed (exited with status 1)", "VRRP_Script(chk) timed_out").
//
// States (keepalived 2.2): before the first result the script is neither good nor failed (INIT;
// `init_fail` starts it failed). The first result decides at once; afterwards `fall` consecutive
// failures make a good script fail and `rise` consecutive successes make a failed one good.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "event/clock.hpp"
#include "vrrp/config/model.hpp"
#include "vrrp/process.hpp"
#include "vrrp/script_security.hpp"

namespace vipd::vrrp {

class ScriptTracker {
 public:
  enum class Status : std::uint8_t { kInit, kGood, kFailed };
  // Called when the status changes to good (true) or failed (false).
  using OnChange = std::function<void(const std::string& name, bool good)>;

  // `command`: how the script runs (script_security.hpp); unset: its `script` as vipd.
  ScriptTracker(event::Clock& clock, ProcessRunner& processes, config::VrrpScript script,
                OnChange on_change, std::optional<Script> command = std::nullopt);
  ~ScriptTracker();
  ScriptTracker(const ScriptTracker&) = delete;
  ScriptTracker& operator=(const ScriptTracker&) = delete;

  // Runs the first check now and then every interval.
  void start();
  const config::VrrpScript& script() const { return script_; }
  const std::optional<Script>& command() const { return command_; }
  Status status() const { return status_; }
  // For show: whether the state counts as good for weights (INIT does, like keepalived's
  // "not failed").
  bool good() const { return status_ != Status::kFailed; }
  std::uint64_t runs() const { return runs_; }
  std::uint64_t failures() const { return failures_; }
  int last_exit_code() const { return last_exit_code_; }

 private:
  void run();
  void finished(const ProcessExit& exit);

  event::Clock& clock_;
  ProcessRunner& processes_;
  config::VrrpScript script_;
  std::optional<Script> command_;
  OnChange on_change_;
  std::unique_ptr<event::Timer> timer_;
  Status status_ = Status::kInit;
  bool running_ = false;
  unsigned consecutive_good_ = 0;
  unsigned consecutive_bad_ = 0;
  std::uint64_t runs_ = 0;
  std::uint64_t failures_ = 0;
  int last_exit_code_ = -1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

std::string_view to_string(ScriptTracker::Status status);

}  // namespace vipd::vrrp
