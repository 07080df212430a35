// An HTTP client for the Kubernetes API: libcurl's multi interface (HTTP/2 where the server
// offers it, connection reuse, TLS) driven on a worker thread of its own; every completion and
// every streamed line is handed back on the caller's asio::io_context, so the code above never
// sees a thread. No HTTP and no JSON is written by hand: curl does the protocol, nlohmann the
// bodies.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "k8s/config.hpp"

namespace vipd::k8s {

struct Response {
  long status = 0;              // HTTP status; 0: no response (transport_error says why)
  std::string body;             // whole body (request()); for stream(): empty unless status != 200
  std::string transport_error;  // curl's message: connection refused, timeout, TLS, ...
  // Retry-After in its seconds form (RFC 9110 §10.2.3), as kube-apiserver sends it with 429
  // Too Many Requests (API Priority and Fairness) and some 503s.
  std::optional<std::chrono::seconds> retry_after;
  bool ok() const { return status >= 200 && status < 300; }
};

struct Request {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string path;            // "/api/v1/namespaces/x/services?limit=500" (server prepended)
  std::string body;            // JSON
  std::string content_type = "application/json";  // merge patches: application/merge-patch+json
  // Whole-request timeout; 0: none (watches end by the server's timeoutSeconds or a cut).
  std::chrono::milliseconds timeout{10000};
};

// What the reflector, the Lease elector and the API source need from HTTP; CurlClient is the
// real one, tests give a scripted one driven by a simulated clock.
class Client {
 public:
  using RequestId = std::uint64_t;
  virtual ~Client() = default;
  // One request; `done` runs once on the loop with the response (also on transport errors),
  // never from inside this call.
  virtual RequestId request(Request request, std::function<void(Response)> done) = 0;
  // A watch: `on_line` runs on the loop for each newline-terminated line of a 200 response's
  // body as it arrives (one watch event, JSON); `done` runs once when the stream ends (server
  // closed it, cut, error status with its body); after cancel() neither runs again.
  virtual RequestId stream(Request request, std::function<void(std::string_view line)> on_line,
                           std::function<void(Response)> done) = 0;
  // Stops a request or stream; its callbacks do not run afterwards.
  virtual void cancel(RequestId id) = 0;
};

// Percent-encodes a query parameter's value (label selectors, continue tokens), with curl's
// escaping: everything but RFC 3986 unreserved characters.
std::string url_escape(std::string_view text);

// Every call, the destructor included, is made on the io_context's thread (the callbacks run
// there too); the worker thread only ever talks to curl.
class CurlClient final : public Client {
 public:
  CurlClient(asio::io_context& io, ApiConfig config);
  ~CurlClient() override;  // cancels everything; no callback runs after it returns
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  RequestId request(Request request, std::function<void(Response)> done) override;
  RequestId stream(Request request, std::function<void(std::string_view line)> on_line,
                   std::function<void(Response)> done) override;
  void cancel(RequestId id) override;

  const ApiConfig& config() const;
  std::uint64_t requests_started() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vipd::k8s
