#include "common/ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace vipd {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  return v4({static_cast<std::uint8_t>(host_order >> 24),
             static_cast<std::uint8_t>(host_order >> 16),
             static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order)});
}

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& octets) {
  IpAddress a;
  a.family_ = Family::kIpv4;
  std::memcpy(a.bytes_.data(), octets.data(), 4);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& octets) {
  IpAddress a;
  a.family_ = Family::kIpv6;
  a.bytes_ = octets;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  std::array<std::uint8_t, 16> buf{};
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), buf.data()) != 1) return std::nullopt;
    return v4({buf[0], buf[1], buf[2], buf[3]});
  }
  if (inet_pton(AF_INET6, s.c_str(), buf.data()) != 1) return std::nullopt;
  return v6(buf);
}

std::uint32_t IpAddress::v4_host_order() const {
  return std::uint32_t{bytes_[0]} << 24 | std::uint32_t{bytes_[1]} << 16 |
         std::uint32_t{bytes_[2]} << 8 | bytes_[3];
}

bool IpAddress::is_unspecified() const {
  for (std::size_t i = 0; i < size(); ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::is_link_local() const {
  if (is_v4()) return bytes_[0] == 169 && bytes_[1] == 254;
  return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

Prefix::Prefix(const IpAddress& address, std::uint8_t length) {
  std::uint8_t max = static_cast<std::uint8_t>(address.size() * 8);
  length_ = length > max ? max : length;
  auto octets = address.octets();
  for (std::size_t i = 0; i < address.size(); ++i) {
    int bits_here = static_cast<int>(length_) - static_cast<int>(i * 8);
    if (bits_here >= 8) continue;
    octets[i] &= bits_here <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - bits_here));
  }
  address_ = address.is_v4() ? IpAddress::v4({octets[0], octets[1], octets[2], octets[3]})
                             : IpAddress::v6(octets);
}

std::optional<Prefix> Prefix::parse(std::string_view text, bool strict) {
  auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned length = static_cast<unsigned>(address->size() * 8);
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        length > address->size() * 8)
      return std::nullopt;
  }
  Prefix p(*address, static_cast<std::uint8_t>(length));
  if (strict && p.address() != *address) return std::nullopt;
  return p;
}

bool Prefix::contains(const IpAddress& a) const {
  return a.family() == family() && Prefix(a, length_).address() == address_;
}

bool Prefix::covers(const Prefix& p) const {
  if (p.family() != family() || p.length_ < length_) return false;
  const auto& mine = address_.octets();
  const auto& theirs = p.address_.octets();
  const std::size_t whole = length_ / 8;
  if (std::memcmp(mine.data(), theirs.data(), whole) != 0) return false;
  const unsigned rest = length_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (theirs[whole] & mask) == mine[whole];  // host bits of address_ are clear
}

std::string Prefix::to_string() const {
  return address_.to_string() + "/" + std::to_string(length_);
}

}  // namespace vipd

std::size_t std::hash<vipd::IpAddress>::operator()(const vipd::IpAddress& a) const noexcept {
  std::size_t h = static_cast<std::size_t>(a.family());
  for (std::size_t i = 0; i < a.size(); ++i) h = h * 1099511628211ULL ^ a.octets()[i];
  return h;
}

std::size_t std::hash<vipd::Prefix>::operator()(const vipd::Prefix& p) const noexcept {
  return std::hash<vipd::IpAddress>()(p.address()) * 31 + p.length();
}
