#include "bgp/wire/open.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "bgp/wire/header.hpp"

namespace vipd::bgp::wire {

namespace {

Error unspecific(std::string why) {
  return make_error(error_code::kOpenMessage, open_subcode::kUnspecific, std::move(why));
}

// Splits the optional parameters into capabilities and other parameters.
Status<Error> add_parameter(Open& open, std::uint8_t type, ByteSpan value) {
  if (type != kOptParamCapabilities) {
    open.other_parameters.push_back({type, Bytes(value.begin(), value.end())});
    return Ok{};
  }
  auto caps = decode_capabilities(value);
  if (!caps) return unexpected(caps.error());
  for (auto& c : *caps) open.capabilities.push_back(std::move(c));
  return Ok{};
}

}  // namespace

std::uint32_t Open::real_as() const {
  if (const auto* as4 = four_octet_as()) return as4->asn;
  return my_as;
}

const FourOctetAsCapability* Open::four_octet_as() const {
  for (const auto& c : capabilities)
    if (const auto* p = std::get_if<FourOctetAsCapability>(&c)) return p;
  return nullptr;
}

const GracefulRestartCapability* Open::graceful_restart() const {
  for (const auto& c : capabilities)
    if (const auto* p = std::get_if<GracefulRestartCapability>(&c)) return p;
  return nullptr;
}

bool Open::has_capability(std::uint8_t code) const {
  return std::any_of(capabilities.begin(), capabilities.end(),
                     [code](const Capability& c) { return capability_code_of(c) == code; });
}

bool Open::supports_route_refresh() const {
  return has_capability(capability_code::kRouteRefresh) ||
         has_capability(capability_code::kRouteRefreshCisco);
}

bool Open::supports_extended_message() const {
  return has_capability(capability_code::kExtendedMessage);
}

std::vector<AfiSafi> Open::multiprotocol() const {
  std::vector<AfiSafi> out;
  for (const auto& c : capabilities)
    if (const auto* mp = std::get_if<MultiprotocolCapability>(&c)) out.push_back(mp->afi_safi);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Open make_open(std::uint32_t asn, std::uint16_t hold_time, std::uint32_t bgp_identifier,
               std::vector<Capability> capabilities) {
  Open open;
  // RFC 6793 §4.1: a 4-octet-only AS is sent as AS_TRANS in My Autonomous System.
  open.my_as =
      asn > 0xffff ? static_cast<std::uint16_t>(kAsTrans) : static_cast<std::uint16_t>(asn);
  open.hold_time = hold_time;
  open.bgp_identifier = bgp_identifier;
  open.capabilities = std::move(capabilities);
  if (!open.four_octet_as()) open.capabilities.push_back(FourOctetAsCapability{asn});
  return open;
}

Result<Open, Error> decode_open(ByteSpan body) {
  ByteReader r(body);
  Open open;
  // RFC 4271 §4.2: Version, My AS, Hold Time, BGP Identifier, Opt Parm Len, Optional Parameters.
  open.version = r.u8();
  if (r.ok() && open.version != kBgpVersion) {
    // RFC 4271 §6.2: data = the largest locally supported version number (2 octets).
    return unexpected(make_error(error_code::kOpenMessage, open_subcode::kUnsupportedVersionNumber,
                                 fmt::format("unsupported BGP version {}", open.version),
                                 Bytes{0, kBgpVersion}));
  }
  open.my_as = r.u16();
  open.hold_time = r.u16();
  open.bgp_identifier = r.u32();
  std::uint8_t opt_len = r.u8();
  if (!r.ok()) return unexpected(unspecific("OPEN shorter than its fixed fields"));

  ByteSpan rest = r.rest();
  bool extended = opt_len == 255 && !rest.empty() && rest[0] == kOptParamExtendedMarker;
  if (extended) {
    // RFC 9072 §2: Non-Ext OP Type 255, then a 2-octet Extended Opt. Parm. Length; each
    // parameter then has a 2-octet length.
    ByteReader er(rest);
    er.skip(1);
    std::uint16_t ext_len = er.u16();
    if (!er.ok() || er.remaining() != ext_len) {
      return unexpected(unspecific("extended optional parameters length does not match"));
    }
    while (!er.empty()) {
      std::uint8_t type = er.u8();
      std::uint16_t len = er.u16();
      ByteSpan value = er.bytes(len);
      if (!er.ok()) return unexpected(unspecific("optional parameter overruns the OPEN"));
      if (auto s = add_parameter(open, type, value); !s) return unexpected(s.error());
    }
    return open;
  }
  // RFC 4271 §4.2: Opt Parm Len is the total length of the Optional Parameters field.
  if (rest.size() != opt_len) {
    return unexpected(unspecific(fmt::format(
        "optional parameters length {} does not match the {} octets left", opt_len, rest.size())));
  }
  ByteReader pr(rest);
  while (!pr.empty()) {
    std::uint8_t type = pr.u8();
    std::uint8_t len = pr.u8();
    ByteSpan value = pr.bytes(len);
    if (!pr.ok()) return unexpected(unspecific("optional parameter overruns the OPEN"));
    if (auto s = add_parameter(open, type, value); !s) return unexpected(s.error());
  }
  return open;
}

Bytes encode_open(const Open& open) {
  ByteWriter caps;
  for (const auto& c : open.capabilities) encode_capability(caps, c);

  struct Param {
    std::uint8_t type;
    ByteSpan value;
  };
  std::vector<Param> params;
  if (!open.capabilities.empty()) params.push_back({kOptParamCapabilities, caps.data()});
  for (const auto& p : open.other_parameters) params.push_back({p.type, p.value});

  std::size_t plain_len = 0;
  bool fits = true;
  for (const auto& p : params) {
    plain_len += 2 + p.value.size();
    if (p.value.size() > 255) fits = false;
  }
  if (plain_len > 255) fits = false;
  // A plain list of exactly 255 octets starting with type 255 would read as RFC 9072 format.
  if (plain_len == 255 && params.front().type == kOptParamExtendedMarker) fits = false;

  ByteWriter w;
  begin_message(w, MessageType::kOpen);
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_identifier);
  if (fits) {
    w.u8(static_cast<std::uint8_t>(plain_len));
    for (const auto& p : params) {
      w.u8(p.type);
      w.u8(static_cast<std::uint8_t>(p.value.size()));
      w.bytes(p.value);
    }
  } else {
    // RFC 9072 §2.
    w.u8(255);
    w.u8(kOptParamExtendedMarker);
    std::size_t len_at = w.placeholder_u16();
    std::size_t start = w.size();
    for (const auto& p : params) {
      w.u8(p.type);
      w.u16(static_cast<std::uint16_t>(p.value.size()));
      w.bytes(p.value);
    }
    w.patch_u16(len_at, static_cast<std::uint16_t>(w.size() - start));
  }
  finish_message(w);
  return w.take();
}

}  // namespace vipd::bgp::wire
