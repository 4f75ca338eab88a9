// UDP media sockets (shared/protocol/control.md §6, video.md §2, §5.7): one socket per media
// port (video base+9, audio base+11) that both receives the client's pings and sends the
// media, so the client sees datagrams come back from the port it pinged.
//
// Threads: UdpPingSocket receives on the io_context passed in (the control-plane thread) and
// hands every datagram to its callback there. The media send threads do not touch Asio: they
// take native_handle() once and send with PacedUdpSender (sendmmsg). Sending and receiving
// on one socket from two threads is fine for the kernel; the socket outlives every sender
// (the session's media threads are joined before the socket is stopped).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "lightwell/proto/bytes.hpp"

namespace lightwell::net {

using UdpDatagramHandler =
    std::function<void(std::span<const std::uint8_t> datagram, const boost::asio::ip::udp::endpoint& from)>;

struct UdpPingSocketOptions {
  std::string bind_address = "0.0.0.0";  // "::" = dual stack
  std::uint16_t port = 0;                // 0 = any free port (tests)
  std::size_t send_buffer_bytes = 1 << 20;  // video.md §5.7: Sunshine uses 1 MiB
  int dscp = 0;  // 0 = no tagging; else IP_TOS/IPV6_TCLASS = dscp << 2 (qosTrafficType != 0)
};

class UdpPingSocket {
 public:
  // Binds at once (throws std::system_error naming address and port).
  UdpPingSocket(boost::asio::io_context& io, UdpPingSocketOptions options, UdpDatagramHandler on_datagram);
  ~UdpPingSocket();
  UdpPingSocket(const UdpPingSocket&) = delete;
  UdpPingSocket& operator=(const UdpPingSocket&) = delete;

  // Thread: start() and stop() on the io thread, or while the io_context is not running
  // (Asio sockets are not thread-safe). The handler is never called after stop().
  void start();  // begins receiving (datagrams > 1500 bytes are dropped unread)
  void stop();   // cancels receiving and closes the socket; senders must be gone. Idempotent.
  std::uint16_t port() const noexcept;
  int native_handle() const noexcept;  // for PacedUdpSender; -1 after stop()
  std::uint64_t dropped_oversized() const noexcept;  // datagrams > 1500 bytes seen

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

struct PacingOptions {
  std::size_t max_batch_datagrams = 64;    // one sendmmsg call (Sunshine: ≤ 64 packets, video.md §5.7)
  std::size_t max_batch_bytes = 64 * 1024;
};

struct SendOutcome {
  std::size_t sent_datagrams = 0;
  std::size_t dropped_datagrams = 0;  // ENOBUFS/EAGAIN after retries, or a hard error
  int last_errno = 0;
};

// Batched, paced sender for one socket. Thread: one send thread; not thread-safe (move-only,
// so two threads cannot share one set of batch arrays). After construction it does not
// allocate (the mmsghdr/iovec arrays are sized for one batch). The fd is borrowed: the
// socket must outlive the sender's last send(). Sends use MSG_DONTWAIT whatever the fd's
// mode (Asio makes it non-blocking anyway once it receives on it).
// Destination family: an IPv4 endpoint is sent as ::ffff:a.b.c.d on an AF_INET6 (dual-stack)
// socket, and an IPv4-mapped IPv6 endpoint as plain IPv4 on an AF_INET socket.
class PacedUdpSender {
 public:
  explicit PacedUdpSender(int fd, PacingOptions options = {});
  ~PacedUdpSender();
  PacedUdpSender(PacedUdpSender&&) noexcept;
  PacedUdpSender& operator=(PacedUdpSender&&) noexcept;
  PacedUdpSender(const PacedUdpSender&) = delete;
  PacedUdpSender& operator=(const PacedUdpSender&) = delete;
  // Sends datagrams in order to `to`, in batches, with the batch start times spread evenly
  // over `spread` from now (sleeping between batches; spread 0 = as fast as possible). A
  // datagram the kernel refuses with EAGAIN/ENOBUFS is retried briefly, then counted dropped.
  SendOutcome send(std::span<const proto::Bytes> datagrams, const boost::asio::ip::udp::endpoint& to,
                   std::chrono::nanoseconds spread);

 private:
  int fd_;
  PacingOptions options_;
  int socket_family_ = 0;  // AF_INET / AF_INET6 (SO_DOMAIN at construction; 0 if unknown)
  struct Batch;
  std::unique_ptr<Batch> batch_;
};

}  // namespace lightwell::net
