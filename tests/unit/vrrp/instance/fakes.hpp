// Fakes for the instance tests: a Network that records what the instance sends and installs, a
// ProcessRunner whose children finish when the test says, a log capture, and config helpers.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "event/sim_clock.hpp"
#include "vrrp/config/parser.hpp"
#include "vrrp/module.hpp"
#include "vrrp/network.hpp"
#include "vrrp/process.hpp"
#include "vrrp/script_security.hpp"
#include "vrrp/wire/advert.hpp"
#include "vrrp/wire/ipv4.hpp"

namespace vipd::vrrp::testing {

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

class FakeNetwork : public Network {
 public:
  struct Advert {
    int ifindex;
    IpAddress source;
    IpAddress destination;
    Bytes message;
    wire::Advert decoded() const {
      auto d = wire::decode_advert(message, {source, destination});
      EXPECT_TRUE(d.ok());
      return d ? *d : wire::Advert{};
    }
  };
  struct Frame {
    int ifindex;
    Bytes frame;
  };

  FakeNetwork() {
    InterfaceInfo eth0;
    eth0.ifindex = 2;
    eth0.name = "eth0";
    eth0.mac = *l2::wire::MacAddress::parse("02:00:00:00:00:02");
    eth0.up = true;
    eth0.ipv4 = ip("192.168.5.2");
    eth0.ipv6_link_local = ip("fe80::2");
    interfaces["eth0"] = eth0;
  }

  std::optional<InterfaceInfo> find_interface(std::string_view name) override {
    auto it = interfaces.find(std::string(name));
    if (it == interfaces.end()) return std::nullopt;
    return it->second;
  }
  Status<std::string> listen(int ifindex, Family family,
                             const std::optional<IpAddress>& group) override {
    if (fail_listen) return unexpected(std::string("listen refused"));
    listens.push_back({ifindex, family, group});
    return Ok();
  }
  void set_receiver(Receiver r) override { receiver = std::move(r); }
  Status<std::string> send_advert(int ifindex, const IpAddress& source,
                                  const IpAddress& destination, ByteSpan message) override {
    if (fail_send) return unexpected(std::string("sendto: Network is unreachable"));
    adverts.push_back({ifindex, source, destination, Bytes(message.begin(), message.end())});
    return Ok();
  }
  Status<std::string> send_frame(int ifindex, ByteSpan frame) override {
    frames.push_back({ifindex, Bytes(frame.begin(), frame.end())});
    return Ok();
  }
  Status<std::string> add_address(const netlink::InterfaceAddress& a) override {
    ops.push_back("add " + a.address.to_string() + "/" + std::to_string(a.prefix_length) +
                  " ifindex " + std::to_string(a.ifindex) +
                  (a.label.empty() ? "" : " label " + a.label) +
                  ((a.flags & IFA_F_NODAD) ? " nodad" : ""));
    installed[a.address] = a;
    return Ok();
  }
  Status<std::string> delete_address(const netlink::InterfaceAddress& a) override {
    ops.push_back("delete " + a.address.to_string() + "/" + std::to_string(a.prefix_length) +
                  " ifindex " + std::to_string(a.ifindex));
    installed.erase(a.address);
    return Ok();
  }
  Result<InterfaceInfo, std::string> create_vmac(const netlink::MacvlanSpec& spec) override {
    InterfaceInfo info;
    info.ifindex = 100 + static_cast<int>(vmacs.size());
    info.name = spec.name;
    std::copy(spec.mac.begin(), spec.mac.end(), info.mac.octets.begin());
    info.up = true;
    vmacs.push_back(spec);
    ops.push_back("create " + spec.name + " on " + std::to_string(spec.parent_ifindex) + " mac " +
                  info.mac.to_string());
    return info;
  }
  Status<std::string> delete_link(int ifindex) override {
    ops.push_back("delete link " + std::to_string(ifindex));
    return Ok();
  }
  bool ipv6_forwarding(std::string_view name) override {
    return forwarding.count(std::string(name)) > 0;
  }

  // Adverts decoded (all sent so far), and the priorities they carried.
  std::vector<int> advert_priorities() const {
    std::vector<int> out;
    for (const auto& a : adverts) out.push_back(a.decoded().priority);
    return out;
  }

  struct Listen {
    int ifindex;
    Family family;
    std::optional<IpAddress> group;
  };
  std::map<std::string, InterfaceInfo> interfaces;
  std::vector<Listen> listens;
  Receiver receiver;
  std::vector<Advert> adverts;
  std::vector<Frame> frames;
  std::vector<std::string> ops;
  std::map<IpAddress, netlink::InterfaceAddress> installed;
  std::vector<netlink::MacvlanSpec> vmacs;
  std::set<std::string> forwarding;  // interfaces with net.ipv6.conf.*.forwarding = 1
  bool fail_send = false;
  bool fail_listen = false;
};

class FakeProcesses : public ProcessRunner {
 public:
  struct Run {
    std::vector<std::string> argv;
    std::optional<std::chrono::milliseconds> timeout;
    Done done;
    std::optional<RunAs> run_as;
    bool finished = false;
  };
  using ProcessRunner::run;
  void run(const std::vector<std::string>& argv, std::optional<std::chrono::milliseconds> timeout,
           Done done, std::optional<RunAs> run_as) override {
    runs.push_back({argv, timeout, std::move(done), run_as});
  }
  // Finishes the oldest unfinished run of argv[0] == program.
  void finish(const std::string& program, int exit_code, bool timed_out = false) {
    for (auto& r : runs) {
      if (r.finished || r.argv.empty() || r.argv[0] != program) continue;
      r.finished = true;
      ProcessExit exit;
      exit.exit_code = exit_code;
      exit.timed_out = timed_out;
      if (r.done) r.done(exit);
      return;
    }
    ADD_FAILURE() << "no running " << program;
  }
  std::vector<std::string> commands() const {
    std::vector<std::string> out;
    for (const auto& r : runs) {
      std::string line;
      for (const auto& w : r.argv) line += (line.empty() ? "" : " ") + w;
      out.push_back(line);
    }
    return out;
  }
  std::vector<Run> runs;
};

// Users, groups and script files for script_user / enable_script_security: root and nobody
// exist (keepalived_script only when added); every script exists, is executable and safe unless
// listed in `insecure` or `missing`.
class FakeScriptHost : public ScriptHost {
 public:
  RunAs self() const override { return {0, 0}; }
  std::optional<RunAs> lookup(const std::string& user, const std::string& group,
                              std::vector<std::string>& logs) const override {
    auto u = users.find(user);
    if (u == users.end()) {
      logs.push_back("Script user '" + user + "' does not exist");
      return std::nullopt;
    }
    RunAs as = u->second;
    if (!group.empty()) {
      auto g = groups.find(group);
      if (g == groups.end()) {
        logs.push_back("Script group '" + group + "' does not exist");
        return std::nullopt;
      }
      as.gid = g->second;
    }
    return as;
  }
  ScriptCheck check(const std::string& command, RunAs as, bool security) const override {
    ScriptCheck c;
    if (missing.count(command)) {
      c.not_found = true;
      c.logs.push_back("Script " + command + " cannot be accessed - No such file or directory");
      return c;
    }
    c.is_script = true;
    c.executable = true;
    if (insecure.count(command) && (as.uid == 0 || as.gid == 0)) {
      c.insecure = true;
      c.inhibit = security;
      c.logs.push_back("Unsafe permissions found for script '" + command + "'" +
                       (security ? " - disabling" : "") + ".");
    }
    return c;
  }
  std::map<std::string, RunAs> users{{"root", {0, 0}}, {"nobody", {65534, 65534}}};
  std::map<std::string, gid_t> groups{{"root", 0}, {"nogroup", 65534}};
  std::set<std::string> insecure;
  std::set<std::string> missing;
};

// Captures every log line (any level) while alive.
class LogCapture {
 public:
  LogCapture() {
    log::set_level(log::Level::kDebug);
    log::set_sink([this](log::Level, std::string_view text) { lines.emplace_back(text); });
  }
  ~LogCapture() {
    log::set_sink({});
    log::set_level(log::Level::kInfo);
  }
  std::size_t count(std::string_view text) const {
    std::size_t n = 0;
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) ++n;
    return n;
  }
  std::vector<std::string> lines;
};

inline config::KeepalivedConfig parse(const std::string& text) {
  auto parsed = config::parse_keepalived_config(text, "test.conf");
  EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.error().to_string());
  return parsed ? *parsed : config::KeepalivedConfig{};
}

// The seed's instance (keepalived.conf of the homelab) with another priority and extra lines.
inline std::string seed_instance(int priority, const std::string& extra = "",
                                 const std::string& name = "VI_1", int vrid = 51) {
  return "vrrp_instance " + name + " {\n state BACKUP\n interface eth0\n virtual_router_id " +
         std::to_string(vrid) + "\n priority " + std::to_string(priority) +
         "\n advert_int 1\n authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n"
         " virtual_ipaddress {\n  192.168.5.1/16 dev eth0\n }\n" +
         extra + "}\n";
}

// An advert from another router as the raw socket delivers it (IPv4 header included).
struct PeerAdvert {
  std::uint8_t vrid = 51;
  std::uint8_t priority = 200;
  IpAddress source = ip("192.168.5.9");
  std::uint8_t ttl = 255;
  std::string password = "1111";
  std::uint8_t interval_s = 1;
  std::vector<IpAddress> addresses{ip("192.168.5.1")};

  Bytes message() const {
    wire::Advert a;
    a.version = wire::Version::kV2;
    a.vrid = vrid;
    a.priority = priority;
    a.auth_type = wire::kAuthSimple;
    a.auth_data = wire::auth_data_from_password(password);
    a.advert_interval_s = interval_s;
    a.addresses = addresses;
    return wire::encode_advert(a, {source, ip("224.0.0.18")});
  }
  ReceivedPacket packet(const Bytes& payload) const {
    wire::Ipv4Header h;
    h.source = source;
    h.destination = ip("224.0.0.18");
    h.ttl = ttl;
    ReceivedPacket p;
    p.ifindex = 2;
    p.family = Family::kIpv4;
    p.data = wire::build_ipv4_packet(h, payload);
    return p;
  }
  ReceivedPacket packet() const { return packet(message()); }
};

// A module on a SimClock with the fakes.
struct Harness {
  event::SimClock clock;
  FakeNetwork network;
  FakeProcesses processes;
  FakeScriptHost scripts;
  VrrpModule module{clock, network, processes, &scripts};

  void deliver(const ReceivedPacket& p) { network.receiver(p); }
  const Instance& instance(const char* name = "VI_1") {
    const Instance* i = module.find(name);
    EXPECT_NE(i, nullptr);
    return *i;
  }
  Instance& mutable_instance(const char* name = "VI_1") { return *module.find(name); }
};

}  // namespace vipd::vrrp::testing
