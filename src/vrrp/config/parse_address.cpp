// virtual_ipaddress, virtual_ipaddress_excluded, unicast_peer, unicast_src_ip, mcast_src_ip.
// Each virtual address line is an `ip addr add` argument list, as keepalived's
// alloc_ipaddress() reads it.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "vrrp/config/parse_detail.hpp"

namespace vipd::vrrp::config::detail {
namespace {

// iproute2's rt_scopes names, which keepalived accepts besides numbers.
std::optional<std::uint8_t> parse_scope(std::string_view text) {
  if (text == "global") return 0;
  if (text == "site") return 200;
  if (text == "link") return 253;
  if (text == "host") return 254;
  if (text == "nowhere") return 255;
  std::int64_t n = 0;
  if (parse_integer(text, 0, 255, n) == NumberStatus::kOk) return static_cast<std::uint8_t>(n);
  return std::nullopt;
}

}  // namespace

bool Parser::parse_addresses(const SourceLine& header, VrrpInstance& vrrp, InstanceDraft& draft,
                             bool excluded) {
  if (header.words.size() > 1)
    return fail(header, fmt::format("{} takes a block: {} {{", header.words[0], header.words[0]));
  auto& list = excluded ? vrrp.virtual_ipaddress_excluded : vrrp.virtual_ipaddress;
  // The addresses listed so far (a block may be given twice): a set, since a scan per line made
  // an N-address block cost O(N²) (issue 15; large virtual_ipaddress_excluded blocks are common).
  std::unordered_set<IpAddress> listed_addresses;
  for (const auto& v : list) listed_addresses.insert(v.address);
  return read_block(header, [&](const SourceLine& line) {
    VirtualAddress vip;
    // keepalived skips an address it cannot parse with a warning (vrrp/vrrp_parser.c): files
    // with a template's placeholder left in (`__VIRTUAL_IP__`) start with the others.
    const std::string& spec = line.words[0];
    if (!IpAddress::parse(std::string_view(spec).substr(0, spec.find('/')))) {
      warn(line, fmt::format("VRRP parsed invalid IP {} - skipping it", spec));
      return true;
    }
    if (!parse_address_line(line, vip)) return false;
    // Only the advertised addresses must match the instance's family (RFC 5798 §5.2.9: an
    // advertisement carries one family); excluded ones are just added and removed.
    if (!excluded && !set_family(draft, vip.address.family())) {
      warn(line, fmt::format("({}): address family must match VRRP instance [{}] - ignoring",
                             vrrp.name, line.words[0]));
      return true;
    }
    if (!listed_addresses.insert(vip.address).second) {
      warn(line, fmt::format("({}) {} is listed twice - ignoring this line", vrrp.name,
                             vip.address.to_string()));
      return true;
    }
    list.push_back(std::move(vip));
    return true;
  });
}

bool Parser::parse_address_line(const SourceLine& line, VirtualAddress& vip) {
  const std::string& spec = line.words[0];
  std::size_t slash = spec.find('/');
  if (!read_address(line, std::string_view(spec).substr(0, slash), vip.address)) return false;
  const std::uint8_t max = vip.address.is_v4() ? 32 : 128;
  vip.prefix_length = max;
  if (slash != std::string::npos) {
    std::string length = spec.substr(slash + 1);
    std::int64_t n = 0;
    switch (parse_integer(length, 0, max, n)) {
      case NumberStatus::kInvalid:
        return fail(line, fmt::format("invalid prefix length '{}' in '{}'", length, spec));
      case NumberStatus::kOutOfRange:
        warn(line, fmt::format("Invalid address prefix len {} for address {} - using {}", length,
                               spec, max));
        break;
      case NumberStatus::kOk:
        vip.prefix_length = static_cast<std::uint8_t>(n);
        break;
    }
  }
  char broadcast_special = 0;
  for (std::size_t i = 1; i < line.words.size(); ++i)
    if (!parse_address_option(line, i, vip, broadcast_special)) return false;
  finish_address(line, vip, broadcast_special);
  return true;
}

bool Parser::parse_address_option(const SourceLine& line, std::size_t& i, VirtualAddress& vip,
                                  char& broadcast_special) {
  const std::string& option = line.words[i];
  const std::string& address = line.words[0];
  const bool has_value = i + 1 < line.words.size();
  bool takes_value = option == "dev" || option == "scope" || option == "broadcast" ||
                     option == "brd" || option == "label" || option == "peer" ||
                     option == "track_group";
  if (takes_value && !has_value)
    return fail(line, fmt::format("No {} parameter specified for {}", option, address));
  const std::string value = takes_value ? line.words[++i] : std::string();
  if (option == "dev") {
    if (!vip.dev.empty())
      return fail(line, fmt::format("Cannot specify the device more than once for {}", address));
    if (value.size() >= kIfNameSize)
      return fail(line, fmt::format("Interface name '{}' is not a valid interface name", value));
    vip.dev = value;
  } else if (option == "scope") {
    if (auto scope = parse_scope(value))
      vip.scope = *scope;
    else
      warn(line, fmt::format("Invalid scope '{}' specified for {} - ignoring", value, address));
  } else if (option == "broadcast" || option == "brd") {
    if (vip.address.is_v6())
      return fail(
          line, fmt::format("a broadcast address cannot be set for the IPv6 address {}", address));
    if (value == "+" || value == "-") {
      broadcast_special = value[0];
    } else {
      IpAddress brd;
      if (!read_address(line, value, brd)) return false;
      if (!brd.is_v4()) return fail(line, fmt::format("invalid broadcast address '{}'", value));
      vip.broadcast = brd;
    }
  } else if (option == "label") {
    vip.label = value.substr(0, kIfNameSize - 1);  // keepalived copies IFNAMSIZ bytes
  } else if (option == "peer") {
    IpAddress peer;
    if (!read_address(line, value, peer)) return false;
    if (vip.peer) {
      warn(line, fmt::format("Peer {} - another peer has already been specified", value));
    } else if (peer.family() != vip.address.family()) {
      warn(line, fmt::format("Peer address {} does not match address family", value));
    } else {
      vip.peer = peer;
    }
  } else if (option == "track_group") {
    return fail(line, "'track_group' is not supported by vipd");
  } else if (option == "home") {
    vip.home = true;
  } else if (option == "-nodad") {
    vip.nodad = true;
  } else if (option == "mngtmpaddr") {
    vip.mngtmpaddr = true;
  } else if (option == "noprefixroute") {
    vip.noprefixroute = true;
  } else if (option == "autojoin") {
    vip.autojoin = true;
  } else if (option == "no_track") {
    vip.no_track = true;
  } else if (option == "use_vmac") {
    vip.use_vmac = true;
  } else {
    return fail(line, fmt::format("Unknown configuration entry '{}' for ip address", option));
  }
  return true;
}

void Parser::finish_address(const SourceLine& line, VirtualAddress& vip, char broadcast_special) {
  const std::uint8_t max = vip.address.is_v4() ? 32 : 128;
  if (vip.peer && vip.prefix_length != max) {
    warn(line, "Cannot specify address prefix when specifying peer address - ignoring");
    vip.prefix_length = max;
  }
  if ((vip.broadcast || broadcast_special != 0) && vip.peer) {
    warn(line, "Cannot specify broadcast and peer addresses - ignoring broadcast address");
    vip.broadcast.reset();
  } else if (broadcast_special != 0 && vip.prefix_length <= 30) {
    // `brd +`: host bits set; `brd -`: host bits clear (ip-address(8)).
    std::uint32_t host_mask =
        vip.prefix_length == 0 ? 0xffffffffu : 0xffffffffu >> vip.prefix_length;
    std::uint32_t base = vip.address.v4_host_order();
    vip.broadcast =
        IpAddress::v4(broadcast_special == '+' ? (base | host_mask) : (base & ~host_mask));
  } else if (broadcast_special != 0) {
    warn(line, fmt::format("Address prefix length {} too long for broadcast", vip.prefix_length));
  }
  if (vip.address.is_v6() && vip.scope != 0) {
    warn(line, fmt::format("Cannot specify scope for IPv6 addresses ({}) - ignoring scope",
                           line.words[0]));
    vip.scope = 0;
  }
  if (vip.address.is_v6() && !vip.label.empty()) {
    warn(line, fmt::format("Cannot specify label for IPv6 addresses ({}) - ignoring label",
                           line.words[0]));
    vip.label.clear();
  }
}

bool Parser::parse_unicast_peers(const SourceLine& header, VrrpInstance& vrrp,
                                 InstanceDraft& draft) {
  if (header.words.size() > 1) return fail(header, "unicast_peer takes a block: unicast_peer {");
  return read_block(header, [&](const SourceLine& line) {
    UnicastPeer peer;
    if (!read_address(line, line.words[0], peer.address)) return false;
    for (std::size_t i = 1; i < line.words.size(); i += 2) {
      const std::string& option = line.words[i];
      if (option != "min_ttl" && option != "max_ttl")
        return fail(line, fmt::format("Unknown unicast peer option '{}'", option));
      if (i + 1 == line.words.size())
        return fail(line, fmt::format("missing value after '{}'", option));
      std::int64_t ttl = 0;
      auto status = parse_integer(line.words[i + 1], 0, 255, ttl);
      if (status == NumberStatus::kInvalid)
        return fail(line, fmt::format("invalid number '{}' for '{}'", line.words[i + 1], option));
      if (status == NumberStatus::kOutOfRange) {
        warn(line, fmt::format("Invalid {} {} for unicast peer {} - ignoring", option,
                               line.words[i + 1], line.words[0]));
        continue;
      }
      (option == "min_ttl" ? peer.min_ttl : peer.max_ttl) = static_cast<std::uint8_t>(ttl);
    }
    if (!set_family(draft, peer.address.family())) {
      warn(line, fmt::format("Configuration error: VRRP instance[{}] and unicast peer address[{}] "
                             "MUST be of the same family !!! Skipping...",
                             vrrp.name, line.words[0]));
      return true;
    }
    for (const auto& p : vrrp.unicast_peer) {
      if (p.address == peer.address) {
        warn(line, fmt::format("({}) unicast peer {} is listed twice - ignoring this line",
                               vrrp.name, line.words[0]));
        return true;
      }
    }
    vrrp.unicast_peer.push_back(peer);
    return true;
  });
}

bool Parser::parse_source_address(const SourceLine& line, VrrpInstance& vrrp,
                                  InstanceDraft& draft) {
  if (!need_values(line, 1)) return false;
  IpAddress address;
  if (!read_address(line, line.words[1], address)) return false;
  if (!set_family(draft, address.family())) {
    warn(line, fmt::format("Configuration error: VRRP instance[{}] and src address[{}] MUST be "
                           "of the same family !!! Skipping...",
                           vrrp.name, line.words[1]));
    return true;
  }
  vrrp.source_address = address;
  return true;
}

}  // namespace vipd::vrrp::config::detail
