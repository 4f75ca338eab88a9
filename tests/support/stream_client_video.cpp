// VideoReassembler: video datagrams -> whole frames (video.md §3-§7, §9; fec.md §2, §4-§5).
// Behaviour and limits are described in stream_client_media.hpp.
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/fec.hpp"
#include "stream_client_media.hpp"

namespace lightwell::test {
namespace {

constexpr std::size_t kHeaderBytes = 32;        // RTP 12 + extension 4 + NV_VIDEO_PACKET 16
constexpr std::size_t kEncPrefixBytes = 32;     // video.md §9
constexpr std::size_t kFrameHeaderBytes = 8;    // video.md §4.1
constexpr std::uint8_t kFlagPicData = 0x01, kFlagEof = 0x02, kFlagSof = 0x04;

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

}  // namespace

std::optional<VideoShardHeader> parse_video_shard_header(std::span<const std::uint8_t> d) {
  if (d.size() < kHeaderBytes || d[0] != 0x90) return std::nullopt;  // X bit required (§3.1)
  VideoShardHeader h;
  h.sequence_number = static_cast<std::uint16_t>(d[2] << 8 | d[3]);
  h.rtp_timestamp_90khz = std::uint32_t{d[4]} << 24 | std::uint32_t{d[5]} << 16 |
                          std::uint32_t{d[6]} << 8 | std::uint32_t{d[7]};
  h.stream_packet_index = (le32(&d[16]) >> 8) & 0xFFFFFF;
  h.frame_index = le32(&d[20]);
  h.flags = d[24];
  h.block_index = static_cast<std::uint8_t>((d[27] >> 4) & 0x3);
  h.last_block_index = static_cast<std::uint8_t>((d[27] >> 6) & 0x3);
  const std::uint32_t fec_info = le32(&d[28]);
  h.data_shards = static_cast<std::uint16_t>(fec_info >> 22);
  h.shard_index = static_cast<std::uint16_t>((fec_info >> 12) & 0x3FF);
  h.fec_percentage = static_cast<std::uint8_t>((fec_info >> 4) & 0xFF);
  h.parity_shards = static_cast<std::uint16_t>((h.data_shards * h.fec_percentage + 99) / 100);
  if (h.data_shards == 0 || h.shard_index >= h.data_shards + h.parity_shards) return std::nullopt;
  if (h.parity_shards > 0 && h.data_shards + h.parity_shards > proto::fec::kMaxTotalShards) return std::nullopt;
  return h;
}

struct VideoReassembler::State {
  struct Block {
    bool seen = false, complete = false, recovered = false;
    std::uint16_t data_shards = 0, parity_shards = 0, base_seq = 0;
    std::uint8_t fec_percentage = 0;
    std::vector<std::vector<std::uint8_t>> shards;  // D + Pn, empty = missing
    std::size_t received = 0, received_data = 0;
  };
  struct Frame {
    std::uint32_t index = 0;
    std::uint8_t last_block = 0;
    std::array<Block, 4> blocks{};
  };
  std::optional<proto::crypto::AesGcm> gcm;
  std::optional<Frame> current;
  std::uint32_t last_finished = 0;  // highest frame index completed or given up
  std::vector<std::uint8_t> plain;  // decryption scratch
};

VideoReassembler::VideoReassembler(VideoReassemblerOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  if (options_.packet_size_bytes < kHeaderBytes) throw std::invalid_argument("video packet size too small");
  if (options_.key) {
    auto gcm = proto::crypto::AesGcm::create(*options_.key);
    if (!gcm) throw std::runtime_error("AES-GCM: " + gcm.error().message);
    state_->gcm.emplace(std::move(*gcm));
  }
}
VideoReassembler::~VideoReassembler() = default;
VideoReassembler::VideoReassembler(VideoReassembler&&) noexcept = default;
VideoReassembler& VideoReassembler::operator=(VideoReassembler&&) noexcept = default;

std::uint64_t VideoReassembler::take_new_losses() noexcept {
  const std::uint64_t n = counters_.frames_lost - reported_losses_;
  reported_losses_ = counters_.frames_lost;
  return n;
}

std::vector<ReceivedVideoFrame> VideoReassembler::push(std::span<const std::uint8_t> wire) {
  std::vector<ReceivedVideoFrame> out;
  State& st = *state_;
  const std::size_t shard_bytes = options_.packet_size_bytes + 16;  // S (video.md §5)
  ++counters_.datagrams;

  std::span<const std::uint8_t> d = wire;
  if (st.gcm) {
    if (wire.size() != shard_bytes + kEncPrefixBytes) { ++counters_.malformed; return out; }
    st.plain.resize(shard_bytes);
    if (!proto::crypto::open_video_datagram(*st.gcm, wire, st.plain)) { ++counters_.malformed; return out; }
    d = st.plain;
  } else if (wire.size() != shard_bytes) {
    ++counters_.malformed;
    return out;
  }
  const auto h = parse_video_shard_header(d);
  if (!h) { ++counters_.malformed; return out; }

  auto give_up = [&] {
    ++counters_.frames_lost;
    st.last_finished = st.current->index;
    st.current.reset();
  };
  // Serial arithmetic on 32-bit frame indices (VideoDepacketizer.c isBefore32).
  if (h->frame_index == 0 || static_cast<std::int32_t>(h->frame_index - st.last_finished) <= 0) {
    ++counters_.late_or_duplicate;
    return out;
  }
  if (st.current && st.current->index != h->frame_index) {
    if (static_cast<std::int32_t>(h->frame_index - st.current->index) < 0) {
      ++counters_.late_or_duplicate;
      return out;
    }
    give_up();  // a later frame started: the current one cannot be completed any more
  }
  if (!st.current) {
    // Frame indices that never showed up are lost frames too (video.md §6).
    counters_.frames_lost += h->frame_index - st.last_finished - 1;
    st.current.emplace();
    st.current->index = h->frame_index;
    st.current->last_block = h->last_block_index;
  }
  State::Frame& frame = *st.current;
  if (h->block_index > h->last_block_index || h->last_block_index != frame.last_block) {
    ++counters_.malformed;
    give_up();
    return out;
  }
  // A packet of block b means blocks before it are finished being sent (RtpVideoQueue.c
  // gives up an incomplete block when a later one starts).
  for (std::size_t b = 0; b < h->block_index; ++b) {
    if (!frame.blocks[b].complete) {
      give_up();
      return out;
    }
  }
  State::Block& block = frame.blocks[h->block_index];
  const auto base_seq = static_cast<std::uint16_t>(h->sequence_number - h->shard_index);
  if (!block.seen) {
    block.seen = true;
    block.data_shards = h->data_shards;
    block.parity_shards = h->parity_shards;
    block.fec_percentage = h->fec_percentage;
    block.base_seq = base_seq;
    block.shards.resize(std::size_t{h->data_shards} + h->parity_shards);
  } else if (block.data_shards != h->data_shards || block.fec_percentage != h->fec_percentage ||
             block.base_seq != base_seq) {
    ++counters_.malformed;
    give_up();
    return out;
  }
  // Test knob: drop one data shard of each block that has parity, before it is used.
  if (options_.drop_one_packet_per_fec_block && block.parity_shards > 0 &&
      h->shard_index < block.data_shards &&
      h->shard_index == (frame.index + h->block_index) % block.data_shards) {
    ++counters_.dropped_on_purpose;
    return out;
  }
  if (block.complete || !block.shards[h->shard_index].empty()) {
    ++counters_.late_or_duplicate;
    return out;
  }
  block.shards[h->shard_index].assign(d.begin(), d.end());
  ++block.received;
  if (h->shard_index < block.data_shards) ++block.received_data;

  if (block.received_data < block.data_shards) {
    if (block.parity_shards == 0 || block.received < block.data_shards) return out;
    // Any D of the D + Pn shards: rebuild the missing data shards (fec.md §5) over the whole
    // plaintext datagrams as received.
    auto matrix = proto::fec::Matrix::cauchy(block.data_shards, block.parity_shards);
    if (!matrix) { ++counters_.malformed; give_up(); return out; }
    std::vector<std::uint8_t*> ptrs(block.shards.size(), nullptr);
    auto present = std::make_unique<bool[]>(block.shards.size());
    std::size_t missing = 0;
    for (std::size_t k = 0; k < block.shards.size(); ++k) {
      present[k] = !block.shards[k].empty();
      if (!present[k] && k < block.data_shards) {
        block.shards[k].assign(shard_bytes, 0);
        ++missing;
      }
      if (!block.shards[k].empty()) ptrs[k] = block.shards[k].data();
    }
    auto rebuilt = proto::fec::reconstruct(*matrix, ptrs, std::span<const bool>(present.get(), block.shards.size()),
                                           shard_bytes);
    if (!rebuilt) { ++counters_.malformed; give_up(); return out; }
    block.recovered = true;
    counters_.fec_recoveries += missing;
  }
  block.complete = true;
  // Sanity checks the client makes on (recovered) data shards (video.md §3.2, §6).
  const std::uint32_t first_index = (le32(&block.shards[0][16]) >> 8) & 0xFFFFFF;
  for (std::size_t k = 0; k < block.data_shards; ++k) {
    const auto& s = block.shards[k];
    std::uint8_t want = kFlagPicData;
    if (k == 0) want |= kFlagSof;
    if (k + 1 == block.data_shards) want |= kFlagEof;
    const std::uint32_t index = (le32(&s[16]) >> 8) & 0xFFFFFF;
    if (s[24] != want || index != ((first_index + k) & 0xFFFFFF)) {
      ++counters_.malformed;
      give_up();
      return out;
    }
  }
  for (std::size_t b = 0; b <= frame.last_block; ++b) {
    if (!frame.blocks[b].complete) return out;
  }

  // Whole frame: concatenate the data payloads of all blocks, read the frame header, trim.
  const std::size_t payload_bytes = options_.packet_size_bytes - 16;  // L
  std::vector<std::uint8_t> all;
  std::size_t packets = 0;
  bool recovered = false;
  for (std::size_t b = 0; b <= frame.last_block; ++b) {
    const auto& blk = frame.blocks[b];
    recovered = recovered || blk.recovered;
    for (std::size_t k = 0; k < blk.data_shards; ++k) {
      all.insert(all.end(), blk.shards[k].begin() + kHeaderBytes, blk.shards[k].end());
      ++packets;
    }
  }
  if (all.size() < kFrameHeaderBytes || all[0] != 0x01) { ++counters_.malformed; give_up(); return out; }
  const std::uint16_t last_payload = le16(&all[4]);
  const std::size_t frame_bytes = (packets - 1) * payload_bytes + last_payload;
  if (last_payload == 0 || last_payload > payload_bytes || frame_bytes < kFrameHeaderBytes) {
    ++counters_.malformed;
    give_up();
    return out;
  }
  ReceivedVideoFrame f;
  f.frame_index = frame.index;
  f.host_latency_100us = le16(&all[1]);
  f.frame_type = all[3];
  f.bitstream.assign(all.begin() + kFrameHeaderBytes, all.begin() + static_cast<std::ptrdiff_t>(frame_bytes));
  f.recovered_with_fec = recovered;
  ++counters_.frames_complete;
  st.last_finished = frame.index;
  st.current.reset();
  out.push_back(std::move(f));
  return out;
}

}  // namespace lightwell::test
