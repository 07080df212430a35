#include "l2/wire/mac.hpp"

#include <fmt/format.h>

namespace vipd::l2::wire {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  const char separator = text[2];
  if (separator != ':' && separator != '-') return std::nullopt;
  MacAddress mac;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != separator) return std::nullopt;
    const int high = hex_digit(text[at]);
    const int low = hex_digit(text[at + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    mac.octets[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return mac;
}

MacAddress MacAddress::ipv6_multicast(const std::array<std::uint8_t, 16>& group) {
  return {{0x33, 0x33, group[12], group[13], group[14], group[15]}};
}

std::string MacAddress::to_string() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", octets[0], octets[1], octets[2],
                     octets[3], octets[4], octets[5]);
}

}  // namespace vipd::l2::wire
