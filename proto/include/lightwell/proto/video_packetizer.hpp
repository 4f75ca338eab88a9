// Video packetizer (shared/protocol/video.md §3–§6, §9 framing): cuts one encoded frame into
// fixed-size RTP + NV_VIDEO_PACKET datagrams, splits them into up to 4 Reed–Solomon blocks,
// computes parity (fec.md) and optionally lets a sealer encrypt every datagram in place.
//
// Buffers and ownership (docs/packetizers.md): the packetizer owns one shard arena. Each
// datagram has a slot of [32-byte encryption prefix][S = packetSize + 16 bytes], 64-byte
// aligned. packetize() copies the frame's bitstream once into the slots, writes the headers,
// encodes parity in place over the plaintext shards, then (if a sealer is given) encrypts
// every slot in place. It returns spans into the arena that stay valid until the next
// packetize() call, a move, or destruction. The arena only grows (when a frame needs more
// slots than ever before), so after warm-up packetizing does not allocate.
//
// Pure: no clocks, no I/O. Frame index, RTP timestamp, latency and the first sequence
// number are inputs; the sequence counter is state. Thread: one packetizer per send thread
// (not thread-safe; it holds a fec::EncoderCache).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/fec.hpp"
#include "lightwell/proto/result.hpp"
#include "lightwell/proto/stream_params.hpp"

namespace lightwell::proto {

// Wire constants (video.md §3, §4, §5, §9).
inline constexpr std::size_t kVideoRtpHeaderBytes = 16;       // 12-byte RTP + 4 extension bytes
inline constexpr std::size_t kVideoPacketHeaderBytes = 32;    // RTP part + NV_VIDEO_PACKET (16)
inline constexpr std::size_t kVideoFrameHeaderBytes = 8;      // short frame header, type 0x01
inline constexpr std::size_t kVideoEncryptionPrefixBytes = 32;  // IV 12 + frameNumber 4 + tag 16
inline constexpr std::size_t kVideoMaxFecBlocks = 4;
inline constexpr std::size_t kVideoMaxShardsPerBlock = 1023;  // 10-bit shard index in fecInfo
// Accepted negotiated packet sizes (x-nv-video[0].packetSize). The client always sends a
// multiple of 16 (video.md §3, fec.md §6); the RTSP layer rounds down as the client does.
// 32 is the smallest size that leaves 16 payload bytes per packet; the largest keeps an
// encrypted datagram (P + 48) inside one UDP datagram (65507 bytes).
inline constexpr std::size_t kVideoMinPacketSize = 32;
inline constexpr std::size_t kVideoMaxPacketSize = 65456;
inline constexpr unsigned kVideoMaxFecPercentage = 255;  // 8-bit pct field (video.md §3.2)

// Frame header byte 3 (video.md §4.1).
enum class VideoFrameType : std::uint8_t { p_frame = 1, idr = 2, intra_refresh = 4, after_rfi = 5 };

// The codec does not change the layout (video.md §4.2, §10): lastPayloadLen is always written
// exactly; the client uses it only for AV1 (and other non-Annex-B codecs) to strip the zero
// padding of the last packet. H.264/HEVC padding reaches the decoder as legal trailing zeros.
// VideoCodec is the ANNOUNCE's bitStreamFormat type (stream_params.hpp): one type for both.

struct VideoStreamParams {
  std::size_t packet_size_bytes = 1392;     // negotiated P (already reduced by 32 when encrypted)
  unsigned fec_percentage = 20;             // host setting, 0 (no parity) .. 255
  unsigned min_required_fec_packets = 2;    // x-nv-vqos[0].fec.minRequiredFecPackets (0..255)
  std::uint16_t first_sequence_number = 0;  // video.md §6: start at 0 (must be < 32768)
  VideoCodec codec = VideoCodec::h264;
};

// One encoded frame. bitstream is borrowed for the duration of the call (copied once).
struct VideoFrameInput {
  Bytes bitstream;                           // access unit / temporal unit, without frame header
  std::uint32_t frame_index = 1;             // video.md §6: starts at 1, +1 per frame, never 0
  std::uint32_t rtp_timestamp_90khz = 0;     // video.md §3.1
  std::uint16_t processing_latency_100us = 0;  // video.md §4.1, 0 = unknown
  VideoFrameType frame_type = VideoFrameType::p_frame;
};

// One FEC block of a frame as sent (video.md §5.2–§5.3).
struct VideoFecBlock {
  std::uint16_t data_shards = 0;    // D
  std::uint16_t parity_shards = 0;  // Pn (0 when the frame goes without FEC)
  std::uint8_t fec_percentage = 0;  // pct written into fecInfo; (D*pct+99)/100 == Pn
  std::uint16_t first_data_packet = 0;  // index of its first data packet within the frame
};

// Layout of a frame, computed before any byte is written (pure; exposed for tests and for
// FEC status bookkeeping).
struct VideoFramePlan {
  std::size_t data_packets = 0;      // N
  std::size_t total_datagrams = 0;   // N + all parity
  std::uint16_t last_payload_len = 0;  // video.md §4.2
  bool fec_enabled = false;          // false for fec 0 or frames needing > 4 blocks
  std::size_t block_count = 0;
  std::array<VideoFecBlock, kVideoMaxFecBlocks> blocks{};
};

// Validates params (see the constants above); out_of_range names the field.
Result<void> validate(const VideoStreamParams& params);
// video.md §5.1–§5.3 for a bitstream of bitstream_bytes. Fails for an empty frame (malformed)
// and for a frame whose blocks would exceed 1023 shards (too_large: even without FEC the
// client cannot index it; the caller should request a smaller frame / IDR at lower rate).
Result<VideoFramePlan> plan_video_frame(const VideoStreamParams& params, std::size_t bitstream_bytes);
// video.md §5.3 with the clamp of its pitfall: the parity count and the advertised
// percentage for a block of D data shards, such that (D*pct+99)/100 == Pn, pct <= 255 and
// D + Pn <= 255. fec_percentage 0 gives {0, 0}.
struct ParityChoice {
  std::uint16_t parity_shards;
  std::uint8_t fec_percentage;
};
ParityChoice choose_parity(std::size_t data_shards, unsigned fec_percentage, unsigned min_required_fec_packets);

// video.md §9: 12-byte AES-GCM IV = LE64(counter) ‖ 00 00 00 'V'.
std::array<std::uint8_t, 12> video_encryption_iv(std::uint64_t counter) noexcept;

// Encrypts one datagram in place. slot = [32-byte prefix][S-byte plaintext datagram]; the
// sealer writes the prefix (IV, LE32 frame_index, tag) and replaces the plaintext with its
// ciphertext (video.md §9). Implemented in proto_crypto (VideoEncryptor in
// crypto/media_cipher.hpp) so proto stays free of OpenSSL. Called on the send thread, in send
// order, once per datagram.
class VideoDatagramSealer {
 public:
  virtual Result<void> seal(MutableBytes slot, std::uint32_t frame_index) = 0;

 protected:
  ~VideoDatagramSealer() = default;
};

// A packetized frame: datagrams in send order (block 0 data, block 0 parity, block 1 ...),
// each exactly S bytes (plain) or S + 32 bytes (sealed). Spans point into the packetizer's
// arena; valid until its next packetize(), move or destruction.
struct PacketizedVideoFrame {
  std::span<const Bytes> datagrams;
  VideoFramePlan plan;
  std::uint16_t first_sequence_number = 0;  // RTP sequence number of datagrams[0]
};

class VideoPacketizer {
 public:
  static Result<VideoPacketizer> create(const VideoStreamParams& params,
                                        fec::Kernel kernel = fec::best_kernel());

  // Packetizes one frame. sealer == nullptr sends plaintext. On failure nothing is consumed
  // (the sequence counter is unchanged); the arena content is unspecified.
  Result<PacketizedVideoFrame> packetize(const VideoFrameInput& frame, VideoDatagramSealer* sealer = nullptr);

  const VideoStreamParams& params() const noexcept { return params_; }
  std::uint16_t next_sequence_number() const noexcept { return static_cast<std::uint16_t>(next_seq_); }
  std::size_t shard_size_bytes() const noexcept { return params_.packet_size_bytes + 16; }  // S
  // Arena capacity, for tests and metrics: slots allocated so far and their bytes.
  std::size_t arena_capacity_datagrams() const noexcept { return slot_capacity_; }
  std::size_t arena_capacity_bytes() const noexcept { return arena_.size(); }
  // Grows the arena to hold at least `datagrams` slots (lets a caller pre-size at session
  // start so even the first IDR does not allocate).
  void reserve(std::size_t datagrams);

 private:
  VideoPacketizer(const VideoStreamParams& params, fec::Kernel kernel);
  std::uint8_t* slot(std::size_t i) noexcept;  // start of slot i (the 32-byte prefix)
  void write_data_shards(const VideoFrameInput& frame, const VideoFramePlan& plan);
  Result<void> encode_parity(const VideoFrameInput& frame, const VideoFramePlan& plan);

  VideoStreamParams params_;
  fec::EncoderCache encoders_;
  std::uint32_t next_seq_;  // unwrapped; RTP uses the low 16 bits, streamPacketIndex 24
  std::size_t slot_stride_;
  std::size_t slot_capacity_ = 0;
  std::vector<std::uint8_t> arena_;  // slot_capacity_ * slot_stride_ + alignment slack
  std::vector<Bytes> datagrams_;     // reused output list (capacity == slot_capacity_)
  std::vector<const std::uint8_t*> data_ptrs_;  // reused FEC pointer lists
  std::vector<std::uint8_t*> parity_ptrs_;
};

}  // namespace lightwell::proto
