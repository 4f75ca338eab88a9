// Video packetizer rules beyond the vectors: parameter validation, the pct rule over its whole
// domain, frames too large for FEC (video.md §5.2), arena reuse, sequence wrap and the seam
// to the sealer.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "lightwell/proto/video_packetizer.hpp"

using namespace lightwell::proto;

namespace {

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) {  // xorshift32, any non-constant content will do
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    b = static_cast<std::uint8_t>(seed);
  }
  return v;
}

VideoStreamParams tiny(unsigned fec = 20) {
  VideoStreamParams p;
  p.packet_size_bytes = 48;  // L = 32, S = 64: many packets from few bytes
  p.fec_percentage = fec;
  return p;
}

std::size_t client_parity(std::size_t d, std::size_t pct) { return (d * pct + 99) / 100; }

// Checks the per-block invariants the client relies on (video.md §3.2, §6) on plain datagrams.
void check_block_structure(const PacketizedVideoFrame& out, std::size_t s) {
  std::size_t i = 0;
  std::uint32_t prev_index = 0;
  for (std::size_t b = 0; b < out.plan.block_count; ++b) {
    const VideoFecBlock& block = out.plan.blocks[b];
    for (std::size_t x = 0; x < block.data_shards + block.parity_shards; ++x, ++i) {
      const Bytes d = out.datagrams[i];
      REQUIRE(d.size() == s);
      CHECK(d[0] == 0x90);
      const std::uint32_t info = load_u32_le(d.data() + 28);
      CHECK((info >> 22) == block.data_shards);
      CHECK(((info >> 12) & 0x3ff) == x);
      CHECK(((info >> 4) & 0xff) == block.fec_percentage);
      CHECK(client_parity(block.data_shards, block.fec_percentage) == block.parity_shards);
      CHECK(d[27] == ((b << 4) | ((out.plan.block_count - 1) << 6)));
      if (x >= block.data_shards) continue;
      std::uint8_t flags = 0x01;
      if (x == 0) flags |= 0x04;
      if (x + 1 == block.data_shards) flags |= 0x02;
      CHECK(d[24] == flags);
      const std::uint32_t index = load_u32_le(d.data() + 16) >> 8;
      if (x > 0) CHECK(index == prev_index + 1);  // consecutive inside a block
      if (i > 0 && x == 0) CHECK(index > prev_index);  // never backwards at SOF
      prev_index = index;
    }
  }
  CHECK(i == out.datagrams.size());
}

class XorSealer final : public VideoDatagramSealer {
 public:
  Result<void> seal(MutableBytes slot, std::uint32_t frame_index) override {
    if (fail_after_ >= 0 && calls_ == fail_after_) return fail(Errc::crypto_failure, "test failure");
    ++calls_;
    sizes_.insert(slot.size());
    store_u32_le(slot.data(), frame_index);
    for (std::size_t i = kVideoEncryptionPrefixBytes; i < slot.size(); ++i) slot[i] ^= 0x5a;
    return {};
  }
  int fail_after_ = -1;
  int calls_ = 0;
  std::set<std::size_t> sizes_;
};

}  // namespace

TEST_CASE("Video stream parameters outside what the client negotiates are rejected") {
  for (std::size_t bad : {0u, 16u, 31u, 1000u, 1400u - 1u, 65472u}) {
    VideoStreamParams p;
    p.packet_size_bytes = bad;
    INFO("packet size " << bad);
    CHECK(VideoPacketizer::create(p).error().code == Errc::out_of_range);
  }
  for (std::size_t good : {32u, 48u, 1024u, 1360u, 1392u, 65456u}) {
    VideoStreamParams p;
    p.packet_size_bytes = good;
    CHECK(VideoPacketizer::create(p));
  }
  VideoStreamParams p;
  p.fec_percentage = 256;
  CHECK(VideoPacketizer::create(p).error().code == Errc::out_of_range);
  p = {};
  p.min_required_fec_packets = 256;
  CHECK(VideoPacketizer::create(p).error().code == Errc::out_of_range);
  p = {};
  p.first_sequence_number = 32768;  // the client would drop the first frames (video.md §6)
  CHECK(VideoPacketizer::create(p).error().code == Errc::out_of_range);
}

TEST_CASE("Empty frames, frame index 0 and oversized frames are refused without consuming sequence numbers") {
  auto packetizer = VideoPacketizer::create(tiny()).value();
  VideoFrameInput in;
  auto empty = packetizer.packetize(in);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == Errc::malformed);

  const auto bytes = pattern(100);
  in.bitstream = bytes;
  in.frame_index = 0;
  CHECK(packetizer.packetize(in).error().code == Errc::out_of_range);

  // 4 blocks x 1023 shards x 32 bytes is the most any layout carries (header included).
  CHECK(plan_video_frame(tiny(), 4 * 1023 * 32 - 8));
  CHECK(plan_video_frame(tiny(), 4 * 1023 * 32 - 7).error().code == Errc::too_large);
  CHECK(packetizer.next_sequence_number() == 0);
  CHECK(packetizer.arena_capacity_datagrams() == 0);
}

TEST_CASE("The pct rule: every block's advertised percentage reproduces its parity count") {
  // Exhaustive over D x fec x min: what the client computes from fecInfo must equal what we
  // send, pct must fit 8 bits and the block must fit the 255-shard code (video.md §5.3).
  std::size_t violations = 0, checked = 0;
  std::string first_violation;
  auto violation = [&](std::size_t d, unsigned fec, unsigned min, const char* what) {
    if (violations++ == 0)
      first_violation = "D=" + std::to_string(d) + " fec=" + std::to_string(fec) + " min=" + std::to_string(min) + ": " + what;
  };
  for (std::size_t d = 1; d <= 254; ++d) {
    for (unsigned fec = 0; fec <= 255; ++fec) {
      for (unsigned min = 0; min <= 6; ++min) {
        ++checked;
        const ParityChoice c = choose_parity(d, fec, min);
        if (fec == 0) {
          if (c.parity_shards != 0) violation(d, fec, min, "parity without FEC");
          continue;
        }
        if (c.parity_shards == 0) {
          // Only allowed when no parity count fits: D > 100 cannot say Pn = 1, so D = 254
          // (room for 1 parity shard) has no encodable choice.
          for (std::size_t want = 1; want + d <= 255; ++want)
            for (std::size_t pct = 1; pct <= 255; ++pct)
              if (client_parity(d, pct) == want) violation(d, fec, min, "gave up on an encodable block");
          continue;
        }
        if (d + c.parity_shards > 255) violation(d, fec, min, "D + Pn > 255");
        if (client_parity(d, c.fec_percentage) != c.parity_shards) violation(d, fec, min, "client formula differs");
        // Where Sunshine's formula is representable we must produce exactly it.
        std::size_t pn = (d * fec + 99) / 100, pct = fec;
        if (pn < min) {
          pn = min;
          pct = 100 * pn / d;
        }
        if (pct <= 255 && d + pn <= 255 && client_parity(d, pct) == pn &&
            (c.parity_shards != pn || c.fec_percentage != pct))
          violation(d, fec, min, "differs from Sunshine's choice");
      }
    }
  }
  INFO(first_violation);
  CHECK(violations == 0);
  CHECK(checked == 254 * 256 * 7);
  // video.md §5.3 examples (fec 20, min 2).
  CHECK(choose_parity(1, 20, 2).fec_percentage == 200);
  CHECK(choose_parity(3, 20, 2).fec_percentage == 66);
  CHECK(choose_parity(212, 20, 2).parity_shards == 43);
  // The pitfall: min 3 on a 1-shard block would need pct 300; 201 encodes Pn = 3 in 8 bits.
  CHECK(choose_parity(1, 20, 3).parity_shards == 3);
  CHECK(choose_parity(1, 20, 3).fec_percentage == 201);
}

TEST_CASE("Frame layout holds for every frame size at the LAN packet size") {
  VideoStreamParams p;
  p.packet_size_bytes = 1392 - 32;
  for (unsigned fec : {0u, 1u, 20u, 50u, 100u, 255u}) {
    p.fec_percentage = fec;
    for (std::size_t bytes = 1; bytes < 6'000'000; bytes = bytes * 9 / 8 + 37) {
      auto plan = plan_video_frame(p, bytes);
      if (!plan) {
        CHECK(plan.error().code == Errc::too_large);
        CHECK(bytes + 8 > 4 * 1023 * (p.packet_size_bytes - 16));
        continue;
      }
      const std::size_t l = p.packet_size_bytes - 16;
      CHECK(plan->data_packets == (bytes + 8 + l - 1) / l);
      CHECK(plan->last_payload_len == ((bytes + 8) % l == 0 ? l : (bytes + 8) % l));
      CHECK(plan->block_count >= 1);
      CHECK(plan->block_count <= 4);
      std::size_t next = 0, total = 0;
      for (std::size_t b = 0; b < plan->block_count; ++b) {
        const auto& block = plan->blocks[b];
        CHECK(block.first_data_packet == next);
        CHECK(block.data_shards >= 1);
        CHECK(block.data_shards + block.parity_shards <= 1023);
        if (plan->fec_enabled) CHECK(block.data_shards + block.parity_shards <= 255);
        if (!plan->fec_enabled) CHECK(block.parity_shards == 0);
        next += block.data_shards;
        total += block.data_shards + block.parity_shards;
      }
      CHECK(next == plan->data_packets);
      CHECK(total == plan->total_datagrams);
    }
  }
}

TEST_CASE("A frame needing more than 4 FEC blocks goes without FEC in 4 blocks") {
  // 20 %: maxD = 212 data shards per block, so 900 packets would need 5 blocks.
  auto packetizer = VideoPacketizer::create(tiny(20)).value();
  const auto bytes = pattern(900 * 32 - 8);
  VideoFrameInput in;
  in.bitstream = bytes;
  auto out = packetizer.packetize(in).value();
  CHECK_FALSE(out.plan.fec_enabled);
  CHECK(out.plan.block_count == 4);
  CHECK(out.datagrams.size() == 900);
  check_block_structure(out, 64);
  for (std::size_t b = 0; b < 4; ++b) CHECK(out.plan.blocks[b].fec_percentage == 0);
  // The payload is the frame header followed by the bitstream, contiguous across blocks.
  std::vector<std::uint8_t> joined;
  for (const Bytes& d : out.datagrams) joined.insert(joined.end(), d.begin() + 32, d.end());
  REQUIRE(joined.size() == 900 * 32);
  CHECK(std::equal(bytes.begin(), bytes.end(), joined.begin() + 8));
}

TEST_CASE("FEC percentage 0 sends no parity but still splits into blocks of <= 255") {
  auto packetizer = VideoPacketizer::create(tiny(0)).value();
  const auto bytes = pattern(600 * 32 - 8);
  VideoFrameInput in;
  in.bitstream = bytes;
  auto out = packetizer.packetize(in).value();
  CHECK_FALSE(out.plan.fec_enabled);
  CHECK(out.plan.block_count == 3);
  CHECK(out.datagrams.size() == 600);
  check_block_structure(out, 64);
}

TEST_CASE("FEC percentage extremes keep multi-block frames consistent") {
  for (unsigned fec : {1u, 100u, 255u}) {
    INFO("fec " << fec);
    auto packetizer = VideoPacketizer::create(tiny(fec)).value();
    const auto bytes = pattern(240 * 32 - 8);
    VideoFrameInput in;
    in.bitstream = bytes;
    auto out = packetizer.packetize(in).value();
    CHECK(out.plan.fec_enabled);
    check_block_structure(out, 64);
    CHECK(packetizer.next_sequence_number() == out.datagrams.size());
  }
}

TEST_CASE("The arena is reused: same frame twice gives the same bytes at advanced sequence numbers") {
  auto packetizer = VideoPacketizer::create(tiny()).value();
  const auto bytes = pattern(251 * 32 - 40);
  VideoFrameInput in;
  in.bitstream = bytes;
  in.frame_index = 2;
  auto first = packetizer.packetize(in).value();
  std::vector<std::vector<std::uint8_t>> copy;
  for (const Bytes& d : first.datagrams) copy.emplace_back(d.begin(), d.end());
  const std::size_t capacity = packetizer.arena_capacity_bytes();
  const std::size_t slots = packetizer.arena_capacity_datagrams();
  const std::uint8_t* where = first.datagrams[0].data();
  CHECK(slots >= copy.size());

  auto second = packetizer.packetize(in).value();
  CHECK(packetizer.arena_capacity_bytes() == capacity);  // no growth for an equal frame
  CHECK(packetizer.arena_capacity_datagrams() == slots);
  CHECK(second.datagrams[0].data() == where);            // same slots
  REQUIRE(second.datagrams.size() == copy.size());
  CHECK(second.first_sequence_number == copy.size());
  for (std::size_t i = 0; i < copy.size(); ++i) {
    const Bytes d = second.datagrams[i];
    CHECK(load_u16_be(d.data() + 2) == load_u16_be(copy[i].data() + 2) + copy.size());
    const bool parity = ((load_u32_le(d.data() + 28) >> 12) & 0x3ff) >= (load_u32_le(d.data() + 28) >> 22);
    if (!parity) CHECK(load_u32_le(d.data() + 16) == load_u32_le(copy[i].data() + 16) + (copy.size() << 8));
    // Everything except the sequence number fields (and, in parity shards, the parity of
    // the streamPacketIndex column) is identical.
    for (std::size_t k = 0; k < d.size(); ++k) {
      if (k == 2 || k == 3 || (k >= 16 && k < 20)) continue;
      if (d[k] != copy[i][k]) {
        FAIL_CHECK("datagram " << i << " byte " << k << " differs");
        break;
      }
    }
  }
  // A smaller frame fits the same arena.
  const auto small = pattern(10);
  in.bitstream = small;
  REQUIRE(packetizer.packetize(in));
  CHECK(packetizer.arena_capacity_bytes() == capacity);
}

TEST_CASE("Sequence numbers wrap at 16 bits while streamPacketIndex keeps counting") {
  VideoStreamParams p = tiny();
  p.first_sequence_number = 32000;
  auto packetizer = VideoPacketizer::create(p).value();
  const auto bytes = pattern(250 * 32);
  VideoFrameInput in;
  in.bitstream = bytes;
  std::uint32_t expected = 32000;
  for (std::uint32_t f = 1; f <= 130; ++f) {
    in.frame_index = f;
    auto out = packetizer.packetize(in).value();
    CHECK(out.first_sequence_number == static_cast<std::uint16_t>(expected));
    const Bytes d = out.datagrams[0];
    CHECK(load_u16_be(d.data() + 2) == static_cast<std::uint16_t>(expected));
    CHECK(load_u32_le(d.data() + 16) == (expected << 8));
    expected += static_cast<std::uint32_t>(out.datagrams.size());
  }
  CHECK(expected > 65536);  // the loop crossed the wrap
}

TEST_CASE("Codec does not change the layout") {
  const auto bytes = pattern(3000);
  VideoFrameInput in;
  in.bitstream = bytes;
  VideoStreamParams p;
  p.packet_size_bytes = 1024;
  p.codec = VideoCodec::h264;
  auto a = VideoPacketizer::create(p).value();
  p.codec = VideoCodec::av1;
  auto b = VideoPacketizer::create(p).value();
  auto x = a.packetize(in).value();
  auto y = b.packetize(in).value();
  REQUIRE(x.datagrams.size() == y.datagrams.size());
  for (std::size_t i = 0; i < x.datagrams.size(); ++i)
    CHECK(std::equal(x.datagrams[i].begin(), x.datagrams[i].end(), y.datagrams[i].begin(), y.datagrams[i].end()));
}

TEST_CASE("The sealer sees every slot with its 32-byte prefix; a failing sealer consumes nothing") {
  auto packetizer = VideoPacketizer::create(tiny()).value();
  const auto bytes = pattern(100);
  VideoFrameInput in;
  in.bitstream = bytes;
  in.frame_index = 9;
  auto plain = packetizer.packetize(in).value();
  std::vector<std::vector<std::uint8_t>> copy;
  for (const Bytes& d : plain.datagrams) copy.emplace_back(d.begin(), d.end());

  auto again = VideoPacketizer::create(tiny()).value();
  XorSealer sealer;
  auto sealed = again.packetize(in, &sealer).value();
  REQUIRE(sealed.datagrams.size() == copy.size());
  CHECK(sealer.calls_ == static_cast<int>(copy.size()));
  CHECK(sealer.sizes_ == std::set<std::size_t>{64 + 32});
  for (std::size_t i = 0; i < copy.size(); ++i) {
    const Bytes d = sealed.datagrams[i];
    REQUIRE(d.size() == 96);
    CHECK(load_u32_le(d.data()) == 9);
    for (std::size_t k = 0; k < 64; ++k) REQUIRE((d[32 + k] ^ 0x5a) == copy[i][k]);  // FEC on plaintext
  }

  XorSealer failing;
  failing.fail_after_ = 2;
  const std::uint16_t before = again.next_sequence_number();
  auto bad = again.packetize(in, &failing);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::crypto_failure);
  CHECK(again.next_sequence_number() == before);
}

TEST_CASE("Video encryption IV layout is LE64 counter then 00 00 00 'V'") {
  const auto iv = video_encryption_iv(0x0102030405060708ull);
  const std::array<std::uint8_t, 12> want{8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0x56};
  CHECK(iv == want);
}
