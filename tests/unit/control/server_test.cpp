#include "control/server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "control/client.hpp"
#include "control_test_util.hpp"

namespace vipd::control {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_test_commands(tree, hostname);
    install_shell_commands(tree);
    path = dir.path() + "/vipd.sock";
  }

  void TearDown() override { stop(); }

  ServerOptions options() {
    ServerOptions o;
    o.path = path;
    o.hostname = [this] { return hostname; };
    o.version = "1.2.3";
    return o;
  }

  void start(ServerOptions o) {
    server = std::make_unique<Server>(io, tree, std::move(o));
    auto started = server->start();
    ASSERT_TRUE(started) << started.error();
    // The guard keeps run() going while a test has no server listening (between two servers).
    work.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }
  void start() { start(options()); }

  // Runs `fn` on the io_context thread (where the server lives) and waits for it.
  template <typename Fn>
  auto on_io(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  void stop() {
    if (!thread.joinable()) return;
    on_io([this] {
      for (auto& s : extra) s->close();
      server->close();
      return 0;
    });
    work.reset();
    thread.join();  // run() returns once the closed sockets' handlers have finished
  }

  // The server drops a connection after its last write completed, which may be after the
  // client has read the reply.
  void wait_for_connections(std::size_t n) {
    for (int i = 0; i < 400 && on_io([this] { return server->connections(); }) != n; ++i)
      std::this_thread::sleep_for(5ms);
    EXPECT_EQ(on_io([this] { return server->connections(); }), n);
  }

  Client connect() {
    auto client = Client::connect(path, 5s);
    EXPECT_TRUE(client) << client.error().message;
    return std::move(client).value();
  }

  TempDir dir;
  std::string path;
  std::string hostname = "OpenWrt";
  CommandTree tree;
  asio::io_context io;
  std::unique_ptr<Server> server;
  std::vector<std::unique_ptr<Server>> extra;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
};

TEST_F(ServerTest, HelloReportsHostnamePromptAndVersion) {
  start();
  auto client = connect();
  auto hello = client.hello();
  ASSERT_TRUE(hello) << hello.error().message;
  EXPECT_EQ(hello->hostname, "OpenWrt");
  EXPECT_EQ(hello->prompt, "");
  EXPECT_EQ(hello->version, "1.2.3");
}

TEST_F(ServerTest, ExecuteRunsCommandsAndReportsFailures) {
  start();
  auto client = connect();
  auto r = client.execute("sh fo");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->output, "foo output\nsecond line");
  EXPECT_EQ(r->prompt, "");
  EXPECT_EQ(r->hostname, "OpenWrt");

  r = client.execute("bogus command");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->output.rfind("% Unknown command: bogus command", 0), 0u) << r->output;
  EXPECT_TRUE(client.connected());
}

TEST_F(ServerTest, SessionPersistsOnAConnectionAndIsPrivateToIt) {
  start();
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(a.execute("configure terminal"));
  auto r = a.execute("router bgp 65000");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->output;
  EXPECT_EQ(r->prompt, "(config-router)");

  // b is still at exec: config commands are unknown there.
  r = b.execute("router bgp 1");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(b.hello()->prompt, "");

  r = a.execute("show session");  // falls back to nothing: exec commands are not seen in config
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  r = a.execute("do show session");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->output;
  EXPECT_EQ(r->output, "exec");             // `do` runs in a fresh exec session...
  EXPECT_EQ(r->prompt, "(config-router)");  // ...and leaves this one where it was
  r = a.execute("do");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  r = a.execute("neighbor 192.0.2.1 remote-as 65001");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "peer 192.0.2.1 as 65001 in 65000");
  r = a.execute("exit");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prompt, "(config)");
  r = a.execute("end");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prompt, "");
  EXPECT_TRUE(a.connected());
}

TEST_F(ServerTest, HostnameChangeShowsInTheNextReply) {
  start();
  auto client = connect();
  ASSERT_TRUE(client.execute("configure terminal"));
  auto r = client.execute("hostname edge1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hostname, "edge1");
  EXPECT_EQ(r->prompt, "(config)");
}

TEST_F(ServerTest, CompleteListsNextTokensWithHelp) {
  start();
  auto client = connect();
  auto c = client.complete("sh");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->completions.size(), 1u);
  EXPECT_EQ(c->completions[0].token, "show");
  EXPECT_EQ(c->completions[0].help, "Show running system information");

  c = client.complete("show ");
  ASSERT_TRUE(c);
  std::vector<std::string> tokens;
  for (const auto& x : c->completions) tokens.push_back(x.token);
  EXPECT_EQ(tokens, (std::vector<std::string>{"foo", "session", "throw"}));

  ASSERT_TRUE(client.execute("conf t"));
  c = client.complete("do sh");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->completions.size(), 1u);
  EXPECT_EQ(c->completions[0].token, "show");
  EXPECT_EQ(c->prompt, "(config)");
  c = client.complete("ro");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->completions.size(), 1u);
  EXPECT_EQ(c->completions[0].token, "router");
}

TEST_F(ServerTest, ExitAtExecEndsTheConnection) {
  start();
  auto client = connect();
  auto r = client.execute("quit");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok);
  EXPECT_TRUE(r->closed);
  EXPECT_FALSE(client.connected());
  wait_for_connections(0);
  auto again = connect();
  EXPECT_TRUE(again.hello());
}

TEST_F(ServerTest, MalformedRequestsGetErrorsAndTheConnectionSurvives) {
  start();
  auto client = connect();
  for (const std::string& bad : std::vector<std::string>{
           "not json\n", "[1,2]\n", "{\"op\":5}\n", "{\"op\":\"execute\"}\n",
           "{\"op\":\"execute\",\"line\":7}\n", "{\"op\":\"launch\"}\n", "{\"op\":\"hello\"\n",
           std::string("{\"op\":\"execute\",\"line\":\"\xff\xfe\"}\n")}) {
    auto reply = client.request_raw(bad);
    ASSERT_TRUE(reply) << bad << ": " << reply.error().message;
    EXPECT_EQ((*reply)["ok"], false) << bad;
    EXPECT_TRUE(reply->contains("error")) << bad;
  }
  // Blank lines are no requests and get no reply; the next request is answered normally.
  auto hello = client.request_raw("\n  \n{\"op\":\"hello\"}\n");
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["hostname"], "OpenWrt");
}

TEST_F(ServerTest, CommandThatThrowsIsAnErrorNotACrash) {
  start();
  auto client = connect();
  auto r = client.execute("show throw");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->output.find("Internal error"), std::string::npos);
  EXPECT_TRUE(client.execute("show foo")->ok);
}

// Issue 15: a streamed output reaches the client as one response, escaped as a whole one would
// be, and is produced only as fast as the client reads it.
TEST_F(ServerTest, StreamedOutputIsOneResponseMadeAsTheClientReads) {
  constexpr int kPieces = 100000;
  const std::string piece = "piece \"quoted\" \\ tab\t\xff\n";  // escapes, a non-UTF-8 byte
  std::atomic<int> made = 0;
  tree.install("exec", "show stream", "Streamed output", [&](const Invocation&, Session&) {
    auto count = std::make_shared<int>(0);
    return CommandResult::streamed([&, count](std::string& out) {
      out += piece;
      ++made;
      return ++*count < kPieces;
    });
  });
  start();

  // A raw client that sends the request and does not read yet.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request = R"({"op":"execute","line":"show stream"})"
                              "\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::this_thread::sleep_for(300ms);
  // The socket buffers hold a few hundred kB at most; the output is ~3 MB escaped.
  EXPECT_LT(made.load(), kPieces) << "the whole output was made before the client read any";
  // Another client is served meanwhile: the loop is not held by the stream.
  auto other = connect();
  EXPECT_TRUE(other.execute("show foo")->ok);

  std::string received;
  char buffer[65536];
  while (received.empty() || received.back() != '\n') {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    ASSERT_GT(n, 0);
    received.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(made.load(), kPieces);
  std::string whole;
  for (int i = 0; i < kPieces; ++i) whole += piece;
  const nlohmann::json expected = {
      {"ok", true}, {"output", whole}, {"prompt", ""}, {"hostname", hostname}};
  EXPECT_EQ(received,
            expected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

TEST_F(ServerTest, OversizedRequestGetsAnErrorAndIsClosed) {
  auto o = options();
  o.max_request_bytes = 1024;
  start(o);
  auto client = connect();
  // Without a newline: the server stops buffering past the limit.
  auto reply = client.request_raw(std::string(5000, 'x'));
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_NE((*reply)["error"].get<std::string>().find("too large"), std::string::npos);
  EXPECT_FALSE(client.request({{"op", "hello"}}));  // closed

  // With a newline, in one read.
  auto second = connect();
  reply = second.request_raw("{\"op\":\"execute\",\"line\":\"" + std::string(2000, 'a') + "\"}\n");
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["ok"], false);

  auto fresh = connect();
  EXPECT_TRUE(fresh.hello());
}

TEST_F(ServerTest, PartialAndPipelinedRequests) {
  start();
  RawSocket raw(path);
  // One request in pieces, with pauses so that the server sees several reads.
  raw.send("{\"op\":");
  std::this_thread::sleep_for(20ms);
  raw.send("\"execute\",\"line\":\"sh");
  std::this_thread::sleep_for(20ms);
  raw.send("ow foo\"}\n");
  auto line = raw.read_line();
  EXPECT_NE(line.find("foo output"), std::string::npos) << line;
  // Three requests in one write; answers come in order.
  raw.send(
      "{\"op\":\"execute\",\"line\":\"conf t\"}\n{\"op\":\"hello\"}\n"
      "{\"op\":\"execute\",\"line\":\"end\"}\n");
  EXPECT_NE(raw.read_line().find("\"(config)\""), std::string::npos);
  EXPECT_NE(raw.read_line().find("\"version\""), std::string::npos);
  EXPECT_NE(raw.read_line().find("\"prompt\":\"\""), std::string::npos);
  // EOF in the middle of a request: the server just closes its side.
  raw.send("{\"op\":\"hel");
  raw.shutdown_write();
  EXPECT_EQ(raw.read_line(), "");
}

TEST_F(ServerTest, ManyClientsAtOnce) {
  start();
  std::vector<Client> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(connect());
  for (std::size_t i = 0; i < clients.size(); i += 2) ASSERT_TRUE(clients[i].execute("conf t"));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto hello = clients[i].hello();
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->prompt, i % 2 == 0 ? "(config)" : "") << i;
  }
  EXPECT_EQ(on_io([this] { return server->connections(); }), 40u);
  clients.clear();
  // Closed clients are noticed (EOF) and dropped.
  wait_for_connections(0);
}

TEST_F(ServerTest, ConnectionLimit) {
  auto o = options();
  o.max_connections = 2;
  start(o);
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(a.hello());
  ASSERT_TRUE(b.hello());
  auto c = connect();
  auto hello = c.hello();
  ASSERT_FALSE(hello);
  EXPECT_EQ(hello.error().message, "too many connections");
}

// vtysh's exec-timeout: idle clients are disconnected, so that clients that connect and send
// nothing cannot hold every slot and lock vipctl out (issue 15).
TEST_F(ServerTest, IdleClientsAreDisconnectedAndFreeTheirSlots) {
  auto o = options();
  o.max_connections = 2;
  o.idle_timeout = [] { return 300ms; };
  start(o);
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(a.hello());
  ASSERT_TRUE(b.hello());
  auto refused = connect();
  auto hello = refused.hello();
  ASSERT_FALSE(hello);
  EXPECT_EQ(hello.error().message, "too many connections");
  // `b` keeps sending, `a` does not.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(b.hello()) << i;
  }
  wait_for_connections(1);
  auto late = a.hello();
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, ClientError::Kind::kIo);
  EXPECT_EQ(late.error().message, "connection closed by vipd: idle for 300 ms (exec-timeout)");
  EXPECT_FALSE(a.connected());
  // The slot `a` held is free again.
  auto c = connect();
  EXPECT_TRUE(c.hello());
  EXPECT_TRUE(b.hello());
}

TEST_F(ServerTest, IdleTimeoutZeroNeverDisconnects) {
  auto o = options();
  o.idle_timeout = [] { return 0ms; };
  start(o);
  auto a = connect();
  ASSERT_TRUE(a.hello());
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(a.hello());
}

TEST(ServerOptionsTest, DefaultIdleTimeoutIsVtyshsTenMinutes) {
  EXPECT_EQ(ServerOptions::kDefaultIdleTimeout, std::chrono::minutes(10));
}

TEST_F(ServerTest, SocketFileIsPrivate) {
  start();
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(ServerTest, PeerWithOtherUidIsRefused) {
  auto o = options();
  uid_t other = ::geteuid() == 65534 ? 65533 : 65534;
  o.allowed_uids = {other};
  start(o);
  auto client = connect();
  auto hello = client.hello();
  ASSERT_FALSE(hello);
  EXPECT_EQ(hello.error().kind, ClientError::Kind::kServer);
  EXPECT_EQ(hello.error().message, "permission denied");
}

TEST_F(ServerTest, SecondServerOnTheSamePathIsRefusedWhileTheFirstListens) {
  start();
  auto second = std::make_unique<Server>(io, tree, options());
  auto started = second->start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("already listening"), std::string::npos) << started.error();
  auto client = connect();  // the first is unharmed, its socket file still there
  EXPECT_TRUE(client.hello());

  on_io([this] {
    server->close();
    return 0;
  });
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(Client::connect(path, 1s));
  auto retried = second->start();
  ASSERT_TRUE(retried) << retried.error();
  extra.push_back(std::move(second));
  auto again = connect();
  EXPECT_TRUE(again.hello());
}

TEST_F(ServerTest, StaleSocketFileIsReplaced) {
  {
    // A socket file nobody listens on, as a crashed daemon leaves behind.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  start();
  auto client = connect();
  EXPECT_TRUE(client.hello());
}

TEST_F(ServerTest, NonSocketFileIsLeftAlone) {
  std::ofstream(path) << "precious";
  Server s(io, tree, options());
  auto started = s.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("not a socket"), std::string::npos);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(ServerTest, CloseRemovesTheSocketFile) {
  start();
  ASSERT_TRUE(std::filesystem::exists(path));
  auto client = connect();
  ASSERT_TRUE(client.execute("conf t"));
  stop();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(client.hello());  // the server closed the open connection too
}

TEST(ClientTest, MissingSocketSaysWhy) {
  TempDir dir;
  auto client = Client::connect(dir.path() + "/vipd.sock", 1s);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind, ClientError::Kind::kConnect);
  EXPECT_EQ(client.error().message, "cannot connect to " + dir.path() +
                                        "/vipd.sock: No such file or directory (is vipd running?)");
}

TEST(ClientTest, SilentServerTimesOut) {
  TempDir dir;
  std::string path = dir.path() + "/silent.sock";
  // Listens but never answers.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  auto client = Client::connect(path, 100ms);
  ASSERT_TRUE(client) << client.error().message;
  auto start = std::chrono::steady_clock::now();
  auto hello = client->hello();
  ASSERT_FALSE(hello);
  EXPECT_EQ(hello.error().kind, ClientError::Kind::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(client->connected());
  ::close(fd);
}

}  // namespace
}  // namespace vipd::control
