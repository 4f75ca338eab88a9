// The receiving half of the test client's media path, without sockets (so it can be tested
// against the captured vectors): video datagrams -> whole frames (video.md §3-§7, §9,
// fec.md), audio datagrams -> Opus packets in sequence order (audio.md §3-§5, fec.md §3).
//
// What it does as moonlight-common-c does (RtpVideoQueue.c, VideoDepacketizer.c,
// RtpAudioQueue.c, AudioStream.c, facts only):
//  - video: decrypt the 32-byte-prefixed datagram (AES-GCM, key rikey) when encryption is on;
//    group shards by frameIndex and FEC block (multiFecBlocks), block base = seq - shardIndex,
//    Pn = (D * pct + 99) / 100; a block is complete with all D data shards or any D of the
//    D + Pn shards, then missing data shards are rebuilt by Reed-Solomon over the WHOLE
//    S = P + 16-byte plaintext datagrams (headers included: only streamPacketIndex, flags,
//    extraFlags and payload of a rebuilt shard are trusted, video.md §5.5); the data
//    payloads of all blocks are concatenated, the 8-byte frame header (type 0x01) read and
//    the frame trimmed to (N-1)*L + lastPayloadLen (video.md §4.2);
//  - a frame (or block) that cannot be completed when a packet of a later block or frame
//    arrives is given up (lost), as are frame indices that never showed up at all;
//  - recovered and received data shards are checked: PICDATA on all, SOF exactly on shard 0,
//    EOF exactly on shard D-1, streamPacketIndex consecutive inside a block;
//  - audio: payload type 97 data / 127 FEC; blocks of 4 data + 2 FEC (fixed matrix) over the
//    payloads as sent (ciphertext when encrypted); recovered packets take seq = base + i and
//    timestamp = baseTimestamp + i * packetDuration from the FEC header; data payloads are
//    decrypted with AES-CBC, IV = BE32(rikeyid + seq) || 0^12; output strictly in sequence
//    order, starting at the first block boundary at or after the first packet seen.
// What it does NOT do: jitter buffering, RFI, FEC status messages (0x5502), the client's
// "drop the first 500 ms of audio", Opus concealment (a lost audio packet is only counted),
// tolerating datagrams that are not exactly S bytes (ours are stricter than the client's:
// every video datagram must be exactly P + 16 bytes, P + 48 encrypted).
//
// Thread rules: none of these classes is thread-safe; the stream client uses them from its
// single media receive thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "stream_client.hpp"

namespace lightwell::test {

// Fields of one plaintext video datagram header (video.md §3.1-§3.2).
struct VideoShardHeader {
  std::uint16_t sequence_number = 0;
  std::uint32_t rtp_timestamp_90khz = 0;
  std::uint32_t stream_packet_index = 0;  // (LE32 >> 8) & 0xFFFFFF
  std::uint32_t frame_index = 0;
  std::uint8_t flags = 0;
  std::uint8_t block_index = 0;       // multiFecBlocks bits 5..4
  std::uint8_t last_block_index = 0;  // multiFecBlocks bits 7..6
  std::uint16_t data_shards = 0;      // D
  std::uint16_t shard_index = 0;
  std::uint8_t fec_percentage = 0;
  std::uint16_t parity_shards = 0;    // (D * pct + 99) / 100
};
// Parses the 32 header bytes; nullopt if the datagram is shorter than 32 bytes, byte 0 is not
// 0x90, D is 0 or the shard index is beyond D + Pn.
std::optional<VideoShardHeader> parse_video_shard_header(std::span<const std::uint8_t> datagram);

struct VideoReassemblerOptions {
  std::uint32_t packet_size_bytes = 1392;  // negotiated P (after the -32 for encryption)
  std::optional<std::array<std::uint8_t, 16>> key;  // set: every datagram is encrypted (video.md §9)
  bool drop_one_packet_per_fec_block = false;       // drop data shard (frame+block) % D of blocks with Pn >= 1
};

struct VideoReassemblyCounters {
  std::uint64_t datagrams = 0, dropped_on_purpose = 0, frames_complete = 0, frames_lost = 0,
                fec_recoveries = 0, malformed = 0, late_or_duplicate = 0;
};

class VideoReassembler {
 public:
  explicit VideoReassembler(VideoReassemblerOptions options);
  ~VideoReassembler();
  VideoReassembler(VideoReassembler&&) noexcept;
  VideoReassembler& operator=(VideoReassembler&&) noexcept;

  // One UDP payload as received. Returns the frames it completed (in frame order). Frames
  // given up because of this datagram raise counters().frames_lost (and lost_since_last()).
  std::vector<ReceivedVideoFrame> push(std::span<const std::uint8_t> datagram);
  const VideoReassemblyCounters& counters() const noexcept { return counters_; }
  // Frames given up since the previous call (the client requests an IDR for them).
  std::uint64_t take_new_losses() noexcept;

 private:
  struct State;
  VideoReassemblerOptions options_;
  VideoReassemblyCounters counters_;
  std::uint64_t reported_losses_ = 0;
  std::unique_ptr<State> state_;
};

struct AudioReassemblerOptions {
  std::uint32_t packet_duration_ms = 5;
  std::optional<std::array<std::uint8_t, 16>> key;  // set: data payloads are AES-CBC encrypted
  std::int32_t rikeyid = 0;
  bool drop_one_packet_per_fec_block = false;  // drop data packet (base/4) % 4 of every block
};

struct AudioReassemblyCounters {
  std::uint64_t datagrams = 0, fec_datagrams = 0, dropped_on_purpose = 0, fec_recoveries = 0,
                packets_lost = 0, malformed = 0;
};

class AudioReassembler {
 public:
  explicit AudioReassembler(AudioReassemblerOptions options);
  ~AudioReassembler();
  AudioReassembler(AudioReassembler&&) noexcept;
  AudioReassembler& operator=(AudioReassembler&&) noexcept;

  // One UDP payload. Returns the packets that became deliverable, in sequence order.
  std::vector<ReceivedAudioPacket> push(std::span<const std::uint8_t> datagram);
  const AudioReassemblyCounters& counters() const noexcept { return counters_; }

 private:
  struct State;
  AudioReassemblerOptions options_;
  AudioReassemblyCounters counters_;
  std::unique_ptr<State> state_;
};

}  // namespace lightwell::test
