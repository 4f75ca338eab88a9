// Wire readers and the fakes' deterministic payloads for the MediaSession tests, with no
// Lightwell include: proto's stream_params.hpp (via media_session.hpp) and
// video_packetizer.hpp (via crypto/media_cipher.hpp) both define proto::VideoCodec, so the
// encryption tests live in a translation unit that cannot include media_session.hpp and reach
// the session through capture_encrypted_stream() below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace media_test {

using Datagram = std::vector<std::uint8_t>;

// Deterministic access unit for a source frame: Annex-B start code, a NAL header byte that
// says IDR (0x65) or not (0x41), the sequence (LE64), then a pattern; 200..2700 bytes, so frames
// span one to three 1008-byte payloads.
inline void fill_fake_bitstream(Datagram& out, std::uint64_t sequence, bool idr) {
  out.resize(200 + (sequence * 997) % 2500);  // within capacity after the first 2700 bytes
  out[0] = 0, out[1] = 0, out[2] = 0, out[3] = 1;
  out[4] = idr ? 0x65 : 0x41;
  for (int i = 0; i < 8; ++i) out[5 + i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  for (std::size_t i = 13; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>((sequence + i) * 13);
}
inline Datagram fake_bitstream(std::uint64_t sequence, bool idr) {
  Datagram out;
  fill_fake_bitstream(out, sequence, idr);
  return out;
}
inline std::optional<std::pair<std::uint64_t, bool>> decode_fake_bitstream(const Datagram& b) {
  if (b.size() < 13) return std::nullopt;
  std::uint64_t seq = 0;
  for (int i = 0; i < 8; ++i) seq |= std::uint64_t(b[5 + i]) << (8 * i);
  return std::make_pair(seq, b[4] == 0x65);
}

constexpr std::size_t kFakeOpusBytes = 60;  // 96 kbps × 5 ms (audio.md §2.5)

// Packet n: LE32 n, then a pattern.
inline Datagram fake_opus_packet(std::uint32_t n) {
  Datagram out(kFakeOpusBytes);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(n >> (8 * i));
  for (std::size_t i = 4; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(n * 7 + i);
  return out;
}

inline std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
inline std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
inline std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}
inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// One plaintext video datagram (video.md §3).
struct VideoPacket {
  std::uint8_t rtp_flags = 0;
  std::uint16_t seq = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t stream_packet_index = 0;
  std::uint32_t frame_index = 0;
  std::uint8_t flags = 0;
  std::uint8_t multi_fec_flags = 0;
  std::uint8_t multi_fec_blocks = 0;
  std::uint32_t data_shards = 0, shard_index = 0, fec_pct = 0;
  Datagram payload;  // bytes after the 32-byte header
  bool is_data() const { return shard_index < data_shards; }
};

inline VideoPacket parse_video(const Datagram& d) {
  VideoPacket p;
  p.rtp_flags = d[0];
  p.seq = be16(&d[2]);
  p.timestamp = be32(&d[4]);
  p.stream_packet_index = le32(&d[16]);
  p.frame_index = le32(&d[20]);
  p.flags = d[24];
  p.multi_fec_flags = d[26];
  p.multi_fec_blocks = d[27];
  const std::uint32_t fec = le32(&d[28]);
  p.data_shards = fec >> 22;
  p.shard_index = (fec >> 12) & 0x3FF;
  p.fec_pct = (fec >> 4) & 0xFF;
  p.payload.assign(d.begin() + 32, d.end());
  return p;
}

struct VideoFrame {
  std::uint32_t index = 0;
  std::uint32_t timestamp = 0;
  std::uint8_t header_type = 0;
  std::uint16_t latency_100us = 0;
  std::uint8_t frame_type = 0;
  Datagram bitstream;  // without the 8-byte frame header, padding removed via lastPayloadLen
};

// Reassembles the complete frames (no loss expected on loopback) from plaintext datagrams in
// arrival order: data shards of a frame concatenated, cut to (N-1)·L + lastPayloadLen
// (video.md §4.2), frame header stripped. A frame is complete at the EOF packet of its last
// FEC block.
inline std::vector<VideoFrame> reassemble(const std::vector<VideoPacket>& packets) {
  std::vector<VideoFrame> out;
  std::map<std::uint32_t, std::vector<const VideoPacket*>> data;
  for (const auto& p : packets) {
    if (!p.is_data()) continue;
    data[p.frame_index].push_back(&p);
    const unsigned last_block = p.multi_fec_blocks >> 6, block = (p.multi_fec_blocks >> 4) & 3;
    if (!(p.flags & 0x02) || block != last_block) continue;
    const auto& parts = data[p.frame_index];
    Datagram f;
    for (const auto* part : parts) f.insert(f.end(), part->payload.begin(), part->payload.end());
    const std::size_t L = p.payload.size();
    if (f.size() < 8) continue;
    const std::uint16_t last_len = le16(&f[4]);
    const std::size_t total = (parts.size() - 1) * L + last_len;
    if (total < 8 || total > f.size()) continue;
    VideoFrame frame;
    frame.index = p.frame_index;
    frame.timestamp = p.timestamp;
    frame.header_type = f[0];
    frame.latency_100us = le16(&f[1]);
    frame.frame_type = f[3];
    frame.bitstream.assign(f.begin() + 8, f.begin() + static_cast<std::ptrdiff_t>(total));
    out.push_back(std::move(frame));
  }
  return out;
}

// Runs a session on the fakes with video and audio encryption on (key and rikeyid as in
// small_config) until at least `video_datagrams` video and `audio_datagrams` audio datagrams
// arrived; returns what arrived (test_media_session.cpp).
struct CapturedStream {
  std::vector<Datagram> video;
  std::vector<Datagram> audio;
  std::array<std::uint8_t, 16> key{};
  std::int32_t rikeyid = 0;
  std::size_t packet_size = 0;
};
CapturedStream capture_encrypted_stream(std::size_t video_datagrams, std::size_t audio_datagrams);

}  // namespace media_test
