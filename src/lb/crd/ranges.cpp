#include "lb/crd/ranges.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include "lb/crd/validate.hpp"

namespace vipd::lb::crd {
namespace {

IpAddress from_uint128(Uint128 value, Family family) {
  if (family == Family::kIpv4) return IpAddress::v4(static_cast<std::uint32_t>(value));
  std::array<std::uint8_t, 16> octets{};
  for (int i = 15; i >= 0; --i) {
    octets[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value & 0xFF);
    value >>= 8;
  }
  return IpAddress::v6(octets);
}

std::string_view trim(std::string_view s) {
  // strings.TrimSpace, for the ASCII spaces anyone writes around the dash.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal field of a community, as Go's strconv.ParseUint(s, 10, bits) reads it.
template <typename T>
std::optional<T> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split_colons(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) {
      fields.push_back(text.substr(start));
      return fields;
    }
    fields.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
}

}  // namespace

Uint128 to_uint128(const IpAddress& address) {
  Uint128 value = 0;
  for (std::size_t i = 0; i < address.size(); ++i) value = (value << 8) | address.octets()[i];
  return value;
}

std::vector<Prefix> summarize(const AddressRange& range) {
  const int bits = range.family() == Family::kIpv4 ? 32 : 128;
  Uint128 first = to_uint128(range.first);
  const Uint128 last = to_uint128(range.last);
  std::vector<Prefix> prefixes;
  if (first > last) return prefixes;
  while (true) {
    // The largest aligned block starting at `first` that does not run past `last`.
    int host_bits = 0;
    while (host_bits < bits) {
      const int next = host_bits + 1;
      if (next == 128) {
        // A block of 2^128 addresses only if the range is the whole space.
        if (first == 0 && last == ~Uint128{0}) host_bits = 128;
        break;
      }
      const Uint128 size = Uint128{1} << next;
      if ((first & (size - 1)) != 0 || last - first < size - 1) break;
      host_bits = next;
    }
    prefixes.emplace_back(from_uint128(first, range.family()),
                          static_cast<std::uint8_t>(bits - host_bits));
    if (host_bits == 128) break;
    const Uint128 block_last = first + ((Uint128{1} << host_bits) - 1);
    if (block_last >= last) break;
    first = block_last + 1;
  }
  return prefixes;
}

int widest_prefix_length(const AddressRange& range) {
  int widest = range.family() == Family::kIpv4 ? 32 : 128;
  for (const auto& p : summarize(range)) widest = std::min<int>(widest, p.length());
  return widest;
}

bool ranges_overlap(const AddressRange& a, const AddressRange& b) {
  if (a.family() != b.family()) return false;
  return !(a.last < b.first || b.last < a.first);
}

std::optional<AddressRange> parse_address_range(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    // net.ParseCIDR: the "/len" is required; host bits are dropped.
    if (text.find('/') == std::string_view::npos) return std::nullopt;
    const auto prefix = Prefix::parse(text);
    if (!prefix) return std::nullopt;
    const int bits = prefix->family() == Family::kIpv4 ? 32 : 128;
    const int host_bits = bits - prefix->length();
    const Uint128 first = to_uint128(prefix->address());
    const Uint128 host_mask = host_bits == 128 ? ~Uint128{0} : (Uint128{1} << host_bits) - 1;
    return AddressRange{prefix->address(), from_uint128(first | host_mask, prefix->family())};
  }
  const auto first = IpAddress::parse(trim(text.substr(0, dash)));
  const auto last = IpAddress::parse(trim(text.substr(dash + 1)));
  if (!first || !last || first->family() != last->family() || *last < *first) return std::nullopt;
  return AddressRange{*first, *last};
}

std::optional<std::uint32_t> parse_standard_community(std::string_view text) {
  const auto fields = split_colons(text);
  if (fields.size() != 2) return std::nullopt;
  const auto high = parse_decimal<std::uint16_t>(fields[0]);
  const auto low = parse_decimal<std::uint16_t>(fields[1]);
  if (!high || !low) return std::nullopt;
  return (std::uint32_t{*high} << 16) | *low;
}

std::optional<bgp::wire::LargeCommunity> parse_large_community(std::string_view text) {
  const auto fields = split_colons(text);
  if (fields.size() != 4 || fields[0] != "large") return std::nullopt;
  const auto global = parse_decimal<std::uint32_t>(fields[1]);
  const auto data1 = parse_decimal<std::uint32_t>(fields[2]);
  const auto data2 = parse_decimal<std::uint32_t>(fields[3]);
  if (!global || !data1 || !data2) return std::nullopt;
  return bgp::wire::LargeCommunity{*global, *data1, *data2};
}

}  // namespace vipd::lb::crd
