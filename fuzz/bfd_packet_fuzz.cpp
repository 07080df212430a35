// libFuzzer target for the BFD receive path: the input is one UDP payload. Every accepted packet
// must round-trip (decode -> encode -> decode gives the same value, and encoding that value gives
// the packet's octets back, the reserved octet of a digest section and an over-long Length
// without the A bit aside), its
// authentication must be checkable against keys of every type, and the session FSM must take it
// in any state, with echo on. The same input is also tried as an Echo packet (FRR's layout) and
// as the IPv4 datagram an echo comes back in.
#include <cstdint>
#include <cstdlib>

#include "bfd/echo_ipv4.hpp"
#include "bfd/fsm/fsm.hpp"
#include "bfd/wire/auth.hpp"
#include "bfd/wire/echo.hpp"
#include "bfd/wire/packet.hpp"

using namespace vipd;
using namespace vipd::bfd;

namespace {

void check_round_trip(wire::ControlPacket const& packet, ByteSpan datagram) {
  const Bytes encoded = wire::encode(packet);
  if (encoded.size() != packet.size()) std::abort();
  // With the A bit clear a Length above 24 is accepted and what follows the mandatory section
  // ignored (§6.8.6 only sets minimums); with it set the section ends exactly at Length.
  if (packet.auth && encoded[3] != datagram[3]) std::abort();
  auto back = wire::decode(encoded);
  if (!back || !(*back == packet)) std::abort();
  if (wire::encode(*back) != encoded) std::abort();
  // Only the reserved octet of a digest section (§4.3/§4.4: ignored on receipt) may differ.
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const bool reserved = (packet.auth && packet.auth->type != wire::AuthType::kSimplePassword &&
                           i == wire::kMandatorySize + 3) ||
                          (!packet.auth && i == 3);
    if (!reserved && encoded[i] != datagram[i]) std::abort();
  }
}

void check_auth(wire::ControlPacket const& packet, ByteSpan datagram) {
  (void)wire::verify(datagram, packet, nullptr);
  for (std::uint8_t type = 1; type <= 5; ++type) {
    const wire::AuthKey key{static_cast<wire::AuthType>(type), 1, Bytes{'k', 'e', 'y'}};
    auto verified = wire::verify(datagram, packet, &key);
    // A packet we sign with the key must verify.
    const Bytes signed_packet = wire::sign(packet, key, 1);
    auto decoded = wire::decode(signed_packet);
    if (!decoded || !wire::verify(signed_packet, *decoded, &key)) std::abort();
    (void)verified;
  }
}

void check_fsm(wire::ControlPacket const& packet) {
  fsm::Config config;
  config.local_discriminator = packet.your_discriminator != 0 ? packet.your_discriminator : 1;
  config.echo_mode = true;
  config.required_min_echo_rx = std::chrono::milliseconds(50);
  for (wire::State state :
       {wire::State::kAdminDown, wire::State::kDown, wire::State::kInit, wire::State::kUp}) {
    fsm::Session session = fsm::make_session(config);
    session = fsm::step(session, fsm::Start{}, nullptr).session;
    session.state = state;
    auto t = fsm::step(session, fsm::PacketReceived{packet}, [] { return 0.5; });
    for (const fsm::Action& action : t.actions) {
      if (auto* send = std::get_if<fsm::SendPacket>(&action)) {
        // What the FSM sends must itself be a valid packet.
        if (!wire::decode(wire::encode(send->packet))) std::abort();
      }
    }
    (void)fsm::step(t.session, fsm::DetectionTimerExpired{}, nullptr);
    for (const fsm::Event& echo :
         {fsm::Event{fsm::EchoReceived{}}, fsm::Event{fsm::EchoTransmitTimerExpired{}},
          fsm::Event{fsm::EchoDetectionTimerExpired{}}}) {
      auto e = fsm::step(t.session, echo, nullptr);
      // Echoes flow only while Up and allowed by the peer (§6.8.9).
      if (e.session.echo_active &&
          (e.session.state != wire::State::kUp || e.session.remote_min_echo_rx.count() == 0))
        std::abort();
    }
  }
}

void check_echo(ByteSpan datagram) {
  if (auto echo = wire::decode_echo(datagram)) {
    auto back = wire::decode_echo(wire::encode(*echo));
    if (!back || back->my_discriminator != echo->my_discriminator) std::abort();
  }
  if (auto parsed = parse_ipv4_echo(datagram, wire::kEchoPort)) {
    if (parsed->payload.size() + 28 > datagram.size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan datagram(data, size);
  check_echo(datagram);
  auto packet = wire::decode(datagram);
  if (!packet) return 0;
  check_round_trip(*packet, datagram);
  check_auth(*packet, datagram);
  check_fsm(*packet);
  return 0;
}
