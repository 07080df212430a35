#include "l2/wire/arp.hpp"

#include <algorithm>

namespace vipd::l2::wire {

namespace {

constexpr std::uint16_t kHardwareEthernet = 1;  // RFC 826 ar$hrd

MacAddress read_mac(ByteReader& r) {
  MacAddress mac;
  ByteSpan b = r.bytes(6);
  if (r.ok()) std::copy(b.begin(), b.end(), mac.octets.begin());
  return mac;
}

IpAddress read_ipv4(ByteReader& r) {
  ByteSpan b = r.bytes(4);
  if (!r.ok()) return {};
  return IpAddress::v4({b[0], b[1], b[2], b[3]});
}

}  // namespace

Bytes encode_arp_frame(const ArpFrame& frame) {
  ByteWriter w;
  write_ethernet_header(w, frame.ethernet);
  // RFC 826 packet: hardware type, protocol type, address lengths, opcode, then the addresses.
  w.u16(kHardwareEthernet);
  w.u16(kEtherTypeIpv4);
  w.u8(6);
  w.u8(4);
  w.u16(frame.operation);
  w.bytes(frame.sender_mac.octets);
  w.bytes(ByteSpan(frame.sender_ip.octets().data(), 4));
  w.bytes(frame.target_mac.octets);
  w.bytes(ByteSpan(frame.target_ip.octets().data(), 4));
  return w.take();
}

Bytes build_gratuitous_arp(const MacAddress& source, const IpAddress& vip) {
  ArpFrame frame;
  frame.ethernet = {MacAddress::broadcast(), source, kEtherTypeArp};
  frame.operation = kArpRequest;
  frame.sender_mac = source;
  frame.sender_ip = vip;
  // keepalived fills the target hardware address with the broadcast address; RFC 5227 §2.3
  // says it is ignored (and suggests zero). Receivers do not look at it.
  frame.target_mac = MacAddress::broadcast();
  frame.target_ip = vip;
  return encode_arp_frame(frame);
}

Bytes build_arp_reply(const ArpFrame& request, const MacAddress& our_mac) {
  ArpFrame reply;
  // RFC 826: "swap hardware and protocol fields, putting the local hardware and protocol
  // addresses in the sender fields", and send to the requester's hardware address. The
  // Ethernet destination is the ARP sender hardware address, as Linux's arp_process() does
  // (not the frame's Ethernet source, which a bridge or proxy may have rewritten).
  reply.ethernet = {request.sender_mac, our_mac, kEtherTypeArp};
  reply.operation = kArpReply;
  reply.sender_mac = our_mac;
  reply.sender_ip = request.target_ip;
  reply.target_mac = request.sender_mac;
  // RFC 5227 §2.1.1: a probe's sender IP is 0.0.0.0; the reply names it as it came.
  reply.target_ip = request.sender_ip;
  return encode_arp_frame(reply);
}

Result<ArpFrame, FrameError> parse_arp_frame(ByteSpan data) {
  ByteReader r(data);
  ArpFrame frame;
  frame.ethernet = read_ethernet_header(r);
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  if (frame.ethernet.ether_type != kEtherTypeArp) return unexpected(FrameError::kWrongEtherType);
  const std::uint16_t hardware = r.u16();
  const std::uint16_t protocol = r.u16();
  const std::uint8_t hardware_length = r.u8();
  const std::uint8_t protocol_length = r.u8();
  frame.operation = r.u16();
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  if (hardware != kHardwareEthernet || protocol != kEtherTypeIpv4 || hardware_length != 6 ||
      protocol_length != 4) {
    return unexpected(FrameError::kBadArpHeader);
  }
  frame.sender_mac = read_mac(r);
  frame.sender_ip = read_ipv4(r);
  frame.target_mac = read_mac(r);
  frame.target_ip = read_ipv4(r);
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  return frame;
}

}  // namespace vipd::l2::wire
