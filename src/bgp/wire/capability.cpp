#include "bgp/wire/capability.hpp"

#include <fmt/format.h>

#include "bgp/wire/detail.hpp"

namespace vipd::bgp::wire {

namespace {

Error malformed(std::string why) {
  return make_error(error_code::kOpenMessage, open_subcode::kUnspecific,
                    "malformed capability: " + std::move(why));
}

using detail::Overloaded;

AfiSafi read_afi_safi_reserved(ByteReader& r) {
  // RFC 4760 §8 and RFC 4724 §3 share AFI(2); the MP capability has a reserved octet between.
  AfiSafi as;
  as.afi = static_cast<Afi>(r.u16());
  r.skip(1);
  as.safi = static_cast<Safi>(r.u8());
  return as;
}

Result<Capability, Error> decode_one(std::uint8_t code, ByteSpan value) {
  ByteReader r(value);
  switch (code) {
    case capability_code::kMultiprotocol: {
      // RFC 4760 §8: AFI (2), Reserved (1), SAFI (1).
      if (value.size() != 4) return unexpected(malformed("multiprotocol length is not 4"));
      return Capability{MultiprotocolCapability{read_afi_safi_reserved(r)}};
    }
    case capability_code::kRouteRefresh:
    case capability_code::kRouteRefreshCisco:
      // RFC 2918 §2: capability length 0.
      if (!value.empty()) return unexpected(malformed("route refresh length is not 0"));
      return Capability{RouteRefreshCapability{code == capability_code::kRouteRefreshCisco}};
    case capability_code::kExtendedMessage:
      // RFC 8654 §3: capability length 0.
      if (!value.empty()) return unexpected(malformed("extended message length is not 0"));
      return Capability{ExtendedMessageCapability{}};
    case capability_code::kFourOctetAs:
      // RFC 6793 §3: capability length 4.
      if (value.size() != 4) return unexpected(malformed("4-octet AS length is not 4"));
      return Capability{FourOctetAsCapability{r.u32()}};
    case capability_code::kGracefulRestart: {
      // RFC 4724 §3: Restart Flags (4 bits) + Restart Time (12 bits), then AFI(2) SAFI(1)
      // Flags(1) per family.
      if (value.size() < 2 || (value.size() - 2) % 4 != 0) {
        return unexpected(malformed("graceful restart length is not 2 + 4n"));
      }
      GracefulRestartCapability gr;
      std::uint16_t head = r.u16();
      gr.restart_state = (head & 0x8000) != 0;
      gr.notification = (head & 0x4000) != 0;
      gr.restart_time = head & 0x0fff;
      while (!r.empty()) {
        GracefulRestartCapability::Family f;
        f.afi_safi.afi = static_cast<Afi>(r.u16());
        f.afi_safi.safi = static_cast<Safi>(r.u8());
        f.forwarding_state = (r.u8() & 0x80) != 0;
        gr.families.push_back(f);
      }
      return Capability{std::move(gr)};
    }
    default:
      return Capability{UnknownCapability{code, Bytes(value.begin(), value.end())}};
  }
}

}  // namespace

std::uint8_t capability_code_of(const Capability& c) {
  return std::visit(
      Overloaded{
          [](const MultiprotocolCapability&) { return capability_code::kMultiprotocol; },
          [](const RouteRefreshCapability& rr) {
            return rr.cisco ? capability_code::kRouteRefreshCisco : capability_code::kRouteRefresh;
          },
          [](const FourOctetAsCapability&) { return capability_code::kFourOctetAs; },
          [](const ExtendedMessageCapability&) { return capability_code::kExtendedMessage; },
          [](const GracefulRestartCapability&) { return capability_code::kGracefulRestart; },
          [](const UnknownCapability& u) { return u.code; },
      },
      c);
}

Result<std::vector<Capability>, Error> decode_capabilities(ByteSpan value) {
  std::vector<Capability> out;
  ByteReader r(value);
  while (!r.empty()) {
    // RFC 5492 §4: Capability Code (1), Capability Length (1), Capability Value.
    std::uint8_t code = r.u8();
    std::uint8_t len = r.u8();
    ByteSpan v = r.bytes(len);
    if (!r.ok()) {
      return unexpected(malformed(fmt::format("capability {} overruns its parameter", code)));
    }
    auto c = decode_one(code, v);
    if (!c) return unexpected(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

void encode_capability(ByteWriter& w, const Capability& c) {
  w.u8(capability_code_of(c));
  std::size_t len_at = w.placeholder_u8();
  std::size_t start = w.size();
  std::visit(Overloaded{
                 [&](const MultiprotocolCapability& mp) {
                   w.u16(static_cast<std::uint16_t>(mp.afi_safi.afi));
                   w.u8(0);
                   w.u8(static_cast<std::uint8_t>(mp.afi_safi.safi));
                 },
                 [](const RouteRefreshCapability&) {},
                 [&](const FourOctetAsCapability& as4) { w.u32(as4.asn); },
                 [](const ExtendedMessageCapability&) {},
                 [&](const GracefulRestartCapability& gr) {
                   std::uint16_t head = gr.restart_time & 0x0fff;
                   if (gr.restart_state) head |= 0x8000;
                   if (gr.notification) head |= 0x4000;
                   w.u16(head);
                   for (const auto& f : gr.families) {
                     w.u16(static_cast<std::uint16_t>(f.afi_safi.afi));
                     w.u8(static_cast<std::uint8_t>(f.afi_safi.safi));
                     w.u8(f.forwarding_state ? 0x80 : 0x00);
                   }
                 },
                 [&](const UnknownCapability& u) { w.bytes(u.value); },
             },
             c);
  w.patch_u8(len_at, static_cast<std::uint8_t>(w.size() - start));
}

}  // namespace vipd::bgp::wire
