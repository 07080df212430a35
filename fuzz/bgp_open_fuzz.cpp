// libFuzzer target: decode_open() on an OPEN body, then check_open(), negotiate() and a
// re-encode round trip.
#include <cstdint>
#include <cstdlib>

#include "bgp/wire/header.hpp"
#include "bgp/wire/open.hpp"
#include "bgp/wire/open_check.hpp"

using namespace vipd;
using namespace vipd::bgp::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto open = decode_open(ByteSpan(data, size));
  if (!open) return 0;

  OpenExpectations expect;
  expect.local_as = 65000;
  expect.local_bgp_identifier = 0x0a000001;
  expect.remote_as = open->real_as();
  expect.required_capabilities = {MultiprotocolCapability{kIpv6Unicast}, RouteRefreshCapability{},
                                  FourOctetAsCapability{}};
  (void)check_open(*open, expect);
  expect.remote_as.reset();
  expect.required_capabilities.clear();
  (void)check_open(*open, expect);

  Open local =
      make_open(65000, 90, 0x0a000001,
                {MultiprotocolCapability{kIpv4Unicast}, MultiprotocolCapability{kIpv6Unicast},
                 RouteRefreshCapability{}, ExtendedMessageCapability{}});
  Negotiated n = negotiate(local, *open, 30);
  if (n.hold_time != 0 && n.keepalive_time > n.hold_time / 3) std::abort();

  Bytes msg = encode_open(*open);
  auto back = decode_open(ByteSpan(msg).subspan(kHeaderSize));
  if (!back || !(*back == *open)) std::abort();
  if (encode_open(*back) != msg) std::abort();
  return 0;
}
