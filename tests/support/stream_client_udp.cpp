// StreamClient media plane: one UDP socket per stream, v2 pings every 500 ms (control.md §6,
// video.md §2, audio.md §1) and the receive thread feeding the reassemblers
// (stream_client_media.hpp).
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include "lightwell/proto/ping.hpp"
#include "stream_client_impl.hpp"

namespace lightwell::test {
namespace {

constexpr auto kPingInterval = std::chrono::milliseconds(500);

bool is_loopback(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr) >> 24) == 127;
  }
  return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr);
}

// A UDP socket of the host's family, bound to loopback when the host is local, port 0.
int open_udp(const sockaddr_storage& host) {
  const int fd = ::socket(host.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("stream client: socket: ") + std::strerror(errno));
  const int rcvbuf = 4 * 1024 * 1024;  // a large IDR arrives as a burst
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_storage local{};
  socklen_t len = 0;
  if (host.ss_family == AF_INET) {
    auto& in = reinterpret_cast<sockaddr_in&>(local);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(is_loopback(host) ? INADDR_LOOPBACK : INADDR_ANY);
    len = sizeof in;
  } else {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(local);
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = is_loopback(host) ? in6addr_loopback : in6addr_any;
    len = sizeof in6;
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("stream client: bind: ") + std::strerror(errno));
  }
  return fd;
}

sockaddr_storage with_port(sockaddr_storage a, std::uint16_t port) {
  if (a.ss_family == AF_INET) reinterpret_cast<sockaddr_in&>(a).sin_port = htons(port);
  else reinterpret_cast<sockaddr_in6&>(a).sin6_port = htons(port);
  return a;
}

}  // namespace

void StreamClient::Impl::open_media_sockets() {
  if (audio_socket < 0) audio_socket = open_udp(host_address);
  if (video_socket < 0) video_socket = open_udp(host_address);
}

void StreamClient::Impl::close_media_sockets() {
  if (audio_socket >= 0) ::close(audio_socket);
  if (video_socket >= 0) ::close(video_socket);
  audio_socket = video_socket = -1;
}

void StreamClient::Impl::start_pings() {
  if (ping_thread.joinable()) return;
  ping_thread = std::jthread([this](std::stop_token st) {
    name_this_thread("lw-client-ping");
    run_pings(st);
  });
}

void StreamClient::Impl::run_pings(std::stop_token stop) {
  // Wake the 500 ms wait below as soon as a stop is requested.
  std::stop_callback wake(stop, [this] {
    std::lock_guard lock(mutex);
    cv.notify_all();
  });
  std::uint16_t audio_port = 0, video_port = 0;
  {
    std::lock_guard lock(mutex);
    audio_port = handshake.audio_port;
  }
  // Without a valid 16-character payload the client sends the legacy "PING" (control.md §6).
  const auto payload = proto::parse_ping_payload(ping_payload);
  std::uint32_t audio_seq = 0, video_seq = 0;
  auto send_ping = [&](int fd, std::uint16_t port, std::uint32_t& seq) {
    const auto to = with_port(host_address, port);
    if (payload) {
      const auto ping = proto::build_udp_ping(*payload, ++seq);
      ::sendto(fd, ping.data(), ping.size(), 0, reinterpret_cast<const sockaddr*>(&to), host_address_len);
    } else {
      ::sendto(fd, proto::kLegacyPing.data(), proto::kLegacyPing.size(), 0, reinterpret_cast<const sockaddr*>(&to),
               host_address_len);
    }
  };
  std::unique_lock lock(mutex);
  while (!stop.stop_requested()) {
    const bool video = video_pings_enabled;
    if (video) video_port = handshake.video_port;
    lock.unlock();
    send_ping(audio_socket, audio_port, audio_seq);
    if (video) send_ping(video_socket, video_port, video_seq);
    lock.lock();
    ++counters.audio_pings;
    if (video) ++counters.video_pings;
    // Wake early when video pings get enabled or on stop.
    const bool was_video = video;
    cv.wait_for(lock, kPingInterval, [&] { return stop.stop_requested() || (!was_video && video_pings_enabled); });
  }
}

void StreamClient::Impl::start_media_receiver() {
  media_thread = std::jthread([this](std::stop_token st) {
    name_this_thread("lw-client-media");
    run_media_receiver(st);
  });
}

void StreamClient::Impl::run_media_receiver(std::stop_token stop) {
  VideoReassemblerOptions video_options;
  video_options.packet_size_bytes = negotiation.packet_size_bytes;
  if (negotiation.video_encrypted) video_options.key = options.rikey;
  video_options.drop_one_packet_per_fec_block = options.drop_one_packet_per_fec_block;
  AudioReassemblerOptions audio_options;
  audio_options.packet_duration_ms = negotiation.audio_packet_duration_ms;
  if (negotiation.audio_encrypted) audio_options.key = options.rikey;
  audio_options.rikeyid = options.rikeyid;
  audio_options.drop_one_packet_per_fec_block = options.drop_one_packet_per_fec_block;
  VideoReassembler video(video_options);
  AudioReassembler audio_r(audio_options);

  std::vector<std::uint8_t> buf(65536);
  pollfd fds[2] = {{video_socket, POLLIN, 0}, {audio_socket, POLLIN, 0}};
  while (!stop.stop_requested()) {
    if (::poll(fds, 2, 50) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      // Drain what is queued on this socket.
      while (true) {
        const ssize_t n = ::recv(fds[i].fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) break;
        const std::span<const std::uint8_t> datagram(buf.data(), static_cast<std::size_t>(n));
        if (i == 0) {
          auto completed = video.push(datagram);
          const std::uint64_t lost = video.take_new_losses();
          {
            std::lock_guard lock(mutex);
            const auto& c = video.counters();
            counters.video_datagrams = c.datagrams;
            counters.video_dropped_on_purpose = c.dropped_on_purpose;
            counters.video_frames_complete = c.frames_complete;
            counters.video_frames_lost = c.frames_lost;
            counters.video_fec_recoveries = c.fec_recoveries;
            counters.video_malformed = c.malformed;
            for (auto& f : completed) frames.push_back(std::move(f));
          }
          // The client asks for an IDR whenever a frame is lost (video.md §7, no RFI here).
          if (lost > 0) queue_command({ControlCommand::Kind::send, 0x0302, {0, 0}, 1});
        } else {
          auto packets = audio_r.push(datagram);
          std::lock_guard lock(mutex);
          const auto& c = audio_r.counters();
          counters.audio_datagrams = c.datagrams;
          counters.audio_fec_datagrams = c.fec_datagrams;
          counters.audio_dropped_on_purpose = c.dropped_on_purpose;
          counters.audio_fec_recoveries = c.fec_recoveries;
          counters.audio_packets_lost = c.packets_lost;
          counters.audio_malformed = c.malformed;
          for (auto& p : packets) audio.push_back(std::move(p));
        }
        cv.notify_all();
      }
    }
  }
}

}  // namespace lightwell::test
