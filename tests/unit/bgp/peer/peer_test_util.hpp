// Messages the transport and framing tests share.
#pragma once

#include "common/bytes.hpp"

namespace vipd::bgp::peer::test {

// A KEEPALIVE (RFC 4271 §4.4): the marker, length 19, type 4.
inline Bytes keepalive() {
  Bytes m(19, 0xff);
  m[16] = 0;
  m[17] = 19;
  m[18] = 4;
  return m;
}

}  // namespace vipd::bgp::peer::test
