// vipd-lab-server: the lab's stand-in for kube-proxy and the Service's pods. Answers on every
// address of its network namespace (the lab routes the whole pool to lo, so every Service IP is
// local) with the node's name:
//   TCP (each --tcp PORT): writes "NAME\n" and closes the connection;
//   UDP (--udp PORT): answers each datagram with "NAME " followed by the datagram, sent from the
//   address the datagram was sent to (IP_PKTINFO), so a prober's connected socket accepts it.
// Plain POSIX sockets, one poll() loop; exits on SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

void usage() {
  std::fprintf(stderr,
               "usage: vipd-lab-server --name NAME [--tcp PORT]... [--udp PORT]...\n"
               "Answers TCP connections and UDP datagrams on every local address with NAME.\n");
}

int listen_socket(int type, int port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (type == SOCK_DGRAM) ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
      (type == SOCK_STREAM && ::listen(fd, 512) < 0)) {
    std::fprintf(stderr, "vipd-lab-server: %s port %d: %s\n", type == SOCK_STREAM ? "tcp" : "udp",
                 port, std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

void answer_tcp(int listener, const std::string& line) {
  for (;;) {
    int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;  // EAGAIN: nothing more pending
    // A short answer fits the socket buffer: one write, then close.
    [[maybe_unused]] ssize_t n = ::write(c, line.data(), line.size());
    ::close(c);
  }
}

void answer_udp(int fd, const std::string& name) {
  char buf[2048];
  char reply[2048 + 256];
  alignas(cmsghdr) char control[256];
  for (;;) {
    sockaddr_in from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return;
    in_pktinfo info{};
    bool have_info = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        have_info = true;
      }
    }
    std::size_t len = name.size();
    std::memcpy(reply, name.data(), len);
    reply[len++] = ' ';
    std::memcpy(reply + len, buf, static_cast<std::size_t>(n));
    len += static_cast<std::size_t>(n);

    iovec out_iov{reply, len};
    msghdr out{};
    out.msg_name = &from;
    out.msg_namelen = sizeof from;
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    alignas(cmsghdr) char out_control[CMSG_SPACE(sizeof(in_pktinfo))]{};
    if (have_info) {
      // Answer from the address the probe was sent to, whatever interface it came in on.
      in_pktinfo src{};
      src.ipi_spec_dst = info.ipi_addr;
      out.msg_control = out_control;
      out.msg_controllen = sizeof out_control;
      cmsghdr* c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof src);
      std::memcpy(CMSG_DATA(c), &src, sizeof src);
    }
    ::sendmsg(fd, &out, MSG_DONTWAIT);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string name;
  std::vector<int> tcp_ports;
  std::vector<int> udp_ports;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--name") {
      name = value();
    } else if (a == "--tcp") {
      tcp_ports.push_back(std::atoi(value()));
    } else if (a == "--udp") {
      udp_ports.push_back(std::atoi(value()));
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      usage();
      return 2;
    }
  }
  if (name.empty() || (tcp_ports.empty() && udp_ports.empty())) {
    usage();
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<pollfd> fds;
  std::vector<bool> is_tcp;
  for (int p : tcp_ports) {
    int fd = listen_socket(SOCK_STREAM, p);
    if (fd < 0) return 1;
    fds.push_back({fd, POLLIN, 0});
    is_tcp.push_back(true);
  }
  for (int p : udp_ports) {
    int fd = listen_socket(SOCK_DGRAM, p);
    if (fd < 0) return 1;
    fds.push_back({fd, POLLIN, 0});
    is_tcp.push_back(false);
  }
  const std::string line = name + "\n";
  while (!g_stop) {
    int n = ::poll(fds.data(), fds.size(), 500);
    if (n < 0 && errno != EINTR) {
      std::perror("vipd-lab-server: poll");
      return 1;
    }
    for (std::size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      if (is_tcp[i]) {
        answer_tcp(fds[i].fd, line);
      } else {
        answer_udp(fds[i].fd, name);
      }
    }
  }
  for (auto& p : fds) ::close(p.fd);
  return 0;
}
