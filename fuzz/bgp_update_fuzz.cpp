// libFuzzer target: decode_update() + validate_update() and the AS4 helpers. The first input
// octet picks the session options and validation context; the rest is the UPDATE body.
#include <cstdint>
#include <cstdlib>

#include "bgp/wire/as4.hpp"
#include "bgp/wire/header.hpp"
#include "bgp/wire/update.hpp"
#include "bgp/wire/validate.hpp"

using namespace vipd;
using namespace vipd::bgp::wire;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::uint8_t sel = data[0];
  Options options{(sel & 1) != 0, (sel & 2) != 0};
  ValidationContext ctx;
  ctx.ibgp = (sel & 4) != 0;
  ctx.four_octet_as = options.four_octet_as;
  ctx.confederation_peer = (sel & 8) != 0;
  if (sel & 16) ctx.afi_safis.push_back(kIpv6Unicast);
  if (sel & 32) ctx.enforce_first_as = 65000;

  auto u = decode_update(ByteSpan(data + 1, size - 1), options);
  if (!u) {
    check(verdict_for_decode_error(u.error()).action == UpdateAction::kSessionReset);
    return 0;
  }
  UpdateVerdict v = validate_update(*u, ctx);
  check(v.action == UpdateAction::kAccept || v.error.has_value());

  Bytes msg = encode_update(*u, options);
  auto back = decode_update(ByteSpan(msg).subspan(kHeaderSize), options);
  check(back.ok());
  check(back->problems.empty());
  check(back->withdrawn == u->withdrawn && back->attributes == u->attributes &&
        back->nlri == u->nlri);
  check(encode_update(*back, options) == msg);

  // The 2-octet form adds AS4_PATH; keep it within the 16-bit length fields.
  if (msg.size() > 40000) return 0;
  Update cleaned = *u;
  apply_discards(cleaned, v);
  PathAttributes merged = reconstruct_as4(cleaned.attributes);
  check(!merged.as4_path && !merged.as4_aggregator);
  PathAttributes prepared = prepare_for_two_octet_peer(merged);
  Update old = cleaned;
  old.attributes = prepared;
  old.problems.clear();
  Options two{false, options.extended_message};
  Bytes old_msg = encode_update(old, two);
  auto old_back = decode_update(ByteSpan(old_msg).subspan(kHeaderSize), two);
  check(old_back.ok());
  check(old_back->problems.empty());
  return 0;
}
