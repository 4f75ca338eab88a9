// The send stage of the media path (docs/media-path.md): what one frame costs the "video-send"
// thread before pacing. (1) packetize (+ FEC) and packetize + AES-GCM per frame at frame sizes
// typical for 720p / 1080p at 60 fps; (2) PacedUdpSender throughput on loopback with no
// pacing (spread 0), in datagrams/s and Gbit/s of payload. Figures only, never a verdict.
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "lightwell/net/udp_media.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/video_packetizer.hpp"
#include "report.hpp"

namespace proto = lightwell::proto;
namespace net = lightwell::net;
using lightwell::bench::Figure;
using lightwell::bench::Report;
using udp = boost::asio::ip::udp;

namespace {

struct FrameCase {
  const char* label;
  std::size_t bytes;
};

// CBR frame = bitrate / fps; an IDR is typically 3–6× that (x264 zerolatency, one-frame VBV
// lets it overshoot within the VBV).
constexpr FrameCase kFrames[] = {
    {"720p60-P-20Mbps", 20'000'000 / 8 / 60},
    {"720p60-IDR-20Mbps", 4 * 20'000'000 / 8 / 60},
    {"1080p60-P-40Mbps", 40'000'000 / 8 / 60},
    {"1080p60-IDR-40Mbps", 4 * 40'000'000 / 8 / 60},
};

void bench_packetize(Report& report, double min_seconds) {
  proto::VideoStreamParams params;
  params.packet_size_bytes = 1392;  // moonlight-qt's LAN default (video.md §3)
  params.fec_percentage = 20;
  params.min_required_fec_packets = 2;
  proto::crypto::Key128 key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);

  for (const auto& c : kFrames) {
    std::vector<std::uint8_t> bitstream(c.bytes);
    for (std::size_t i = 0; i < bitstream.size(); ++i) bitstream[i] = static_cast<std::uint8_t>(i * 131 + 7);
    for (const bool encrypt : {false, true}) {
      auto packetizer = proto::VideoPacketizer::create(params).value();
      auto encryptor = proto::crypto::VideoEncryptor::create(key).value();
      std::uint32_t index = 1;
      std::size_t datagrams = 0;
      const double s = lightwell::bench::seconds_per_call(
          [&] {
            proto::VideoFrameInput in;
            in.bitstream = bitstream;
            in.frame_index = index++;
            in.frame_type = proto::VideoFrameType::p_frame;
            auto out = packetizer.packetize(in, encrypt ? &encryptor : nullptr);
            datagrams = out ? out->datagrams.size() : 0;
          },
          min_seconds);
      const std::string name = std::string(encrypt ? "packetize+gcm/" : "packetize/") + c.label + "/" +
                               std::to_string(datagrams) + "dg";
      report.add({name, s * 1e6, "us/frame", "well under one frame interval (16.7 ms at 60 fps)"});
    }
  }
}

// Sends `count` datagrams of `size` bytes per call to a loopback socket that a thread drains.
void bench_sender(Report& report, double min_seconds) {
  boost::asio::io_context io;
  udp::socket rx(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  rx.set_option(udp::socket::receive_buffer_size(4 << 20));
  timeval tv{0, 50'000};
  ::setsockopt(rx.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> received{0};
  std::thread drain([&] {
    std::vector<std::uint8_t> buf(65536);
    while (!done) {
      if (::recv(rx.native_handle(), buf.data(), buf.size(), 0) > 0) received++;
    }
  });

  udp::socket tx(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tx.set_option(udp::socket::send_buffer_size(1 << 20));
  net::PacedUdpSender sender(static_cast<int>(tx.native_handle()));
  const std::size_t size = 1392 + 16;  // S for P = 1392
  const std::size_t count = 256;       // ~ one 1080p IDR at 40 Mbps
  std::vector<std::vector<std::uint8_t>> storage(count, std::vector<std::uint8_t>(size, 0x5A));
  std::vector<proto::Bytes> datagrams(storage.begin(), storage.end());
  std::uint64_t sent = 0, dropped = 0;
  const double s = lightwell::bench::seconds_per_call(
      [&] {
        const auto out = sender.send(datagrams, rx.local_endpoint(), std::chrono::nanoseconds(0));
        sent += out.sent_datagrams;
        dropped += out.dropped_datagrams;
      },
      min_seconds);
  done = true;
  drain.join();
  const double per_second = static_cast<double>(count) / s;
  report.add({"sendmmsg-loopback/1408B/dgram-rate", per_second / 1e3, "k datagrams/s", ""});
  report.add({"sendmmsg-loopback/1408B/payload", per_second * size * 8 / 1e9, "Gbit/s", ""});
  report.add({"sendmmsg-loopback/1408B/drop-share",
              sent + dropped > 0 ? 100.0 * static_cast<double>(dropped) / static_cast<double>(sent + dropped) : 0.0,
              "% dropped (EAGAIN after retries)", ""});
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = lightwell::bench::quick_mode(argc, argv);
  const double min_seconds = quick ? 0.02 : 0.5;
  Report report("bench_send");
  bench_packetize(report, min_seconds);
  bench_sender(report, min_seconds);
  return 0;
}
