#include "bgp/rib/update_packer.hpp"

#include "bgp/wire/as4.hpp"
#include "bgp/wire/attributes.hpp"
#include "bgp/wire/header.hpp"
#include "bgp/wire/update.hpp"

#include <utility>

namespace vipd::bgp::rib {

namespace {

// Fixed bytes of an UPDATE: header (19), Withdrawn Routes Length (2), Total Path Attribute
// Length (2).
constexpr std::size_t kUpdateOverhead = 19 + 2 + 2;
// An MP_UNREACH_NLRI attribute without prefixes: flags, type, extended length (2), AFI, SAFI.
constexpr std::size_t kMpUnreachOverhead = 1 + 1 + 2 + 3;

}  // namespace

UpdatePacker::UpdatePacker(wire::Options options, Sink sink, Oversize oversize)
    : options_(options),
      sink_(std::move(sink)),
      oversize_handler_(std::move(oversize)),
      max_size_(wire::max_message_size(options)) {}

void UpdatePacker::start(Kind kind, wire::AfiSafi family, const AttrRef& attrs) {
  if (kind_ == kind && family_ == family && (kind == Kind::kWithdraw || attrs_ == attrs)) return;
  emit();
  emit_oversize();
  kind_ = kind;
  family_ = family;
  attrs_ = attrs;
  used_ = 0;
  if (kind == Kind::kWithdraw) {
    capacity_ =
        max_size_ - kUpdateOverhead - (family == wire::kIpv4Unicast ? 0 : kMpUnreachOverhead);
    return;
  }
  if (family != wire::kIpv4Unicast && !attrs->mp_reach) {
    capacity_ = 0;  // no next hop for the family: nothing can be sent
    return;
  }
  const wire::PathAttributes* sent = &*attrs;
  wire::PathAttributes two_octet;
  if (!options_.four_octet_as) {
    two_octet = wire::prepare_for_two_octet_peer(*attrs);
    sent = &two_octet;
  }
  std::size_t base = 0;
  if (family == wire::kIpv4Unicast) {
    // The attributes are encoded once per run and copied into each of its messages (the NLRI
    // follow them, RFC 4271 §4.3), not encoded again per message.
    attribute_bytes_.clear();
    ByteWriter w(attribute_bytes_);
    wire::encode_path_attributes(w, *sent, options_);
    base = kUpdateOverhead + attribute_bytes_.size();
  } else {
    // MP_REACH_NLRI carries the prefixes inside an attribute (RFC 4760 §3): measured here and
    // encoded whole per message.
    wire::Update probe;
    probe.attributes = *sent;
    base = wire::encode_update(probe, options_).size();
  }
  base_ = base;
  // One byte of margin: adding NLRI may push MP_REACH_NLRI over 255 octets, which takes the
  // two-octet Extended Length form (RFC 4271 §4.3).
  capacity_ = base + 1 < max_size_ ? max_size_ - base - 1 : 0;
}

void UpdatePacker::add(const Prefix& prefix) {
  std::size_t size = encoded_prefix_size(prefix);
  if (size > capacity_) {
    ++unsendable_;
    // RFC 8654 §4 / RFC 4271 §9.2: an UPDATE that does not fit cannot be sent; withdrawing the
    // prefix keeps the neighbor from using a path we no longer advertise (issue 15, D6).
    if (kind_ == Kind::kAnnounce && attrs_ && (family_ == wire::kIpv4Unicast || attrs_->mp_reach)) {
      oversize_.push_back(prefix);
      if (oversize_handler_) oversize_handler_(family_, prefix, base_ + size, max_size_);
    }
    return;
  }
  if (used_ + size > capacity_) emit();
  prefixes_.push_back(prefix);
  used_ += size;
}

void UpdatePacker::announce(wire::AfiSafi family, const AttrRef& attrs, const Prefix& prefix) {
  start(Kind::kAnnounce, family, attrs);
  add(prefix);
}

void UpdatePacker::withdraw(wire::AfiSafi family, const Prefix& prefix) {
  start(Kind::kWithdraw, family, AttrRef{});
  add(prefix);
}

void UpdatePacker::emit_oversize() {
  if (oversize_.empty()) return;
  const wire::AfiSafi family = family_;
  std::vector<Prefix> prefixes = std::exchange(oversize_, {});
  kind_ = Kind::kWithdraw;
  attrs_.reset();
  capacity_ = max_size_ - kUpdateOverhead - (family == wire::kIpv4Unicast ? 0 : kMpUnreachOverhead);
  for (const auto& prefix : prefixes) add(prefix);
  emit();
  kind_ = Kind::kNone;
}

void UpdatePacker::emit() {
  if (prefixes_.empty()) return;
  ++messages_;
  if (family_ == wire::kIpv4Unicast) {
    // RFC 4271 §4.3 laid out directly, in a buffer of the message's exact size.
    const bool announce = kind_ == Kind::kAnnounce;
    Bytes out;
    out.reserve(kUpdateOverhead + used_ + (announce ? attribute_bytes_.size() : 0));
    ByteWriter w(out);
    wire::begin_message(w, wire::MessageType::kUpdate);
    if (announce) {
      w.u16(0);  // Withdrawn Routes Length
      w.u16(static_cast<std::uint16_t>(attribute_bytes_.size()));
      w.bytes(attribute_bytes_);
      wire::encode_prefixes(w, prefixes_);
    } else {
      w.u16(static_cast<std::uint16_t>(used_));
      wire::encode_prefixes(w, prefixes_);
      w.u16(0);  // Total Path Attribute Length
    }
    wire::finish_message(w);
    prefixes_.clear();
    used_ = 0;
    sink_(std::move(out));
    return;
  }
  wire::Update u;
  if (kind_ == Kind::kWithdraw) {
    u.attributes.mp_unreach = wire::MpUnreach{family_, std::move(prefixes_), {}};
  } else {
    u.attributes = options_.four_octet_as ? *attrs_ : wire::prepare_for_two_octet_peer(*attrs_);
    u.attributes.mp_reach->nlri = std::move(prefixes_);
  }
  prefixes_.clear();
  used_ = 0;
  sink_(wire::encode_update(u, options_));
}

void UpdatePacker::flush() {
  emit();
  emit_oversize();
  kind_ = Kind::kNone;
  attrs_.reset();
}

}  // namespace vipd::bgp::rib
