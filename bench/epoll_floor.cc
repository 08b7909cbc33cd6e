// epoll_floor: the raw floor of the agent channel's steady state on this machine, measured the
// same minute as bmf (this machine's speed drifts several-fold over a day, so an absolute figure
// says little; the ratio to this floor does). One process, one epoll set, edge-triggered, reads
// `--connections` loopback connections on which client processes send a 64-byte message each
// `--interval-ms` (spread over the interval, as heartbeats are). With --reply-every K the server
// also writes 64 bytes back on every Kth message (an ack); the clients read them. No TLS, no
// parsing, no state per connection but the kernel's: what bmf costs above this is bmf's.
//
//   epoll_floor [--connections 19000] [--interval-ms 10000] [--window-s 30] [--reply-every 0]
//
// Prints: FLOOR connections=.. msgs_per_s=.. cpu_pct=.. user_pct=.. sys_pct=.. wakeups_per_s=..
//         rss_per_connection_b=..
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPerProcess = 4750;  // one process may hold 20k descriptors here
constexpr int kMessage = 64;

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

long rss_kib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long kib = 0;
  while (f && std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::atol(line + 6);
  }
  if (f) std::fclose(f);
  return kib;
}

double cpu_s(int who, bool user) {
  rusage u{};
  getrusage(who, &u);
  const timeval& t = user ? u.ru_utime : u.ru_stime;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// A client process: `count` connections, each sending at its own phase of the interval.
void client(std::uint16_t port, int count, int first, int total, int interval_ms, int reply_every) {
  std::vector<int> fds;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("client connect");
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    fds.push_back(fd);
  }
  const auto start = Clock::now();
  const auto interval = std::chrono::milliseconds(interval_ms);
  std::vector<Clock::time_point> next(count);
  for (int i = 0; i < count; ++i) next[i] = start + interval * (first + i) / total;
  char msg[kMessage] = {};
  char sink[4096];
  for (;;) {
    const auto now = Clock::now();
    for (int i = 0; i < count; ++i) {
      if (now < next[i]) continue;
      if (reply_every > 0) (void)!::recv(fds[i], sink, sizeof sink, 0);  // the acks so far
      if (::send(fds[i], msg, kMessage, MSG_NOSIGNAL) != kMessage) std::_Exit(0);  // the server is gone
      next[i] += interval;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int connections = 19000, interval_ms = 10000, window_s = 30, reply_every = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--connections" && v > 0 && v <= 19000) connections = v;
    else if (k == "--interval-ms" && v >= 10) interval_ms = v;
    else if (k == "--window-s" && v > 0) window_s = v;
    else if (k == "--reply-every" && v >= 0) reply_every = v;
    else {
      std::fprintf(stderr, "usage: epoll_floor [--connections 1..19000] [--interval-ms N>=10] [--window-s N] [--reply-every K]\n");
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 4096) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    die("listen");
  }
  const std::uint16_t port = ntohs(addr.sin_port);
  const long rss_before = rss_kib();
  std::vector<pid_t> kids;
  for (int first = 0; first < connections; first += kPerProcess) {
    const int count = std::min(kPerProcess, connections - first);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(listener);
      client(port, count, first, connections, interval_ms, reply_every);
      std::_Exit(0);
    }
    kids.push_back(pid);
  }
  int ep = ::epoll_create1(0);
  std::vector<int> fds;
  for (int i = 0; i < connections; ++i) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    if (fd < 0) die("accept");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  std::vector<epoll_event> events(1024);
  std::vector<std::uint64_t> received(65536, 0);
  char buffer[16384];
  char ack[kMessage] = {};
  std::uint64_t messages = 0, wakeups = 0;
  const auto warm = Clock::now() + std::chrono::milliseconds(interval_ms);  // every connection sent once
  const auto end = warm + std::chrono::seconds(window_s);
  bool measuring = false;
  double u0 = 0, s0 = 0;
  std::uint64_t m0 = 0, w0 = 0;
  long rss = 0;
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warm) {
      measuring = true;
      u0 = cpu_s(RUSAGE_SELF, true);
      s0 = cpu_s(RUSAGE_SELF, false);
      m0 = messages;
      w0 = wakeups;
      rss = rss_kib();
    }
    if (now >= end) break;
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    ++wakeups;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      for (;;) {
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        for (ssize_t k = 0; k < got / kMessage; ++k) {
          ++messages;
          if (reply_every > 0 && ++received[static_cast<std::size_t>(fd)] % static_cast<std::uint64_t>(reply_every) == 0) {
            (void)!::send(fd, ack, kMessage, MSG_NOSIGNAL);
          }
        }
      }
    }
  }
  const double user = cpu_s(RUSAGE_SELF, true) - u0, sys = cpu_s(RUSAGE_SELF, false) - s0;
  for (pid_t k : kids) ::kill(k, SIGKILL);
  for (pid_t k : kids) ::waitpid(k, nullptr, 0);
  std::printf("FLOOR connections=%d msgs_per_s=%.0f cpu_pct=%.2f user_pct=%.2f sys_pct=%.2f wakeups_per_s=%.0f "
              "rss_per_connection_b=%ld reply_every=%d\n",
              connections, static_cast<double>(messages - m0) / window_s, (user + sys) * 100 / window_s,
              user * 100 / window_s, sys * 100 / window_s, static_cast<double>(wakeups - w0) / window_s,
              (rss - rss_before) * 1024 / connections, reply_every);
  return 0;
}
