#include "metrics/http_server.hpp"

#include <civetweb.h>
#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <mutex>

namespace vipd::metrics {
namespace {

// civetweb's global state: once per process, before the first server (mg_init_library is not
// thread-safe; its counterpart mg_exit_library is left to process exit, since servers may be
// started again).
void init_civetweb() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(MG_FEATURES_IPV6); });
}

void send(mg_connection* connection, const HttpResponse& response, bool head) {
  mg_response_header_start(connection, response.status);
  mg_response_header_add(connection, "Content-Type", response.content_type.c_str(), -1);
  const std::string length = std::to_string(response.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  // A scrape is a snapshot; no proxy may serve an old one.
  mg_response_header_add(connection, "Cache-Control", "no-store", -1);
  mg_response_header_send(connection);
  if (!head && !response.body.empty())
    mg_write(connection, response.body.data(), response.body.size());
}

}  // namespace

std::string ListenAddress::to_string() const {
  return address.is_v4() ? fmt::format("{}:{}", address.to_string(), port)
                         : fmt::format("[{}]:{}", address.to_string(), port);
}

Result<ListenAddress, std::string> parse_listen_address(std::string_view text) {
  const std::string bad = fmt::format("'{}': expected ADDR:PORT or [IPV6]:PORT", text);
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return unexpected(bad);
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return unexpected(bad);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return unexpected(bad);  // IPv6 needs []
  }
  auto address = IpAddress::parse(host);
  if (!address) return unexpected(fmt::format("'{}': not an IP address", host));
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    return unexpected(fmt::format("'{}': not a port number", port));
  if (text.starts_with('[') != !address->is_v4()) return unexpected(bad);
  return ListenAddress{*address, static_cast<std::uint16_t>(value)};
}

Result<std::unique_ptr<HttpServer>, std::string> HttpServer::start(
    const ListenAddress& listen, std::map<std::string, Handler> handlers) {
  init_civetweb();
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->handlers_ = std::move(handlers);
  const std::string ports = listen.to_string();
  // Two workers: Prometheus and a probe at the same time; more only queue on the one loop.
  // No document_root: civetweb serves no files, only the handlers below.
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           "2",
                           "request_timeout_ms",
                           "10000",
                           "enable_keep_alive",
                           "yes",
                           "keep_alive_timeout_ms",
                           "30000",
                           nullptr};
  mg_callbacks callbacks{};
  // civetweb's own log lines (bad requests) are not vipd's to print.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = options;
  char error_text[256] = {};
  unsigned error_code = 0;
  mg_error_data error{};
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  server->context_ = mg_start2(&init, &error);
  if (!server->context_)
    return unexpected(fmt::format("cannot listen on {}: {}", ports,
                                  error_text[0] ? error_text : "civetweb failed to start"));
  for (const auto& [path, handler] : server->handlers_)
    mg_set_request_handler(server->context_, path.c_str(), &HttpServer::dispatch, server.get());
  mg_server_port bound[4] = {};
  int n = mg_get_server_ports(server->context_, 4, bound);
  server->port_ = n > 0 ? static_cast<std::uint16_t>(bound[0].port) : listen.port;
  return server;
}

HttpServer::~HttpServer() {
  if (context_) mg_stop(context_);
}

int HttpServer::dispatch(mg_connection* connection, void* data) {
  auto* server = static_cast<HttpServer*>(data);
  const mg_request_info* request = mg_get_request_info(connection);
  const std::string_view method = request->request_method ? request->request_method : "";
  const std::string_view uri = request->local_uri ? request->local_uri : "";
  // civetweb matches handler paths as prefixes ("/metrics" also takes "/metricsX"); vipd
  // serves exact paths only.
  auto it = server->handlers_.find(std::string(uri));
  if (it == server->handlers_.end()) {
    send(connection, {404, "text/plain; charset=utf-8", "not found\n"}, method == "HEAD");
    return 404;
  }
  if (method != "GET" && method != "HEAD") {
    send(connection, {405, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false);
    return 405;
  }
  HttpResponse response = it->second();
  send(connection, response, method == "HEAD");
  return response.status;
}

}  // namespace vipd::metrics
