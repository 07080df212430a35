// Escaping of untrusted text (a neighbor's RFC 9003 Shutdown Communication, names read from the
// wire) before it is logged or shown: a raw newline or escape sequence could forge log lines or
// drive a terminal (RFC 9003 §6).
#pragma once

#include <string>
#include <string_view>

namespace vipd {

// `text` with every byte that could end a log line, move a cursor or confuse a reader made
// visible: \n, \r and \t as such, other C0 controls, DEL, C1 controls (U+0080..U+009F) and bytes
// that are not part of valid UTF-8 as \xNN, and a backslash as \\ (so that an escape in the
// output always means an escaped byte). Valid printable UTF-8 is kept as it is.
std::string printable(std::string_view text);

}  // namespace vipd
