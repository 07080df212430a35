// libFuzzer target: decode_message() with every option set; whatever decodes must re-encode to
// bytes that decode to an equal value (and re-encode identically).
#include <cstdint>
#include <cstdlib>

#include "bgp/wire/message.hpp"
#include "bgp/wire/validate.hpp"

using namespace vipd;
using namespace vipd::bgp::wire;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Updates are compared without `problems`: a re-encoded UPDATE no longer carries the bad
// attributes the decoder set aside.
bool same(const Message& a, const Message& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ua = std::get_if<Update>(&a)) {
    const auto& ub = std::get<Update>(b);
    return ua->withdrawn == ub.withdrawn && ua->attributes == ub.attributes &&
           ua->nlri == ub.nlri && ub.problems.empty();
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteSpan input(data, size);
  for (Options options :
       {Options{false, false}, Options{true, false}, Options{false, true}, Options{true, true}}) {
    auto m = decode_message(input, options);
    if (!m) {
      (void)notification_name(m.error().code, m.error().subcode);
      continue;
    }
    if (const auto* u = std::get_if<Update>(&*m)) (void)validate_update(*u, ValidationContext{});
    Bytes first = encode(*m, options);
    auto again = decode_message(first, options);
    check(again.ok());
    check(same(*m, *again));
    check(encode(*again, options) == first);
  }
  return 0;
}
