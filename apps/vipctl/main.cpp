// vipctl: the shell of vipd, used like vtysh.
//
//   vipctl show ip bgp summary              one command; output on stdout
//   vipctl -c 'conf t' -c 'router bgp 1'    several commands in one session, stop at the first
//   error printf 'conf t\nhostname r1\n' | vipctl lines from a pipe, same as -c vipctl interactive
//   shell with line editing, TAB and `?`
//
// Exit status: 0 success, 1 a command failed, 2 no connection to vipd (or it broke).
// As in vtysh, a failed command's message ("% Unknown command: ...") goes to stdout with the
// rest of the output; the exit status tells scripts that it failed. vipctl's own errors
// (connection, protocol) go to stderr, prefixed with "vipctl: ".
#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "control/client.hpp"

namespace {

using vipd::control::Client;
using vipd::control::ClientError;
using vipd::control::Completion;

constexpr int kExitOk = 0;
constexpr int kExitCommandFailed = 1;
constexpr int kExitNoConnection = 2;

int report(const ClientError& error) {
  std::cerr << "vipctl: " << error.message << "\n";
  // A request the server refused (too large, say) is the user's input, not a lost daemon.
  return error.kind == ClientError::Kind::kServer ? kExitCommandFailed : kExitNoConnection;
}

void print_output(const std::string& output) {
  if (output.empty()) return;
  std::fwrite(output.data(), 1, output.size(), stdout);
  if (output.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

// Runs lines in order in one session; stops at the first failure. Blank lines and comments are
// accepted by the server like in a config file.
template <typename NextLine>
int run_batch(Client& client, NextLine next_line) {
  while (auto line = next_line()) {
    auto reply = client.execute(*line);
    if (!reply) return report(reply.error());
    print_output(reply->output);
    if (!reply->ok) return kExitCommandFailed;
    if (reply->closed) break;  // `exit` at exec: nothing can follow
  }
  return kExitOk;
}

// ---- interactive shell ----

Client* g_client = nullptr;  // readline callbacks are plain functions
std::vector<std::string> g_candidates;
volatile std::sig_atomic_t g_interrupted = 0;

// Placeholders (A.B.C.D, WORD, (1-65535), LINE..., <cr>) describe input; only keywords can be
// inserted by TAB. Keywords are lower case, as in FRR.
bool is_keyword(const std::string& token) {
  return token != "<cr>" && !token.empty() && token.front() != '(' &&
         std::any_of(token.begin(), token.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::optional<std::vector<Completion>> completions_at_cursor() {
  if (!g_client || !g_client->connected()) return std::nullopt;
  auto reply = g_client->complete(std::string(rl_line_buffer, static_cast<std::size_t>(rl_point)));
  if (!reply) return std::nullopt;
  return std::move(reply->completions);
}

// vtysh's `?` layout: "  token  help", tokens padded to the longest, <cr> last.
void print_help(std::vector<Completion> completions) {
  std::fputc('\n', rl_outstream);
  if (completions.empty()) {
    std::fputs("% There is no matched command.\n", rl_outstream);
    return;
  }
  std::stable_partition(completions.begin(), completions.end(),
                        [](const Completion& c) { return c.token != "<cr>"; });
  std::size_t width = 0;
  for (const auto& c : completions) width = std::max(width, c.token.size());
  for (const auto& c : completions) {
    if (c.help.empty()) {
      std::fprintf(rl_outstream, "  %s\n", c.token.c_str());
    } else {
      std::fprintf(rl_outstream, "  %-*s  %s\n", static_cast<int>(width), c.token.c_str(),
                   c.help.c_str());
    }
  }
}

void redraw() {
  rl_on_new_line();
  rl_redisplay();
}

// `?`: show what may come next, without inserting the '?'.
int on_question_mark(int, int) {
  if (auto completions = completions_at_cursor()) {
    print_help(std::move(*completions));
    redraw();
  }
  return 0;
}

char* next_candidate(const char*, int state) {
  static std::size_t index;
  if (state == 0) index = 0;
  // The server filtered by the word being completed already.
  return index < g_candidates.size() ? strdup(g_candidates[index++].c_str()) : nullptr;
}

// TAB: a unique keyword is inserted; several are listed by readline; when only placeholders fit
// (an address is expected, say) the `?` list says what to type.
char** on_tab(const char* text, int, int) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  auto completions = completions_at_cursor();
  if (!completions) return nullptr;
  g_candidates.clear();
  for (const auto& c : *completions)
    if (is_keyword(c.token)) g_candidates.push_back(c.token);
  if (g_candidates.empty()) {
    print_help(std::move(*completions));
    redraw();
    return nullptr;
  }
  return rl_completion_matches(text, next_candidate);
}

// Ctrl-C drops the line being typed and shows a fresh prompt, as in vtysh; it does not end the
// shell (a configuration session would be lost with it).
void on_sigint(int) {
  g_interrupted = 1;
}

int on_signal_event() {
  if (g_interrupted) {
    g_interrupted = 0;
    std::fputc('\n', rl_outstream);
    rl_replace_line("", 0);
    redraw();
  }
  return 0;
}

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.vipctl_history" : std::string();
}

int run_interactive(Client& client) {
  auto hello = client.hello();
  if (!hello) return report(hello.error());
  std::string hostname = hello->hostname.empty() ? "vipd" : hello->hostname;
  std::string suffix = hello->prompt;

  g_client = &client;
  rl_readline_name = "vipctl";
  rl_attempted_completion_function = on_tab;
  // Words are separated by blanks only: "10.0.0.0/8" and "X:X::X:X" are one word to the server.
  static char breaks[] = " \t";
  rl_completer_word_break_characters = breaks;
  rl_variable_bind("show-all-if-ambiguous", "on");
  rl_bind_key('?', on_question_mark);
  rl_catch_signals = 0;
  rl_signal_event_hook = on_signal_event;
  struct sigaction action {};
  action.sa_handler = on_sigint;  // no SA_RESTART: readline's read() must see EINTR
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);

  const std::string history = history_path();
  if (!history.empty()) read_history(history.c_str());
  stifle_history(1000);

  int status = kExitOk;
  for (;;) {
    std::string prompt = hostname + suffix + "# ";
    char* raw = readline(prompt.c_str());
    if (!raw) {  // Ctrl-D
      std::fputc('\n', stdout);
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    HIST_ENTRY* last =
        history_length > 0 ? history_get(history_base + history_length - 1) : nullptr;
    if (!last || line != last->line) add_history(line.c_str());

    auto reply = client.execute(line);
    if (!reply) {
      status = report(reply.error());
      if (status == kExitNoConnection) break;
      continue;
    }
    print_output(reply->output);
    if (reply->closed) break;
    suffix = reply->prompt;
    if (!reply->hostname.empty()) hostname = reply->hostname;
  }
  if (!history.empty()) write_history(history.c_str());
  g_client = nullptr;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vipctl: the shell of vipd (used like vtysh)"};
  std::string socket_path = "/run/vipd.sock";
  std::vector<std::string> commands;
  std::vector<std::string> words;
  double timeout_seconds = 60;
  app.add_option("-s,--socket", socket_path, "Control socket of vipd")
      ->envname("VIPD_SOCKET")
      ->capture_default_str();
  app.add_option("-c,--command", commands,
                 "Run a command; repeat to run several in one session, in order")
      ->allow_extra_args(false);
  app.add_option("--timeout", timeout_seconds, "Seconds to wait for each reply")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("words", words, "A command to run (e.g. show ip bgp summary)");
  CLI11_PARSE(app, argc, argv);

  auto timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  auto client = Client::connect(socket_path, timeout);
  if (!client) return report(client.error());

  if (!commands.empty() || !words.empty()) {
    if (!words.empty()) {
      std::string line;
      for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
      commands.push_back(line);  // after the -c commands, in the same session
    }
    std::size_t next = 0;
    return run_batch(*client, [&]() -> std::optional<std::string> {
      if (next == commands.size()) return std::nullopt;
      return commands[next++];
    });
  }
  if (!::isatty(STDIN_FILENO)) {
    return run_batch(*client, []() -> std::optional<std::string> {
      std::string line;
      if (!std::getline(std::cin, line)) return std::nullopt;
      return line;
    });
  }
  return run_interactive(*client);
}
