// See udp_relay.hpp. One poll loop: listening UDP sockets, one upstream UDP socket per client
// address, TCP listeners and spliced TCP pairs; the poll timeout is the next datagram's due
// time.
#include "udp_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <stdexcept>
#include <thread>

namespace lightwell::test {

namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in address_of(const std::string& ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw std::runtime_error("udp relay: bad address " + ip);
  return a;
}

int bound_socket(int type, const sockaddr_in& at) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::runtime_error(std::string("udp relay: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int buf = 4 * 1024 * 1024;  // an IDR arrives as a burst
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("udp relay: bind: ") + std::strerror(err));
  }
  return fd;
}

bool same(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
}

}  // namespace

struct UdpRelay::Impl {
  struct Listener {
    int fd = -1;
    std::uint16_t port = 0;
  };
  struct Flow {
    int listen_fd = -1;
    sockaddr_in client{};
    int upstream_fd = -1;
  };
  struct Pending {
    Clock::time_point due;
    std::uint64_t order = 0;
    int fd = -1;
    sockaddr_in to{};
    std::vector<std::uint8_t> bytes;
    bool operator>(const Pending& o) const { return due != o.due ? due > o.due : order > o.order; }
  };
  struct TcpPair {
    int a = -1, b = -1;
  };

  UdpRelayOptions options;
  std::vector<Listener> udp_listeners, tcp_listeners;
  std::vector<Flow> flows;
  std::vector<TcpPair> tcp_pairs;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue;
  std::map<int, Clock::time_point> last_due;  // per sending socket (keep_order)
  std::mt19937 random;
  std::uint64_t order = 0;
  mutable std::mutex mutex;  // guards counters
  UdpRelayCounters counters;
  std::jthread thread;

  ~Impl() {
    thread = {};  // request stop + join before the sockets close
    for (auto& l : udp_listeners) ::close(l.fd);
    for (auto& l : tcp_listeners) ::close(l.fd);
    for (auto& f : flows) ::close(f.upstream_fd);
    for (auto& p : tcp_pairs) {
      ::close(p.a);
      ::close(p.b);
    }
  }

  void schedule(int fd, const sockaddr_in& to, const std::uint8_t* data, std::size_t size, bool to_server) {
    const auto jitter_us = options.jitter.count() * 1000;
    std::uniform_int_distribution<long long> dist(-jitter_us, jitter_us);
    const auto now = Clock::now();
    auto due = now + options.delay + std::chrono::microseconds(jitter_us > 0 ? dist(random) : 0);
    if (options.keep_order) {
      auto& last = last_due[fd];
      due = std::max(due, last);
      last = due;
    }
    queue.push(Pending{due, order++, fd, to, std::vector<std::uint8_t>(data, data + size)});
    const double ms = std::chrono::duration<double, std::milli>(due - now).count();
    std::lock_guard lock(mutex);
    (to_server ? counters.to_server : counters.to_client)++;
    if (counters.to_server + counters.to_client == 1 || ms < counters.min_delay_ms) counters.min_delay_ms = ms;
    counters.max_delay_ms = std::max(counters.max_delay_ms, ms);
  }

  Flow& flow_for(int listen_fd, std::uint16_t port, const sockaddr_in& client) {
    for (auto& f : flows) {
      if (f.listen_fd == listen_fd && same(f.client, client)) return f;
    }
    Flow f;
    f.listen_fd = listen_fd;
    f.client = client;
    f.upstream_fd = bound_socket(SOCK_DGRAM, address_of(options.upstream_ip, 0));
    const sockaddr_in server = address_of(options.upstream_ip, port);
    ::connect(f.upstream_fd, reinterpret_cast<const sockaddr*>(&server), sizeof server);
    flows.push_back(f);
    return flows.back();
  }

  void accept_tcp(const Listener& l) {
    const int a = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (a < 0) return;
    const int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in server = address_of(options.upstream_ip, l.port);
    if (b < 0 || ::connect(b, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
      ::close(a);
      if (b >= 0) ::close(b);
      return;
    }
    tcp_pairs.push_back({a, b});
    std::lock_guard lock(mutex);
    ++counters.tcp_connections;
  }

  // Copies what is readable from `from` to `to`; false at EOF or error (the pair is closed:
  // RTSP is one request per connection, rtsp.md §1).
  static bool splice_once(int from, int to) {
    std::uint8_t buf[16384];
    const ssize_t n = ::recv(from, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = ::send(to, buf + done, static_cast<std::size_t>(n - done), MSG_NOSIGNAL);
      if (w < 0) return false;
      done += w;
    }
    return true;
  }

  void run(std::stop_token stop) {
    std::vector<std::uint8_t> buf(65536);
    while (!stop.stop_requested()) {
      // Due datagrams first.
      const auto now = Clock::now();
      while (!queue.empty() && queue.top().due <= now) {
        const Pending& p = queue.top();
        if (p.fd >= 0) {
          if (p.to.sin_port != 0) {
            ::sendto(p.fd, p.bytes.data(), p.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&p.to), sizeof p.to);
          } else {
            ::send(p.fd, p.bytes.data(), p.bytes.size(), 0);
          }
        }
        queue.pop();
      }
      int timeout_ms = 20;
      if (!queue.empty()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(queue.top().due - Clock::now()).count();
        timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 20));
      }
      std::vector<pollfd> fds;
      const std::size_t polled_pairs = tcp_pairs.size();
      for (const auto& l : udp_listeners) fds.push_back({l.fd, POLLIN, 0});
      for (const auto& f : flows) fds.push_back({f.upstream_fd, POLLIN, 0});
      for (const auto& l : tcp_listeners) fds.push_back({l.fd, POLLIN, 0});
      for (const auto& p : tcp_pairs) {
        fds.push_back({p.a, POLLIN, 0});
        fds.push_back({p.b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) continue;
      std::size_t i = 0;
      const std::size_t listeners = udp_listeners.size(), flow_count = flows.size();
      for (std::size_t k = 0; k < listeners; ++k, ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        for (;;) {
          sockaddr_in from{};
          socklen_t len = sizeof from;
          const ssize_t n = ::recvfrom(udp_listeners[k].fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                       reinterpret_cast<sockaddr*>(&from), &len);
          if (n < 0) break;
          Flow& f = flow_for(udp_listeners[k].fd, udp_listeners[k].port, from);
          schedule(f.upstream_fd, sockaddr_in{}, buf.data(), static_cast<std::size_t>(n), true);
        }
      }
      for (std::size_t k = 0; k < flow_count; ++k, ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        for (;;) {
          const ssize_t n = ::recv(flows[k].upstream_fd, buf.data(), buf.size(), MSG_DONTWAIT);
          if (n < 0) break;
          schedule(flows[k].listen_fd, flows[k].client, buf.data(), static_cast<std::size_t>(n), false);
        }
      }
      for (std::size_t k = 0; k < tcp_listeners.size(); ++k, ++i) {
        if (fds[i].revents & POLLIN) accept_tcp(tcp_listeners[k]);
      }
      // Pairs accepted in this round (after polled_pairs) were not polled yet: kept as they are.
      std::vector<TcpPair> alive;
      for (std::size_t k = 0; k < tcp_pairs.size(); ++k, i += 2) {
        const TcpPair p = tcp_pairs[k];
        if (k >= polled_pairs) {
          alive.push_back(p);
          continue;
        }
        const bool a_ok = !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)) || splice_once(p.a, p.b);
        const bool b_ok = !(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) || splice_once(p.b, p.a);
        if (a_ok && b_ok) {
          alive.push_back(p);
        } else {
          ::close(p.a);
          ::close(p.b);
        }
      }
      tcp_pairs = std::move(alive);
    }
  }
};

UdpRelay::UdpRelay(UdpRelayOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->random.seed(impl_->options.seed);
  for (const auto port : impl_->options.udp_ports) {
    impl_->udp_listeners.push_back({bound_socket(SOCK_DGRAM, address_of(impl_->options.listen_ip, port)), port});
  }
  for (const auto port : impl_->options.tcp_ports) {
    const int fd = bound_socket(SOCK_STREAM, address_of(impl_->options.listen_ip, port));
    impl_->tcp_listeners.push_back({fd, port});
    if (::listen(fd, 16) != 0) throw std::runtime_error("udp relay: listen failed");
  }
  impl_->thread = std::jthread([impl = impl_.get()](std::stop_token st) {
    ::pthread_setname_np(::pthread_self(), "lw-udp-relay");
    impl->run(st);
  });
}

UdpRelay::~UdpRelay() = default;

UdpRelayCounters UdpRelay::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace lightwell::test
