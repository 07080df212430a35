// A small HTTP server for /metrics, /healthz and /readyz on GNU libmicrohttpd.
//
// Why not prometheus-cpp's Exposer: it serves only metric collectables, and the probes need
// handlers of their own with a status code and a reason in the body. Why not civetweb, which
// the Exposer is built on: Debian builds libcivetweb without IPv6 (mg_check_feature(8) is 0),
// so `--metrics-listen [::1]:7472` could not work; libmicrohttpd listens on either family (both
// for [::]). The metrics are still prometheus-cpp's data model and TextSerializer
// (families.hpp); no HTTP is written here by hand.
//
// Handlers run on the server's threads, never on the event loop: they must reach the daemon's
// state only through LoopCaller (loop_call.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/ip.hpp"
#include "common/result.hpp"

struct MHD_Daemon;
struct MHD_Connection;

namespace vipd::metrics {

// ADDR:PORT, with an IPv6 address in brackets ("127.0.0.1:7472", "[::1]:7472"; "[::]:7472"
// takes IPv4 too). Port 0 picks a free port (tests; HttpServer::port() tells which).
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
  // Runs on a server thread for a GET (or HEAD) of its exact path; other paths get 404, other
  // methods 405.
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
  // libmicrohttpd's access handler (MHD_AccessHandlerCallback).
  static int dispatch(void* self, MHD_Connection* connection, const char* url, const char* method);
  std::map<std::string, Handler> handlers_;
  MHD_Daemon* daemon_ = nullptr;
  std::uint16_t port_ = 0;
};

}  // namespace vipd::metrics
