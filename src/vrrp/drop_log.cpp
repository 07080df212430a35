// keepalived 2.2.7's log lines for the packets it discards (vrrp.c vrrp_check_packet()), filled
// with what the dropped packet says. Causes keepalived has no line for (its socket filter or the
// kernel never hands it such packets) get a line in the same style.
#include <fmt/format.h>

#include <algorithm>

#include "vrrp/instance.hpp"
#include "vrrp/wire/ipv4.hpp"

namespace vipd::vrrp {

namespace {

// What could be read of a packet that failed a check: the IP fields and the VRRP message.
struct PacketView {
  std::optional<wire::Ipv4Header> ip;
  ByteSpan message;
  std::uint8_t ttl = 0;
  IpAddress source;

  std::uint8_t at(std::size_t i) const { return i < message.size() ? message[i] : 0; }
  unsigned version() const { return at(0) >> 4; }
  unsigned type() const { return at(0) & 0x0f; }
};

PacketView view_of(const ReceivedPacket& packet) {
  PacketView v;
  if (packet.family == Family::kIpv6) {
    v.message = packet.data;
    v.ttl = packet.hop_limit;
    v.source = packet.source;
    return v;
  }
  v.message = packet.data;
  if (auto parsed = wire::parse_ipv4_packet(packet.data)) {
    v.ip = parsed->header;
    v.message = parsed->payload;
    v.ttl = parsed->header.ttl;
    v.source = parsed->header.source;
  } else if (packet.data.size() >= wire::kIpv4MinHeaderSize) {
    // Enough for the TTL and source even when another header check failed.
    v.ttl = packet.data[8];
    v.source = IpAddress::v4({packet.data[12], packet.data[13], packet.data[14], packet.data[15]});
    const std::size_t ihl = (packet.data[0] & 0x0f) * 4u;
    if (ihl >= wire::kIpv4MinHeaderSize && ihl <= packet.data.size())
      v.message = ByteSpan(packet.data).subspan(ihl);
  }
  return v;
}

// Addresses listed in a VRRP message of `family` (as far as the message holds them).
std::vector<IpAddress> listed_addresses(const PacketView& v, Family family) {
  std::vector<IpAddress> out;
  const std::size_t size = family == Family::kIpv4 ? 4 : 16;
  const std::size_t count = v.at(3);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t offset = wire::kHeaderSize + i * size;
    if (offset + size > v.message.size()) break;
    if (family == Family::kIpv4) {
      out.push_back(IpAddress::v4({v.message[offset], v.message[offset + 1], v.message[offset + 2],
                                   v.message[offset + 3]}));
    } else {
      std::array<std::uint8_t, 16> octets{};
      std::copy_n(v.message.begin() + static_cast<std::ptrdiff_t>(offset), 16, octets.begin());
      out.push_back(IpAddress::v6(octets));
    }
  }
  return out;
}

std::string address_list_line(const config::VrrpInstance& instance, const PacketView& v,
                              const wire::Expectations& expect) {
  const auto& ours = expect.addresses ? *expect.addresses : std::vector<IpAddress>{};
  if (v.at(3) != ours.size())
    return fmt::format("({}) received an unexpected ip number count {}, expected {}!",
                       instance.name, v.at(3), ours.size());
  const auto theirs = listed_addresses(v, instance.family);
  for (const IpAddress& vip : ours) {
    if (std::find(theirs.begin(), theirs.end(), vip) == theirs.end())
      return fmt::format("({}) ip address associated with VRID {} not present in MASTER advert: {}",
                         instance.name, instance.virtual_router_id, vip.to_string());
  }
  return fmt::format("({}) one or more VIP associated with VRID mismatch actual MASTER advert",
                     instance.name);
}

std::string length_line(const config::VrrpInstance& instance, const PacketView& v) {
  const std::size_t expected = wire::advert_size(
      v.version() == 2 ? wire::Version::kV2 : wire::Version::kV3, instance.family, v.at(3));
  return fmt::format("({}) vrrp packet too {}, length {} and expect {}", instance.name,
                     v.message.size() > expected ? "long" : "short", v.message.size(), expected);
}

}  // namespace

std::string drop_log_line(const config::VrrpInstance& instance, const std::string& interface,
                          wire::DropCause cause, const ReceivedPacket& packet,
                          const wire::Expectations& expect) {
  const PacketView v = view_of(packet);
  const std::string& n = instance.name;
  using wire::DropCause;
  switch (cause) {
    case DropCause::kTruncated:
      return fmt::format("{} VRRP packet too short - {} bytes",
                         packet.family == Family::kIpv4 ? "IPv4" : "IPv6", packet.data.size());
    case DropCause::kBadIpHeader:
      return fmt::format("({}) invalid IPv4 header from {} - discarding", n, v.source.to_string());
    case DropCause::kIpLengthMismatch:
      return fmt::format(
          "({}) ip_tot_len mismatch against received length. {} and received {}", n,
          v.ip ? v.ip->total_length
               : (packet.data.size() >= 4 ? (packet.data[2] << 8 | packet.data[3]) : 0),
          packet.data.size());
    case DropCause::kNotVrrp:
      return fmt::format("({}) ip protocol {} is not VRRP - discarding", n,
                         v.ip ? v.ip->protocol : 0);
    case DropCause::kBadTtl:
      return fmt::format("({}) invalid TTL/HL. Received {} and expect 255", n, v.ttl);
    case DropCause::kBadVersion:
      return fmt::format("({}) wrong version. Received {} and expect {}", n, v.version(),
                         instance.version);
    case DropCause::kBadType:
      return fmt::format("({}) Invalid packet type. {} and expect 1", n, v.type());
    case DropCause::kAddressCountMismatch:
      return length_line(instance, v);
    case DropCause::kBadChecksum:
      return fmt::format("({}) Invalid VRRPv{} checksum", n, v.version());
    case DropCause::kVridMismatch:
      return fmt::format("Unknown VRID({}) received on interface({}). ignoring...", v.at(1),
                         interface);
    case DropCause::kInvalidAuthType:
      return fmt::format("({}) Invalid auth type: {}", n, v.at(4));
    case DropCause::kAuthTypeMismatch:
      if (v.ip && v.ip->protocol == 51)
        return fmt::format("({}) Received AH header but auth type not AH", n);
      return fmt::format("({}) received a {} auth, expecting {}!", n, v.at(4), expect.auth_type);
    case DropCause::kBadAuth:
      return fmt::format("({}) received an invalid passwd!", n);
    case DropCause::kAdvertIntervalMismatch:
      return fmt::format("({}) advertisement interval mismatch mine={} sec rcv'd={} sec", n,
                         expect.advert_interval_s, v.at(5));
    case DropCause::kBadAdvertInterval:
      return fmt::format("({}) advertisement interval 0 from {} - discarding", n,
                         v.source.to_string());
    case DropCause::kAddressListMismatch:
      return address_list_line(instance, v, expect);
  }
  return fmt::format("({}) bogus VRRP packet received on {}", n, interface);
}

}  // namespace vipd::vrrp
