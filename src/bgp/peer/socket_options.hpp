// Socket options BGP sessions need beyond plain TCP.
#pragma once

#include <asio/ip/tcp.hpp>

#include <string_view>
#include <system_error>

#include "common/ip.hpp"

namespace vipd::bgp::peer {

asio::ip::address to_asio(const IpAddress& a);
IpAddress from_asio(const asio::ip::address& a);

// RFC 2385: sign every segment to/from `peer` with `key` (empty key removes it). On a listening
// socket this must be set per peer before the peer connects. Keys are at most 80 octets
// (TCP_MD5SIG_MAXKEYLEN).
std::error_code set_tcp_md5(int fd, const IpAddress& peer, std::string_view key);

// IP TTL / IPv6 hop limit for outgoing packets: 1 for directly connected eBGP peers (as FRR
// and quagga do), the multihop value otherwise.
std::error_code set_ttl(int fd, const IpAddress& peer, int ttl);

// DSCP CS6 (internetwork control), as BGP implementations conventionally mark sessions.
std::error_code set_traffic_class(int fd, const IpAddress& peer);

}  // namespace vipd::bgp::peer
