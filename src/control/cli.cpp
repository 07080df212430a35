#include "control/cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/ip.hpp"

namespace vipd::control {
namespace {

enum class Kind { kKeyword, kIpv4, kIpv4Prefix, kIpv6, kIpv6Prefix, kRange, kWord, kLine };

struct Token {
  Kind kind = Kind::kKeyword;
  std::string text;  // keyword, or the placeholder as written ("A.B.C.D", "(1-10)", "LINE...")
  std::string name;  // value key for Invocation
  std::uint64_t low = 0, high = 0;
};

using Sequence = std::vector<Token>;

struct Command {
  std::vector<Sequence> forms;  // every expansion of the optional/alternative groups
  std::string help;
  Handler handler;
};

// How well a word matched a token; a higher rank wins when several commands match a line.
enum Rank : int { kLineRank = 0, kWordRank = 1, kPartialRank = 2, kTypedRank = 3, kExactRank = 4 };

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

Token make_token(std::string_view word) {
  Token t;
  auto dollar = word.find('$');
  std::string_view body = word.substr(0, dollar);
  t.text = std::string(body);
  t.name = dollar == std::string_view::npos ? t.text : std::string(word.substr(dollar + 1));
  if (body == "A.B.C.D") {
    t.kind = Kind::kIpv4;
  } else if (body == "A.B.C.D/M") {
    t.kind = Kind::kIpv4Prefix;
  } else if (body == "X:X::X:X") {
    t.kind = Kind::kIpv6;
  } else if (body == "X:X::X:X/M") {
    t.kind = Kind::kIpv6Prefix;
  } else if (body.size() > 2 && body.front() == '(' && body.back() == ')') {
    auto dash = body.find('-');
    t.kind = Kind::kRange;
    if (dash == std::string_view::npos || !parse_u64(body.substr(1, dash - 1), t.low) ||
        !parse_u64(body.substr(dash + 1, body.size() - dash - 2), t.high))
      throw std::invalid_argument(fmt::format("bad range token '{}'", body));
  } else if (body.ends_with("...")) {
    t.kind = Kind::kLine;
  } else if (!body.empty() && std::all_of(body.begin(), body.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
             })) {
    t.kind = Kind::kWord;
  } else {
    t.kind = Kind::kKeyword;
  }
  return t;
}

// Pattern lexer/parser: expands [..] and <..|..> into plain sequences.
class PatternParser {
 public:
  explicit PatternParser(std::string_view pattern) {
    std::string current;
    auto flush = [&] {
      if (!current.empty()) lexemes_.push_back(std::move(current));
      current.clear();
    };
    for (char c : pattern) {
      if (c == '[' || c == ']' || c == '<' || c == '>' || c == '|') {
        flush();
        lexemes_.emplace_back(1, c);
      } else if (c == ' ' || c == '\t') {
        flush();
      } else {
        current.push_back(c);
      }
    }
    flush();
  }

  std::vector<Sequence> parse() {
    auto result = alternatives("");
    if (pos_ != lexemes_.size()) throw std::invalid_argument("unbalanced pattern");
    return result;
  }

 private:
  static std::vector<Sequence> product(const std::vector<Sequence>& a,
                                       const std::vector<Sequence>& b) {
    std::vector<Sequence> out;
    for (const auto& x : a)
      for (const auto& y : b) {
        Sequence s = x;
        s.insert(s.end(), y.begin(), y.end());
        out.push_back(std::move(s));
      }
    return out;
  }

  std::vector<Sequence> alternatives(std::string_view close) {
    std::vector<Sequence> all = sequence();
    while (pos_ < lexemes_.size() && lexemes_[pos_] == "|") {
      ++pos_;
      auto more = sequence();
      all.insert(all.end(), more.begin(), more.end());
    }
    if (!close.empty()) {
      if (pos_ >= lexemes_.size() || lexemes_[pos_] != close)
        throw std::invalid_argument("unbalanced pattern");
      ++pos_;
    }
    return all;
  }

  std::vector<Sequence> sequence() {
    std::vector<Sequence> seqs{{}};
    while (pos_ < lexemes_.size()) {
      const std::string& lx = lexemes_[pos_];
      if (lx == "|" || lx == "]" || lx == ">") break;
      ++pos_;
      if (lx == "[" || lx == "<") {
        bool optional = lx == "[";
        auto inner = alternatives(optional ? "]" : ">");
        name_group(inner);
        if (optional) inner.insert(inner.begin(), Sequence{});
        seqs = product(seqs, inner);
      } else {
        for (auto& s : seqs) s.push_back(make_token(lx));
      }
    }
    return seqs;
  }

  // `<A.B.C.D|X:X::X:X>$peer`: the name applies to whichever single-token alternative matched.
  void name_group(std::vector<Sequence>& alternatives) {
    if (pos_ >= lexemes_.size() || !lexemes_[pos_].starts_with('$')) return;
    std::string name = lexemes_[pos_++].substr(1);
    for (auto& alternative : alternatives)
      if (alternative.size() == 1) alternative[0].name = name;
  }

  std::vector<std::string> lexemes_;
  std::size_t pos_ = 0;
};

// A word of the line and what it parses as, each parse done once per line rather than once per
// form that tries the word (a config file runs every line through dozens of forms).
class ParsedWord {
 public:
  explicit ParsedWord(std::string_view text) : text_(text) {}
  std::string_view text() const { return text_; }
  const std::optional<IpAddress>& address() const {
    if (!address_) address_ = IpAddress::parse(text_);
    return *address_;
  }
  const std::optional<Prefix>& prefix() const {
    if (!prefix_)
      prefix_ = text_.find('/') == std::string_view::npos ? std::nullopt : Prefix::parse(text_);
    return *prefix_;
  }
  const std::optional<std::uint64_t>& number() const {
    if (!number_) {
      std::uint64_t v = 0;
      number_ = parse_u64(text_, v) ? std::optional(v) : std::nullopt;
    }
    return *number_;
  }

 private:
  std::string_view text_;
  mutable std::optional<std::optional<IpAddress>> address_;
  mutable std::optional<std::optional<Prefix>> prefix_;
  mutable std::optional<std::optional<std::uint64_t>> number_;
};

// Does `word` fit `token`? Returns the rank, or -1.
int match_word(const Token& token, const ParsedWord& parsed) {
  const std::string_view word = parsed.text();
  switch (token.kind) {
    case Kind::kKeyword:
      if (word == token.text) return kExactRank;
      return token.text.starts_with(word) ? kPartialRank : -1;
    case Kind::kIpv4: {
      const auto& a = parsed.address();
      return a && a->is_v4() ? kTypedRank : -1;
    }
    case Kind::kIpv6: {
      const auto& a = parsed.address();
      return a && a->is_v6() ? kTypedRank : -1;
    }
    case Kind::kIpv4Prefix:
    case Kind::kIpv6Prefix: {
      const auto& p = parsed.prefix();
      bool v4 = token.kind == Kind::kIpv4Prefix;
      return p && (p->family() == Family::kIpv4) == v4 ? kTypedRank : -1;
    }
    case Kind::kRange: {
      const auto& v = parsed.number();
      return v && *v >= token.low && *v <= token.high ? kTypedRank : -1;
    }
    case Kind::kWord:
      return kWordRank;
    case Kind::kLine:
      return kLineRank;
  }
  return -1;
}

// Could `prefix` still grow into a word that fits `token`? (for completion)
bool could_match(const Token& token, std::string_view prefix) {
  if (prefix.empty()) return true;
  switch (token.kind) {
    case Kind::kKeyword:
      return token.text.starts_with(prefix);
    case Kind::kRange:
      return std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; });
    case Kind::kIpv4:
    case Kind::kIpv4Prefix:
      return std::all_of(prefix.begin(), prefix.end(),
                         [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '/'; });
    case Kind::kIpv6:
    case Kind::kIpv6Prefix:
      return std::all_of(prefix.begin(), prefix.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '/';
      });
    case Kind::kWord:
    case Kind::kLine:
      return true;
  }
  return false;
}

std::string variable_help(const Token& t) {
  switch (t.kind) {
    case Kind::kIpv4:
      return "IPv4 address";
    case Kind::kIpv4Prefix:
      return "IPv4 prefix";
    case Kind::kIpv6:
      return "IPv6 address";
    case Kind::kIpv6Prefix:
      return "IPv6 prefix";
    case Kind::kRange:
      return "Number";
    case Kind::kWord:
      return "Name";
    case Kind::kLine:
      return "Text";
    case Kind::kKeyword:
      break;
  }
  return {};
}

std::string join(const std::vector<std::string>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) {
    if (i > from) out += ' ';
    out += words[i];
  }
  return out;
}

struct FormMatch {
  std::vector<int> ranks;
  std::size_t matched_words = 0;  // how far the form got (for error messages)
  bool complete = false;          // all words and all tokens consumed
  bool incomplete = false;        // words ran out before required tokens
};

// Into `m`, whose rank buffer is reused from form to form.
void match_form(const Sequence& form, const std::vector<ParsedWord>& words, FormMatch& m) {
  m.ranks.clear();
  m.matched_words = 0;
  m.complete = m.incomplete = false;
  std::size_t w = 0;
  for (std::size_t t = 0; t < form.size(); ++t) {
    if (w == words.size()) {
      m.incomplete = true;
      return;
    }
    int rank = match_word(form[t], words[w]);
    if (rank < 0) return;
    m.ranks.push_back(rank);
    if (form[t].kind == Kind::kLine) {
      w = words.size();
    } else {
      ++w;
    }
    m.matched_words = w;
  }
  m.complete = w == words.size();
}

}  // namespace

std::optional<std::string> Session::argument_of(std::string_view node) const {
  for (auto it = stack.rbegin(); it != stack.rend(); ++it)
    if (it->node == node) return it->argument;
  return std::nullopt;
}

const std::string& Invocation::get(std::string_view name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

bool Invocation::has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

std::string Invocation::line() const {
  return join(words_, 0);
}

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string current;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

struct CommandTree::Impl {
  struct Node {
    std::string prompt;
    std::vector<Command> commands;
    // Every form as (command, form) in install order, and which of them a first word can reach:
    // by the keyword they start with, or any word (a variable first). resolve() only matches
    // those, in install order: a file of N lines no longer costs N times every form of the node
    // (issue 15; `ip prefix-list` alone has 40 forms).
    std::vector<std::pair<std::size_t, std::size_t>> forms;
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_first_keyword;
    std::vector<std::size_t> open_first;

    void index(std::size_t command) {
      const auto& c = commands[command];
      for (std::size_t f = 0; f < c.forms.size(); ++f) {
        const std::size_t at = forms.size();
        forms.emplace_back(command, f);
        const Sequence& form = c.forms[f];
        if (!form.empty() && form[0].kind == Kind::kKeyword)
          by_first_keyword[form[0].text].push_back(at);
        else
          open_first.push_back(at);
      }
    }

    // The forms whose first token `word` can match, in install order. A keyword that `word`
    // does not abbreviate cannot match it (match_word), so skipping those forms changes nothing.
    std::vector<std::size_t> candidates(std::string_view word) const {
      std::vector<std::size_t> out = open_first;
      for (auto it = by_first_keyword.lower_bound(word);
           it != by_first_keyword.end() && it->first.starts_with(word); ++it)
        out.insert(out.end(), it->second.begin(), it->second.end());
      std::sort(out.begin(), out.end());
      return out;
    }
  };
  std::map<std::string, Node, std::less<>> nodes;
  std::map<std::string, std::string, std::less<>> keyword_help;

  const Node* find(std::string_view name) const {
    auto it = nodes.find(name);
    return it == nodes.end() ? nullptr : &it->second;
  }

  struct Outcome {
    const Command* command = nullptr;
    const Sequence* form = nullptr;
    bool ambiguous = false;
    bool incomplete = false;
    std::size_t deepest = 0;
  };

  Outcome resolve(const Node& node, const std::vector<std::string>& words) const {
    Outcome out;
    std::vector<int> best;
    // Keywords each word could abbreviate, over every form that fits the words before it: an
    // abbreviation of two different keywords is ambiguous even if only one form completes.
    // (A few distinct keywords at most: a vector is cheaper than a set.)
    std::vector<std::vector<std::string_view>> keywords(words.size());
    std::vector<ParsedWord> parsed(words.begin(), words.end());
    FormMatch m;
    for (std::size_t at : node.candidates(words.front())) {
      const Command& command = node.commands[node.forms[at].first];
      const Sequence& form = command.forms[node.forms[at].second];
      match_form(form, parsed, m);
      for (std::size_t i = 0; i < form.size() && i < words.size() && i <= m.matched_words; ++i) {
        if (form[i].kind == Kind::kLine) break;
        if (form[i].kind == Kind::kKeyword && form[i].text.starts_with(words[i]) &&
            std::find(keywords[i].begin(), keywords[i].end(), form[i].text) == keywords[i].end())
          keywords[i].push_back(form[i].text);
      }
      out.deepest = std::max(out.deepest, m.matched_words);
      if (m.incomplete) out.incomplete = true;
      if (!m.complete) continue;
      if (!out.command || m.ranks > best) {
        out.command = &command;
        out.form = &form;
        out.ambiguous = false;
        best = m.ranks;
      } else if (m.ranks == best && out.command != &command) {
        out.ambiguous = true;
      }
    }
    if (out.command) {
      for (std::size_t i = 0; i < words.size() && i < out.form->size(); ++i) {
        const Token& t = (*out.form)[i];
        if (t.kind == Kind::kLine) break;
        if (t.kind == Kind::kKeyword && t.text != words[i] && keywords[i].size() > 1)
          out.ambiguous = true;
      }
    }
    return out;
  }
};

CommandTree::CommandTree() : impl_(std::make_unique<Impl>()) {
  add_node("exec", "");
}
CommandTree::~CommandTree() = default;

void CommandTree::add_node(std::string name, std::string prompt) {
  impl_->nodes[std::move(name)].prompt = std::move(prompt);
}

void CommandTree::install(std::string_view node, std::string_view pattern, std::string_view help,
                          Handler handler) {
  auto it = impl_->nodes.find(node);
  if (it == impl_->nodes.end()) throw std::invalid_argument(fmt::format("unknown node '{}'", node));
  Command command;
  command.forms = PatternParser(pattern).parse();
  command.help = std::string(help);
  command.handler = std::move(handler);
  it->second.commands.push_back(std::move(command));
  it->second.index(it->second.commands.size() - 1);
}

void CommandTree::describe(std::string keyword, std::string help) {
  impl_->keyword_help[std::move(keyword)] = std::move(help);
}

bool CommandTree::has_node(std::string_view name) const {
  return impl_->find(name) != nullptr;
}

std::string CommandTree::prompt_suffix(const Session& session) const {
  const auto* node = impl_->find(session.node());
  return node && !node->prompt.empty() ? "(" + node->prompt + ")" : "";
}

void CommandResult::drain() {
  if (!stream) return;
  while (stream(output)) {
  }
  stream = nullptr;
}

CommandResult CommandTree::execute(Session& session, std::string_view line) const {
  CommandResult result = execute_streamed(session, line);
  result.drain();
  return result;
}

CommandResult CommandTree::execute_streamed(Session& session, std::string_view line) const {
  auto words = split_words(line);
  if (words.empty() || words[0].starts_with('!') || words[0].starts_with('#'))
    return CommandResult::success();

  Impl::Outcome first;
  // Innermost node first, then the enclosing ones (vtysh semantics, see add_node).
  for (std::size_t depth = session.stack.size(); depth-- > 0;) {
    const std::string& name = session.stack[depth].node;
    if (name == "exec" && depth != session.stack.size() - 1) break;
    const auto* node = impl_->find(name);
    if (!node) continue;
    auto outcome = impl_->resolve(*node, words);
    if (depth == session.stack.size() - 1) first = outcome;
    if (outcome.ambiguous) return CommandResult::failure("% Ambiguous command: " + join(words, 0));
    if (!outcome.command) continue;

    Invocation inv;
    std::size_t w = 0;
    for (const auto& token : *outcome.form) {
      std::string value = token.kind == Kind::kLine ? join(words, w) : words[w];
      if (token.kind == Kind::kKeyword) value = token.text;
      inv.words_.push_back(value);
      inv.values_[token.name] = value;
      w = token.kind == Kind::kLine ? words.size() : w + 1;
    }
    session.stack.resize(depth + 1);
    return outcome.command->handler(inv, session);
  }
  if (first.incomplete && first.deepest == words.size())
    return CommandResult::failure("% Command incomplete: " + join(words, 0));
  if (first.deepest < words.size())
    return CommandResult::failure(fmt::format("% Unknown command: {}\n% Invalid input at '{}'",
                                              join(words, 0), words[first.deepest]));
  return CommandResult::failure("% Unknown command: " + join(words, 0));
}

std::vector<Completion> CommandTree::complete(const Session& session,
                                              std::string_view partial) const {
  auto words = split_words(partial);
  bool at_new_word = partial.empty() || partial.back() == ' ' || partial.back() == '\t';
  std::string prefix;
  if (!at_new_word) {
    prefix = words.back();
    words.pop_back();
  }
  std::vector<Completion> out;
  std::set<std::string> seen;
  auto add = [&](std::string token, std::string help) {
    if (seen.insert(token).second) out.push_back({std::move(token), std::move(help)});
  };
  const auto* node = impl_->find(session.node());
  if (!node) return out;
  for (const auto& command : node->commands) {
    for (const auto& form : command.forms) {
      std::size_t t = 0;
      bool fits = true;
      bool in_line = false;  // LINE... has taken a word and may take more, or end here
      for (const auto& word : words) {
        if (t >= form.size() || match_word(form[t], ParsedWord(word)) < 0) {
          fits = false;
          break;
        }
        if (form[t].kind == Kind::kLine) {
          in_line = true;
        } else {
          ++t;
        }
      }
      if (!fits) continue;
      if (t == form.size() || (in_line && t + 1 == form.size())) {
        if (prefix.empty()) add("<cr>", "");
        if (t == form.size()) continue;
      }
      const Token& next = form[t];
      if (!could_match(next, prefix)) continue;
      if (next.kind == Kind::kKeyword) {
        auto kh = impl_->keyword_help.find(next.text);
        add(next.text, kh != impl_->keyword_help.end() ? kh->second : t == 0 ? command.help : "");
      } else {
        add(next.text, variable_help(next));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Completion& a, const Completion& b) { return a.token < b.token; });
  return out;
}

}  // namespace vipd::control
