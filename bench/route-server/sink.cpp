// bgp_sink: one receiving peer of the route-server benchmark. Connects to the daemon under
// test, answers keepalives, and counts the distinct IPv4 unicast prefixes currently announced
// to it (NLRI and Withdrawn Routes, and MP_REACH/MP_UNREACH_NLRI for IPv4 unicast should a
// daemon use them). Decoding stays cheap: the UPDATE is split into its three fields and only
// the prefixes are walked (with the vipd codec's decode_prefixes); the attributes are parsed
// only when they carry MP_REACH/MP_UNREACH_NLRI, and once for the first announcement, to show
// what the daemon did to the attributes.
//
// Reports, one per line on stdout, each with a CLOCK_MONOTONIC timestamp in ns:
//   established <ns> <details>
//   progress <ns> <count>     at most once a second, when the count changed
//   full <ns> <count>         the count reached --expect
//   empty <ns>                the count went back to 0 after full
//   eor <ns> <count>          an IPv4 unicast End-of-RIB arrived
//   sample <ns> first_as=<AS> next_hop=<address>
//                             the first announcement's AS_PATH head and NEXT_HOP: a route
//                             server passes on the feeder's AS (no own AS prepended) and next
//                             hop
//   closed <ns> <why>         the session ended (exit status 2)
// The sink runs until it is killed.
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/constants.hpp"
#include "bgp/wire/header.hpp"
#include "bgp/wire/notification.hpp"
#include "bgp/wire/update.hpp"
#include "bgp_connection.hpp"
#include "prefix_counter.hpp"

namespace {

using namespace vipd;
using namespace vipd::bench;
namespace wire = vipd::bgp::wire;

constexpr std::int64_t kProgressIntervalNs = 1'000'000'000;

// True if the Path Attributes field holds MP_REACH_NLRI or MP_UNREACH_NLRI (RFC 4760).
bool has_multiprotocol_attribute(ByteSpan attributes) {
  ByteReader r(attributes);
  while (!r.empty()) {
    const std::uint8_t flags = r.u8();
    const std::uint8_t type = r.u8();
    // RFC 4271 §4.3: the Extended Length bit selects a 2-octet length.
    const std::size_t length = (flags & wire::attr_flag::kExtendedLength) ? r.u16() : r.u8();
    r.skip(length);
    if (!r.ok()) return false;
    if (type == wire::attr_type::kMpReachNlri || type == wire::attr_type::kMpUnreachNlri) {
      return true;
    }
  }
  return false;
}

class Sink {
 public:
  Sink(std::size_t expect, const wire::Options& options) : expect_(expect), options_(options) {}

  // Applies one UPDATE body (RFC 4271 §4.3); an error string if it cannot be split or walked.
  std::optional<std::string> apply_update(ByteSpan body) {
    ByteReader r(body);
    ByteSpan withdrawn = r.bytes(r.u16());
    ByteSpan attributes = r.bytes(r.u16());
    ByteSpan nlri = r.rest();
    if (!r.ok()) return "UPDATE fields overrun the message";
    auto gone = wire::decode_prefixes(withdrawn, Family::kIpv4);
    auto added = wire::decode_prefixes(nlri, Family::kIpv4);
    if (!gone || !added) return "malformed prefixes in UPDATE";
    for (const Prefix& p : *gone) counter_.remove(p);
    if (has_multiprotocol_attribute(attributes)) apply_multiprotocol(attributes);
    for (const Prefix& p : *added) counter_.add(p);
    if (!sampled_ && !added->empty()) report_sample(attributes);
    if (body.size() == 4) report("eor {} {}", monotonic_ns(), counter_.count());
    return std::nullopt;
  }

  // Prints full/empty/progress lines as the count crosses them.
  void report_state(std::int64_t now) {
    const std::size_t count = counter_.count();
    if (!full_ && count >= expect_) {
      full_ = true;
      report("full {} {}", now, count);
    } else if (full_ && !empty_ && count == 0) {
      empty_ = true;
      report("empty {}", now);
    }
    if (count != reported_count_ && now - reported_at_ >= kProgressIntervalNs) {
      report("progress {} {}", now, count);
      reported_count_ = count;
      reported_at_ = now;
    }
  }

 private:
  void apply_multiprotocol(ByteSpan attributes) {
    std::vector<wire::AttributeProblem> problems;
    wire::PathAttributes decoded = wire::decode_path_attributes(attributes, options_, problems);
    if (decoded.mp_unreach && decoded.mp_unreach->afi_safi == wire::kIpv4Unicast) {
      for (const Prefix& p : decoded.mp_unreach->withdrawn) counter_.remove(p);
    }
    if (decoded.mp_reach && decoded.mp_reach->afi_safi == wire::kIpv4Unicast) {
      for (const Prefix& p : decoded.mp_reach->nlri) counter_.add(p);
    }
  }

  void report_sample(ByteSpan attributes) {
    sampled_ = true;
    std::vector<wire::AttributeProblem> problems;
    wire::PathAttributes decoded = wire::decode_path_attributes(attributes, options_, problems);
    std::string first_as = "none";
    if (decoded.as_path && !decoded.as_path->empty()) {
      first_as = std::to_string(decoded.as_path->segments.front().asns.front());
    }
    report("sample {} first_as={} next_hop={}", monotonic_ns(), first_as,
           decoded.next_hop ? decoded.next_hop->to_string() : "none");
  }

  PrefixCounter counter_;
  bool sampled_ = false;
  std::size_t expect_;
  wire::Options options_;
  bool full_ = false;
  bool empty_ = false;
  std::size_t reported_count_ = 0;
  std::int64_t reported_at_ = 0;
};

void run(BgpConnection& connection, Sink& sink) {
  static const Bytes keepalive = wire::encode_keepalive();
  while (true) {
    const std::int64_t wait_ns = connection.next_keepalive_ns() - monotonic_ns();
    pollfd p{connection.fd(), POLLIN, 0};
    poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(wait_ns / 1'000'000 + 1, 0, 1000)));
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      if (auto failed = connection.read_available()) session_ended(*failed);
      std::string error;
      while (auto message = connection.next_message(error)) {
        const auto type = static_cast<wire::MessageType>((*message)[18]);
        if (type == wire::MessageType::kUpdate) {
          if (auto bad = sink.apply_update(message->subspan(wire::kHeaderSize))) {
            session_ended(*bad);
          }
        } else if (type == wire::MessageType::kNotification) {
          session_ended(describe_message(*message));
        }
      }
      if (!error.empty()) session_ended(error);
    }
    const std::int64_t now = monotonic_ns();
    if (connection.keepalive_due(now)) {
      if (!connection.send_all(keepalive)) session_ended("sending KEEPALIVE failed");
      connection.keepalive_sent(now);
    }
    sink.report_state(now);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string local_address, remote_address;
  SessionConfig config;
  config.local_as = 65101;
  config.remote_as = 65000;
  std::size_t expect = 0;
  int connect_timeout_s = 30;
  CLI::App app{"bgp_sink: counts the prefixes a BGP daemon sends"};
  app.add_option("--local", local_address, "Our IPv4 address")->required();
  app.add_option("--remote", remote_address, "The daemon's IPv4 address")->required();
  app.add_option("--port", config.remote_port, "The daemon's BGP port")->capture_default_str();
  app.add_option("--local-as", config.local_as, "Our AS")->capture_default_str();
  app.add_option("--remote-as", config.remote_as, "The daemon's AS")->capture_default_str();
  app.add_option("--hold-time", config.hold_time, "Hold time we propose")->capture_default_str();
  app.add_option("--expect", expect, "Prefixes that make the table full")->required();
  app.add_flag("--extended-message", config.extended_message, "Offer RFC 8654 extended messages");
  app.add_option("--connect-timeout", connect_timeout_s, "Seconds")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto local = IpAddress::parse(local_address);
  auto remote = IpAddress::parse(remote_address);
  if (!local || !remote) {
    fmt::print(stderr, "bgp_sink: bad --local or --remote address\n");
    return 1;
  }
  config.local_address = *local;
  config.remote_address = *remote;
  config.connect_timeout = std::chrono::seconds(connect_timeout_s);

  auto connection = BgpConnection::establish(config);
  if (!connection) session_ended(connection.error());
  const auto& negotiated = connection->negotiated();
  report("established {} hold={} four_octet_as={} extended_message={}", monotonic_ns(),
         negotiated.hold_time, negotiated.four_octet_as, negotiated.extended_message_receive);
  // RFC 4724 §2: tell the daemon our (empty) table is complete.
  const Bytes end_of_rib =
      wire::encode_update(wire::make_end_of_rib(wire::kIpv4Unicast), connection->send_options());
  if (!connection->send_all(end_of_rib)) session_ended("sending End-of-RIB failed");
  Sink sink(expect, negotiated.receive_options());
  run(*connection, sink);
}
