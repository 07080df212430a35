// `show bfd peers [json]` and `show bfd peers counters [json]` in FRR bfdd's layout and JSON
// shape (bfdd/bfdd_vty.c _display_peer, __display_peer_json, _display_peer_counter), which
// Prometheus's FRR exporter reads.
#include <fmt/format.h>

#include "bfd/module.hpp"
#include "common/json.hpp"
#include "control/cli.hpp"

namespace vipd::bfd {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::int64_t ms(fsm::Microseconds us) {
  return duration_cast<milliseconds>(us).count();
}

std::string status_text(wire::State state) {
  switch (state) {
    case wire::State::kAdminDown:
      return "shutdown";
    case wire::State::kDown:
      return "down";
    case wire::State::kInit:
      return "init";
    case wire::State::kUp:
      return "up";
  }
  return "unknown";
}

// FRR's _display_uptime(): "1 day(s), 2 hour(s), 3 minute(s), 4 second(s)", leading zero
// fields left out.
std::string time_text(std::int64_t total) {
  const std::int64_t days = total / 86400, hours = total / 3600 % 24, minutes = total / 60 % 60,
                     secs = total % 60;
  std::string out;
  if (days) out += fmt::format("{} day(s), ", days);
  if (days || hours) out += fmt::format("{} hour(s), ", hours);
  if (days || hours || minutes) out += fmt::format("{} minute(s), ", minutes);
  out += fmt::format("{} second(s)", secs);
  return out;
}

// FRR prints a zero echo interval as "disabled".
std::string echo_interval_text(fsm::Microseconds us) {
  return us.count() ? fmt::format("{}ms", ms(us)) : "disabled";
}

std::int64_t since_seconds(const BfdModule& module, const Session& session) {
  if (!session.last_change()) return 0;
  return duration_cast<seconds>(module.now() - *session.last_change()).count();
}

// The peer line FRR prints: `peer A [multihop] [local-address B] vrf default [interface IF]`.
std::string header(const PeerKey& key) {
  std::string out = "\tpeer " + key.peer.to_string();
  if (key.multihop) out += " multihop";
  if (key.local) out += " local-address " + key.local->to_string();
  out += " vrf default";
  if (!key.interface.empty()) out += " interface " + key.interface;
  return out + "\n";
}

void key_json(nlohmann::json& j, const PeerKey& key) {
  j["multihop"] = key.multihop;
  j["peer"] = key.peer.to_string();
  if (key.local) j["local"] = key.local->to_string();
  j["vrf"] = "default";
  if (!key.interface.empty()) j["interface"] = key.interface;
}

nlohmann::json peer_json(const BfdModule& module, const Session& session) {
  const fsm::Session& s = session.state();
  nlohmann::json j;
  key_json(j, session.peer());
  j["id"] = session.local_discriminator();
  j["remote-id"] = s.remote_discriminator;
  j["passive-mode"] = s.config.passive;
  if (const SessionRequest* request = module.request(session.peer());
      request && !request->profile.empty())
    j["profile"] = request->profile;
  j["status"] = status_text(s.state);
  if (s.state == wire::State::kUp) {
    j["uptime"] = since_seconds(module, session);
  } else {
    j["downtime"] = since_seconds(module, session);
  }
  j["diagnostic"] = wire::to_string(s.local_diag);
  j["remote-diagnostic"] = wire::to_string(s.remote_diag);
  if (session.peer().multihop) j["minimum-ttl"] = session.options().minimum_ttl;
  j["receive-interval"] = ms(s.config.timers.required_min_rx);
  j["transmit-interval"] = ms(s.config.timers.desired_min_tx);
  j["echo-receive-interval"] = ms(s.config.required_min_echo_rx);
  j["echo-transmit-interval"] = s.config.echo_mode ? ms(s.config.desired_echo_tx) : 0;
  j["detect-multiplier"] = s.config.timers.detect_mult;
  j["remote-receive-interval"] = ms(s.remote_min_rx);
  j["remote-transmit-interval"] = ms(s.remote_desired_min_tx);
  j["remote-echo-receive-interval"] = ms(s.remote_min_echo_rx);
  j["remote-detect-multiplier"] = s.remote_detect_mult;
  const Session::Rtt rtt = session.echo_rtt();
  j["rtt-min"] = rtt.min;
  j["rtt-avg"] = rtt.avg;
  j["rtt-max"] = rtt.max;
  return j;
}

std::string peer_text(const BfdModule& module, const Session& session) {
  const fsm::Session& s = session.state();
  std::string out = header(session.peer());
  out += fmt::format("\t\tID: {}\n", session.local_discriminator());
  out += fmt::format("\t\tRemote ID: {}\n", s.remote_discriminator);
  out += s.config.passive ? "\t\tPassive mode\n" : "\t\tActive mode\n";
  if (const SessionRequest* request = module.request(session.peer());
      request && !request->profile.empty())
    out += "\t\tProfile: " + request->profile + "\n";
  if (session.peer().multihop)
    out += fmt::format("\t\tMinimum TTL: {}\n", session.options().minimum_ttl);
  out += "\t\tStatus: " + status_text(s.state) + "\n";
  if (s.state == wire::State::kUp) {
    out += "\t\tUptime: " + time_text(since_seconds(module, session)) + "\n";
  } else if (session.last_change()) {
    out += "\t\tDowntime: " + time_text(since_seconds(module, session)) + "\n";
  }
  out += fmt::format("\t\tDiagnostics: {}\n", wire::to_string(s.local_diag));
  out += fmt::format("\t\tRemote diagnostics: {}\n", wire::to_string(s.remote_diag));
  out += "\t\tPeer Type: configured\n";
  const Session::Rtt rtt = session.echo_rtt();
  out += fmt::format("\t\tRTT min/avg/max: {}/{}/{} usec\n", rtt.min, rtt.avg, rtt.max);
  out += "\t\tLocal timers:\n";
  out += fmt::format("\t\t\tDetect-multiplier: {}\n", s.config.timers.detect_mult);
  out += fmt::format("\t\t\tReceive interval: {}ms\n", ms(s.config.timers.required_min_rx));
  out += fmt::format("\t\t\tTransmission interval: {}ms\n", ms(s.config.timers.desired_min_tx));
  out += "\t\t\tEcho receive interval: " + echo_interval_text(s.config.required_min_echo_rx) + "\n";
  out += "\t\t\tEcho transmission interval: " +
         echo_interval_text(s.config.echo_mode ? s.config.desired_echo_tx : fsm::Microseconds{0}) +
         "\n";
  out += "\t\tRemote timers:\n";
  out += fmt::format("\t\t\tDetect-multiplier: {}\n", s.remote_detect_mult);
  out += fmt::format("\t\t\tReceive interval: {}ms\n", ms(s.remote_min_rx));
  out += fmt::format("\t\t\tTransmission interval: {}ms\n", ms(s.remote_desired_min_tx));
  out += "\t\t\tEcho receive interval: " + echo_interval_text(s.remote_min_echo_rx) + "\n";
  return out + "\n";
}

nlohmann::json counters_json(const BfdModule& module, const Session& session) {
  const Counters& c = session.counters();
  nlohmann::json j;
  key_json(j, session.peer());
  j["control-packet-input"] = c.control_packets_in;
  j["control-packet-output"] = c.control_packets_out;
  j["echo-packet-input"] = c.echo_packets_in;
  j["echo-packet-output"] = c.echo_packets_out;
  j["session-up"] = c.session_up;
  j["session-down"] = c.session_down;
  j["zebra-notifications"] = module.client_notifications(session.peer());
  // vipd's own: why received packets were dropped.
  nlohmann::json discards = nlohmann::json::object();
  for (std::size_t i = 0; i < kDiscardCount; ++i)
    discards[std::string(to_string(static_cast<Discard>(i)))] = c.discards[i];
  j["discards"] = discards;
  return j;
}

std::string counters_text(const BfdModule& module, const Session& session) {
  const Counters& c = session.counters();
  std::string out = header(session.peer());
  out += fmt::format("\t\tControl packet input: {} packets\n", c.control_packets_in);
  out += fmt::format("\t\tControl packet output: {} packets\n", c.control_packets_out);
  out += fmt::format("\t\tEcho packet input: {} packets\n", c.echo_packets_in);
  out += fmt::format("\t\tEcho packet output: {} packets\n", c.echo_packets_out);
  out += fmt::format("\t\tSession up events: {}\n", c.session_up);
  out += fmt::format("\t\tSession down events: {}\n", c.session_down);
  out += fmt::format("\t\tZebra notifications: {}\n", module.client_notifications(session.peer()));
  std::uint64_t discarded = 0;
  for (auto n : c.discards) discarded += n;
  if (discarded) {
    out += "\t\tDiscarded:";
    for (std::size_t i = 0; i < kDiscardCount; ++i)
      if (c.discards[i])
        out += fmt::format(" {} {}", to_string(static_cast<Discard>(i)), c.discards[i]);
    out += "\n";
  }
  return out + "\n";
}

template <typename Each>
nlohmann::json each_json(const BfdModule& module, Each each) {
  nlohmann::json list = nlohmann::json::array();
  if (const SessionTable* table = module.sessions())
    for (const auto& [key, session] : table->sessions()) list.push_back(each(module, *session));
  return list;
}

template <typename Each>
std::string each_text(const BfdModule& module, Each each) {
  std::string out = "BFD Peers:\n";
  if (const SessionTable* table = module.sessions())
    for (const auto& [key, session] : table->sessions()) out += each(module, *session);
  return out;
}

}  // namespace

void BfdModule::install_commands(control::CommandTree& tree) {
  tree.describe("bfd", "Bidirectional Forwarding Detection");
  tree.describe("peers", "BFD peers status");
  tree.describe("counters", "Show BFD peer counters information");
  tree.install("exec", "show bfd peers [json]", "Show the BFD sessions (FRR's layout)",
               [this](const control::Invocation& inv, control::Session&) {
                 return control::CommandResult::success(inv.has("json")
                                                            ? json_text(each_json(*this, peer_json))
                                                            : each_text(*this, peer_text));
               });
  tree.install("exec", "show bfd peers counters [json]", "Show the BFD sessions' packet counters",
               [this](const control::Invocation& inv, control::Session&) {
                 return control::CommandResult::success(
                     inv.has("json") ? json_text(each_json(*this, counters_json))
                                     : each_text(*this, counters_text));
               });
}

}  // namespace vipd::bfd
