#include "bgp/wire/message.hpp"

#include <fmt/format.h>

#include "bgp/wire/detail.hpp"

namespace vipd::bgp::wire {

MessageType message_type(const Message& m) {
  return std::visit(detail::Overloaded{
                        [](const Open&) { return MessageType::kOpen; },
                        [](const Update&) { return MessageType::kUpdate; },
                        [](const Notification&) { return MessageType::kNotification; },
                        [](const Keepalive&) { return MessageType::kKeepalive; },
                        [](const RouteRefresh&) { return MessageType::kRouteRefresh; },
                    },
                    m);
}

Result<Message, Error> decode_message(ByteSpan whole, const Options& options) {
  auto header = decode_header(whole, max_message_size(options));
  if (!header) return unexpected(header.error());
  if (header->length != whole.size()) {
    // RFC 4271 §6.1: the Length field must describe the message; data = the Length field.
    return unexpected(
        make_error(error_code::kMessageHeader, header_subcode::kBadMessageLength,
                   fmt::format("length field {} but {} octets given", header->length, whole.size()),
                   Bytes{static_cast<std::uint8_t>(header->length >> 8),
                         static_cast<std::uint8_t>(header->length)}));
  }
  ByteSpan body = whole.subspan(kHeaderSize);
  auto lift = [](auto&& r) -> Result<Message, Error> {
    if (!r) return unexpected(r.error());
    return Message{std::move(*r)};
  };
  switch (header->type) {
    case MessageType::kOpen:
      return lift(decode_open(body));
    case MessageType::kUpdate:
      return lift(decode_update(body, options));
    case MessageType::kNotification:
      return lift(decode_notification(body));
    case MessageType::kKeepalive:
      return Message{Keepalive{}};
    case MessageType::kRouteRefresh:
      return lift(decode_route_refresh(body, whole));
  }
  return unexpected(make_error(error_code::kMessageHeader, header_subcode::kBadMessageType,
                               "unknown message type"));
}

Bytes encode(const Message& m, const Options& options) {
  return std::visit(detail::Overloaded{
                        [](const Open& o) { return encode_open(o); },
                        [&](const Update& u) { return encode_update(u, options); },
                        [](const Notification& n) { return encode_notification(n); },
                        [](const Keepalive&) { return encode_keepalive(); },
                        [](const RouteRefresh& rr) { return encode_route_refresh(rr); },
                    },
                    m);
}

}  // namespace vipd::bgp::wire
