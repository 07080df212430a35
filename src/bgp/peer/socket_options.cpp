#include "bgp/peer/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

namespace vipd::bgp::peer {

asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) return asio::ip::address_v4(a.v4_host_order());
  asio::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), a.octets().data(), 16);
  return asio::ip::address_v6(bytes);
}

IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  auto v6 = a.to_v6();
  // A v4 peer reaching a dual-stack socket appears as ::ffff:a.b.c.d.
  if (v6.is_v4_mapped())
    return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  std::array<std::uint8_t, 16> bytes;
  auto b = v6.to_bytes();
  std::memcpy(bytes.data(), b.data(), 16);
  return IpAddress::v6(bytes);
}

namespace {
std::error_code last_error() {
  return {errno, std::system_category()};
}
}  // namespace

std::error_code set_tcp_md5(int fd, const IpAddress& peer, std::string_view key) {
  if (key.size() > TCP_MD5SIG_MAXKEYLEN) return std::make_error_code(std::errc::invalid_argument);
  tcp_md5sig sig{};
  if (peer.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, peer.octets().data(), 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, peer.octets().data(), 16);
  }
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) return last_error();
  return {};
}

std::error_code set_ttl(int fd, const IpAddress& peer, int ttl) {
  int rc = peer.is_v4() ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)
                        : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
  return rc == 0 ? std::error_code{} : last_error();
}

std::error_code set_traffic_class(int fd, const IpAddress& peer) {
  int tos = 0xc0;  // CS6
  int rc = peer.is_v4() ? setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos)
                        : setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
  return rc == 0 ? std::error_code{} : last_error();
}

}  // namespace vipd::bgp::peer
