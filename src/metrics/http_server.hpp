// A small HTTP server for /metrics, /healthz and /readyz on civetweb (libcivetweb, the server
// prometheus-cpp's own Exposer is built on). The Exposer serves only metric collectables; the
// probes need their own handlers with a status code and a reason in the body, so vipd uses
// civetweb directly and prometheus-cpp's TextSerializer for the metrics (families.hpp).
//
// Handlers run on civetweb's worker threads, never on the event loop: they must reach the
// daemon's state only through LoopCaller (loop_call.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/ip.hpp"
#include "common/result.hpp"

struct mg_context;
struct mg_connection;

namespace vipd::metrics {

// ADDR:PORT, with an IPv6 address in brackets ("127.0.0.1:7472", "[::1]:7472", "[::]:7472").
// Port 0 picks a free port (tests; HttpServer::port() tells which).
struct ListenAddress {
  IpAddress address;
  std::uint16_t port = 0;
  std::string to_string() const;  // as given, normalised
};
Result<ListenAddress, std::string> parse_listen_address(std::string_view text);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  // Runs on a server thread for a GET (or HEAD) of its exact path.
  using Handler = std::function<HttpResponse()>;

  // Listens and serves; an error when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>, std::string> start(
      const ListenAddress& listen, std::map<std::string, Handler> handlers);
  // Stops listening and waits for the requests being served.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port it listens on (the one picked, for port 0).
  std::uint16_t port() const { return port_; }

 private:
  HttpServer() = default;
  static int dispatch(mg_connection* connection, void* data);
  std::map<std::string, Handler> handlers_;
  mg_context* context_ = nullptr;
  std::uint16_t port_ = 0;
};

}  // namespace vipd::metrics
