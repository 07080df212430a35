// Any BGP message: decode a whole message given the session's options, encode one back.
#pragma once

#include <variant>

#include "bgp/wire/error.hpp"
#include "bgp/wire/header.hpp"
#include "bgp/wire/notification.hpp"
#include "bgp/wire/open.hpp"
#include "bgp/wire/update.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bgp::wire {

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;

MessageType message_type(const Message& m);

// Decodes one complete message (header included). The header is checked with
// decode_header(…, max_message_size(options)); its length must equal whole_message.size().
// An UPDATE that decodes may still carry attribute problems: run validate_update() on it.
Result<Message, Error> decode_message(ByteSpan whole_message, const Options& options);

// Encodes any message; options matter only for UPDATE (AS number width).
Bytes encode(const Message& m, const Options& options);

}  // namespace vipd::bgp::wire
