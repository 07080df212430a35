// vipd-lab-probe: the lab's client-side measurements.
//
// UDP mode (outages): every --interval-us (default 1000) sends one datagram "SEQ" on each flow
// (a connected UDP socket, so a source port of its own: --sport-base P numbers them P, P+1, ...,
// else they are ephemeral) to each target's --udp port, and records
// which probes came back and from which node (the server answers "NAME SEQ"). Runs until
// SIGINT/SIGTERM or --duration seconds, waits --drain-ms for late answers, then prints per target
// and in total the longest time without answers:
//   outage_ms = over the runs of lost probes of a flow, the longest time between the send times
//               of the answered probes around the run, minus one interval (0 when nothing was
//               lost, about N intervals for N lost probes); a flow whose probes of the last
//               --tail-ms got no answer is not recovered and its gap runs to the end.
// TCP mode (--tcp PORT --connections N): opens N connections to each target (a new source port
// each), reads the answering node's name and counts answers per node.
//
// Output: key=value lines (the last one a total), or one JSON document with --json. Exit status
// 1 if a target was never answered (TCP) or did not recover (UDP), 2 on a usage error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void usage() {
  std::fprintf(
      stderr,
      "usage: vipd-lab-probe --udp PORT [--interval-us N] [--flows N] [--sport-base P]\n"
      "                      [--duration S] [--drain-ms N] [--tail-ms N] [--json] TARGET...\n"
      "       vipd-lab-probe --tcp PORT [--connections N] [--timeout-ms N] [--json] "
      "TARGET...\n");
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

std::string counts_text(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [node, n] : counts) {
    if (!out.empty()) out += ',';
    out += node + ":" + std::to_string(n);
  }
  return out.empty() ? "-" : out;
}

std::string counts_json(const std::map<std::string, uint64_t>& counts) {
  std::string out = "{";
  for (const auto& [node, n] : counts) {
    if (out.size() > 1) out += ',';
    out += "\"" + json_escape(node) + "\":" + std::to_string(n);
  }
  return out + "}";
}

sockaddr_in target_addr(const std::string& ip, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1) {
    std::fprintf(stderr, "vipd-lab-probe: not an IPv4 address: %s\n", ip.c_str());
    std::exit(2);
  }
  return sa;
}

struct Options {
  int udp_port = 0;
  int tcp_port = 0;
  int64_t interval_us = 1000;
  int flows = 1;
  int sport_base = 0;
  double duration_s = 0;
  int drain_ms = 200;
  int tail_ms = 50;
  int connections = 12;
  int timeout_ms = 1000;
  bool json = false;
  std::vector<std::string> targets;
};

// ----- UDP -----

struct Flow {
  std::string target;
  int fd = -1;
  uint16_t sport = 0;
  std::vector<int64_t> sent_at;  // by sequence number
  std::vector<bool> answered;
  uint64_t received = 0;
  std::map<std::string, uint64_t> nodes;
  std::string last_node;
};

struct FlowResult {
  int64_t outage_ns = 0;
  bool recovered = false;
};

FlowResult evaluate(const Flow& f, int64_t interval_ns, int64_t end_ns, int64_t tail_ns) {
  FlowResult r;
  int64_t prev = -1;  // send time of the previous answered probe
  std::size_t prev_seq = 0;
  int64_t longest = 0;
  for (std::size_t s = 0; s < f.sent_at.size(); ++s) {
    if (!f.answered[s]) continue;
    int64_t t = f.sent_at[s];
    // Only lost probes make an outage: a late send (a busy machine) is not one.
    if (prev >= 0 && s > prev_seq + 1) longest = std::max(longest, t - prev - interval_ns);
    prev = t;
    prev_seq = s;
  }
  if (!f.sent_at.empty()) {
    // Leading gap (nothing answered from the start) and trailing gap (nothing at the end).
    int64_t first_answer = -1;
    for (std::size_t s = 0; s < f.sent_at.size(); ++s) {
      if (f.answered[s]) {
        first_answer = f.sent_at[s];
        break;
      }
    }
    if (first_answer < 0) {
      longest = end_ns - f.sent_at.front();
    } else {
      longest = std::max(longest, first_answer - f.sent_at.front());
      int64_t last_sent = f.sent_at.back();
      r.recovered = prev >= last_sent - tail_ns;
      if (!r.recovered) longest = std::max(longest, end_ns - prev);
    }
  }
  r.outage_ns = std::max<int64_t>(0, longest);
  return r;
}

void drain(Flow& f) {
  char buf[512];
  for (;;) {
    ssize_t n = ::recv(f.fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      continue;  // ICMP errors (no route, refused) are reported once each: read on
    }
    buf[n] = '\0';
    const char* space = std::strrchr(buf, ' ');
    if (space == nullptr) continue;
    std::string node(buf, static_cast<std::size_t>(space - buf));
    char* endp = nullptr;
    unsigned long long seq = std::strtoull(space + 1, &endp, 10);
    if (endp == space + 1 || seq >= f.sent_at.size() || f.answered[seq]) continue;
    f.answered[seq] = true;
    ++f.received;
    ++f.nodes[node];
    f.last_node = node;
  }
}

int run_udp(const Options& o) {
  std::vector<Flow> flows;
  std::vector<pollfd> pfds;
  for (const auto& t : o.targets) {
    sockaddr_in sa = target_addr(t, o.udp_port);
    for (int i = 0; i < o.flows; ++i) {
      Flow f;
      f.target = t;
      f.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (f.fd >= 0 && o.sport_base > 0) {
        // Fixed source ports: another run with the same ports hashes onto the same ECMP paths.
        int one = 1;
        ::setsockopt(f.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_port = htons(static_cast<uint16_t>(o.sport_base + flows.size()));
        if (::bind(f.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
          std::perror("vipd-lab-probe: bind to --sport-base");
          return 2;
        }
      }
      if (f.fd < 0 || ::connect(f.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
        std::perror("vipd-lab-probe: udp socket");
        return 2;
      }
      sockaddr_in local{};
      socklen_t len = sizeof local;
      ::getsockname(f.fd, reinterpret_cast<sockaddr*>(&local), &len);
      f.sport = ntohs(local.sin_port);
      pfds.push_back({f.fd, POLLIN, 0});
      flows.push_back(std::move(f));
    }
  }
  const int64_t interval_ns = o.interval_us * 1000;
  const int64_t start = now_ns();
  const int64_t stop_at =
      o.duration_s > 0 ? start + static_cast<int64_t>(o.duration_s * 1e9) : INT64_MAX;
  int64_t next = start;
  char payload[32];
  while (!g_stop) {
    int64_t now = now_ns();
    if (now >= stop_at) break;
    if (now >= next) {
      for (auto& f : flows) {
        uint64_t seq = f.sent_at.size();
        int len =
            std::snprintf(payload, sizeof payload, "%llu", static_cast<unsigned long long>(seq));
        f.sent_at.push_back(now);
        f.answered.push_back(false);
        ::send(f.fd, payload, static_cast<std::size_t>(len), MSG_DONTWAIT);
      }
      // Behind schedule (a busy machine): do not burst, the send times tell the truth.
      next = std::max(next + interval_ns, now + interval_ns / 2);
    }
    int64_t wait = std::max<int64_t>(0, std::min(next, stop_at) - now_ns());
    timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    int n = ::ppoll(pfds.data(), pfds.size(), &ts, nullptr);
    if (n > 0) {
      for (std::size_t i = 0; i < flows.size(); ++i)
        if (pfds[i].revents != 0) drain(flows[i]);
    }
  }
  const int64_t end = now_ns();
  const int64_t drain_until = end + int64_t{o.drain_ms} * 1'000'000;
  while (now_ns() < drain_until) {
    int64_t wait = drain_until - now_ns();
    if (wait <= 0) break;
    timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    if (::ppoll(pfds.data(), pfds.size(), &ts, nullptr) <= 0) continue;
    for (std::size_t i = 0; i < flows.size(); ++i)
      if (pfds[i].revents != 0) drain(flows[i]);
  }

  const int64_t tail_ns = int64_t{o.tail_ms} * 1'000'000;
  int64_t worst = 0;
  uint64_t total_sent = 0;
  uint64_t total_received = 0;
  bool all_recovered = true;
  std::string json = "{\"interval_us\":" + std::to_string(o.interval_us) + ",\"targets\":[";
  for (std::size_t ti = 0; ti < o.targets.size(); ++ti) {
    const std::string& t = o.targets[ti];
    int64_t t_worst = 0;
    uint64_t sent = 0;
    uint64_t received = 0;
    bool recovered = true;
    std::map<std::string, uint64_t> nodes;
    std::string flows_json;
    std::string flows_text;
    for (const auto& f : flows) {
      if (f.target != t) continue;
      FlowResult r = evaluate(f, interval_ns, end, tail_ns);
      t_worst = std::max(t_worst, r.outage_ns);
      sent += f.sent_at.size();
      received += f.received;
      recovered = recovered && r.recovered;
      for (const auto& [node, n] : f.nodes) nodes[node] += n;
      if (!flows_json.empty()) flows_json += ',';
      flows_json += "{\"sport\":" + std::to_string(f.sport) +
                    ",\"sent\":" + std::to_string(f.sent_at.size()) +
                    ",\"received\":" + std::to_string(f.received) +
                    ",\"outage_ms\":" + std::to_string((r.outage_ns + 500'000) / 1'000'000) +
                    ",\"recovered\":" + (r.recovered ? "true" : "false") + ",\"last_node\":\"" +
                    json_escape(f.last_node) + "\",\"nodes\":" + counts_json(f.nodes) + "}";
      if (!flows_text.empty()) flows_text += ',';
      flows_text += std::to_string(f.sport) + ":" + (f.last_node.empty() ? "-" : f.last_node);
    }
    worst = std::max(worst, t_worst);
    total_sent += sent;
    total_received += received;
    all_recovered = all_recovered && recovered;
    const int64_t t_ms = (t_worst + 500'000) / 1'000'000;
    if (o.json) {
      if (ti > 0) json += ',';
      json += "{\"target\":\"" + t + "\",\"sent\":" + std::to_string(sent) +
              ",\"received\":" + std::to_string(received) +
              ",\"outage_ms\":" + std::to_string(t_ms) +
              ",\"recovered\":" + (recovered ? "true" : "false") +
              ",\"nodes\":" + counts_json(nodes) + ",\"flows\":[" + flows_json + "]}";
    } else {
      std::printf(
          "target=%s sent=%llu received=%llu lost=%llu outage_ms=%lld recovered=%s nodes=%s "
          "last=%s\n",
          t.c_str(), static_cast<unsigned long long>(sent),
          static_cast<unsigned long long>(received),
          static_cast<unsigned long long>(sent - received), static_cast<long long>(t_ms),
          recovered ? "yes" : "no", counts_text(nodes).c_str(), flows_text.c_str());
    }
  }
  const int64_t worst_ms = (worst + 500'000) / 1'000'000;
  if (o.json) {
    json += "],\"sent\":" + std::to_string(total_sent) +
            ",\"received\":" + std::to_string(total_received) +
            ",\"outage_ms\":" + std::to_string(worst_ms) +
            ",\"recovered\":" + (all_recovered ? "true" : "false") + "}";
    std::printf("%s\n", json.c_str());
  } else {
    std::printf("sent=%llu received=%llu lost=%llu outage_ms=%lld recovered=%s\n",
                static_cast<unsigned long long>(total_sent),
                static_cast<unsigned long long>(total_received),
                static_cast<unsigned long long>(total_sent - total_received),
                static_cast<long long>(worst_ms), all_recovered ? "yes" : "no");
  }
  for (auto& f : flows) ::close(f.fd);
  return all_recovered ? 0 : 1;
}

// ----- TCP -----

// One connection: connect with a timeout, read the node's name. Empty on failure.
std::string tcp_ask(const sockaddr_in& sa, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return {};
  std::string answer;
  const int64_t deadline = now_ns() + int64_t{timeout_ms} * 1'000'000;
  auto wait_for = [&](short events) {
    for (;;) {
      int64_t left = (deadline - now_ns()) / 1'000'000;
      if (left <= 0) return false;
      pollfd p{fd, events, 0};
      int n = ::poll(&p, 1, static_cast<int>(left));
      if (n > 0) return true;
      if (n == 0 || errno != EINTR) return false;
    }
  };
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  if (rc < 0 && errno == EINPROGRESS && wait_for(POLLOUT)) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    rc = err == 0 ? 0 : -1;
  }
  if (rc == 0) {
    char buf[256];
    while (wait_for(POLLIN)) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      answer.append(buf, static_cast<std::size_t>(n));
      if (answer.find('\n') != std::string::npos) break;
    }
  }
  ::close(fd);
  auto nl = answer.find('\n');
  if (nl == std::string::npos) return {};
  return answer.substr(0, nl);
}

int run_tcp(const Options& o) {
  bool all = true;
  std::map<std::string, uint64_t> total;
  std::string json = "{\"port\":" + std::to_string(o.tcp_port) + ",\"targets\":[";
  for (std::size_t ti = 0; ti < o.targets.size(); ++ti) {
    const std::string& t = o.targets[ti];
    sockaddr_in sa = target_addr(t, o.tcp_port);
    std::map<std::string, uint64_t> nodes;
    uint64_t answered = 0;
    for (int i = 0; i < o.connections && !g_stop; ++i) {
      std::string node = tcp_ask(sa, o.timeout_ms);
      if (node.empty()) continue;
      ++answered;
      ++nodes[node];
      ++total[node];
    }
    all = all && answered > 0;
    if (o.json) {
      if (ti > 0) json += ',';
      json += "{\"target\":\"" + t + "\",\"connections\":" + std::to_string(o.connections) +
              ",\"answered\":" + std::to_string(answered) + ",\"nodes\":" + counts_json(nodes) +
              "}";
    } else {
      std::printf("target=%s port=%d answered=%llu/%d nodes=%s\n", t.c_str(), o.tcp_port,
                  static_cast<unsigned long long>(answered), o.connections,
                  counts_text(nodes).c_str());
    }
  }
  if (o.json) {
    json += "],\"nodes\":" + counts_json(total) + ",\"ok\":" + (all ? "true" : "false") + "}";
    std::printf("%s\n", json.c_str());
  } else {
    std::printf("nodes=%s ok=%s\n", counts_text(total).c_str(), all ? "yes" : "no");
  }
  return all ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--udp") {
      o.udp_port = std::atoi(value().c_str());
    } else if (a == "--tcp") {
      o.tcp_port = std::atoi(value().c_str());
    } else if (a == "--interval-us") {
      o.interval_us = std::max(10LL, std::atoll(value().c_str()));
    } else if (a == "--flows") {
      o.flows = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--sport-base") {
      o.sport_base = std::max(0, std::atoi(value().c_str()));
    } else if (a == "--duration") {
      o.duration_s = std::atof(value().c_str());
    } else if (a == "--drain-ms") {
      o.drain_ms = std::max(0, std::atoi(value().c_str()));
    } else if (a == "--tail-ms") {
      o.tail_ms = std::max(0, std::atoi(value().c_str()));
    } else if (a == "--connections") {
      o.connections = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--timeout-ms") {
      o.timeout_ms = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      usage();
      return 2;
    } else {
      o.targets.push_back(a);
    }
  }
  if (o.targets.empty() || (o.udp_port == 0) == (o.tcp_port == 0)) {
    usage();
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  // Line-buffered even into a file, so a reader sees whole lines.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return o.udp_port != 0 ? run_udp(o) : run_tcp(o);
}
