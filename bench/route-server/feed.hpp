// The route-server benchmark's synthetic Internet-like table and its pre-encoded UPDATE stream.
// Deterministic for a seed: the same P, seed and options always give the same bytes, so runs of
// different daemons (and different runs) receive exactly the same feed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"

namespace vipd::bench {

struct FeedParameters {
  std::size_t prefixes = 1'000'000;
  // Distinct attribute sets, each with its own AS path; 0 picks prefixes / 20 (50,000 for a
  // full table: "tens of thousands" of distinct AS paths).
  std::size_t attribute_sets = 0;
  std::uint64_t seed = 1;
  std::uint32_t feeder_as = 65001;
  IpAddress next_hop;
};

struct Feed {
  std::vector<Prefix> prefixes;  // distinct, in generation order
  std::vector<bgp::wire::PathAttributes> attribute_sets;
  std::vector<std::uint32_t> set_of_prefix;  // index into attribute_sets, per prefix
};

// Prefix lengths ~60% /24, ~25% /22-/23, the rest /16-/21, from unicast space outside 0/8,
// 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16 and 224/3. AS paths of 1-8 ASes starting with
// the feeder's AS (some with prepending), public 2- and 4-octet ASes only (so no daemon or sink
// AS appears in a path), ORIGIN IGP or INCOMPLETE, MED on ~30%, 0-4 communities (never the
// well-known ones). Attribute sets are used with a skew, as on the Internet: a few paths carry
// many prefixes, most carry a handful.
Feed generate_feed(const FeedParameters& parameters);

// Whole BGP messages back to back; message_ends[i] is the offset just past message i.
struct EncodedStream {
  Bytes bytes;
  std::vector<std::size_t> message_ends;
  std::size_t prefixes = 0;
};

// One UPDATE per (attribute set, up to max_message_size(options) octets of NLRI): prefixes that
// share attributes are packed together, as BGP speakers do. Followed by the IPv4 unicast
// End-of-RIB (RFC 4724 §2).
EncodedStream encode_announcements(const Feed& feed, const bgp::wire::Options& options);
// Every prefix in Withdrawn Routes, packed up to the maximum message size.
EncodedStream encode_withdrawals(const Feed& feed, const bgp::wire::Options& options);

// Decodes every message of the stream with the vipd codec and checks it is a clean UPDATE;
// returns the number of prefixes announced (or withdrawn) in it.
Result<std::size_t, std::string> verify_stream(const EncodedStream& stream,
                                               const bgp::wire::Options& options);

}  // namespace vipd::bench
