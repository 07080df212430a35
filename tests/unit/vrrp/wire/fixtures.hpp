// Packets captured from keepalived 2.2.7 (Debian 12) in a private network namespace with
// `tcpdump -w` (docs/vrrp.md, "Fixtures"): the sender is 192.168.5.2 / fe80::ff:fe00:2, the VIP
// 192.168.5.1/16 (the seed's keepalived.conf) unless noted. IPv4 fixtures are whole IP packets
// (what a raw socket delivers); IPv6 ones are the VRRP message only (the same).
#pragma once

namespace vipd::vrrp::wire::fixtures {

// The seed config at priority 100: VRRPv2, VRID 51, auth PASS "1111", advert_int 1.
inline constexpr const char* kV2Pass =
    "45c00028 0001 0000 ff 70 14e8 c0a80502 e0000012"  // IPv4: TOS c0, TTL 255, proto 112
    "21 33 64 01 01 01 51be"                           // v2 advert, VRID 51, prio 100, 1 addr
    "c0a80501"                                         // 192.168.5.1
    "3131313100000000";                                // "1111" zero padded
// The same instance on SIGTERM: priority 0 (RFC 3768 §6.4.3 "Shutdown").
inline constexpr const char* kV2PassShutdown =
    "45c00028 0004 0000 ff 70 14e5 c0a80502 e0000012"
    "21 33 00 01 01 01 b5be c0a80501 3131313100000000";
// The seed's backup (192.168.5.5, priority 10) as master in the two-router drill.
inline constexpr const char* kV2PassPriority10 =
    "45c00028 0001 0000 ff 70 14e5 c0a80505 e0000012"
    "21 33 0a 01 01 01 abbe c0a80501 3131313100000000";
// `state MASTER`, priority 255, VRID 7, advert_int 2, no authentication, two VIPs.
inline constexpr const char* kV2NoAuthTwoVips =
    "45c0002c 0001 0000 ff 70 14e4 c0a80502 e0000012"
    "21 07 ff 02 00 02 5497 c0a80501 c0a8050a 0000000000000000";
// auth_pass "secret-password": keepalived truncates to "secret-p".
inline constexpr const char* kV2LongPassword =
    "45c00028 0001 0000 ff 70 14e8 c0a80502 e0000012"
    "21 33 c8 01 01 01 e663 c0a80501 7365637265742d70";
// vrrp_version 3, VRID 52, priority 150, advert_int 0.05 (5 centiseconds); the checksum
// includes the IPv4 pseudo-header.
inline constexpr const char* kV3Ipv4 =
    "45c00020 0001 0000 ff 70 14f0 c0a80502 e0000012"
    "31 34 96 01 0005 cce1 c0a80501";
// vrrp_version 3 over IPv6, VRID 53, priority 255, advert_int 1, VIPs fe80::1 and
// 2001:db8:5::1, from fe80::ff:fe00:2 to ff02::12.
inline constexpr const char* kV3Ipv6 =
    "31 35 ff 02 0064 a5f2 fe800000000000000000000000000001 20010db8000500000000000000000001";
inline constexpr const char* kV3Ipv6Shutdown =
    "31 35 00 02 0064 a4f3 fe800000000000000000000000000001 20010db8000500000000000000000001";

}  // namespace vipd::vrrp::wire::fixtures
