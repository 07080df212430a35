// Helpers shared by the k8s tests: a scripted Client driven by the simulated clock, a fake
// Lease store with resourceVersion conflicts, and temporary files.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "event/sim_clock.hpp"
#include "k8s/client.hpp"

namespace vipd::k8s::test {

using json = nlohmann::json;

// One request or stream a FakeClient was given.
struct FakeCall {
  Client::RequestId id = 0;
  Request request;
  bool stream = false;
  std::function<void(std::string_view)> on_line;
  std::function<void(Response)> done;
  bool cancelled = false;
  bool finished = false;
  std::unique_ptr<event::Timer> delivery;  // a server response on its way (latency)
  std::unique_ptr<event::Timer> timeout;   // Request::timeout, as curl enforces it

  bool open() const { return !cancelled && !finished; }
  bool is_watch() const { return request.path.find("watch=1") != std::string::npos; }
};

// A Client for tests. By default calls stay open until the test answers them (respond, line,
// end); with a server function every request is answered after `latency` of simulated time
// (nullopt from the server: the request hangs, as over a dead network path, until its
// Request::timeout).
class FakeClient final : public Client {
 public:
  using Server = std::function<std::optional<Response>(const Request&)>;
  explicit FakeClient(event::SimClock& clock) : clock_(clock) {}

  void set_server(Server server, event::Duration latency = event::Duration::zero()) {
    server_ = std::move(server);
    latency_ = latency;
  }
  // With a server: streams go here instead, when they arrive (after the latency); it answers
  // them with FakeClient::line/end/respond, now or later, or lets them hang.
  using StreamServer = std::function<void(FakeCall&)>;
  void set_stream_server(StreamServer server) { stream_server_ = std::move(server); }

  RequestId request(Request request, std::function<void(Response)> done) override {
    return add(std::move(request), false, nullptr, std::move(done));
  }
  RequestId stream(Request request, std::function<void(std::string_view)> on_line,
                   std::function<void(Response)> done) override {
    return add(std::move(request), true, std::move(on_line), std::move(done));
  }
  void cancel(RequestId id) override {
    for (auto& call : calls_) {
      if (call->id == id && call->open()) {
        call->cancelled = true;
        call->delivery.reset();
        call->timeout.reset();
      }
    }
  }

  std::vector<std::unique_ptr<FakeCall>>& calls() { return calls_; }
  FakeCall& last() { return *calls_.back(); }
  std::vector<FakeCall*> open_calls() {
    std::vector<FakeCall*> out;
    for (auto& call : calls_) {
      if (call->open()) out.push_back(call.get());
    }
    return out;
  }
  std::size_t count_open() { return open_calls().size(); }

  // The test's side of a call; a finished or cancelled call ignores them (the contract).
  static void respond(FakeCall& call, Response response) {
    if (!call.open()) return;
    call.finished = true;
    call.delivery.reset();
    call.timeout.reset();
    auto done = std::move(call.done);
    done(std::move(response));
  }
  static void respond(FakeCall& call, long status, const json& body) {
    respond(call, Response{status, body.dump(), {}, {}});
  }
  static void line(FakeCall& call, std::string_view text) {
    if (call.open() && call.on_line) call.on_line(text);
  }
  static void event(FakeCall& call, const std::string& type, const json& object) {
    line(call, json{{"type", type}, {"object", object}}.dump());
  }
  static void end(FakeCall& call, long status = 200) {
    respond(call, Response{status, {}, {}, {}});
  }

 private:
  RequestId add(Request request, bool stream, std::function<void(std::string_view)> on_line,
                std::function<void(Response)> done) {
    auto call = std::make_unique<FakeCall>();
    call->id = next_id_++;
    call->request = std::move(request);
    call->stream = stream;
    call->on_line = std::move(on_line);
    call->done = std::move(done);
    FakeCall* raw = call.get();
    calls_.push_back(std::move(call));
    if (server_) {
      // The server sees the request when it "arrives" (after the latency), and its answer
      // takes the latency again; a request cancelled meanwhile never reaches it.
      raw->delivery = clock_.make_timer();
      raw->delivery->arm(latency_, [this, raw] {
        if (raw->stream && stream_server_) {
          if (raw->open()) stream_server_(*raw);
          return;
        }
        std::optional<Response> response = server_(raw->request);
        if (!response || !raw->open()) return;  // hangs, or cancelled meanwhile
        raw->delivery->arm(
            latency_, [raw, r = std::move(*response)]() mutable { respond(*raw, std::move(r)); });
      });
      if (raw->request.timeout.count() > 0) {
        raw->timeout = clock_.make_timer();
        raw->timeout->arm(raw->request.timeout, [raw] {
          respond(*raw, Response{0, "", "Operation timed out", {}});
        });
      }
    }
    return raw->id;
  }

  event::SimClock& clock_;
  Server server_;
  StreamServer stream_server_;
  event::Duration latency_{};
  RequestId next_id_ = 1;
  std::vector<std::unique_ptr<FakeCall>> calls_;
};

// One coordination.k8s.io/v1 Lease as the API server keeps it: GET, POST (409 when it exists),
// PUT (409 when metadata.resourceVersion is not the current one), LIST of the collection, and
// every change kept as a watch event (`history`, handed to `on_event` too) so that tests can
// serve watches from any resourceVersion.
class FakeLeaseStore {
 public:
  struct Event {
    std::uint64_t version = 0;
    std::string line;  // {"type": ..., "object": ...}
  };
  std::optional<json> lease;
  std::uint64_t version = 100;
  std::uint64_t writes = 0;
  std::vector<Event> history;
  std::vector<std::function<void(const Event&)>> on_event;

  static constexpr const char* kCollection = "/apis/coordination.k8s.io/v1/namespaces/ns/leases";
  static std::string path() { return std::string(kCollection) + "/vipd"; }
  static bool is_list(const Request& request) {
    return request.method == "GET" && request.path.rfind(std::string(kCollection) + "?", 0) == 0 &&
           request.path.find("watch=1") == std::string::npos;
  }

  Response handle(const Request& request) {
    if (request.method == "GET" && request.path == path()) {
      if (!lease) return Response{404, R"({"kind":"Status","code":404})", {}, {}};
      return Response{200, lease->dump(), {}, {}};
    }
    if (is_list(request)) {
      json items = json::array();
      if (lease) items.push_back(*lease);
      json list{{"kind", "LeaseList"},
                {"apiVersion", "coordination.k8s.io/v1"},
                {"metadata", {{"resourceVersion", std::to_string(version)}}},
                {"items", items}};
      return Response{200, list.dump(), {}, {}};
    }
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return Response{400, "bad json", {}, {}};
    if (request.method == "POST" && request.path == kCollection) {
      if (lease)
        return Response{409, R"({"kind":"Status","code":409,"reason":"AlreadyExists"})", {}, {}};
      return store(std::move(body), 201);
    }
    if (request.method == "PUT" && request.path == path()) {
      if (!lease) return Response{404, "{}", {}, {}};
      std::string sent = body["metadata"].value("resourceVersion", "");
      if (sent != (*lease)["metadata"]["resourceVersion"].get<std::string>()) {
        return Response{409, R"({"kind":"Status","code":409,"reason":"Conflict"})", {}, {}};
      }
      return store(std::move(body), 200);
    }
    return Response{405, "{}", {}, {}};
  }

  // Someone else writes the Lease (another controller's renewal).
  void put_spec(const json& spec) {
    const bool added = !lease;
    if (added) {
      lease = json{{"apiVersion", "coordination.k8s.io/v1"},
                   {"kind", "Lease"},
                   {"metadata", {{"name", "vipd"}, {"namespace", "ns"}}}};
    }
    (*lease)["spec"] = spec;
    (*lease)["metadata"]["resourceVersion"] = std::to_string(++version);
    ++writes;
    record(added ? "ADDED" : "MODIFIED", *lease);
  }
  // Someone deletes it (kubectl delete lease).
  void remove() {
    if (!lease) return;
    json gone = *lease;
    lease.reset();
    gone["metadata"]["resourceVersion"] = std::to_string(++version);
    record("DELETED", gone);
  }
  std::string holder() const {
    return lease ? (*lease)["spec"].value("holderIdentity", "") : std::string();
  }

 private:
  Response store(json body, long status) {
    body["metadata"]["resourceVersion"] = std::to_string(++version);
    const bool added = !lease;
    lease = body;
    ++writes;
    record(added ? "ADDED" : "MODIFIED", body);
    return Response{status, body.dump(), {}, {}};
  }
  void record(const char* type, const json& object) {
    history.push_back(Event{version, json{{"type", type}, {"object", object}}.dump()});
    for (auto& listener : on_event) listener(history.back());
  }
};

// A temporary directory removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "vipd-k8s-test-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::filesystem::create_directories((path_ / name).parent_path());
    std::ofstream out(path_ / name, std::ios::binary | std::ios::trunc);
    out << content;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

// Sets an environment variable for the scope of a test, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A helper process (a test HTTP server) started by the test and ended by it, by pid, also when
// the test fails; its stdout and stderr go to a log file shown on failure.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path)
      : log_path_(log_path) {
    // Everything the child needs is made before fork (only async-signal-safe calls after it:
    // other threads, such as a CurlClient's worker, may hold the allocator's lock).
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    if (fd >= 0) ::close(fd);
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // SIGTERM, then SIGKILL if it has not gone within three seconds.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 300; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Waits for a server to write its port to `path` (it does once listening); 0 on timeout or
// when the process died.
inline int wait_for_port(ChildProcess& process, const std::string& path,
                         std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end && process.running()) {
    std::ifstream in(path);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

// A TCP port on 127.0.0.1 that nobody listens on now (bound and closed again).
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Waits until something accepts connections on 127.0.0.1:port.
inline bool wait_for_listener(ChildProcess& process, int port,
                              std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end && process.running()) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Runs the loop until `done` or the limit (real time); false on timeout.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto guard = asio::make_work_guard(io);
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace vipd::k8s::test
