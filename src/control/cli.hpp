// The command language shared by config files, `vipctl` one-shot commands and the interactive
// shell, in the style of vtysh/FRR: commands are installed per node ("exec", "config",
// "config-router", ...) as patterns; a config file is nothing but config-mode commands, one per
// line. One grammar therefore serves parsing, live changes, `?` help and tab completion.
//
// Pattern syntax (FRR DEFUN-like):
//   keyword        literal; input may abbreviate it to any unambiguous prefix
//   A.B.C.D        IPv4 address          A.B.C.D/M    IPv4 prefix
//   X:X::X:X       IPv6 address          X:X::X:X/M   IPv6 prefix
//   (1-65535)      integer in range      WORD         any one word
//   LINE...        the rest of the line (one or more words, joined by one space)
//   [ ... ]        optional sequence     <a|b c|...>  one of the alternatives (each a sequence)
//   token$name     names a variable (or keyword) for Invocation::get/has
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vipd::control {

// Where a shell or config reader is: a stack of nodes, each with an optional argument (the ASN of
// `router bgp 65000`, the family of `address-family ipv6 unicast`).
struct NodeFrame {
  std::string node;
  std::string argument;
};

struct Session {
  std::vector<NodeFrame> stack{{"exec", ""}};
  const NodeFrame& top() const { return stack.back(); }
  const std::string& node() const { return stack.back().node; }
  // The argument of the innermost frame for `node`, if on the stack.
  std::optional<std::string> argument_of(std::string_view node) const;
  void push(std::string node, std::string argument = {}) {
    stack.push_back({std::move(node), std::move(argument)});
  }
  void pop() {
    if (stack.size() > 1) stack.pop_back();
  }
  void reset_to_exec() { stack.resize(1); }
};

// The matched input of one command.
class Invocation {
 public:
  // Value of the variable or keyword named `name` (by $name, else by the token text such as
  // "A.B.C.D", "WORD" or the keyword itself); empty when absent.
  const std::string& get(std::string_view name) const;
  bool has(std::string_view name) const;
  // The input words after keyword expansion ("sh ip bg sum" -> "show ip bgp summary").
  const std::vector<std::string>& words() const { return words_; }
  std::string line() const;

 private:
  friend class CommandTree;
  std::vector<std::string> words_;
  std::map<std::string, std::string, std::less<>> values_;
};

// Output too large to build at once (`show ip bgp json` of a full table, issue 15), made piece by
// piece: each call appends the next piece to `out` and returns false once the output is
// complete. The control server calls it as the client's socket drains, one batch per loop
// turn, so neither the memory nor the loop time grows with the whole answer.
using OutputStream = std::function<bool(std::string& out)>;

struct CommandResult {
  bool ok = true;
  std::string output;   // text for the user (errors start with "% "); with `stream`, its start
  OutputStream stream;  // the rest of the output, if any
  static CommandResult success(std::string text = {}) { return {true, std::move(text), {}}; }
  static CommandResult failure(std::string text) { return {false, std::move(text), {}}; }
  static CommandResult streamed(OutputStream stream) { return {true, {}, std::move(stream)}; }
  // Runs the stream to its end into `output` (callers that need the whole text at once).
  void drain();
};

using Handler = std::function<CommandResult(const Invocation&, Session&)>;

struct Completion {
  std::string token;  // keyword, or a placeholder such as "A.B.C.D" or "<cr>"
  std::string help;
};

class CommandTree {
 public:
  CommandTree();
  ~CommandTree();
  CommandTree(const CommandTree&) = delete;
  CommandTree& operator=(const CommandTree&) = delete;

  // Declares a node; `prompt` is the part shown in parentheses, e.g. "config-router" (empty for
  // exec). A command not found in the session's node is looked up in the nodes below it on the
  // session's stack, leaving the inner ones (as vtysh does, so that a config file needs no
  // explicit `exit`); configuration nodes never fall back to exec.
  void add_node(std::string name, std::string prompt);
  // Installs a command. `help` describes the command as a whole (shown for its first keyword
  // when no keyword help was given with describe()).
  void install(std::string_view node, std::string_view pattern, std::string_view help,
               Handler handler);
  // Help text for a keyword wherever it appears (e.g. "neighbor" -> "Specify neighbor router").
  void describe(std::string keyword, std::string help);

  // Runs one line. Empty lines and comments (`!` or `#` first) succeed with no effect. The
  // output is complete (a streamed one drained); execute_streamed() leaves it to the caller.
  CommandResult execute(Session& session, std::string_view line) const;
  CommandResult execute_streamed(Session& session, std::string_view line) const;
  // What may come next after `partial`: if it ends in a space, every possible next token;
  // otherwise the tokens that complete its last word. Includes "<cr>" when the line is complete.
  std::vector<Completion> complete(const Session& session, std::string_view partial) const;
  // The prompt suffix of the session's node: "" for exec, "(config-router)" etc.
  std::string prompt_suffix(const Session& session) const;
  bool has_node(std::string_view name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::vector<std::string> split_words(std::string_view line);

}  // namespace vipd::control
