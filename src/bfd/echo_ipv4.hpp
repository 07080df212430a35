// The IPv4 Echo packet as it travels (RFC 5881 §4, FRR bfdd's ptm_bfd_echo_fp_snd and
// bfd_recv_ipv4_fp): an IPv4 + UDP datagram from our own address to our own address, ports 3785,
// TTL 255, handed to the peer's link-layer address. The peer's kernel forwards it back to us
// (TTL 254) without its BFD daemon seeing it, so it tests the peer's forwarding plane (§6.4).
// The kernel cannot send such a datagram through a UDP socket (it would deliver it locally) nor
// receive it (a source address of our own is a martian), so it goes through a packet socket and
// these pure functions build and parse the IP and UDP headers.
#pragma once

#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::bfd {

// The RFC 1071 Internet checksum of `data` (with `initial` as a partial sum).
std::uint16_t internet_checksum(ByteSpan data, std::uint32_t initial = 0);

// IPv4 header (DSCP CS6 as RFC 5881 §4 asks for Control packets, TTL 255, checksummed) + UDP
// header (`port` both ways, checksummed) + `payload`, from and to `self`.
Bytes build_ipv4_echo(const IpAddress& self, std::uint16_t port, std::uint16_t id,
                      ByteSpan payload);

struct ParsedIpv4Echo {
  IpAddress source;
  IpAddress destination;
  std::uint8_t ttl = 0;
  Bytes payload;  // the UDP payload
};
// An IPv4 datagram to UDP port `port`, unfragmented, with a valid header checksum; nullopt for
// anything else.
std::optional<ParsedIpv4Echo> parse_ipv4_echo(ByteSpan datagram, std::uint16_t port);

}  // namespace vipd::bfd
