// Runs a job on the daemon's event loop from another thread and waits for its result, for a
// bounded time. The HTTP server's threads (http_server.hpp) use it: the daemon's state belongs
// to the one loop thread (DESIGN principle 4, no locks in protocol code), so a scrape never
// reads a module from its own thread; it posts a job that reads the modules on the loop,
// between two handlers, and waits for the copy it makes.
//
// Bounded: a loop that does not answer in time (stuck, or busy for seconds) gives nullopt, and
// the scrape fails visibly instead of hanging. The job may still run later; it then writes into
// state shared with the waiter, never into the waiter's stack. After close() (called on the
// loop as the daemon stops) no job runs any more (the modules may be gone) and every waiter
// returns at once.
#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace vipd::metrics {

class LoopCaller {
 public:
  explicit LoopCaller(asio::io_context& io) : io_(io), shared_(std::make_shared<Shared>()) {}
  ~LoopCaller() { close(); }
  LoopCaller(const LoopCaller&) = delete;
  LoopCaller& operator=(const LoopCaller&) = delete;

  // From any thread but the loop's (which would wait for itself).
  template <typename T>
  std::optional<T> call(std::function<T()> job, std::chrono::milliseconds timeout) {
    auto shared = shared_;
    auto result = std::make_shared<std::optional<T>>();
    {
      std::lock_guard lock(shared->mutex);
      if (shared->closed) return std::nullopt;
    }
    asio::post(io_, [shared, result, job = std::move(job)] {
      {
        std::lock_guard lock(shared->mutex);
        if (shared->closed) return;
      }
      // On the loop thread, as close() is: nothing can close between the check and the job.
      T value = job();
      {
        std::lock_guard lock(shared->mutex);
        *result = std::move(value);
      }
      shared->done.notify_all();
    });
    std::unique_lock lock(shared->mutex);
    shared->done.wait_for(lock, timeout, [&] { return result->has_value() || shared->closed; });
    return std::move(*result);
  }

  // On the loop thread. Jobs not yet run are skipped; waiters return nullopt now.
  void close() {
    {
      std::lock_guard lock(shared_->mutex);
      shared_->closed = true;
    }
    shared_->done.notify_all();
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    bool closed = false;
  };
  asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace vipd::metrics
