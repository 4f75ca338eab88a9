// PacedUdpSender (udp_media.hpp): one frame's datagrams in sendmmsg batches whose start times
// are spread over a given interval (video.md §5.7: unpaced bursts of a large IDR overflow the
// client's socket buffer and look like loss). No allocation after construction.
#include "lightwell/net/udp_media.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace lightwell::net {

namespace {

using std::chrono::nanoseconds;

// video.md §5.7 / Sunshine: at most 64 datagrams per call; Linux caps vlen at UIO_MAXIOV.
constexpr std::size_t kMaxVlen = 1024;
// A full socket buffer (EAGAIN) or device queue (ENOBUFS) usually drains within a fraction of a
// millisecond; wait this long at most per attempt, this many times per batch, then drop.
constexpr int kRetryPollMs = 1;
constexpr int kRetryAttempts = 4;
constexpr long kNoBufsBackoffNs = 200'000;

timespec to_timespec(nanoseconds since_epoch) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(since_epoch.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(since_epoch.count() % 1'000'000'000);
  return ts;
}

nanoseconds monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return nanoseconds(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

// Sleeps until an absolute CLOCK_MONOTONIC time (no drift from a relative sleep; returns at
// once when the time has passed, so a late sender does not sleep at all).
void sleep_until(nanoseconds deadline) {
  if (deadline <= monotonic_now()) return;
  const timespec ts = to_timespec(deadline);
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

int socket_domain(int fd) {
  int domain = 0;
  socklen_t len = sizeof domain;
  if (fd < 0 || ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return 0;
  return domain;
}

// Fills `out` with `to` in the socket's family. Returns the address length, 0 if impossible
// (an IPv6 destination on an IPv4 socket).
socklen_t destination_for(int family, const boost::asio::ip::udp::endpoint& to, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  const auto address = to.address();
  if (family == AF_INET6 && address.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(to.port());
    const auto mapped = boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
    std::memcpy(&sa->sin6_addr, mapped.data(), mapped.size());
    return sizeof(sockaddr_in6);
  }
  if (family == AF_INET && address.is_v6()) {
    const auto v6 = address.to_v6();
    if (!v6.is_v4_mapped()) return 0;
    auto* sa = reinterpret_cast<sockaddr_in*>(&out);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(to.port());
    const auto v4 = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes();
    std::memcpy(&sa->sin_addr, v4.data(), v4.size());
    return sizeof(sockaddr_in);
  }
  const auto size = static_cast<std::size_t>(to.size());
  if (size > sizeof out) return 0;
  std::memcpy(&out, to.data(), size);
  return static_cast<socklen_t>(size);
}

bool is_transient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == EINTR; }

}  // namespace

// The arrays for one sendmmsg call, sized at construction.
struct PacedUdpSender::Batch {
  explicit Batch(std::size_t n) : messages(n), iovecs(n) {}
  std::vector<mmsghdr> messages;
  std::vector<iovec> iovecs;
  sockaddr_storage destination{};
};

PacedUdpSender::PacedUdpSender(int fd, PacingOptions options)
    : fd_(fd), options_(options), socket_family_(socket_domain(fd)) {
  options_.max_batch_datagrams = std::clamp<std::size_t>(options_.max_batch_datagrams, 1, kMaxVlen);
  options_.max_batch_bytes = std::max<std::size_t>(options_.max_batch_bytes, 1);
  batch_ = std::make_unique<Batch>(options_.max_batch_datagrams);
}

PacedUdpSender::~PacedUdpSender() = default;
PacedUdpSender::PacedUdpSender(PacedUdpSender&&) noexcept = default;
PacedUdpSender& PacedUdpSender::operator=(PacedUdpSender&&) noexcept = default;

SendOutcome PacedUdpSender::send(std::span<const proto::Bytes> datagrams, const boost::asio::ip::udp::endpoint& to,
                                 std::chrono::nanoseconds spread) {
  SendOutcome outcome;
  if (datagrams.empty()) return outcome;
  Batch& b = *batch_;
  const socklen_t address_bytes = destination_for(socket_family_, to, b.destination);
  if (address_bytes == 0 || fd_ < 0) {
    outcome.dropped_datagrams = datagrams.size();
    outcome.last_errno = fd_ < 0 ? EBADF : EAFNOSUPPORT;
    return outcome;
  }

  // Batch boundaries: at most max_batch_datagrams and max_batch_bytes each (a single larger
  // datagram is a batch of its own). Counted first so the start times can be spread evenly.
  const auto batch_end = [&](std::size_t first) {
    std::size_t end = first, bytes = 0;
    while (end < datagrams.size() && end - first < options_.max_batch_datagrams &&
           (end == first || bytes + datagrams[end].size() <= options_.max_batch_bytes)) {
      bytes += datagrams[end].size();
      ++end;
    }
    return end;
  };
  std::size_t batches = 0;
  for (std::size_t i = 0; i < datagrams.size(); i = batch_end(i)) ++batches;

  const nanoseconds start = monotonic_now();
  const nanoseconds step = spread.count() > 0 ? spread / static_cast<std::int64_t>(batches) : nanoseconds(0);
  std::size_t batch_index = 0;
  for (std::size_t first = 0; first < datagrams.size(); ++batch_index) {
    const std::size_t end = batch_end(first);
    if (batch_index > 0 && step.count() > 0) sleep_until(start + step * static_cast<std::int64_t>(batch_index));

    const std::size_t count = end - first;
    for (std::size_t i = 0; i < count; ++i) {
      const proto::Bytes d = datagrams[first + i];
      b.iovecs[i].iov_base = const_cast<std::uint8_t*>(d.data());
      b.iovecs[i].iov_len = d.size();
      msghdr& h = b.messages[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &b.destination;
      h.msg_namelen = address_bytes;
      h.msg_iov = &b.iovecs[i];
      h.msg_iovlen = 1;
      b.messages[i].msg_len = 0;
    }

    std::size_t done = 0;
    int attempts = 0;
    while (done < count) {
      const int n = ::sendmmsg(fd_, b.messages.data() + done, static_cast<unsigned>(count - done), MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        outcome.sent_datagrams += static_cast<std::size_t>(n);
        continue;
      }
      const int err = n < 0 ? errno : EAGAIN;
      if (err == EINTR) continue;
      outcome.last_errno = err;
      if (is_transient(err) && attempts < kRetryAttempts) {
        ++attempts;
        if (err == ENOBUFS) {
          // The device queue is full: POLLOUT says nothing about it, so back off briefly.
          const timespec pause{0, kNoBufsBackoffNs};
          ::nanosleep(&pause, nullptr);
        } else {
          pollfd p{fd_, POLLOUT, 0};
          (void)::poll(&p, 1, kRetryPollMs);
        }
        continue;
      }
      if (is_transient(err)) {
        // Still full after the retries: give up on the rest of this batch, the next batch
        // (later in the spread) gets a fresh chance.
        outcome.dropped_datagrams += count - done;
        done = count;
      } else {
        // A hard error on the first datagram of the remainder: drop it, go on with the rest.
        ++outcome.dropped_datagrams;
        ++done;
      }
    }
    first = end;
  }
  return outcome;
}

}  // namespace lightwell::net
