// IPv4/IPv6 addresses and prefixes as plain values (no sockets), ordered and hashable.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace vipd {

enum class Family : std::uint8_t { kIpv4 = 4, kIpv6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v4(const std::array<std::uint8_t, 4>& octets);
  static IpAddress v6(const std::array<std::uint8_t, 16>& octets);
  // Accepts dotted quad or RFC 4291/5952 text; nullopt on anything else.
  static std::optional<IpAddress> parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kIpv4; }
  bool is_v6() const { return family_ == Family::kIpv6; }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  // Network-order octets; only the first size() are meaningful.
  const std::array<std::uint8_t, 16>& octets() const { return bytes_; }
  std::uint32_t v4_host_order() const;
  bool is_unspecified() const;
  bool is_link_local() const;  // fe80::/10 or 169.254/16

  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
  bool operator==(const IpAddress&) const = default;

 private:
  Family family_ = Family::kIpv4;
  std::array<std::uint8_t, 16> bytes_{};
};

class Prefix {
 public:
  Prefix() = default;
  // Host bits beyond length are cleared.
  Prefix(const IpAddress& address, std::uint8_t length);
  // "10.0.0.0/8", "2001:db8::/32"; a bare address is a host prefix. Strict mode rejects set host
  // bits (as FRR does for `network`); otherwise they are cleared.
  static std::optional<Prefix> parse(std::string_view text, bool strict = false);

  const IpAddress& address() const { return address_; }
  std::uint8_t length() const { return length_; }
  Family family() const { return address_.family(); }
  bool contains(const IpAddress& a) const;
  // Whether `p` lies inside this prefix: same family, at least as long, the same first length()
  // bits. Compares octets in place (no masked copy): prefix lists and access lists ask it per
  // route and entry.
  bool covers(const Prefix& p) const;
  std::string to_string() const;

  auto operator<=>(const Prefix&) const = default;
  bool operator==(const Prefix&) const = default;

 private:
  IpAddress address_;
  std::uint8_t length_ = 0;
};

}  // namespace vipd

template <>
struct std::hash<vipd::IpAddress> {
  std::size_t operator()(const vipd::IpAddress& a) const noexcept;
};
template <>
struct std::hash<vipd::Prefix> {
  std::size_t operator()(const vipd::Prefix& p) const noexcept;
};
