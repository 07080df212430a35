// CurlClient against a small HTTP(S) server in Python on 127.0.0.1: methods, headers, bodies,
// error statuses, streams split into lines (also across chunks, a trailing partial line, a cut),
// cancel, timeouts, the token file after a 401, TLS with the CA as a file or as data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/client.hpp"
#include "k8s_test_util.hpp"

namespace vipd::k8s {
namespace {

using test::ChildProcess;
using test::json;
using test::run_until;
using test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const char* const kHttpServer = R"py(
import http.server, json, socket, ssl, sys, time

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, data, headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        if path.startswith("/echo"):
            out = {"method": self.command, "path": path, "body": body.decode(),
                   "authorization": self.headers.get("Authorization", ""),
                   "accept": self.headers.get("Accept", ""),
                   "content_type": self.headers.get("Content-Type", ""),
                   "user_agent": self.headers.get("User-Agent", "")}
            return self.reply(200, json.dumps(out).encode())
        if path.startswith("/retry-after/"):
            return self.reply(429, b'{"kind":"Status","reason":"TooManyRequests"}',
                              [("Retry-After", path.split("/")[2])])
        if path.startswith("/status/"):
            return self.reply(int(path.split("/")[2]),
                              b'{"kind":"Status","message":"as asked"}')
        if path == "/auth":
            good = self.headers.get("Authorization") == "Bearer new"
            return self.reply(200 if good else 401, b'{"kind":"Status"}')
        if path == "/slow":
            time.sleep(3)
            return self.reply(200, b"{}")
        if path.startswith("/stream") or path == "/hold":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if path == "/hold":
                self.chunk(b'{"n":1}\n')
                for _ in range(300):
                    time.sleep(0.1)
                    self.chunk(b'{"n":"more"}\n')
                return
            # Lines split across chunks, as a watch's events arrive.
            self.chunk(b'{"n":1}\n{"n":2}\n{"n"')
            time.sleep(0.05)
            self.chunk(b':3}\n')
            time.sleep(0.05)
            if path == "/stream/cut":
                self.chunk(b'{"n":4')
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.chunk(b'{"partial')
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        self.reply(404, b"{}")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = any

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # 40 connections at once: no SYN dropped and retried a second later

server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 3:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
)py";

class CurlClientTest : public ::testing::Test {
 protected:
  void start_server(bool tls = false) {
    const std::string script = dir_.write("server.py", kHttpServer);
    std::vector<std::string> argv = {"python3", script, dir_.file("port")};
    if (tls) {
      make_certificate();
      if (HasFatalFailure()) return;
      argv.push_back(dir_.file("cert.pem"));
      argv.push_back(dir_.file("key.pem"));
    }
    server_ = std::make_unique<ChildProcess>(argv, dir_.file("server.log"));
    port_ = test::wait_for_port(*server_, dir_.file("port"));
    ASSERT_GT(port_, 0) << server_->log();
  }
  // A self-signed certificate for 127.0.0.1 that is its own CA: cert.pem, key.pem.
  void make_certificate() {
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=vipd-test -addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_.file("key.pem") + " -out " + dir_.file("cert.pem") + " >" + dir_.file("openssl.log") +
        " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  ApiConfig config(const std::string& scheme = "http") const {
    ApiConfig c;
    c.server = scheme + "://127.0.0.1:" + std::to_string(port_);
    c.token = "tok";
    return c;
  }

  Response get(CurlClient& client, Request request) {
    std::optional<Response> out;
    client.request(std::move(request), [&](Response r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.has_value(); }));
    return out.value_or(Response{});
  }

  struct Stream {
    std::vector<std::string> lines;
    std::optional<Response> done;
  };
  Client::RequestId stream(CurlClient& client, const std::string& path, Stream& into) {
    Request request;
    request.path = path;
    request.timeout = 0ms;
    return client.stream(
        std::move(request), [&into](std::string_view line) { into.lines.emplace_back(line); },
        [&into](Response r) { into.done = std::move(r); });
  }

  // Starts the server, streams `path` to its end; `done` is set unless the test failed.
  Stream stream_to_end(const std::string& path) {
    Stream s;
    start_server();
    if (HasFatalFailure()) return s;
    CurlClient client(io_, config());
    stream(client, path, s);
    EXPECT_TRUE(run_until(io_, [&] { return s.done.has_value(); }));
    if (!s.done) s.done = Response{};
    return s;
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> server_;  // before io_: stopped last
  int port_ = 0;
  asio::io_context io_;
};

TEST_F(CurlClientTest, MethodsHeadersAndBodies) {
  start_server();
  CurlClient client(io_, config());
  Response r = get(client, Request{"GET", "/echo?x=1", "", "application/json", 5000ms});
  ASSERT_EQ(r.status, 200) << r.transport_error;
  json echo = json::parse(r.body);
  EXPECT_EQ(echo["method"], "GET");
  EXPECT_EQ(echo["path"], "/echo?x=1");
  EXPECT_EQ(echo["authorization"], "Bearer tok");
  EXPECT_EQ(echo["accept"], "application/json");
  EXPECT_EQ(echo["user_agent"], "vipd");

  for (const std::string method : {"POST", "PUT", "PATCH", "DELETE"}) {
    const std::string type =
        method == "PATCH" ? "application/merge-patch+json" : "application/json";
    Response w = get(client, Request{method, "/echo", R"({"a":1})", type, 5000ms});
    ASSERT_EQ(w.status, 200) << method << " " << w.transport_error;
    json e = json::parse(w.body);
    EXPECT_EQ(e["method"], method);
    EXPECT_EQ(e["body"], R"({"a":1})") << method;
    EXPECT_EQ(e["content_type"], type) << method;
  }
  EXPECT_EQ(client.requests_started(), 5u);
  EXPECT_EQ(client.config().server, config().server);
}

TEST_F(CurlClientTest, ErrorStatusKeepsItsBodyAndTransportErrorsSayWhy) {
  start_server();
  CurlClient client(io_, config());
  Response r = get(client, Request{"GET", "/status/503", "", "application/json", 5000ms});
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.body, HasSubstr("as asked"));
  EXPECT_TRUE(r.transport_error.empty());
  EXPECT_FALSE(r.retry_after);

  // RFC 9110 §10.2.3's seconds form is read; anything else is not a wait.
  Response busy = get(client, Request{"GET", "/retry-after/7", "", "application/json", 5000ms});
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(busy.retry_after, std::chrono::seconds(7));
  Response dated = get(client, Request{"GET", "/retry-after/Fri,%2031%20Dec%201999", "",
                                       "application/json", 5000ms});
  EXPECT_EQ(dated.status, 429);
  EXPECT_FALSE(dated.retry_after);

  ApiConfig closed = config();
  closed.server = "http://127.0.0.1:" + std::to_string(test::free_loopback_port());
  CurlClient refused(io_, closed);
  Response c = get(refused, Request{"GET", "/x", "", "application/json", 5000ms});
  EXPECT_EQ(c.status, 0);
  EXPECT_FALSE(c.transport_error.empty());
}

TEST_F(CurlClientTest, RequestTimeout) {
  start_server();
  CurlClient client(io_, config());
  const auto start = std::chrono::steady_clock::now();
  Response r = get(client, Request{"GET", "/slow", "", "application/json", 300ms});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.transport_error, HasSubstr("imed out"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
}

TEST_F(CurlClientTest, StreamLinesAcrossChunksAndTheTrailingPartialLineDropped) {
  Stream s = stream_to_end("/stream");
  EXPECT_THAT(s.lines, ElementsAre(R"({"n":1})", R"({"n":2})", R"({"n":3})"));
  EXPECT_EQ(s.done->status, 200);
  EXPECT_TRUE(s.done->body.empty());
  EXPECT_TRUE(s.done->transport_error.empty()) << s.done->transport_error;
}

TEST_F(CurlClientTest, StreamCutMidLine) {
  Stream s = stream_to_end("/stream/cut");
  EXPECT_THAT(s.lines, ElementsAre(R"({"n":1})", R"({"n":2})", R"({"n":3})"));
  // The 200 stays (the lines delivered were whole events); curl says what broke.
  EXPECT_EQ(s.done->status, 200);
  EXPECT_FALSE(s.done->transport_error.empty());
}

TEST_F(CurlClientTest, StreamErrorStatusComesWithItsBody) {
  Stream s = stream_to_end("/status/410");
  EXPECT_TRUE(s.lines.empty());
  EXPECT_EQ(s.done->status, 410);
  EXPECT_THAT(s.done->body, HasSubstr("as asked"));
}

TEST_F(CurlClientTest, CancelAndDestructionStopAllCallbacks) {
  start_server();
  Stream held, other;
  bool request_done = false;
  {
    CurlClient client(io_, config());
    auto id = stream(client, "/hold", held);
    ASSERT_TRUE(run_until(io_, [&] { return !held.lines.empty(); }));
    client.cancel(id);
    const std::size_t seen = held.lines.size();
    run_until(
        io_, [] { return false; }, 300ms);
    EXPECT_EQ(held.lines.size(), seen);
    EXPECT_FALSE(held.done.has_value());

    // Cancelling from inside the stream's own callback.
    Request request;
    request.path = "/hold";
    request.timeout = 0ms;
    Client::RequestId self = 0;
    int calls = 0;
    self = client.stream(
        request,
        [&](std::string_view) {
          ++calls;
          client.cancel(self);
        },
        [&](Response) { ADD_FAILURE() << "done after cancel"; });
    run_until(io_, [&] { return calls > 0; });
    run_until(
        io_, [] { return false; }, 300ms);
    EXPECT_EQ(calls, 1);

    // Destroyed with a stream and a request open: neither calls back.
    stream(client, "/hold", other);
    client.request(Request{"GET", "/slow", "", "application/json", 10000ms},
                   [&](Response) { request_done = true; });
    run_until(io_, [&] { return !other.lines.empty(); });
  }
  const std::size_t seen = other.lines.size();
  run_until(
      io_, [] { return false; }, 300ms);
  EXPECT_EQ(other.lines.size(), seen);
  EXPECT_FALSE(other.done.has_value());
  EXPECT_FALSE(request_done);
}

TEST_F(CurlClientTest, ManyRequestsAtOnce) {
  start_server();
  CurlClient client(io_, config());
  int done = 0;
  for (int i = 0; i < 40; ++i) {
    client.request(Request{"GET", "/echo/" + std::to_string(i), "", "application/json", 10000ms},
                   [&done, i](Response r) {
                     EXPECT_EQ(r.status, 200) << r.transport_error;
                     EXPECT_EQ(json::parse(r.body)["path"], "/echo/" + std::to_string(i));
                     ++done;
                   });
  }
  EXPECT_TRUE(run_until(
      io_, [&] { return done == 40; }, 20s));
  EXPECT_EQ(client.requests_started(), 40u);
}

TEST_F(CurlClientTest, TokenFileIsReadAgainAfterA401) {
  start_server();
  ApiConfig c = config();
  c.token.clear();
  c.token_file = dir_.write("token", "old\n");
  CurlClient client(io_, c);
  EXPECT_EQ(get(client, Request{"GET", "/auth", "", "application/json", 5000ms}).status, 401);
  dir_.write("token", "new\n");  // rotated by the kubelet
  EXPECT_EQ(get(client, Request{"GET", "/auth", "", "application/json", 5000ms}).status, 200);
}

TEST_F(CurlClientTest, TlsWithTheCaAsFileOrDataAndAWrongCaFails) {
  start_server(/*tls=*/true);
  const Request request{"GET", "/echo", "", "application/json", 5000ms};
  ApiConfig file = config("https");
  file.ca_file = dir_.file("cert.pem");
  CurlClient by_file(io_, file);
  Response r1 = get(by_file, request);
  EXPECT_EQ(r1.status, 200) << r1.transport_error;

  ApiConfig data = config("https");
  std::ifstream in(dir_.file("cert.pem"));
  std::stringstream pem;
  pem << in.rdbuf();
  data.ca_data = pem.str();
  CurlClient by_data(io_, data);
  Response r2 = get(by_data, request);
  EXPECT_EQ(r2.status, 200) << r2.transport_error;

  // The system's CAs do not know this server.
  CurlClient system(io_, config("https"));
  Response r3 = get(system, request);
  EXPECT_EQ(r3.status, 0);
  EXPECT_FALSE(r3.transport_error.empty());

  ApiConfig insecure = config("https");
  insecure.insecure_skip_tls_verify = true;
  CurlClient skip(io_, insecure);
  EXPECT_EQ(get(skip, request).status, 200);
}

// HTTP/2 where the server offers it (ALPN): nghttpd, the nghttp2 project's server, serving
// files. Skipped where it is not installed (Debian: nghttp2-server).
TEST_F(CurlClientTest, Http2WhereOfferedWithRequestsMultiplexedOnOneConnection) {
  if (std::system("command -v nghttpd >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "nghttpd is not installed";
  }
  make_certificate();
  ASSERT_FALSE(HasFatalFailure());
  dir_.write("htdocs/lines.txt", "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"partial");
  dir_.write("htdocs/object.json", "{\"kind\":\"Service\"}");
  port_ = test::free_loopback_port();
  // stdbuf: its verbose log (the frames) line by line, for the checks below.
  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"stdbuf", "-oL", "nghttpd", "-a", "127.0.0.1", "-d",
                               dir_.file("htdocs"), "-v", std::to_string(port_),
                               dir_.file("key.pem"), dir_.file("cert.pem")},
      dir_.file("server.log"));
  ASSERT_TRUE(test::wait_for_listener(*server_, port_)) << server_->log();

  ApiConfig c = config("https");
  c.ca_file = dir_.file("cert.pem");
  CurlClient client(io_, c);
  Stream s;
  stream(client, "/lines.txt", s);
  ASSERT_TRUE(run_until(io_, [&] { return s.done.has_value(); }));
  EXPECT_THAT(s.lines, ElementsAre(R"({"n":1})", R"({"n":2})", R"({"n":3})"));
  EXPECT_EQ(s.done->status, 200) << s.done->transport_error;

  int done = 0;
  for (int i = 0; i < 10; ++i) {
    client.request(Request{"GET", "/object.json", "", "application/json", 5000ms},
                   [&done](Response r) {
                     EXPECT_EQ(r.status, 200) << r.transport_error;
                     EXPECT_EQ(r.body, R"({"kind":"Service"})");
                     ++done;
                   });
  }
  ASSERT_TRUE(run_until(io_, [&] { return done == 10; }));
  // One TLS connection (the listener probe above made none), HTTP/2 on it, eleven streams.
  const std::string log = server_->log();
  auto count = [&log](const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("SSL/TLS handshake completed"), 1u);
  EXPECT_EQ(count("The negotiated protocol: h2"), 1u);
  EXPECT_EQ(count("; Open new stream"), 11u);
}

TEST(UrlEscapeTest, QueryValues) {
  EXPECT_EQ(url_escape("app in (a,b)"), "app%20in%20%28a%2Cb%29");
  EXPECT_EQ(url_escape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(url_escape("x=y&z/+"), "x%3Dy%26z%2F%2B");
  EXPECT_EQ(url_escape(""), "");
}

}  // namespace
}  // namespace vipd::k8s
