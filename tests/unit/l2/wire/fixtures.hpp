// Frames captured from Linux 6.18 (iputils ping and arping 20221126) by capture_fixtures.sh in
// this directory: two network namespaces joined by a veth pair, the owner's o0 with MAC
// 02:00:00:00:00:01 and 10.77.0.1/24, fd00:77::1/64, fd00:77::5/64; the client's c0 with
// 02:00:00:00:00:02 and 10.77.0.2/24, fd00:77::2/64; `tcpdump -i o0 -w` in the owner namespace,
// printed with `tcpdump -r FILE -xx`. The "linux" replies are what the owner's kernel sent: the
// L2 mode's answers are compared with them.
#pragma once

#include <algorithm>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "l2/wire/checksum.hpp"
#include "l2/wire/frame.hpp"
#include "l2/wire/mac.hpp"
#include "l2/wire/ndp.hpp"

namespace vipd::l2::wire::fixtures {

// The MACs of the two namespaces the frames below were captured in.
inline constexpr MacAddress kOwner{{0x02, 0, 0, 0, 0, 0x01}};
inline constexpr MacAddress kClient{{0x02, 0, 0, 0, 0, 0x02}};
// Where the ICMPv6 message starts in an Ethernet/IPv6 frame without extension headers.
inline constexpr std::size_t kIcmp = kEthernetHeaderSize + kIpv6HeaderSize;

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

// Recomputes the ICMPv6 checksum of an Ethernet/IPv6/ICMPv6 frame after a test changed it, so
// that the parser reaches the check the test is about (IPv6 payload length as the frame says).
inline void refresh_icmpv6_checksum(Bytes& frame) {
  constexpr std::size_t ip = kEthernetHeaderSize;
  constexpr std::size_t icmp = ip + 40;
  const std::size_t length = static_cast<std::size_t>(frame[ip + 4] << 8 | frame[ip + 5]);
  std::array<std::uint8_t, 16> source{}, destination{};
  std::copy_n(frame.begin() + ip + 8, 16, source.begin());
  std::copy_n(frame.begin() + ip + 24, 16, destination.begin());
  frame[icmp + 2] = 0;
  frame[icmp + 3] = 0;
  InternetChecksum sum;
  sum.add_pseudo_header(IpAddress::v6(source), IpAddress::v6(destination), 58,
                        static_cast<std::uint32_t>(length));
  sum.add(ByteSpan(frame).subspan(icmp, length));
  const std::uint16_t checksum = sum.finish();
  frame[icmp + 2] = static_cast<std::uint8_t>(checksum >> 8);
  frame[icmp + 3] = static_cast<std::uint8_t>(checksum);
}

// `ping -c1 10.77.0.1` from the client: its kernel's ARP request, and the owner kernel's reply.
constexpr const char* kArpRequest =
    "ffffffffffff 020000000002 0806"  // Ethernet: broadcast, from the client, ARP
    "0001 0800 06 04 0001"            // Ethernet/IPv4, request
    "020000000002 0a4d0002"           // sender: the client's MAC and 10.77.0.2
    "000000000000 0a4d0001";          // target: unknown MAC, 10.77.0.1
constexpr const char* kLinuxArpReply =
    "020000000002 020000000001 0806"  // unicast to the requester
    "0001 0800 06 04 0002"            // reply
    "020000000001 0a4d0001"           // sender: the owner's MAC, the address asked for
    "020000000002 0a4d0002";          // target: the requester

// `arping -D -c1 -I c0 10.77.0.1`: an RFC 5227 probe (sender IP 0.0.0.0), and the reply.
constexpr const char* kArpProbe =
    "ffffffffffff 020000000002 0806 0001 0800 06 04 0001"
    "020000000002 00000000 ffffffffffff 0a4d0001";
constexpr const char* kLinuxArpProbeReply =
    "020000000002 020000000001 0806 0001 0800 06 04 0002"
    "020000000001 0a4d0001 020000000002 00000000";  // target IP 0.0.0.0, as the probe had it

// `arping -U -s 10.77.0.2 10.77.0.2`: an RFC 5227 §3 announcement (a gratuitous request).
constexpr const char* kArpAnnouncement =
    "ffffffffffff 020000000002 0806 0001 0800 06 04 0001"
    "020000000002 0a4d0002 ffffffffffff 0a4d0002";
// `arping -A -s 10.77.0.2 10.77.0.2`: a gratuitous reply, broadcast.
constexpr const char* kArpGratuitousReply =
    "ffffffffffff 020000000002 0806 0001 0800 06 04 0002"
    "020000000002 0a4d0002 020000000002 0a4d0002";

// `ping -6 -c1 fd00:77::1`: address resolution, a multicast NS to ff02::1:ff00:1 with a Source
// Link-Layer Address option, and the owner kernel's solicited NA (S and O, Target Link-Layer
// Address option).
constexpr const char* kNsMulticast =
    "3333ff000001 020000000002 86dd"                        // to the solicited-node group
    "60000000 0020 3a ff"                                   // 32 octets of ICMPv6, hop limit 255
    "fd000077000000000000000000000002"                      // source fd00:77::2
    "ff0200000000000000000001ff000001"                      // destination ff02::1:ff00:1
    "87 00 7ca9 00000000 fd000077000000000000000000000001"  // NS, target fd00:77::1
    "01 01 020000000002";                                   // Source Link-Layer Address
constexpr const char* kLinuxNaToMulticastNs =
    "020000000002 020000000001 86dd 60000000 0020 3a ff"
    "fd000077000000000000000000000001 fd000077000000000000000000000002"
    "88 00 1b37 60000000 fd000077000000000000000000000001"  // NA, S | O
    "02 01 020000000001";                                   // Target Link-Layer Address

// The same entry made STALE (`ip neigh replace ... nud stale`) and used again: the client's
// unreachability probe (RFC 4861 §7.3.3), a unicast NS from its link-local address, and the
// owner kernel's answer, which leaves out the option and so clears O (RFC 4861 §7.2.4).
constexpr const char* kNsUnicast =
    "020000000001 020000000002 86dd 60000000 0020 3a ff"
    "fe80 0000 0000 0000 0000 00ff fe00 0002"  // fe80::ff:fe00:2
    "fd000077000000000000000000000001"         // to the target itself
    "87 00 7d2d 00000000 fd000077000000000000000000000001 01 01 020000000002";
constexpr const char* kLinuxNaToUnicastNs =
    "020000000002 020000000001 86dd 60000000 0018 3a ff"
    "fd000077000000000000000000000001 fe80 0000 0000 0000 0000 00ff fe00 0002"
    "88 00 3f38 40000000 fd000077000000000000000000000001";  // S only, no option

// `ip -6 addr add fd00:77::5/64 dev c0` while the owner has that address: the client's DAD NS
// (RFC 4862 §5.4.2, from ::, with an RFC 7527 nonce option of type 14) and the owner kernel's
// defence, an NA to all nodes with O and without S.
constexpr const char* kNsDad =
    "3333ff000005 020000000002 86dd 60000000 0020 3a ff"
    "00000000000000000000000000000000 ff0200000000000000000001ff000005"
    "87 00 9788 00000000 fd000077000000000000000000000005"
    "0e 01 44596464 2ed7";  // Nonce
constexpr const char* kLinuxNaToDadNs =
    "333300000001 020000000001 86dd 60000000 0020 3a ff"
    "fd000077000000000000000000000005 ff020000000000000000000000000001"
    "88 00 59a5 20000000 fd000077000000000000000000000005 02 01 020000000001";

}  // namespace vipd::l2::wire::fixtures
