#include "lb/crd/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "lb/crd/values.hpp"

namespace vipd::lb::crd {
namespace {

// What a scalar is once resolved the way kubectl's YAML reader (go-yaml v2, YAML 1.1 rules)
// resolves it, since that decides whether the API server sees a string, a number or a bool.
enum class ScalarType { kString, kInteger, kFloat, kBool };

bool is_yaml_bool(std::string_view s) {
  static const std::set<std::string_view> kBools = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
      "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
  return kBools.contains(s);
}

std::optional<bool> yaml_bool_value(std::string_view s) {
  static const std::set<std::string_view> kTrue = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                                   "True", "TRUE", "on",  "On",  "ON"};
  if (!is_yaml_bool(s)) return std::nullopt;
  return kTrue.contains(s);
}

bool all_of_chars(std::string_view s, bool (*ok)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}

bool is_yaml_integer(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'b' || s[1] == 'o')) {
    return all_of_chars(s.substr(2), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
  }
  return all_of_chars(s, [](char c) { return (c >= '0' && c <= '9') || c == '_'; }) &&
         s.front() != '_';
}

bool is_yaml_float(std::string_view s) {
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".Inf" || s == "-.Inf" || s == ".INF" ||
      s == "-.INF" || s == ".nan" || s == ".NaN" || s == ".NAN")
    return true;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  bool digits = false, dot = false, exponent = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exponent) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exponent) {
      exponent = true;
      if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
      if (i + 1 >= s.size()) return false;
    } else {
      return false;
    }
  }
  return digits && (dot || exponent);
}

ScalarType scalar_type(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  if (tag == "tag:yaml.org,2002:int") return ScalarType::kInteger;
  if (tag == "tag:yaml.org,2002:float") return ScalarType::kFloat;
  if (tag == "tag:yaml.org,2002:bool") return ScalarType::kBool;
  if (tag != "?") return ScalarType::kString;  // quoted, or tagged !!str
  const std::string& s = node.Scalar();
  if (is_yaml_bool(s)) return ScalarType::kBool;
  if (is_yaml_integer(s)) return ScalarType::kInteger;
  if (is_yaml_float(s)) return ScalarType::kFloat;
  return ScalarType::kString;
}

std::string_view describe(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "null";
  switch (scalar_type(node)) {
    case ScalarType::kString:
      return "a string";
    case ScalarType::kInteger:
      return "an integer";
    case ScalarType::kFloat:
      return "a number";
    case ScalarType::kBool:
      return "a boolean";
  }
  return "a scalar";
}

std::string quote_hint(const YAML::Node& node) {
  return fmt::format("expected a string, got {} {} (quote it: \"{}\")", describe(node),
                     node.Scalar(), node.Scalar());
}

}  // namespace

std::string format_message(const std::string& location, std::string_view kind,
                           std::string_view name, std::string_view path, std::string_view reason) {
  std::string out = location + ": ";
  if (!kind.empty()) {
    out += kind;
    if (!name.empty()) fmt::format_to(std::back_inserter(out), "/{}", name);
    out += ": ";
  }
  if (!path.empty()) fmt::format_to(std::back_inserter(out), "{}: ", path);
  out += reason;
  return out;
}

int ResourceReader::line_of(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? where_.line : mark.line + 1;
}

std::string ResourceReader::message(const YAML::Node& at, std::string_view path,
                                    std::string_view reason) const {
  return format_message(where_.file + ":" + std::to_string(line_of(at)), kind_, name_, path,
                        reason);
}

void ResourceReader::error(const YAML::Node& at, std::string_view path, std::string_view reason) {
  errors_.push_back(message(at, path, reason));
  ++error_count_;
}

void ResourceReader::warning(const YAML::Node& at, std::string_view path, std::string_view reason) {
  warnings_.push_back(message(at, path, reason));
}

void ResourceReader::record_line(const std::string& path, const YAML::Node& at) {
  where_.field_lines[path] = line_of(at);
}

void ResourceReader::read_map(const YAML::Node& node, const std::string& path,
                              const std::vector<Field>& fields) {
  std::set<std::string> seen;
  if (node.IsDefined() && !node.IsNull()) {
    if (!node.IsMap()) {
      error(node, path, fmt::format("expected a map, got {}", describe(node)));
      return;
    }
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      if (!key.IsScalar()) {
        error(key, path, "field names must be strings");
        continue;
      }
      const std::string& name = key.Scalar();
      const std::string field_path = path.empty() ? name : path + "." + name;
      if (!seen.insert(name).second) {
        error(key, field_path, "duplicate field");
        continue;
      }
      const auto field =
          std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == name; });
      if (field == fields.end()) {
        error(key, field_path, "unknown field");
        continue;
      }
      record_line(field_path, key);
      if (value.IsNull()) {
        seen.erase(name);  // null: unset, so still missing if required
        continue;
      }
      if (field->read) field->read(value, field_path);
    }
  }
  for (const auto& field : fields) {
    if (field.required && !seen.contains(std::string(field.key))) {
      const std::string field_path =
          path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
      error(node, field_path, "required field missing");
    }
  }
}

void ResourceReader::read_list(
    const YAML::Node& node, const std::string& path,
    const std::function<void(const YAML::Node&, const std::string&)>& each) {
  if (!node.IsSequence()) {
    error(node, path, fmt::format("expected a list, got {}", describe(node)));
    return;
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    const std::string item_path = fmt::format("{}[{}]", path, index++);
    record_line(item_path, item);
    each(item, item_path);
  }
}

std::optional<std::string> ResourceReader::read_string(const YAML::Node& node,
                                                       const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, fmt::format("expected a string, got {}", describe(node)));
    return std::nullopt;
  }
  if (scalar_type(node) != ScalarType::kString) {
    error(node, path, quote_hint(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> ResourceReader::read_bool(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar() && scalar_type(node) == ScalarType::kBool) {
    if (auto value = yaml_bool_value(node.Scalar())) return value;
  }
  error(node, path,
        fmt::format("expected true or false, got {}{}", describe(node),
                    node.IsScalar() ? " \"" + node.Scalar() + "\"" : std::string()));
  return std::nullopt;
}

std::optional<std::int64_t> ResourceReader::read_integer(const YAML::Node& node,
                                                         const std::string& path, std::int64_t min,
                                                         std::int64_t max) {
  if (!node.IsScalar() || scalar_type(node) != ScalarType::kInteger) {
    error(node, path,
          fmt::format("expected an integer, got {}{}", describe(node),
                      node.IsScalar() ? " \"" + node.Scalar() + "\"" : std::string()));
    return std::nullopt;
  }
  std::string digits = node.Scalar();
  std::erase(digits, '_');
  if (!digits.empty() && digits.front() == '+') digits.erase(0, 1);
  int base = 10;
  std::string_view body = digits;
  const bool negative = !body.empty() && body.front() == '-';
  if (negative) body.remove_prefix(1);
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
    base = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
    body.remove_prefix(2);
  }
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), magnitude, base);
  const __int128 value = negative ? -static_cast<__int128>(magnitude) : magnitude;
  if (ec != std::errc() || end != body.data() + body.size() || value < min || value > max) {
    error(node, path, fmt::format("{} is out of range ({} to {})", node.Scalar(), min, max));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(value);
}

std::vector<std::string> ResourceReader::read_string_list(const YAML::Node& node,
                                                          const std::string& path) {
  std::vector<std::string> out;
  read_list(node, path, [&](const YAML::Node& item, const std::string& item_path) {
    if (auto value = read_string(item, item_path)) out.push_back(*value);
  });
  return out;
}

Labels ResourceReader::read_string_map(const YAML::Node& node, const std::string& path) {
  Labels out;
  if (!node.IsMap()) {
    error(node, path, fmt::format("expected a map, got {}", describe(node)));
    return out;
  }
  for (const auto& entry : node) {
    const std::string key_path =
        entry.first.IsScalar() ? fmt::format("{}[{}]", path, entry.first.Scalar()) : path;
    const auto key = read_string(entry.first, key_path);
    if (!key) continue;
    if (out.contains(*key)) {
      error(entry.first, key_path, "duplicate key");
      continue;
    }
    record_line(key_path, entry.first);
    // A null value in a map of strings is an empty string to the API server.
    const auto value = entry.second.IsNull() ? std::optional<std::string>("")
                                             : read_string(entry.second, key_path);
    if (value) out.emplace(*key, *value);
  }
  return out;
}

std::optional<std::chrono::milliseconds> ResourceReader::read_duration(const YAML::Node& node,
                                                                       const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, fmt::format("expected a duration such as \"90s\", got {}", describe(node)));
    return std::nullopt;
  }
  // metav1.Duration reads a string; a bare 90 is a number, which it refuses.
  const auto parsed = parse_duration(node.Scalar());
  if (!parsed) {
    error(node, path, parsed.error());
    return std::nullopt;
  }
  if (scalar_type(node) != ScalarType::kString) {
    error(node, path, quote_hint(node));
    return std::nullopt;
  }
  if (parsed->count() < 0) {
    error(node, path, fmt::format("negative duration \"{}\"", node.Scalar()));
    return std::nullopt;
  }
  return *parsed;
}

std::optional<IpAddress> ResourceReader::read_address(const YAML::Node& node,
                                                      const std::string& path,
                                                      std::string_view what) {
  const auto text = read_string(node, path);
  if (!text) return std::nullopt;
  const auto address = IpAddress::parse(*text);
  if (!address) error(node, path, fmt::format("invalid {} \"{}\"", what, *text));
  return address;
}

std::optional<LabelSelector> ResourceReader::read_selector(const YAML::Node& node,
                                                           const std::string& path, bool legacy) {
  LabelSelector selector;
  const int errors_before = error_count_;
  const auto read_expression = [&](const YAML::Node& item, const std::string& item_path) {
    LabelSelectorRequirement requirement;
    std::string op_text;
    bool has_values = false;
    read_map(item, item_path,
             {{"key",
               [&](const YAML::Node& v, const std::string& p) {
                 if (auto key = read_string(v, p)) requirement.key = *key;
               },
               true},
              {"operator",
               [&](const YAML::Node& v, const std::string& p) {
                 const auto text = read_string(v, p);
                 if (!text) return;
                 op_text = *text;
                 using Op = LabelSelectorRequirement::Operator;
                 if (*text == "In") {
                   requirement.op = Op::kIn;
                 } else if (*text == "NotIn") {
                   requirement.op = Op::kNotIn;
                 } else if (*text == "Exists") {
                   requirement.op = Op::kExists;
                 } else if (*text == "DoesNotExist") {
                   requirement.op = Op::kDoesNotExist;
                 } else {
                   error(v, p,
                         fmt::format("unknown operator \"{}\" (In, NotIn, Exists, DoesNotExist)",
                                     *text));
                 }
               },
               true},
              {"values",
               [&](const YAML::Node& v, const std::string& p) {
                 requirement.values = read_string_list(v, p);
                 has_values = true;
                 if (legacy && requirement.values.empty() && v.IsSequence()) {
                   error(v, p, "must have at least 1 item");
                 }
               },
               legacy}});
    (void)has_values;
    selector.match_expressions.push_back(std::move(requirement));
  };
  read_map(node, path,
           {{"matchLabels",
             [&](const YAML::Node& v, const std::string& p) {
               selector.match_labels = read_string_map(v, p);
             }},
            {"matchExpressions", [&](const YAML::Node& v, const std::string& p) {
               read_list(v, p, read_expression);
             }}});
  if (error_count_ != errors_before) return std::nullopt;
  return selector;
}

std::vector<LabelSelector> ResourceReader::read_selectors(const YAML::Node& node,
                                                          const std::string& path, bool legacy) {
  std::vector<LabelSelector> out;
  read_list(node, path, [&](const YAML::Node& item, const std::string& item_path) {
    if (auto selector = read_selector(item, item_path, legacy)) out.push_back(std::move(*selector));
  });
  return out;
}

}  // namespace vipd::lb::crd
