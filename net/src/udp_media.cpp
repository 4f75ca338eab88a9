// UdpPingSocket: the per-port media socket that receives the client's pings (control.md §6)
// and whose descriptor the media threads send from (udp_media.hpp). The paced sender is in
// udp_media_send.cpp.
#include "lightwell/net/udp_media.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <system_error>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>

namespace lightwell::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

// The largest ping or other datagram we accept (video.md §2: pings are 4 or 20 bytes; 1500 is
// an Ethernet MTU). One byte more in the buffer tells an oversized datagram apart: the kernel
// truncates it to the buffer and reports the truncated length.
constexpr std::size_t kMaxDatagramBytes = 1500;

[[noreturn]] void throw_bind_error(const boost::system::error_code& ec, const UdpPingSocketOptions& o,
                                   const char* step) {
  throw std::system_error(ec.value(), std::system_category(),
                          "UDP media socket " + o.bind_address + " port " + std::to_string(o.port) + ": " +
                              step);
}

// DSCP lives in the upper six bits of the IPv4 TOS / IPv6 traffic class byte. On a dual-stack
// socket IPv4-mapped peers use IP_TOS, so both are set there (IP_TOS may fail on a v6-only
// stack; that only loses tagging toward IPv4 peers).
void apply_dscp(udp::socket& socket, bool v6, int dscp, const UdpPingSocketOptions& o) {
  if (dscp <= 0) return;
  const int tos = (dscp & 0x3F) << 2;
  const int fd = socket.native_handle();
  if (v6) {
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos) != 0)
      throw_bind_error({errno, boost::system::system_category()}, o, "IPV6_TCLASS");
    (void)::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  } else if (::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) != 0) {
    throw_bind_error({errno, boost::system::system_category()}, o, "IP_TOS");
  }
}

}  // namespace

struct UdpPingSocket::Impl : std::enable_shared_from_this<UdpPingSocket::Impl> {
  Impl(asio::io_context& io, UdpPingSocketOptions o, UdpDatagramHandler h)
      : options(std::move(o)), handler(std::move(h)), socket(io) {}

  void open_and_bind() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.bind_address, ec);
    if (ec) throw_bind_error(ec, options, "invalid bind address");
    const udp::endpoint endpoint(address, options.port);
    socket.open(endpoint.protocol(), ec);
    if (ec) throw_bind_error(ec, options, "socket");
    if (address.is_v6()) {
      // "::" serves IPv4 clients too (as ::ffff:a.b.c.d); IPV6_V6ONLY's default is a sysctl.
      socket.set_option(asio::ip::v6_only(false), ec);
      if (ec) throw_bind_error(ec, options, "IPV6_V6ONLY off");
    }
    if (options.send_buffer_bytes > 0) {
      socket.set_option(udp::socket::send_buffer_size(static_cast<int>(options.send_buffer_bytes)), ec);
      if (ec) throw_bind_error(ec, options, "SO_SNDBUF");
    }
    apply_dscp(socket, address.is_v6(), options.dscp, options);
    socket.bind(endpoint, ec);
    if (ec) throw_bind_error(ec, options, "bind");
    port = socket.local_endpoint().port();
  }

  void receive() {
    socket.async_receive_from(asio::buffer(buffer), from,
                              [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                self->on_receive(ec, n);
                              });
  }

  void on_receive(const boost::system::error_code& ec, std::size_t n) {
    if (stopped || ec == asio::error::operation_aborted || !socket.is_open()) return;
    if (!ec) {
      if (n > kMaxDatagramBytes) {
        dropped_oversized.fetch_add(1, std::memory_order_relaxed);
      } else if (handler) {
        handler(std::span<const std::uint8_t>(buffer.data(), n), from);
        if (stopped) return;  // the handler may have stopped us
      }
    }
    // Other errors (e.g. ECONNREFUSED from an earlier ICMP error) do not end the socket: the
    // client keeps pinging for the whole session.
    receive();
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  }

  UdpPingSocketOptions options;
  UdpDatagramHandler handler;
  udp::socket socket;
  std::uint16_t port = 0;
  bool stopped = false;
  bool started = false;
  std::atomic<std::uint64_t> dropped_oversized{0};
  std::array<std::uint8_t, kMaxDatagramBytes + 1> buffer{};
  udp::endpoint from;
};

UdpPingSocket::UdpPingSocket(asio::io_context& io, UdpPingSocketOptions options, UdpDatagramHandler on_datagram)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(on_datagram))) {
  impl_->open_and_bind();
}

UdpPingSocket::~UdpPingSocket() { stop(); }

void UdpPingSocket::start() {
  if (impl_->stopped || impl_->started) return;
  impl_->started = true;
  impl_->receive();
}

void UdpPingSocket::stop() { impl_->stop(); }

std::uint16_t UdpPingSocket::port() const noexcept { return impl_->port; }

int UdpPingSocket::native_handle() const noexcept {
  return impl_->socket.is_open() ? static_cast<int>(impl_->socket.native_handle()) : -1;
}

std::uint64_t UdpPingSocket::dropped_oversized() const noexcept {
  return impl_->dropped_oversized.load(std::memory_order_relaxed);
}

}  // namespace lightwell::net
