// Byte layout of video datagrams (video.md §3–§6) into the packetizer's shard arena, RS
// parity in place (fec.md), then optional in-place sealing (video.md §9). The layout rules
// themselves are in video_packetizer_plan.cpp.
#include <algorithm>
#include <cstring>

#include "lightwell/proto/video_packetizer.hpp"

namespace lightwell::proto {

namespace {

constexpr std::size_t kSlotAlign = 64;  // cache line; shards start 32 bytes in (SIMD-aligned)
// Block shapes (D, Pn) a session can produce: D <= 255 per block and Pn is a function of D
// for the session's fixed FEC settings, so 256 entries never evict. Frame sizes wander
// frame to frame; with fewer entries prepared tables would be rebuilt (and allocated) often.
constexpr std::size_t kEncoderCacheEntries = 256;

// NV_VIDEO_PACKET flags (video.md §3.2).
constexpr std::uint8_t kFlagPicData = 0x01;
constexpr std::uint8_t kFlagEof = 0x02;
constexpr std::uint8_t kFlagSof = 0x04;
constexpr std::uint8_t kMultiFecFlags = 0x10;

std::uint8_t multi_fec_blocks(std::size_t block, std::size_t block_count) {
  return static_cast<std::uint8_t>((block << 4) | ((block_count - 1) << 6));
}

std::uint32_t fec_info(std::size_t shard, std::size_t data_shards, std::uint8_t pct) {
  return static_cast<std::uint32_t>((shard << 12) | (data_shards << 22) | (std::size_t{pct} << 4));
}

// The fields every shard (data and parity) carries and the client reads from whichever
// packet of a block arrives first (video.md §5.5 step 2): RTP header, frameIndex,
// multiFecBlocks, fecInfo. Everything else of a parity shard stays as the encoder made it.
void write_common_fields(std::uint8_t* p, std::uint32_t seq, std::uint32_t timestamp, std::uint32_t frame_index,
                         std::uint8_t mfb, std::uint32_t info) {
  p[0] = 0x90;  // V=2, X=1: the client requires the extension bit (§3.1)
  p[1] = 0x00;
  store_u16_be(p + 2, static_cast<std::uint16_t>(seq));
  store_u32_be(p + 4, timestamp);
  store_u32_be(p + 8, 0);  // SSRC
  store_u32_le(p + 20, frame_index);
  p[27] = mfb;
  store_u32_le(p + 28, info);
}

}  // namespace

VideoPacketizer::VideoPacketizer(const VideoStreamParams& params, fec::Kernel kernel)
    : params_(params),
      encoders_(kernel, kEncoderCacheEntries),
      next_seq_(params.first_sequence_number),
      slot_stride_((kVideoEncryptionPrefixBytes + params.packet_size_bytes + 16 + kSlotAlign - 1) / kSlotAlign *
                   kSlotAlign) {
  data_ptrs_.reserve(kVideoMaxShardsPerBlock);
  parity_ptrs_.reserve(fec::kMaxTotalShards);
}

Result<VideoPacketizer> VideoPacketizer::create(const VideoStreamParams& params, fec::Kernel kernel) {
  if (auto ok = validate(params); !ok) return tl::unexpected(ok.error());
  return VideoPacketizer(params, kernel);
}

void VideoPacketizer::reserve(std::size_t datagrams) {
  if (datagrams <= slot_capacity_) return;
  // Grow with headroom so a warming-up stream of slowly growing frames reallocates rarely.
  const std::size_t slots = std::max(datagrams, slot_capacity_ + slot_capacity_ / 4);
  arena_.assign(slots * slot_stride_ + kSlotAlign, 0);
  slot_capacity_ = slots;
  datagrams_.reserve(slots);
}

std::uint8_t* VideoPacketizer::slot(std::size_t i) noexcept {
  auto base = reinterpret_cast<std::uintptr_t>(arena_.data());
  base = (base + kSlotAlign - 1) & ~std::uintptr_t{kSlotAlign - 1};
  return reinterpret_cast<std::uint8_t*>(base) + i * slot_stride_;
}

void VideoPacketizer::write_data_shards(const VideoFrameInput& frame, const VideoFramePlan& plan) {
  const std::size_t l = params_.packet_size_bytes - 16;
  const std::uint8_t* src = frame.bitstream.data();
  const std::size_t src_size = frame.bitstream.size();
  std::size_t src_pos = 0;
  std::size_t slot_index = 0;
  std::uint32_t seq = next_seq_;
  for (std::size_t b = 0; b < plan.block_count; ++b) {
    const VideoFecBlock& block = plan.blocks[b];
    const std::uint8_t mfb = multi_fec_blocks(b, plan.block_count);
    for (std::size_t x = 0; x < block.data_shards; ++x, ++slot_index, ++seq) {
      std::uint8_t* p = slot(slot_index) + kVideoEncryptionPrefixBytes;
      write_common_fields(p, seq, frame.rtp_timestamp_90khz, frame.frame_index, mfb,
                          fec_info(x, block.data_shards, block.fec_percentage));
      store_u32_le(p + 12, 0);  // extension padding (§3.1)
      // §5.4: streamPacketIndex, flags, extraFlags and multiFecFlags are final before the RS
      // encoding, because the client uses the recovered values of these columns.
      store_u32_le(p + 16, seq << 8);
      std::uint8_t flags = kFlagPicData;
      if (x == 0) flags |= kFlagSof;
      if (x + 1 == block.data_shards) flags |= kFlagEof;
      p[24] = flags;
      p[25] = 0;  // extraFlags: no LTR marking
      p[26] = kMultiFecFlags;

      std::uint8_t* payload = p + kVideoPacketHeaderBytes;
      std::size_t room = l;
      if (slot_index == 0) {
        // §4.1: the 8-byte short frame header opens the frame's first packet.
        payload[0] = 0x01;
        store_u16_le(payload + 1, frame.processing_latency_100us);
        payload[3] = static_cast<std::uint8_t>(frame.frame_type);
        store_u16_le(payload + 4, plan.last_payload_len);
        store_u16_le(payload + 6, 0);
        payload += kVideoFrameHeaderBytes;
        room -= kVideoFrameHeaderBytes;
      }
      const std::size_t n = std::min(room, src_size - src_pos);
      std::memcpy(payload, src + src_pos, n);
      src_pos += n;
      if (n < room) std::memset(payload + n, 0, room - n);  // §5.6: pad to S
    }
    slot_index += block.parity_shards;
    seq += block.parity_shards;
  }
}

Result<void> VideoPacketizer::encode_parity(const VideoFrameInput& frame, const VideoFramePlan& plan) {
  const std::size_t s = shard_size_bytes();
  std::size_t slot_index = 0;
  std::uint32_t seq = next_seq_;
  for (std::size_t b = 0; b < plan.block_count; ++b) {
    const VideoFecBlock& block = plan.blocks[b];
    const std::size_t d = block.data_shards;
    if (block.parity_shards > 0) {
      auto encoder = encoders_.cauchy(d, block.parity_shards);
      if (!encoder) return tl::unexpected(encoder.error());
      data_ptrs_.clear();
      parity_ptrs_.clear();
      for (std::size_t x = 0; x < d; ++x) data_ptrs_.push_back(slot(slot_index + x) + kVideoEncryptionPrefixBytes);
      for (std::size_t j = 0; j < block.parity_shards; ++j)
        parity_ptrs_.push_back(slot(slot_index + d + j) + kVideoEncryptionPrefixBytes);
      (*encoder)->encode(data_ptrs_, parity_ptrs_, s);
      const std::uint8_t mfb = multi_fec_blocks(b, plan.block_count);
      for (std::size_t j = 0; j < block.parity_shards; ++j) {
        write_common_fields(parity_ptrs_[j], seq + static_cast<std::uint32_t>(d + j), frame.rtp_timestamp_90khz,
                            frame.frame_index, mfb, fec_info(d + j, d, block.fec_percentage));
      }
    }
    slot_index += d + block.parity_shards;
    seq += static_cast<std::uint32_t>(d + block.parity_shards);
  }
  return {};
}

Result<PacketizedVideoFrame> VideoPacketizer::packetize(const VideoFrameInput& frame, VideoDatagramSealer* sealer) {
  if (frame.frame_index == 0) {
    return fail(Errc::out_of_range, "video frameIndex 0 (frames are numbered from 1, video.md §6)");
  }
  auto plan = plan_video_frame(params_, frame.bitstream.size());
  if (!plan) return tl::unexpected(plan.error());
  reserve(plan->total_datagrams);

  write_data_shards(frame, *plan);
  if (auto ok = encode_parity(frame, *plan); !ok) return tl::unexpected(ok.error());

  // video.md §9: FEC on the plaintext, then every datagram sealed separately, in send order.
  const std::size_t s = shard_size_bytes();
  datagrams_.clear();
  for (std::size_t i = 0; i < plan->total_datagrams; ++i) {
    std::uint8_t* sl = slot(i);
    if (sealer != nullptr) {
      if (auto ok = sealer->seal(MutableBytes(sl, kVideoEncryptionPrefixBytes + s), frame.frame_index); !ok) {
        return tl::unexpected(ok.error());
      }
      datagrams_.emplace_back(sl, kVideoEncryptionPrefixBytes + s);
    } else {
      datagrams_.emplace_back(sl + kVideoEncryptionPrefixBytes, s);
    }
  }

  PacketizedVideoFrame out;
  out.datagrams = datagrams_;
  out.plan = *plan;
  out.first_sequence_number = static_cast<std::uint16_t>(next_seq_);
  next_seq_ += static_cast<std::uint32_t>(plan->total_datagrams);
  return out;
}

}  // namespace lightwell::proto
