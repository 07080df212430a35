// 4-octet AS number transition (RFC 6793 §4.2): rebuilding the real path from AS_PATH +
// AS4_PATH received from a 2-octet ("OLD") peer, and producing AS_TRANS + AS4_PATH for one.
#pragma once

#include "bgp/wire/attributes.hpp"

namespace vipd::bgp::wire {

// RFC 6793 §4.2.3: the real AS path. If AS_PATH is shorter than AS4_PATH (path length counting
// AS_SET as 1 and confederation segments as 0), AS4_PATH is ignored and AS_PATH returned.
// Otherwise the leading AS_PATH hops not covered by AS4_PATH (including any leading
// confederation segments) are prepended to AS4_PATH.
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path);

// RFC 6793 §4.2.3 on a whole attribute set received from a 2-octet peer: AGGREGATOR with an AS
// other than AS_TRANS means AS4_AGGREGATOR and AS4_PATH are ignored; otherwise AS4_AGGREGATOR
// replaces AGGREGATOR and AS_PATH is merged with AS4_PATH. The result never holds AS4_PATH or
// AS4_AGGREGATOR. Call it after validate_update() has discarded malformed AS4 attributes.
PathAttributes reconstruct_as4(const PathAttributes& attrs);

// RFC 6793 §4.2.2 for sending to a 2-octet peer: AS numbers above 65535 in AS_PATH and
// AGGREGATOR become AS_TRANS, and the real values go in AS4_PATH (without confederation
// segments) and AS4_AGGREGATOR. Nothing is added when every AS number fits in 2 octets.
// Any AS4_PATH/AS4_AGGREGATOR already present is replaced.
PathAttributes prepare_for_two_octet_peer(const PathAttributes& attrs);

}  // namespace vipd::bgp::wire
