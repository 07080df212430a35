// End to end: the vipctl binary against a Server in this process.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <cstdio>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "control/server.hpp"
#include "control_test_util.hpp"

namespace vipd::control {
namespace {

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

class VipctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_test_commands(tree, hostname);
    install_shell_commands(tree);
    path = dir.path() + "/vipd.sock";
    ServerOptions options;
    options.path = path;
    options.hostname = [this] { return hostname; };
    server = std::make_unique<Server>(io, tree, options);
    auto started = server->start();
    ASSERT_TRUE(started) << started.error();
    work.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }

  void TearDown() override {
    if (!thread.joinable()) return;
    std::promise<void> done;
    asio::post(io, [&] {
      server->close();
      done.set_value();
    });
    done.get_future().wait();
    work.reset();
    thread.join();
  }

  // Runs `sh -c script` with $VIPCTL and $SOCK set; captures stdout, stderr and the exit status.
  Outcome run(const std::string& script) {
    std::string err_file = dir.path() + "/stderr";
    std::string command = "VIPCTL='" VIPCTL_PATH "' SOCK='" + path + "' sh -c '" + script +
                          "' 2>'" + err_file + "' </dev/null";
    Outcome r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return r;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) r.out.append(buffer, n);
    int status = ::pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err_file);
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    return r;
  }

  TempDir dir;
  std::string path;
  std::string hostname = "OpenWrt";
  CommandTree tree;
  asio::io_context io;
  std::unique_ptr<Server> server;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
};

TEST_F(VipctlTest, WordsAreOneCommand) {
  auto r = run("$VIPCTL --socket $SOCK sh foo");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "foo output\nsecond line\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(VipctlTest, FailedCommandPrintsLikeVtyshAndExitsOne) {
  auto r = run("$VIPCTL --socket $SOCK show nothing");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("% Unknown command: show nothing", 0), 0u) << r.out;
}

TEST_F(VipctlTest, RepeatedCommandsShareOneSession) {
  auto r =
      run("$VIPCTL --socket $SOCK -c \"conf t\" -c \"router bgp 65000\" "
          "-c \"neighbor 192.0.2.1 remote-as 65001\" -c \"do show session\"");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "peer 192.0.2.1 as 65001 in 65000\nexec\n");
}

TEST_F(VipctlTest, RepeatedCommandsStopAtTheFirstError) {
  auto r = run("$VIPCTL --socket $SOCK -c \"show foo\" -c \"bogus\" -c \"show session\"");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("foo output"), std::string::npos);
  EXPECT_NE(r.out.find("% Unknown command: bogus"), std::string::npos);
  EXPECT_EQ(r.out.find("exec"), std::string::npos) << r.out;
}

TEST_F(VipctlTest, PipedLinesRunInOneSessionWithoutPrompts) {
  auto r =
      run("printf \"conf t\\nrouter bgp 7\\n\\n! comment\\nneighbor 2001:db8::1 remote-as 8\\n\" | "
          "$VIPCTL --socket $SOCK");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "peer 2001:db8::1 as 8 in 7\n");
}

TEST_F(VipctlTest, ExitEndsPipedInput) {
  auto r = run("printf \"show foo\\nexit\\nshow foo\\n\" | $VIPCTL --socket $SOCK");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "foo output\nsecond line\n");
}

TEST_F(VipctlTest, SocketFromEnvironment) {
  auto r = run("VIPD_SOCKET=$SOCK $VIPCTL show session");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "exec\n");
}

TEST_F(VipctlTest, NoDaemonExitsTwoWithAClearMessage) {
  auto r = run("$VIPCTL --socket $SOCK.missing show foo");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "vipctl: cannot connect to " + path +
                       ".missing: No such file or directory (is vipd running?)\n");
}

// The interactive shell on a pseudo-terminal, as a user sees it.
class Terminal {
 public:
  Terminal(const std::string& socket, const std::string& home) {
    pid_ = ::forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      ::setenv("HOME", home.c_str(), 1);
      ::setenv("TERM", "dumb", 1);
      ::setenv("INPUTRC", "/dev/null", 1);
      ::execl(VIPCTL_PATH, "vipctl", "--socket", socket.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(fd_);
  }
  void type(const std::string& keys) {
    ASSERT_EQ(::write(fd_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  // Everything printed until `text` shows up (consumed), or "" after 5 s.
  std::string expect(const std::string& text) {
    for (;;) {
      auto at = screen_.find(text);
      if (at != std::string::npos) {
        std::string seen = screen_.substr(0, at + text.size());
        screen_.erase(0, at + text.size());
        return seen;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return "";
      char buffer[4096];
      ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n <= 0) return "";
      screen_.append(buffer, static_cast<std::size_t>(n));
    }
  }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  int fd_ = -1;
  pid_t pid_ = -1;
  std::string screen_;
};

TEST_F(VipctlTest, InteractiveShell) {
  Terminal term(path, dir.path());
  ASSERT_NE(term.expect("OpenWrt# "), "");
  // `?` lists the next words with their help and leaves the line as it was.
  term.type("show ?");
  std::string help = term.expect("OpenWrt# show ");
  EXPECT_NE(help.find("  foo      Foo\r\n"), std::string::npos) << help;
  EXPECT_NE(help.find("  session  The node stack\r\n"), std::string::npos) << help;
  term.type("fo\n");
  EXPECT_NE(term.expect("foo output"), "");
  // TAB completes a unique keyword.
  term.type("conf\tt\n");
  ASSERT_NE(term.expect("OpenWrt(config)# "), "");
  term.type("rou\tbgp 65000\n");
  ASSERT_NE(term.expect("OpenWrt(config-router)# "), "");
  // With only placeholders possible, TAB shows what is expected.
  term.type("neighbor \t");
  help = term.expect("OpenWrt(config-router)# neighbor ");
  EXPECT_NE(help.find("A.B.C.D"), std::string::npos) << help;
  term.type("192.0.2.1 remote-as 65001\n");
  EXPECT_NE(term.expect("peer 192.0.2.1 as 65001 in 65000"), "");
  term.type("exit\n");
  ASSERT_NE(term.expect("OpenWrt(config)# "), "");
  term.type("hostname edge\n");
  ASSERT_NE(term.expect("edge(config)# "), "");
  term.type("end\n");
  ASSERT_NE(term.expect("edge# "), "");
  term.type("exit\n");
  EXPECT_EQ(term.wait(), 0);
  std::ifstream history(dir.path() + "/.vipctl_history");
  std::stringstream lines;
  lines << history.rdbuf();
  EXPECT_NE(lines.str().find("router bgp 65000"), std::string::npos) << lines.str();
}

TEST_F(VipctlTest, InteractiveCtrlDLeaves) {
  Terminal term(path, dir.path());
  ASSERT_NE(term.expect("OpenWrt# "), "");
  term.type("conf t\n");
  ASSERT_NE(term.expect("OpenWrt(config)# "), "");
  term.type("\x04");
  EXPECT_EQ(term.wait(), 0);
}

}  // namespace
}  // namespace vipd::control
