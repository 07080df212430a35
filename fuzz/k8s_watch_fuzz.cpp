// libFuzzer target: a Reflector fed arbitrary API answers on the simulated clock. The input's
// first line is the LIST body; every further line is a watch event line; the stream then ends.
// It must not crash, throw, hang or leak, and every cached object must be a JSON object under
// a non-empty key.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "event/sim_clock.hpp"
#include "k8s/reflector.hpp"

namespace {

using namespace vipd;

// Answers the first request with the LIST body and the first stream with the lines; later
// requests and streams get nothing (the reflector's backoff then waits on the clock).
class ScriptedClient final : public k8s::Client {
 public:
  ScriptedClient(event::SimClock& clock, std::string list, std::deque<std::string> lines)
      : clock_(clock), list_(std::move(list)), lines_(std::move(lines)) {}
  RequestId request(k8s::Request, std::function<void(k8s::Response)> done) override {
    const RequestId id = ++next_;
    std::string body = std::exchange(list_, std::string());
    clock_.post([this, id, done, body] {
      if (id != cancelled_) done(k8s::Response{body.empty() ? 500 : 200, body, "", {}});
    });
    return id;
  }
  RequestId stream(k8s::Request, std::function<void(std::string_view)> on_line,
                   std::function<void(k8s::Response)> done) override {
    const RequestId id = ++next_;
    auto lines = std::exchange(lines_, {});
    clock_.post([this, id, on_line, done, lines] {
      for (const auto& line : lines) {
        if (id == cancelled_) return;
        on_line(line);
      }
      if (id != cancelled_) done(k8s::Response{200, "", "", {}});
    });
    return id;
  }
  void cancel(RequestId id) override { cancelled_ = id; }

 private:
  event::SimClock& clock_;
  std::string list_;
  std::deque<std::string> lines_;
  RequestId next_ = 0;
  RequestId cancelled_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::set_sink([](log::Level, std::string_view) {});  // its warnings would be the whole run
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::deque<std::string> lines;
  std::size_t at = 0;
  while (at <= text.size()) {
    auto end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  std::string list = lines.front();
  lines.pop_front();
  event::SimClock clock;
  ScriptedClient client(clock, std::move(list), std::move(lines));
  k8s::ResourceType type{"/api/v1", "services", "Service", "v1", "", "", ""};
  k8s::ReflectorOptions options;
  options.seed = 1;
  k8s::Reflector reflector(client, clock, type, options);
  reflector.start([] {});
  clock.advance(std::chrono::seconds(2));
  for (const auto& [key, object] : reflector.objects())
    if (key.empty() || !object.is_object()) __builtin_trap();
  reflector.stop();
  return 0;
}
