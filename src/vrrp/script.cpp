#include "vrrp/script.hpp"

#include "common/log.hpp"

namespace vipd::vrrp {

std::string_view to_string(ScriptTracker::Status status) {
  switch (status) {
    case ScriptTracker::Status::kInit:
      return "INIT";
    case ScriptTracker::Status::kGood:
      return "GOOD";
    case ScriptTracker::Status::kFailed:
      return "BAD";
  }
  return "INIT";
}

ScriptTracker::ScriptTracker(event::Clock& clock, ProcessRunner& processes,
                             config::VrrpScript script, OnChange on_change,
                             std::optional<Script> command)
    : clock_(clock),
      processes_(processes),
      script_(std::move(script)),
      command_(std::move(command)),
      on_change_(std::move(on_change)),
      timer_(clock.make_timer()) {
  if (script_.init_fail) status_ = Status::kFailed;
}

ScriptTracker::~ScriptTracker() {
  *alive_ = false;
}

void ScriptTracker::start() {
  run();
}

void ScriptTracker::run() {
  timer_->arm(script_.interval, [this] { run(); });
  if (running_) {
    log::warning("Track script {} is running, expect idle - skipping run", script_.name);
    return;
  }
  running_ = true;
  ++runs_;
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      script_.timeout.value_or(script_.interval));
  processes_.run(
      command_ ? command_->argv : script_.script.argv, timeout,
      [this, alive = alive_](const ProcessExit& exit) {
        if (*alive) finished(exit);
      },
      command_ ? std::optional<RunAs>(command_->run_as) : std::nullopt);
}

void ScriptTracker::finished(const ProcessExit& exit) {
  running_ = false;
  last_exit_code_ = exit.exit_code;
  const bool ok = exit.success();
  if (ok) {
    ++consecutive_good_;
    consecutive_bad_ = 0;
  } else {
    ++failures_;
    ++consecutive_bad_;
    consecutive_good_ = 0;
  }
  const bool first = status_ == Status::kInit;
  if (ok && status_ != Status::kGood && (first || consecutive_good_ >= script_.rise)) {
    status_ = Status::kGood;
    log::info("VRRP_Script({}) succeeded", script_.name);
    on_change_(script_.name, true);
  } else if (!ok && status_ != Status::kFailed && (first || consecutive_bad_ >= script_.fall)) {
    status_ = Status::kFailed;
    if (exit.timed_out)
      log::info("VRRP_Script({}) timed_out", script_.name);
    else if (!exit.started)
      log::info("VRRP_Script({}) failed ({})", script_.name, exit.error);
    else if (exit.signal != 0)
      log::info("VRRP_Script({}) failed (due to signal {})", script_.name, exit.signal);
    else
      log::info("VRRP_Script({}) failed (exited with status {})", script_.name, exit.exit_code);
    on_change_(script_.name, false);
  }
}

}  // namespace vipd::vrrp
