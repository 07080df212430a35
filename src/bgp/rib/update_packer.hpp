// Turns a stream of per-prefix announcements and withdrawals for one neighbor into as few UPDATE
// messages as the size limit allows (RFC 4271 §4.3, §9.2: prefixes that share attributes share
// an UPDATE; RFC 4760 for IPv6 in MP_REACH_NLRI / MP_UNREACH_NLRI). Order is kept exactly: a
// run of consecutive operations of one kind with the same attributes becomes one message (or
// several when it does not fit), so a later operation on a prefix always goes out after an
// earlier one. Loc-RIB changes caused by one received UPDATE share attributes and are
// consecutive, which is what makes the runs long.
#pragma once

#include <functional>
#include <vector>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

class UpdatePacker {
 public:
  using Sink = std::function<void(Bytes)>;  // one whole encoded UPDATE
  // An announcement that does not fit in one message of `limit` octets (`octets` with the
  // prefix alone) and was sent as a withdrawal instead.
  using Oversize = std::function<void(wire::AfiSafi family, const Prefix& prefix,
                                      std::size_t octets, std::size_t limit)>;

  // `options` are the session's send options (AS number width, extended messages).
  UpdatePacker(wire::Options options, Sink sink, Oversize oversize = {});

  // `attrs` are export attributes (export_path()): NEXT_HOP for IPv4, MP_REACH_NLRI without
  // NLRI for IPv6. A route whose UPDATE would exceed the message size (4096 octets without the
  // RFC 8654 extended message capability, e.g. after a long AS_PATH prepend) cannot be sent;
  // it is withdrawn instead, so that the neighbor does not keep the path it had before (which
  // we no longer use), and reported to `oversize`.
  void announce(wire::AfiSafi family, const AttrRef& attrs, const Prefix& prefix);
  void withdraw(wire::AfiSafi family, const Prefix& prefix);
  // Sends what is pending.
  void flush();

  std::size_t messages() const { return messages_; }
  // Prefixes that could not be announced: their attributes alone exceed the message size (they
  // are withdrawn instead, see announce()), or an IPv6 route has no next hop.
  std::size_t unsendable() const { return unsendable_; }

 private:
  enum class Kind : std::uint8_t { kNone, kAnnounce, kWithdraw };
  void start(Kind kind, wire::AfiSafi family, const AttrRef& attrs);
  void add(const Prefix& prefix);
  void emit();
  // Sends the withdrawals of announcements that did not fit (oversize_) after the open run.
  void emit_oversize();

  wire::Options options_;
  Sink sink_;
  Oversize oversize_handler_;
  std::size_t max_size_;
  // The open run.
  Kind kind_ = Kind::kNone;
  wire::AfiSafi family_{};
  AttrRef attrs_;
  std::vector<Prefix> prefixes_;
  std::size_t used_ = 0;      // bytes of the prefixes in the run
  std::size_t capacity_ = 0;  // bytes of prefixes one message can carry for this run
  std::size_t base_ = 0;      // bytes of an announcement of this run without prefixes
  Bytes attribute_bytes_;     // IPv4 announcement runs: the encoded path attributes
  // Announcements of the run too long to send: withdrawn when the run is emitted (kept in
  // one list so that a run of them costs one withdrawal message, not a run switch each).
  std::vector<Prefix> oversize_;
  std::size_t messages_ = 0;
  std::size_t unsendable_ = 0;
};

// Bytes of one prefix in the RFC 4271 §4.3 length+prefix form.
inline std::size_t encoded_prefix_size(const Prefix& p) {
  return 1 + (p.length() + 7) / 8;
}

}  // namespace vipd::bgp::rib
