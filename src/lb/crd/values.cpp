#include "lb/crd/values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

namespace vipd::lb::crd {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || is_digit(c);
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

// Nanoseconds per unit, Go's unitMap.
std::optional<std::uint64_t> unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000ULL;
  if (unit == "m") return 60ULL * 1000000000ULL;
  if (unit == "h") return 3600ULL * 1000000000ULL;
  return std::nullopt;
}

// One RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends.
bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!is_dns_label(s.substr(start, dot == std::string_view::npos ? s.npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// k8s qualifiedNameFmt / labelValueFmt: alphanumerics at both ends, '-', '_', '.' inside.
bool is_qualified_name_part(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// What one selector requires of one key, merged across the requirements of two selectors.
struct KeyConstraint {
  bool must_exist = false;
  bool must_not_exist = false;
  std::optional<std::set<std::string>> allowed;  // value must be one of these
  std::set<std::string> excluded;                // value must be none of these

  void allow(const std::vector<std::string>& values) {
    std::set<std::string> next(values.begin(), values.end());
    if (allowed) {
      std::set<std::string> both;
      std::set_intersection(allowed->begin(), allowed->end(), next.begin(), next.end(),
                            std::inserter(both, both.end()));
      next = std::move(both);
    }
    allowed = std::move(next);
    must_exist = true;
  }
  bool satisfiable() const {
    if (must_not_exist && must_exist) return false;
    if (allowed) {
      return std::any_of(allowed->begin(), allowed->end(),
                         [&](const std::string& v) { return !excluded.contains(v); });
    }
    return true;
  }
};

void add_constraints(const LabelSelector& selector, std::map<std::string, KeyConstraint>& keys) {
  for (const auto& [key, value] : selector.match_labels) keys[key].allow({value});
  for (const auto& r : selector.match_expressions) {
    auto& c = keys[r.key];
    switch (r.op) {
      case LabelSelectorRequirement::Operator::kIn:
        c.allow(r.values);
        break;
      case LabelSelectorRequirement::Operator::kNotIn:
        c.excluded.insert(r.values.begin(), r.values.end());
        break;
      case LabelSelectorRequirement::Operator::kExists:
        c.must_exist = true;
        break;
      case LabelSelectorRequirement::Operator::kDoesNotExist:
        c.must_not_exist = true;
        break;
    }
  }
}

bool both_may_match(const LabelSelector& a, const LabelSelector& b) {
  std::map<std::string, KeyConstraint> keys;
  add_constraints(a, keys);
  add_constraints(b, keys);
  return std::all_of(keys.begin(), keys.end(),
                     [](const auto& entry) { return entry.second.satisfiable(); });
}

}  // namespace

Result<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  const std::string quoted = fmt::format("\"{}\"", text);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::milliseconds(0);
  if (s.empty()) return unexpected(fmt::format("invalid duration {}", quoted));
  // Exact in nanoseconds as long as it fits Go's int64 (about 292 years).
  constexpr std::uint64_t kMaxNanoseconds = 9223372036854775807ULL;
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::uint64_t whole = 0;
    bool digits = false, overflow = false;
    while (!s.empty() && is_digit(s.front())) {
      if (whole > (UINT64_MAX - 9) / 10) overflow = true;
      whole = whole * 10 + static_cast<std::uint64_t>(s.front() - '0');
      s.remove_prefix(1);
      digits = true;
    }
    double fraction = 0, scale = 1;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      while (!s.empty() && is_digit(s.front())) {
        scale /= 10;
        fraction += (s.front() - '0') * scale;
        s.remove_prefix(1);
        digits = true;
      }
    }
    if (!digits) return unexpected(fmt::format("invalid duration {}", quoted));
    std::size_t unit_end = 0;
    while (unit_end < s.size() && s[unit_end] != '.' && !is_digit(s[unit_end])) ++unit_end;
    const std::string_view unit = s.substr(0, unit_end);
    s.remove_prefix(unit_end);
    if (unit.empty()) {
      return unexpected(fmt::format("invalid duration {}: missing unit (e.g. \"90s\")", quoted));
    }
    const auto per_unit = unit_nanoseconds(unit);
    if (!per_unit) {
      return unexpected(fmt::format(
          "invalid duration {}: unknown unit \"{}\" (ns, us, ms, s, m, h)", quoted, unit));
    }
    if (overflow || whole > kMaxNanoseconds / *per_unit) {
      return unexpected(fmt::format("invalid duration {}: too long", quoted));
    }
    const std::uint64_t part =
        whole * *per_unit + static_cast<std::uint64_t>(fraction * static_cast<double>(*per_unit));
    if (part > kMaxNanoseconds - total) {
      return unexpected(fmt::format("invalid duration {}: too long", quoted));
    }
    total += part;
  }
  const auto ms = static_cast<std::int64_t>(total / 1000000);
  return std::chrono::milliseconds(negative ? -ms : ms);
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (c != '\n' && c != '\r') clean += c;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  const auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < clean.size(); i += 4) {
    const bool last = i + 4 == clean.size();
    int padding = 0;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = clean[i + j];
      if (c == '=') {
        // Padding only ends the last group, only in its last two places, and nothing after it.
        if (!last || j < 2) return std::nullopt;
        ++padding;
        group <<= 6;
        continue;
      }
      if (padding > 0) return std::nullopt;
      const int v = value(c);
      if (v < 0) return std::nullopt;
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>((group >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((group >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(group & 0xFF);
  }
  return out;
}

std::optional<std::string> check_label_key(std::string_view key) {
  std::string_view name = key;
  const std::size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!is_dns_subdomain(prefix)) {
      return fmt::format("invalid label key \"{}\": the prefix must be a DNS subdomain", key);
    }
  }
  if (!is_qualified_name_part(name)) {
    return fmt::format(
        "invalid label key \"{}\": the name must be 1-63 characters, alphanumeric at both ends, "
        "'-', '_' or '.' between",
        key);
  }
  return std::nullopt;
}

std::optional<std::string> check_label_value(std::string_view value) {
  if (value.empty() || is_qualified_name_part(value)) return std::nullopt;
  return fmt::format(
      "invalid label value \"{}\": at most 63 characters, alphanumeric at both ends, '-', '_' or "
      "'.' between",
      value);
}

std::optional<std::string> check_object_name(std::string_view name) {
  if (is_dns_subdomain(name)) return std::nullopt;
  return fmt::format(
      "invalid name \"{}\": lowercase letters, digits, '-' and '.', starting and ending with a "
      "letter or digit (RFC 1123 subdomain)",
      name);
}

std::optional<std::string> check_namespace_name(std::string_view name) {
  if (is_dns_label(name)) return std::nullopt;
  return fmt::format(
      "invalid namespace \"{}\": at most 63 lowercase letters, digits and '-' (RFC 1123 label)",
      name);
}

std::optional<std::string> check_interface_name(std::string_view name) {
  const bool bad_char = std::any_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
  });
  if (name.empty() || name.size() > 15 || bad_char || name == "." || name == "..") {
    return fmt::format("invalid interface name \"{}\": 1-15 characters, no '/', ':' or whitespace",
                       name);
  }
  return std::nullopt;
}

bool selectors_may_overlap(const std::vector<LabelSelector>& a,
                           const std::vector<LabelSelector>& b) {
  static const std::vector<LabelSelector> kEverything{LabelSelector{}};
  const auto& left = a.empty() ? kEverything : a;
  const auto& right = b.empty() ? kEverything : b;
  for (const auto& x : left) {
    for (const auto& y : right) {
      if (both_may_match(x, y)) return true;
    }
  }
  return false;
}

std::string to_string(const LabelSelector& selector) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : selector.match_labels) parts.push_back(key + "=" + value);
  for (const auto& r : selector.match_expressions) {
    switch (r.op) {
      case LabelSelectorRequirement::Operator::kIn:
        parts.push_back(fmt::format("{} in ({})", r.key, fmt::join(r.values, ",")));
        break;
      case LabelSelectorRequirement::Operator::kNotIn:
        parts.push_back(fmt::format("{} notin ({})", r.key, fmt::join(r.values, ",")));
        break;
      case LabelSelectorRequirement::Operator::kExists:
        parts.push_back(r.key);
        break;
      case LabelSelectorRequirement::Operator::kDoesNotExist:
        parts.push_back("!" + r.key);
        break;
    }
  }
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace vipd::lb::crd
