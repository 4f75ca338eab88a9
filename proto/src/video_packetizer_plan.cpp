// Frame layout arithmetic of video.md §5.1–§5.3: how many packets, how many FEC blocks, and
// each block's parity count and advertised percentage. Kept apart from the byte-writing code
// so the rules can be tested on sizes far larger than a test would want to allocate.
#include <algorithm>
#include <string>

#include "lightwell/proto/video_packetizer.hpp"

namespace lightwell::proto {

namespace {

// What the client derives from fecInfo (video.md §3.2): Pn = ceil(D * pct / 100).
constexpr std::size_t client_parity(std::size_t data_shards, std::size_t pct) {
  return (data_shards * pct + 99) / 100;
}

constexpr std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

}  // namespace

Result<void> validate(const VideoStreamParams& params) {
  const std::size_t p = params.packet_size_bytes;
  if (p < kVideoMinPacketSize || p > kVideoMaxPacketSize || p % 16 != 0) {
    return fail(Errc::out_of_range, "video packetSize " + std::to_string(p) + " (need a multiple of 16 in " +
                                        std::to_string(kVideoMinPacketSize) + ".." +
                                        std::to_string(kVideoMaxPacketSize) + ")");
  }
  if (params.fec_percentage > kVideoMaxFecPercentage) {
    return fail(Errc::out_of_range, "video FEC percentage " + std::to_string(params.fec_percentage) + " (max 255)");
  }
  if (params.min_required_fec_packets > fec::kMaxTotalShards) {
    return fail(Errc::out_of_range,
                "minRequiredFecPackets " + std::to_string(params.min_required_fec_packets) + " (max 255)");
  }
  // video.md §6: the client starts expecting 0 and rejects anything "before" it in 16-bit
  // serial arithmetic, so the first sequence number must lie in 0..32767.
  if (params.first_sequence_number > 32767) {
    return fail(Errc::out_of_range,
                "first video sequence number " + std::to_string(params.first_sequence_number) + " (max 32767)");
  }
  return {};
}

ParityChoice choose_parity(std::size_t data_shards, unsigned fec_percentage, unsigned min_required_fec_packets) {
  const std::size_t d = data_shards;
  if (fec_percentage == 0 || d == 0 || d >= fec::kMaxTotalShards) return {0, 0};
  // video.md §5.3, as Sunshine computes it.
  std::size_t pn = ceil_div(d * fec_percentage, 100);
  std::size_t pct = fec_percentage;
  if (pn < min_required_fec_packets) {
    pn = min_required_fec_packets;
    pct = 100 * pn / d;
  }
  const std::size_t room = fec::kMaxTotalShards - d;  // fec.md §2: D + Pn <= 255
  if (pn <= room && pct <= kVideoMaxFecPercentage && client_parity(d, pct) == pn) {
    return {static_cast<std::uint16_t>(pn), static_cast<std::uint8_t>(pct)};
  }
  // The pitfall of video.md §5.3 (pct overflows 8 bits, or the client's formula would not
  // reproduce Pn) or a block too large for the code: take the largest Pn <= the wanted one
  // that some 8-bit pct encodes exactly.
  for (std::size_t want = std::min(pn, room); want > 0; --want) {
    for (std::size_t p = 1; p <= kVideoMaxFecPercentage; ++p) {
      if (client_parity(d, p) == want) return {static_cast<std::uint16_t>(want), static_cast<std::uint8_t>(p)};
      if (client_parity(d, p) > want) break;
    }
  }
  return {0, 0};
}

Result<VideoFramePlan> plan_video_frame(const VideoStreamParams& params, std::size_t bitstream_bytes) {
  if (auto ok = validate(params); !ok) return tl::unexpected(ok.error());
  if (bitstream_bytes == 0) return fail(Errc::malformed, "empty video frame");
  const std::size_t s = params.packet_size_bytes + 16;  // shard = whole plaintext datagram
  const std::size_t l = params.packet_size_bytes - 16;  // payload bytes per packet
  // Largest frame any layout can carry: 4 blocks of 1023 data shards (without FEC).
  const std::size_t max_packets = kVideoMaxFecBlocks * kVideoMaxShardsPerBlock;
  if (bitstream_bytes > max_packets * l - kVideoFrameHeaderBytes) {
    return fail(Errc::too_large, "video frame of " + std::to_string(bitstream_bytes) + " bytes needs more than " +
                                     std::to_string(max_packets) + " packets");
  }

  VideoFramePlan plan;
  // §5.1: F = header || bitstream, N packets, T = frame size "with headers".
  const std::size_t f = kVideoFrameHeaderBytes + bitstream_bytes;
  const std::size_t n = ceil_div(f, l);
  const std::size_t t = (n - 1) * s + kVideoPacketHeaderBytes + (f - (n - 1) * l);
  plan.data_packets = n;
  plan.last_payload_len = static_cast<std::uint16_t>(f % l == 0 ? l : f % l);  // §4.2

  // §5.2: blocks of at most maxD data shards; more than 4 blocks -> no FEC, 4 blocks.
  unsigned fec = params.fec_percentage;
  const std::size_t max_d = 255 * 100 / (100 + fec);
  std::size_t blocks = ceil_div(t, max_d * s);
  if (blocks > kVideoMaxFecBlocks) {
    fec = 0;
    blocks = kVideoMaxFecBlocks;
  }
  const std::size_t per_block = ceil_div(t / blocks, s);
  if ((blocks - 1) * per_block >= n) {
    // Cannot happen for any T reachable above; refuse rather than send an empty block.
    return fail(Errc::out_of_range, "video frame layout leaves an empty FEC block");
  }
  plan.block_count = blocks;
  plan.fec_enabled = fec != 0;
  std::size_t total = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t first = b * per_block;
    const std::size_t d = b + 1 < blocks ? per_block : n - first;
    const ParityChoice parity = choose_parity(d, fec, params.min_required_fec_packets);
    if (d + parity.parity_shards > kVideoMaxShardsPerBlock) {
      return fail(Errc::too_large, "video FEC block of " + std::to_string(d) + " data shards exceeds 1023");
    }
    plan.blocks[b] = VideoFecBlock{static_cast<std::uint16_t>(d), parity.parity_shards, parity.fec_percentage,
                                   static_cast<std::uint16_t>(first)};
    total += d + parity.parity_shards;
  }
  plan.total_datagrams = total;
  return plan;
}

std::array<std::uint8_t, 12> video_encryption_iv(std::uint64_t counter) noexcept {
  std::array<std::uint8_t, 12> iv{};
  store_u64_le(iv.data(), counter);
  iv[11] = 'V';
  return iv;
}

}  // namespace lightwell::proto
