#include "bgp/wire/update.hpp"

#include <fmt/format.h>

#include "bgp/wire/header.hpp"

namespace vipd::bgp::wire {

namespace {

Error malformed_list(std::string why) {
  return make_error(error_code::kUpdateMessage, update_subcode::kMalformedAttributeList,
                    std::move(why));
}

Error invalid_network(std::string why) {
  return make_error(error_code::kUpdateMessage, update_subcode::kInvalidNetworkField,
                    std::move(why));
}

}  // namespace

std::optional<AfiSafi> Update::end_of_rib() const {
  if (!withdrawn.empty() || !nlri.empty() || !problems.empty()) return std::nullopt;
  PathAttributes empty;
  if (attributes == empty) return kIpv4Unicast;
  if (attributes.mp_unreach && attributes.mp_unreach->withdrawn.empty() &&
      attributes.mp_unreach->opaque_withdrawn.empty()) {
    PathAttributes only = empty;
    only.mp_unreach = attributes.mp_unreach;
    if (attributes == only) return attributes.mp_unreach->afi_safi;
  }
  return std::nullopt;
}

Update make_end_of_rib(AfiSafi afi_safi) {
  Update u;
  if (afi_safi != kIpv4Unicast) u.attributes.mp_unreach = MpUnreach{afi_safi, {}, {}};
  return u;
}

Result<Update, Error> decode_update(ByteSpan body, const Options& options) {
  ByteReader r(body);
  Update u;
  // RFC 4271 §4.3: Withdrawn Routes Length (2), Withdrawn Routes, Total Path Attribute Length
  // (2), Path Attributes, NLRI (the rest).
  std::uint16_t withdrawn_len = r.u16();
  ByteSpan withdrawn = r.bytes(withdrawn_len);
  if (!r.ok()) {
    // RFC 4271 §6.3; RFC 7606 §5.3 makes this a session reset.
    return unexpected(malformed_list(
        fmt::format("withdrawn routes length {} overruns the message", withdrawn_len)));
  }
  std::uint16_t attrs_len = r.u16();
  ByteSpan attrs = r.bytes(attrs_len);
  if (!r.ok()) {
    return unexpected(malformed_list(
        fmt::format("total path attribute length {} overruns the message", attrs_len)));
  }
  ByteSpan nlri = r.rest();

  auto w = decode_prefixes(withdrawn, Family::kIpv4);
  // RFC 7606 §5.3: a Withdrawn Routes field that cannot be parsed is a session reset.
  if (!w) return unexpected(invalid_network("malformed withdrawn routes"));
  u.withdrawn = std::move(*w);

  u.attributes = decode_path_attributes(attrs, options, u.problems);

  auto n = decode_prefixes(nlri, Family::kIpv4);
  // RFC 7606 §5.3, §3 (j): NLRI that cannot be parsed is a session reset.
  if (!n) return unexpected(invalid_network("malformed NLRI"));
  u.nlri = std::move(*n);
  return u;
}

Bytes encode_update(const Update& u, const Options& options) {
  ByteWriter w;
  begin_message(w, MessageType::kUpdate);
  std::size_t wlen = w.placeholder_u16();
  std::size_t start = w.size();
  encode_prefixes(w, u.withdrawn);
  w.patch_u16(wlen, static_cast<std::uint16_t>(w.size() - start));
  std::size_t alen = w.placeholder_u16();
  start = w.size();
  encode_path_attributes(w, u.attributes, options);
  w.patch_u16(alen, static_cast<std::uint16_t>(w.size() - start));
  encode_prefixes(w, u.nlri);
  finish_message(w);
  return w.take();
}

}  // namespace vipd::bgp::wire
