#include "bgp/wire/open_check.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vipd::bgp::wire {

namespace {

Error open_error(std::uint8_t subcode, std::string reason, Bytes data = {}) {
  return make_error(error_code::kOpenMessage, subcode, std::move(reason), std::move(data));
}

bool offers(const Open& open, const Capability& required) {
  if (const auto* mp = std::get_if<MultiprotocolCapability>(&required)) {
    auto fams = open.multiprotocol();
    return std::find(fams.begin(), fams.end(), mp->afi_safi) != fams.end();
  }
  if (std::holds_alternative<RouteRefreshCapability>(required))
    return open.supports_route_refresh();
  return open.has_capability(capability_code_of(required));
}

std::optional<Error> check_peer_as(const Open& r, const OpenExpectations& e) {
  const auto* as4 = r.four_octet_as();
  Bytes data = as4 ? be32_bytes(as4->asn) : be16_bytes(r.my_as);
  std::uint32_t real = r.real_as();
  // RFC 7607 §2: AS 0 must not be used; an OPEN with it is Bad Peer AS.
  if (real == 0 || r.my_as == 0) return open_error(open_subcode::kBadPeerAs, "peer AS 0", data);
  // RFC 6793 §4.1: a mappable 4-octet AS must also be in My AS; AS_TRANS without the
  // capability names no AS at all.
  if (as4 && as4->asn <= 0xffff && as4->asn != r.my_as) {
    return open_error(open_subcode::kBadPeerAs,
                      fmt::format("My AS {} disagrees with 4-octet AS {}", r.my_as, as4->asn),
                      data);
  }
  if (!as4 && r.my_as == kAsTrans) {
    return open_error(open_subcode::kBadPeerAs, "AS_TRANS without the 4-octet AS capability", data);
  }
  // RFC 4271 §6.2: the AS must be the one configured for this peer.
  if (e.remote_as && real != *e.remote_as) {
    return open_error(open_subcode::kBadPeerAs,
                      fmt::format("peer AS {} but {} is configured", real, *e.remote_as), data);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> check_open(const Open& r, const OpenExpectations& e) {
  // RFC 4271 §6.2: version; data = the largest version we support.
  if (r.version != kBgpVersion) {
    return open_error(open_subcode::kUnsupportedVersionNumber,
                      fmt::format("unsupported BGP version {}", r.version), Bytes{0, kBgpVersion});
  }
  if (auto err = check_peer_as(r, e)) return err;
  // RFC 6286 §2.2: 0 is never valid; the same identifier as ours is only a conflict with an
  // internal peer (external peers may share it).
  bool ibgp = r.real_as() == e.local_as;
  if (r.bgp_identifier == 0 || (ibgp && r.bgp_identifier == e.local_bgp_identifier)) {
    return open_error(open_subcode::kBadBgpIdentifier,
                      r.bgp_identifier == 0 ? "BGP identifier 0"
                                            : "BGP identifier equals ours on an iBGP session",
                      be32_bytes(r.bgp_identifier));
  }
  // RFC 4271 §6.2: a hold time of 1 or 2 seconds is unacceptable (0 disables keepalives).
  if (r.hold_time == 1 || r.hold_time == 2) {
    return open_error(open_subcode::kUnacceptableHoldTime,
                      fmt::format("hold time {} s", r.hold_time));
  }
  // RFC 4271 §6.2 / RFC 5492 §4: only the capabilities parameter is supported.
  if (!r.other_parameters.empty()) {
    return open_error(
        open_subcode::kUnsupportedOptionalParameter,
        fmt::format("unsupported optional parameter type {}", r.other_parameters.front().type));
  }
  // RFC 5492 §3: Unsupported Capability lists the capabilities we require but did not get.
  ByteWriter missing;
  std::string names;
  for (const auto& c : e.required_capabilities) {
    if (offers(r, c)) continue;
    encode_capability(missing, c);
    names += fmt::format("{}{}", names.empty() ? "" : ", ", capability_code_of(c));
  }
  if (missing.size() > 0) {
    return open_error(open_subcode::kUnsupportedCapability,
                      "peer lacks required capabilities " + names, missing.take());
  }
  return std::nullopt;
}

Negotiated negotiate(const Open& local, const Open& remote,
                     std::optional<std::uint16_t> configured_keepalive) {
  Negotiated n;
  n.peer_as = remote.real_as();
  n.peer_bgp_identifier = remote.bgp_identifier;
  n.ibgp = n.peer_as == local.real_as();
  n.four_octet_as = local.four_octet_as() && remote.four_octet_as();
  // RFC 4271 §4.2: the smaller hold time; keepalive one third of it (RFC 4271 §10).
  n.hold_time = std::min(local.hold_time, remote.hold_time);
  if (n.hold_time != 0) {
    n.keepalive_time = n.hold_time / 3;
    if (configured_keepalive && *configured_keepalive != 0 &&
        *configured_keepalive < n.keepalive_time) {
      n.keepalive_time = *configured_keepalive;
    }
  }
  // RFC 4760 §8: a speaker without multiprotocol capabilities supports IPv4 unicast only.
  auto families = [](const Open& o) {
    auto f = o.multiprotocol();
    if (f.empty()) f.push_back(kIpv4Unicast);
    return f;
  };
  auto mine = families(local);
  auto theirs = families(remote);
  std::set_intersection(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                        std::back_inserter(n.afi_safis));
  n.route_refresh = remote.supports_route_refresh();
  n.extended_message_receive = local.supports_extended_message();
  n.extended_message_send = remote.supports_extended_message();
  n.extended_message = n.extended_message_receive && n.extended_message_send;
  if (const auto* gr = remote.graceful_restart()) n.peer_graceful_restart = *gr;
  return n;
}

}  // namespace vipd::bgp::wire
