// BFD Control packets as FRR bfdd (8.4, Debian 12) and BIRD 2 send them, written from the
// RFC 5880 §4.1 layout with each daemon's defaults:
//  - FRR: 3 x 300 ms, 1 s slow rate while not Up (§6.8.3), Required Min Echo RX 50 ms
//    (`echo receive-interval` default), random 32-bit discriminators.
//  - BIRD: `multiplier 5`, `min rx interval 10 ms`, `min tx interval 100 ms`, `idle tx interval
//    1 s`, no echo (Required Min Echo RX 0).
// The keyed MD5/SHA1 digests were computed independently (Python hashlib) over the packet with
// the zero-padded key in the digest field (§6.7.3, §6.7.4).
#pragma once

namespace vipd::bfd::wire::fixtures {

// FRR, first packet: Down, your discriminator 0, 1 s / 300 ms / 50 ms.
inline constexpr const char* kFrrDown =
    "20 40 03 18  5a1c0d01  00000000  000f4240  000493e0  0000c350";
// FRR after the three-way handshake: Up with Poll announcing 300 ms (§6.8.3 leaving slow rate).
inline constexpr const char* kFrrUpPoll =
    "20 e0 03 18  5a1c0d01  0000b1d2  000493e0  000493e0  0000c350";
// FRR `shutdown`: AdminDown, diag 7 (administratively down).
inline constexpr const char* kFrrAdminDown =
    "27 00 03 18  5a1c0d01  0000b1d2  000f4240  000493e0  0000c350";
// FRR after a detection timeout: Down, diag 1, discriminator of the peer forgotten.
inline constexpr const char* kFrrDownDetectExpired =
    "21 40 03 18  5a1c0d01  00000000  000f4240  000493e0  0000c350";
// BIRD answering our Down: Init, 5 x, idle tx 1 s, rx 10 ms, no echo.
inline constexpr const char* kBirdInit =
    "20 80 05 18  0000b1d2  5a1c0d01  000f4240  00002710  00000000";
// BIRD answering a Poll once Up: Final, tx 100 ms.
inline constexpr const char* kBirdUpFinal =
    "20 d0 05 18  0000b1d2  5a1c0d01  000186a0  00002710  00000000";
// Simple password "secret", key id 1 (§4.2): Auth Len 3 + 6 = 9, Length 33.
inline constexpr const char* kSimplePassword =
    "20 44 03 21  5a1c0d01  00000000  000f4240  000493e0  0000c350  01 09 01 736563726574";
// Keyed MD5 (§4.3), key "vipd-md5-key", key id 1, sequence 7, Up.
inline constexpr const char* kKeyedMd5 =
    "20c403305a1c0d010000b1d2000493e0000493e00000c350021801000000000705a29293618bde77d21b0ec82db0a8"
    "01";
// Meticulous keyed MD5, sequence 0x1001.
inline constexpr const char* kMeticulousMd5 =
    "20c403305a1c0d010000b1d2000493e0000493e00000c3500318010000001001c56b486a455f1091d09745942c7661"
    "67";
// Keyed SHA1 (§4.4), key "vipd-sha1-key", key id 1, sequence 7.
inline constexpr const char* kKeyedSha1 =
    "20c403345a1c0d010000b1d2000493e0000493e00000c350041c01000000000785106d196fc87e9e4de2651194fb7e"
    "527a82d3d3";
// Meticulous keyed SHA1, sequence 0x2002.
inline constexpr const char* kMeticulousSha1 =
    "20c403345a1c0d010000b1d2000493e0000493e00000c350051c010000002002582a784beb7a79a891a3e0c5d16b64"
    "8f3d759dbb";

}  // namespace vipd::bfd::wire::fixtures
