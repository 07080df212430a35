// keepalived.conf lexing, as keepalived 2.2's lib/parser.c reads a line: comments, braces,
// words, and the shell-like re-reading of script commands. Pure functions on one line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vipd::vrrp::config {

// Drops the comment and the blanks around the text. `#` and `!` start a comment anywhere on the
// line, also inside a word (`priority 50#x` is `priority 50`), but not inside double quotes;
// `\#` and `\!` outside quotes stand for the character itself. Error: an unterminated `"`.
Result<std::string, std::string> decomment(std::string_view physical_line);

// Splits a decommented line at every `{` and `}` outside double quotes, so that each brace is a
// line of its own: "vrrp_instance VI_1 { state MASTER" -> "vrrp_instance VI_1", "{",
// "state MASTER". Pieces are trimmed; empty pieces are dropped.
std::vector<std::string> split_braces(std::string_view line);

// keepalived's words: blanks (space, tab, \f, \v, \r, \n) separate words; a double-quoted
// string is one word without its quotes and may contain blanks; a `"` also ends an unquoted
// word. Error: an unmatched `"`.
Result<std::vector<std::string>, std::string> split_words(std::string_view line);

// The re-reading of a command line (keepalived's alloc_strvec_quoted_escaped): words separated
// by blanks, parts of a word quoted with '...' or "...", and backslash escapes (\n \t \xHH \NNN
// \cX ...) inside and outside quotes.
Result<std::vector<std::string>, std::string> split_command(std::string_view text);

// True for the blank characters that separate keepalived words.
bool is_blank(char c);

}  // namespace vipd::vrrp::config
