// libFuzzer target for the L2 mode's receive path (src/l2/wire): every input is handed, as an
// Ethernet frame, to each L2 parser (ARP, Neighbor Solicitation, Neighbor Advertisement) and to
// answer(), once owning every address and once owning none. Checks:
//   - what a parser accepts round-trips: parse -> encode -> parse gives the same value (and
//     ARP, whose encoding is fixed, gives the input's first 42 octets back);
//   - the reply builders' output parses and says what was asked;
//   - answer() answers nothing when it owns nothing, nothing that no parser accepted, and what
//     it answers is a valid ARP reply or solicited/DAD NA from our MAC to a station.
#include <cstdint>
#include <cstdlib>

#include "l2/wire/answer.hpp"
#include "l2/wire/arp.hpp"
#include "l2/wire/ndp.hpp"

using namespace vipd;
using namespace vipd::l2::wire;

namespace {

const MacAddress kOurMac{{0x02, 0, 0, 0, 0, 0x01}};

void check(bool condition) {
  if (!condition) std::abort();
}

bool fuzz_arp(ByteSpan data) {
  auto frame = parse_arp_frame(data);
  if (!frame) return false;
  const Bytes encoded = encode_arp_frame(*frame);
  check(encoded.size() == kArpFrameSize);
  check(std::equal(encoded.begin(), encoded.end(), data.begin()));
  auto reply = parse_arp_frame(build_arp_reply(*frame, kOurMac));
  check(reply.ok());
  check(reply->operation == kArpReply && reply->sender_mac == kOurMac);
  check(reply->sender_ip == frame->target_ip && reply->target_ip == frame->sender_ip);
  check(reply->ethernet.destination == frame->sender_mac);
  return frame->operation == kArpRequest;
}

bool fuzz_neighbor_solicit(ByteSpan data) {
  auto solicit = parse_neighbor_solicit_frame(data);
  if (!solicit) return false;
  auto back = parse_neighbor_solicit_frame(encode_neighbor_solicit(*solicit));
  check(back.ok() && *back == *solicit);
  const Bytes advert = build_solicited_neighbor_advert(*solicit, kOurMac);
  auto na = parse_neighbor_advert_frame(advert);
  // A solicitation from a multicast source would make a solicited NA to a group, which the NA
  // parser rightly rejects; answer() does not send that one.
  if (is_ipv6_multicast(solicit->source)) {
    check(!na.ok() && na.error() == FrameError::kSolicitedToMulticast);
    return true;
  }
  check(na.ok());
  check(na->target == solicit->target && na->target_link_layer == kOurMac && na->override);
  check(na->solicited == !solicit->is_dad());
  return true;
}

void fuzz_neighbor_advert(ByteSpan data) {
  auto advert = parse_neighbor_advert_frame(data);
  if (!advert) return;
  auto back = parse_neighbor_advert_frame(encode_neighbor_advert(*advert));
  check(back.ok() && *back == *advert);
}

void check_answer(const Bytes& reply) {
  if (reply.size() >= kEthernetHeaderSize && reply[12] == 0x08 && reply[13] == 0x06) {
    auto arp = parse_arp_frame(reply);
    check(arp.ok() && arp->operation == kArpReply && arp->sender_mac == kOurMac);
    check(arp->ethernet.source == kOurMac && !arp->ethernet.destination.is_multicast());
    check(!arp->is_gratuitous());
    return;
  }
  auto na = parse_neighbor_advert_frame(reply);
  check(na.ok());
  check(na->ethernet.source == kOurMac && na->target_link_layer == kOurMac);
  check(na->source == na->target && na->override);
  // Solicited to a station, or a DAD defence to all nodes.
  check(na->solicited == !na->ethernet.destination.is_multicast());
  check(na->ethernet.destination != kOurMac);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan frame(data, size);
  const bool arp_request = fuzz_arp(frame);
  const bool solicit = fuzz_neighbor_solicit(frame);
  fuzz_neighbor_advert(frame);

  auto owned = answer(frame, kOurMac, [](const IpAddress&) { return true; });
  if (owned) {
    check(arp_request || solicit);
    check_answer(*owned);
  }
  check(!answer(frame, kOurMac, [](const IpAddress&) { return false; }));
  return 0;
}
