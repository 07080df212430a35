#include "metrics/http_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstring>

namespace vipd::metrics {
namespace {

MHD_Result send(MHD_Connection* connection, const HttpResponse& response) {
  MHD_Response* r = MHD_create_response_from_buffer(
      response.body.size(), const_cast<char*>(response.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type.c_str());
  // A scrape is a snapshot; no proxy may serve an old one.
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  return queued;
}

// libmicrohttpd's error log while the daemon starts (why it could not listen).
void start_logger(void* cls, const char* format, va_list ap) {
  char line[256];
  std::vsnprintf(line, sizeof line, format, ap);
  auto* text = static_cast<std::string*>(cls);
  if (text->empty()) *text = line;
  while (!text->empty() && (text->back() == '\n' || text->back() == '.')) text->pop_back();
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
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->handlers_ = std::move(handlers);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  sockaddr* address = nullptr;
  // Threads of its own (a pool of two: Prometheus and a probe at the same time; more would only
  // queue on the one event loop), and errors into `error` while starting.
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (listen.address.is_v4()) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(listen.port);
    std::memcpy(&v4.sin_addr, listen.address.octets().data(), 4);
    address = reinterpret_cast<sockaddr*>(&v4);
  } else {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(listen.port);
    std::memcpy(&v6.sin6_addr, listen.address.octets().data(), 16);
    address = reinterpret_cast<sockaddr*>(&v6);
    // [::] takes IPv4 too, as a Go server's ":7472" does.
    flags |= listen.address.is_unspecified() ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
  }
  std::string error;
  auto handler = [](void* self, MHD_Connection* connection, const char* url, const char* method,
                    const char*, const char*, std::size_t*, void**) -> MHD_Result {
    return static_cast<MHD_Result>(dispatch(self, connection, url, method));
  };
  server->daemon_ =
      MHD_start_daemon(flags, listen.port, nullptr, nullptr, handler, server.get(),
                       MHD_OPTION_SOCK_ADDR, address, MHD_OPTION_THREAD_POOL_SIZE, 2u,
                       MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u,
                       MHD_OPTION_EXTERNAL_LOGGER, &start_logger, &error, MHD_OPTION_END);
  if (!server->daemon_)
    return unexpected(fmt::format("cannot listen on {}: {}", listen.to_string(),
                                  error.empty() ? std::strerror(errno) : error));
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info && info->port ? info->port : listen.port;
  return server;
}

HttpServer::~HttpServer() {
  if (daemon_) MHD_stop_daemon(daemon_);
}

int HttpServer::dispatch(void* self, MHD_Connection* connection, const char* url,
                         const char* method) {
  auto* server = static_cast<HttpServer*>(self);
  const std::string_view m = method ? method : "";
  auto it = server->handlers_.find(url ? url : "");
  if (it == server->handlers_.end())
    return send(connection, {MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n"});
  if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD)
    return send(connection,
                {MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "only GET and HEAD\n"});
  return send(connection, it->second());
}

}  // namespace vipd::metrics
