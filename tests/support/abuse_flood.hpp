// Load generators for the abuse tests (issue 10 "Load and abuse"), test use only, header-only:
//
//   TcpFlood      many TCP connections to one or more ports, each either IDLE (connects and
//                 says nothing) or SLOWLORIS (trickles one byte of a plausible request every
//                 second), from a set of loopback source addresses (127.0.0.2 … : the whole
//                 127/8 reaches `lo` on Linux, so "another host on the LAN" is a bind() away).
//                 A connection the server closes is reopened after reconnect_delay, so the
//                 pressure stays on for the whole run. One thread, poll(2) over every socket.
//   UdpFlood      garbage datagrams (random bytes, random length 0..1400, now and then one
//                 larger than any MTU) to a set of UDP ports, at a bounded rate.
//   EnetHalfOpen  ENet CONNECTs to the control port that never complete: one libenet host
//                 per source address sends `per_source` CONNECT commands and is then never
//                 serviced, so the server's VERIFY_CONNECT is never acknowledged and each
//                 attempt holds one of the server's peer slots until the server gives it up.
//   process_figures()  VmSize / VmRSS / VmHWM (from /proc/<pid>/status) and the open fd count
//                 (/proc/<pid>/fd) of the server.
//
// Nothing here asserts: the tests do. Threads: each flood owns one std::jthread, stopped and
// joined by stop() or the destructor; stats() may be read from the test thread at any time.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <enet/enet.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace lightwell::test {

struct ProcessFigures {
  long vm_size_kib = -1;  // address space, including reserved but untouched allocations
  long vm_rss_kib = -1;
  long vm_hwm_kib = -1;
  long open_fds = -1;
};

inline ProcessFigures process_figures(pid_t pid) {
  ProcessFigures f;
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  std::ifstream status(proc / "status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) f.vm_size_kib = std::stol(line.substr(7));
    if (line.rfind("VmRSS:", 0) == 0) f.vm_rss_kib = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) f.vm_hwm_kib = std::stol(line.substr(6));
  }
  std::error_code ec;
  long fds = 0;
  for (auto it = std::filesystem::directory_iterator(proc / "fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) f.open_fds = fds;
  return f;
}

// "127.0.0.<first>" … "127.0.0.<first + count - 1>".
inline std::vector<std::string> loopback_sources(int first, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("127.0.0." + std::to_string(first + i));
  return out;
}

class TcpFlood {
 public:
  enum class Mode : std::uint8_t { idle, slowloris };
  struct Target {
    std::uint16_t port = 0;
    Mode mode = Mode::idle;
    std::size_t connections = 0;
    // Slowloris bytes, sent one per second and repeated from `repeat_from` when used up.
    std::string trickle = "GET /serverinfo HTTP/1.1\r\nHost: x\r\nX-a: ";
  };
  struct Stats {
    std::atomic<std::uint64_t> connects{0};          // connect() calls
    std::atomic<std::uint64_t> closed_by_server{0};  // EOF / reset / refused seen by us
    std::atomic<std::uint64_t> bytes_trickled{0};
    std::atomic<std::uint64_t> open_now{0};          // sockets connected or connecting right now
  };

  TcpFlood(std::vector<Target> targets, std::vector<std::string> sources,
           std::chrono::milliseconds reconnect_delay = std::chrono::milliseconds(200))
      : targets_(std::move(targets)), sources_(std::move(sources)), reconnect_delay_(reconnect_delay) {
    // Round robin over the targets, so idle and slowloris connections compete for the same
    // slots from the start instead of the first target taking them all.
    for (std::size_t i = 0, added = 1; added != 0; ++i) {
      added = 0;
      for (std::size_t t = 0; t < targets_.size(); ++t) {
        if (i < targets_[t].connections) {
          slots_.push_back(Slot{t, -1, 0, {}, 0});
          ++added;
        }
      }
    }
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  ~TcpFlood() { stop(); }
  TcpFlood(const TcpFlood&) = delete;
  TcpFlood& operator=(const TcpFlood&) = delete;

  void stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }
  const Stats& stats() const noexcept { return stats_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    std::size_t target;
    int fd;
    std::size_t next_byte;
    Clock::time_point next_action;  // reconnect or next trickled byte
    std::size_t source;
  };

  void open(Slot& s, std::size_t source_index) {
    s.source = source_index % sources_.size();
    s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
      s.next_action = Clock::now() + reconnect_delay_;
      return;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, sources_[s.source].c_str(), &local.sin_addr);
    (void)::bind(s.fd, reinterpret_cast<const sockaddr*>(&local), sizeof local);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(targets_[s.target].port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    (void)::connect(s.fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote);  // EINPROGRESS
    stats_.connects.fetch_add(1, std::memory_order_relaxed);
    stats_.open_now.fetch_add(1, std::memory_order_relaxed);
    s.next_byte = 0;
    // Slowloris: the first byte at once (a request has begun), then one a second.
    s.next_action = targets_[s.target].mode == Mode::slowloris ? Clock::now() : Clock::now() + std::chrono::seconds(1);
  }

  void close(Slot& s, bool by_server) {
    if (s.fd >= 0) {
      ::close(s.fd);
      s.fd = -1;
      stats_.open_now.fetch_sub(1, std::memory_order_relaxed);
      if (by_server) stats_.closed_by_server.fetch_add(1, std::memory_order_relaxed);
    }
    s.next_action = Clock::now() + reconnect_delay_;
  }

  void run(std::stop_token stop) {
    pthread_setname_np(pthread_self(), "tcp-flood");
    std::size_t source_counter = 0;
    // Open everything at once: "hundreds of concurrent connections".
    for (auto& s : slots_) open(s, source_counter++);
    std::vector<pollfd> fds;
    std::vector<std::size_t> slot_of;
    char sink[512];
    while (!stop.stop_requested()) {
      fds.clear();
      slot_of.clear();
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].fd < 0) continue;
        fds.push_back(pollfd{slots_[i].fd, POLLIN, 0});
        slot_of.push_back(i);
      }
      ::poll(fds.data(), fds.size(), 50);
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if ((fds[k].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
        Slot& s = slots_[slot_of[k]];
        const ssize_t n = ::recv(s.fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) close(s, true);
        // n > 0: the server answered something (e.g. a 400 to a half request); keep reading.
      }
      const auto now = Clock::now();
      for (auto& s : slots_) {
        if (now < s.next_action) continue;
        if (s.fd < 0) {
          open(s, source_counter++);
          continue;
        }
        const Target& t = targets_[s.target];
        if (t.mode == Mode::slowloris && !t.trickle.empty()) {
          const char byte = t.trickle[s.next_byte < t.trickle.size() ? s.next_byte : t.trickle.size() - 1];
          const ssize_t n = ::send(s.fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
          if (n == 1) {
            stats_.bytes_trickled.fetch_add(1, std::memory_order_relaxed);
            ++s.next_byte;
          } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN) {
            close(s, true);
            continue;
          }
        }
        s.next_action = now + std::chrono::seconds(1);
      }
    }
    for (auto& s : slots_) close(s, false);
  }

  std::vector<Target> targets_;
  std::vector<std::string> sources_;
  std::chrono::milliseconds reconnect_delay_;
  std::vector<Slot> slots_;  // flood thread only
  Stats stats_;
  std::jthread thread_;  // last: joined before the members above go away
};

class UdpFlood {
 public:
  struct Stats {
    std::atomic<std::uint64_t> datagrams{0};
    std::atomic<std::uint64_t> bytes{0};
  };
  // rate: datagrams per second per port (bounded so the flood does not just measure the CPU).
  UdpFlood(std::vector<std::uint16_t> ports, std::vector<std::string> sources, unsigned rate_per_port = 2000)
      : ports_(std::move(ports)), sources_(std::move(sources)), rate_(rate_per_port) {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  ~UdpFlood() { stop(); }
  UdpFlood(const UdpFlood&) = delete;
  UdpFlood& operator=(const UdpFlood&) = delete;

  void stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }
  const Stats& stats() const noexcept { return stats_; }

 private:
  void run(std::stop_token stop) {
    pthread_setname_np(pthread_self(), "udp-flood");
    std::vector<int> sockets;
    for (const auto& source : sources_) {
      const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
      (void)::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local);
      sockets.push_back(fd);
    }
    std::mt19937 rng(0xAB05E);
    std::vector<std::uint8_t> buffer(4000);
    constexpr auto kTick = std::chrono::milliseconds(10);
    const unsigned per_tick = std::max(1u, rate_ / 100u);
    auto next = std::chrono::steady_clock::now();
    std::size_t k = 0;
    while (!stop.stop_requested() && !sockets.empty()) {
      for (const std::uint16_t port : ports_) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        for (unsigned i = 0; i < per_tick; ++i, ++k) {
          // Mostly MTU-sized or smaller garbage, some empty, one in 50 larger than any MTU.
          std::size_t size = rng() % 1401;
          if (k % 97 == 0) size = 0;
          if (k % 50 == 0) size = 1500 + rng() % 2400;
          for (std::size_t b = 0; b < size; ++b) buffer[b] = static_cast<std::uint8_t>(rng());
          const ssize_t n = ::sendto(sockets[k % sockets.size()], buffer.data(), size, MSG_DONTWAIT,
                                     reinterpret_cast<const sockaddr*>(&to), sizeof to);
          if (n >= 0) {
            stats_.datagrams.fetch_add(1, std::memory_order_relaxed);
            stats_.bytes.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
          }
        }
      }
      next += kTick;
      std::this_thread::sleep_until(next);
    }
    for (const int fd : sockets) ::close(fd);
  }

  std::vector<std::uint16_t> ports_;
  std::vector<std::string> sources_;
  unsigned rate_;
  Stats stats_;
  std::jthread thread_;
};

class EnetHalfOpen {
 public:
  EnetHalfOpen(std::uint16_t port, const std::vector<std::string>& sources, std::size_t per_source) {
    static const int init = enet_initialize();  // process-wide, never undone (no-op on Unix)
    (void)init;
    for (const auto& source : sources) {
      ENetAddress local{};
      enet_address_set_host_ip(&local, source.c_str());
      local.port = 0;
      ENetHost* host = enet_host_create(&local, per_source, 0x30, 0, 0);
      if (host == nullptr) continue;
      hosts_.push_back(host);
      ENetAddress remote{};
      enet_address_set_host_ip(&remote, "127.0.0.1");
      remote.port = port;
      for (std::size_t i = 0; i < per_source; ++i) {
        if (enet_host_connect(host, &remote, 0x30, static_cast<enet_uint32>(0xBAD00000u + i)) != nullptr) ++sent_;
      }
      enet_host_flush(host);  // the CONNECTs leave now; nothing is ever serviced again
    }
  }
  ~EnetHalfOpen() { stop(); }
  EnetHalfOpen(const EnetHalfOpen&) = delete;
  EnetHalfOpen& operator=(const EnetHalfOpen&) = delete;
  // Destroys the hosts without a word to the server (the slots are left to its timeouts).
  void stop() {
    for (ENetHost* h : hosts_) enet_host_destroy(h);
    hosts_.clear();
  }
  std::size_t connects_sent() const noexcept { return sent_; }

 private:
  std::vector<ENetHost*> hosts_;
  std::size_t sent_ = 0;
};

}  // namespace lightwell::test
