// libFuzzer target for the VRRP receive path. The first octet picks what the rest is:
//   bits 0-1: 0 = a VRRP message (decode_advert), 1 = an IPv4 packet (receive_ipv4),
//             2 = an Ethernet ARP frame, 3 = an Ethernet IPv6 Neighbor Advertisement;
//   bit 2: IPv6 pseudo-header (VRRP message only); bit 3: v3 checksum without pseudo-header.
// Every accepted input must round-trip: decode -> encode -> decode gives the same value, and
// encoding that value again gives the same octets.
#include <cstdint>
#include <cstdlib>

#include "l2/wire/arp.hpp"
#include "l2/wire/ndp.hpp"
#include "vrrp/wire/advert.hpp"
#include "vrrp/wire/ipv4.hpp"
#include "vrrp/wire/validate.hpp"

using namespace vipd;
using namespace vipd::vrrp::wire;

namespace {

const PseudoHeader kV4{*IpAddress::parse("192.168.5.2"), *IpAddress::parse("224.0.0.18")};
const PseudoHeader kV6{*IpAddress::parse("fe80::ff:fe00:2"), *IpAddress::parse("ff02::12")};

void check_advert_round_trip(const Advert& advert, const PseudoHeader& pseudo, ChecksumMode mode) {
  const Bytes encoded = encode_advert(advert, pseudo, mode);
  auto back = decode_advert(encoded, pseudo, mode);
  if (!back || !(*back == advert)) std::abort();
  if (encode_advert(*back, pseudo, mode) != encoded) std::abort();
}

void fuzz_message(ByteSpan data, bool ipv6, ChecksumMode mode) {
  const PseudoHeader& pseudo = ipv6 ? kV6 : kV4;
  auto advert = decode_advert(data, pseudo, mode);
  if (!advert) return;
  if (advert->family != pseudo.source.family()) std::abort();
  if (advert->addresses.size() > kMaxAddresses) std::abort();
  check_advert_round_trip(*advert, pseudo, mode);
  Expectations expect;
  expect.vrid = advert->vrid;
  expect.version = advert->version;
  expect.auth_type = advert->auth_type;
  expect.auth_data = advert->auth_data;
  expect.advert_interval_s = advert->advert_interval_s;
  expect.addresses = advert->addresses;
  auto cause = validate_advert(*advert, expect);
  // Only range checks can still fail when the expectations mirror the advert.
  if (cause && *cause != DropCause::kInvalidAuthType && *cause != DropCause::kBadAdvertInterval) {
    std::abort();
  }
}

void fuzz_ipv4(ByteSpan data, ChecksumMode mode) {
  auto packet = parse_ipv4_packet(data);
  if (packet) {
    if (packet->header.total_length != data.size()) std::abort();
    if (packet->payload.size() + packet->header.header_length != data.size()) std::abort();
    Ipv4Header h = packet->header;
    auto rebuilt = parse_ipv4_packet(build_ipv4_packet(h, packet->payload));
    h.header_length = kIpv4MinHeaderSize;  // options are not rebuilt
    h.total_length = static_cast<std::uint16_t>(kIpv4MinHeaderSize + packet->payload.size());
    if (!rebuilt || !(rebuilt->header == h)) std::abort();
  }
  Expectations expect;
  expect.vrid = data.size() > 21 ? data[21] : 0;
  expect.checksum_mode = mode;
  auto received = receive_ipv4(data, expect);
  if (received) {
    if (received->ttl != kVrrpTtl || received->advert.vrid != expect.vrid) std::abort();
    check_advert_round_trip(received->advert, {received->source, received->destination}, mode);
  }
}

void fuzz_arp(ByteSpan data) {
  auto frame = l2::wire::parse_arp_frame(data);
  if (!frame) return;
  const Bytes encoded = l2::wire::encode_arp_frame(*frame);
  if (encoded.size() != l2::wire::kArpFrameSize) std::abort();
  if (!std::equal(encoded.begin(), encoded.end(), data.begin())) std::abort();
}

void fuzz_neighbor_advert(ByteSpan data) {
  auto advert = l2::wire::parse_neighbor_advert_frame(data);
  if (!advert) return;
  const Bytes encoded = l2::wire::encode_neighbor_advert(*advert);
  auto back = l2::wire::parse_neighbor_advert_frame(encoded);
  if (!back || !(*back == *advert)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const ByteSpan rest(data + 1, size - 1);
  const ChecksumMode mode =
      (selector & 0x08) ? ChecksumMode::kV3WithoutPseudoHeader : ChecksumMode::kStandard;
  switch (selector & 0x03) {
    case 0:
      fuzz_message(rest, (selector & 0x04) != 0, mode);
      break;
    case 1:
      fuzz_ipv4(rest, mode);
      break;
    case 2:
      fuzz_arp(rest);
      break;
    default:
      fuzz_neighbor_advert(rest);
      break;
  }
  return 0;
}
