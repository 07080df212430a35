#include "vrrp/config/lexer.hpp"

#include <fmt/format.h>

namespace vipd::vrrp::config {
namespace {

constexpr std::string_view kBlanks = " \t\f\n\r\v";

// keepalived trims lines with isblank(): spaces and tabs only.
std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Index of the first brace not inside double quotes; npos if none, or if an unterminated quote
// comes first (keepalived stops looking there).
std::size_t find_brace(std::string_view s) {
  if (!s.empty() && (s[0] == '{' || s[0] == '}')) return 0;
  std::size_t i = 0;
  while ((i = s.find_first_of("{}\"", i)) != std::string_view::npos) {
    if (s[i] != '"') return i;
    std::size_t close = s.find('"', i + 1);
    if (close == std::string_view::npos) return std::string_view::npos;
    i = close + 1;
  }
  return std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// One backslash escape of split_command(); `i` is just past the backslash and is advanced past
// the escape. The arithmetic wraps at 8 bits as keepalived's char arithmetic does.
char read_escape(std::string_view s, std::size_t& i) {
  char c = s[i];
  if (c == 'x' && i + 1 < s.size() && hex_value(s[i + 1]) >= 0) {
    unsigned value = 0;
    for (++i; i < s.size() && hex_value(s[i]) >= 0; ++i)
      value = ((value << 4) | static_cast<unsigned>(hex_value(s[i]))) & 0xff;
    return static_cast<char>(value);
  }
  if (c == 'c' && i + 1 < s.size()) {
    char control = static_cast<char>(s[i + 1] & 0x1f);
    i += 2;
    return control;
  }
  if (is_octal(c)) {
    unsigned value = 0;
    for (int digits = 0; digits < 3 && i < s.size() && is_octal(s[i]); ++digits, ++i)
      value = ((value << 3) + static_cast<unsigned>(s[i] - '0')) & 0xff;
    return static_cast<char>(value);
  }
  ++i;
  switch (c) {
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'E':
      return '\x1b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    default:
      return c;  // \" \' \\ and anything else stand for themselves
  }
}

}  // namespace

bool is_blank(char c) {
  return kBlanks.find(c) != std::string_view::npos;
}

Result<std::string, std::string> decomment(std::string_view physical_line) {
  std::string s(trim_left(physical_line));
  bool quoted = false;
  std::size_t comment = std::string::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      if (comment == std::string::npos) quoted = !quoted;
    } else if (c == '\\') {
      if (i + 1 == s.size()) break;  // a final backslash stays part of the text
      if (!quoted && (s[i + 1] == '#' || s[i + 1] == '!')) {
        s.erase(i, 1);  // `\#` is a literal '#': keep it, drop the backslash
      } else {
        ++i;  // the escaped character is not special here
      }
    } else if ((c == '#' || c == '!') && !quoted && comment == std::string::npos) {
      comment = i;
    }
  }
  if (quoted) return unexpected(fmt::format("unterminated quote in '{}'", s));
  if (comment != std::string::npos) s.resize(comment);
  return std::string(trim_right(s));
}

std::vector<std::string> split_braces(std::string_view line) {
  std::vector<std::string> pieces;
  std::string_view rest = trim_right(trim_left(line));
  while (!rest.empty()) {
    std::size_t brace = find_brace(rest);
    if (brace == std::string_view::npos) {
      pieces.emplace_back(rest);
      break;
    }
    if (brace == 0) {
      pieces.emplace_back(1, rest[0]);
      rest = trim_left(rest.substr(1));
      continue;
    }
    std::string_view before = trim_right(rest.substr(0, brace));
    if (!before.empty()) pieces.emplace_back(before);
    rest = rest.substr(brace);
  }
  return pieces;
}

Result<std::vector<std::string>, std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    if (line[i] == '"') {
      std::size_t close = line.find('"', i + 1);
      if (close == std::string_view::npos)
        return unexpected(fmt::format("unmatched quote in '{}'", line));
      words.emplace_back(line.substr(i + 1, close - i - 1));
      i = close + 1;
      continue;
    }
    std::size_t end = i;
    while (end < line.size() && !is_blank(line[end]) && line[end] != '"') ++end;
    words.emplace_back(line.substr(i, end - i));
    i = end;
  }
  return words;
}

Result<std::vector<std::string>, std::string> split_command(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i == text.size()) break;
    std::string word;
    char quote = 0;
    while (i < text.size()) {
      char c = text[i];
      if (c == '\\') {
        if (++i == text.size())
          return unexpected(fmt::format("missing escaped character at the end of '{}'", text));
        word += read_escape(text, i);
      } else if (quote != 0 && c == quote) {
        quote = 0;
        ++i;
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        ++i;
      } else if (quote == 0 && is_blank(c)) {
        break;
      } else {
        word += c;
        ++i;
      }
    }
    if (quote != 0)
      return unexpected(fmt::format("string '{}': missing terminating {}", text, quote));
    words.push_back(std::move(word));
  }
  return words;
}

}  // namespace vipd::vrrp::config
