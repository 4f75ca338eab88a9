// The test client's media reassembly (tests/support/stream_client_media.hpp) against the
// datagrams captured with the real client code (tests/data/video_vectors_*.txt,
// audio_vectors_*.txt; README-media-input.md): every frame / Opus packet must come out byte
// for byte, also when data shards are missing and have to be rebuilt from parity. Then a
// round trip through our own packetizers with random losses (secondary: proves nothing about
// compatibility, but covers shapes the vectors do not).
#include <catch2/catch.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "lightwell/proto/audio_packetizer.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/video_packetizer.hpp"
#include "stream_client_media.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using test::AudioReassembler;
using test::AudioReassemblerOptions;
using test::VideoReassembler;
using test::VideoReassemblerOptions;

namespace {

struct ShardMeta {
  std::size_t block = 0, shard = 0, data_shards = 0, parity_shards = 0;
  bool data = false;
};
struct VectorPacket {
  std::vector<std::uint8_t> bytes;
  ShardMeta meta;
};
struct VectorFrame {
  std::uint32_t index = 0;
  std::uint8_t type = 0;
  std::uint16_t latency = 0;
  std::vector<std::uint8_t> bitstream;
  std::vector<VectorPacket> packets;
};
struct VideoVectors {
  VideoReassemblerOptions options;
  std::vector<VectorFrame> frames;
};

std::size_t field(const std::string& comment, const std::string& name) {
  const auto at = comment.find(name + "=");
  REQUIRE(at != std::string::npos);
  return std::stoul(comment.substr(at + name.size() + 1));
}

// The packet comments ("fec_block=b/B shard=x/T (data|parity) data_shards=D parity_shards=Pn")
// tell which shard each datagram is, also for the encrypted file.
VideoVectors load_video(const std::string& file) {
  const auto records = test::read_records(file);
  VideoVectors v;
  v.options.packet_size_bytes = static_cast<std::uint32_t>(records.at(0).integer("packet_size"));
  if (records[0].integer("encrypted") != 0) v.options.key = test::key16(records[0].hex("key"));
  for (const auto& rec : records) {
    if (!rec.find("bitstream")) continue;
    VectorFrame f;
    f.index = static_cast<std::uint32_t>(rec.integer("frame_index"));
    f.type = static_cast<std::uint8_t>(rec.integer("frame_type"));
    f.latency = static_cast<std::uint16_t>(rec.integer("latency"));
    f.bitstream = rec.hex("bitstream");
    const auto packets = rec.indexed("packet");
    REQUIRE(packets.size() == rec.comments.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
      const std::string& c = rec.comments[i];
      VectorPacket p;
      p.bytes = test::unhex(packets[i].second);
      p.meta.block = field(c, "fec_block");
      p.meta.shard = field(c, "shard");
      p.meta.data_shards = field(c, "data_shards");
      p.meta.parity_shards = field(c, "parity_shards");
      p.meta.data = c.find("(data)") != std::string::npos;
      f.packets.push_back(std::move(p));
    }
    v.frames.push_back(std::move(f));
  }
  REQUIRE_FALSE(v.frames.empty());
  return v;
}

using DropFn = std::function<bool(const VectorFrame&, const ShardMeta&)>;

struct VideoRun {
  std::vector<test::ReceivedVideoFrame> frames;
  test::VideoReassemblyCounters counters;
  std::uint64_t new_losses = 0;
};

VideoRun run_video(const VideoVectors& v, const DropFn& drop, bool built_in_drop = false) {
  auto options = v.options;
  options.drop_one_packet_per_fec_block = built_in_drop;
  VideoReassembler r(options);
  VideoRun run;
  for (const auto& f : v.frames) {
    for (const auto& p : f.packets) {
      if (drop && drop(f, p.meta)) continue;
      for (auto& out : r.push(p.bytes)) run.frames.push_back(std::move(out));
    }
  }
  run.counters = r.counters();
  run.new_losses = r.take_new_losses();
  return run;
}

void require_all_frames(const VideoVectors& v, const VideoRun& run) {
  REQUIRE(run.frames.size() == v.frames.size());
  for (std::size_t i = 0; i < v.frames.size(); ++i) {
    INFO("frame " << v.frames[i].index);
    CHECK(run.frames[i].frame_index == v.frames[i].index);
    CHECK(run.frames[i].frame_type == v.frames[i].type);
    CHECK(run.frames[i].host_latency_100us == v.frames[i].latency);
    CHECK(test::hex(run.frames[i].bitstream) == test::hex(v.frames[i].bitstream));
  }
  CHECK(run.counters.frames_lost == 0);
  CHECK(run.counters.malformed == 0);
}

const char* const kVideoFiles[] = {"video_vectors_h264.txt", "video_vectors_h264_encrypted.txt",
                                   "video_vectors_multiblock.txt", "video_vectors_av1.txt"};

std::size_t max_data_shards(const VideoVectors& v) {
  std::size_t m = 0;
  for (const auto& f : v.frames)
    for (const auto& p : f.packets) m = std::max(m, p.meta.data_shards);
  return m;
}

}  // namespace

TEST_CASE("Video reassembly: every vector frame comes out exactly, trimmed by lastPayloadLen") {
  for (const char* file : kVideoFiles) {
    INFO(file);
    const auto v = load_video(file);
    const auto run = run_video(v, nullptr);
    require_all_frames(v, run);
    for (const auto& f : run.frames) CHECK_FALSE(f.recovered_with_fec);
    CHECK(run.counters.fec_recoveries == 0);
    CHECK(run.new_losses == 0);
  }
}

TEST_CASE("Video reassembly: each single data shard dropped per block is rebuilt from parity") {
  for (const char* file : kVideoFiles) {
    INFO(file);
    const auto v = load_video(file);
    for (std::size_t k = 0; k < max_data_shards(v); ++k) {
      INFO("dropped data shard " << k << " of every block");
      std::size_t dropped = 0;
      const auto run = run_video(v, [&](const VectorFrame&, const ShardMeta& m) {
        const bool d = m.data && m.shard == k && m.parity_shards >= 1;
        dropped += d;
        return d;
      });
      require_all_frames(v, run);
      CHECK(run.counters.fec_recoveries == dropped);
    }
  }
}

TEST_CASE("Video reassembly: two data shards dropped per block where parity allows") {
  for (const char* file : kVideoFiles) {
    INFO(file);
    const auto v = load_video(file);
    const std::size_t max_d = max_data_shards(v);
    // All pairs for small blocks; for the 126/125-shard blocks a spread of pairs.
    const std::size_t step = max_d > 16 ? 11 : 1;
    for (std::size_t a = 0; a < max_d; a += step) {
      for (std::size_t b = a + 1; b < max_d; b += step) {
        INFO("dropped data shards " << a << " and " << b);
        const auto run = run_video(v, [&](const VectorFrame&, const ShardMeta& m) {
          return m.data && m.parity_shards >= 2 && (m.shard == a || m.shard == b);
        });
        require_all_frames(v, run);
      }
    }
  }
}

TEST_CASE("Video reassembly: a block short of shards loses its frame, the others survive") {
  const auto v = load_video("video_vectors_h264.txt");
  // Frame 1 is D=3, Pn=2: three missing data shards cannot be rebuilt.
  const auto run = run_video(v, [](const VectorFrame& f, const ShardMeta& m) {
    return f.index == 1 && m.data;
  });
  REQUIRE(run.frames.size() == v.frames.size() - 1);
  CHECK(run.frames[0].frame_index == 2);
  CHECK(run.counters.frames_lost == 1);
  CHECK(run.new_losses == 1);
  // A wholly missing frame in the middle counts as lost too (video.md §6: gaps are losses).
  const auto gap = run_video(v, [](const VectorFrame& f, const ShardMeta&) { return f.index == 2; });
  CHECK(gap.frames.size() == v.frames.size() - 1);
  CHECK(gap.counters.frames_lost == 1);
}

TEST_CASE("Video reassembly: the built-in drop knob drops one data shard per protected block") {
  for (const char* file : kVideoFiles) {
    INFO(file);
    const auto v = load_video(file);
    std::size_t protected_blocks = 0;
    for (const auto& f : v.frames)
      for (const auto& p : f.packets) protected_blocks += p.meta.shard == 0 && p.meta.parity_shards > 0;
    const auto run = run_video(v, nullptr, true);
    require_all_frames(v, run);
    CHECK(run.counters.dropped_on_purpose == protected_blocks);
    CHECK(run.counters.fec_recoveries == protected_blocks);
    for (const auto& f : run.frames) CHECK(f.recovered_with_fec);
  }
}

TEST_CASE("Video reassembly rejects malformed datagrams whole") {
  const auto v = load_video("video_vectors_h264.txt");
  const auto& first = v.frames[0].packets[0].bytes;
  VideoReassembler r(v.options);
  CHECK(r.push(std::vector<std::uint8_t>(first.begin(), first.end() - 1)).empty());  // truncated
  auto longer = first;
  longer.push_back(0);
  CHECK(r.push(longer).empty());  // oversized
  auto no_ext = first;
  no_ext[0] = 0x80;  // RTP without the extension bit (video.md §3.1)
  CHECK(r.push(no_ext).empty());
  auto bad_fec = first;
  bad_fec[28] = bad_fec[29] = bad_fec[30] = bad_fec[31] = 0;  // D = 0
  CHECK(r.push(bad_fec).empty());
  auto bad_index = first;
  bad_index[29] = 0xF0;  // shard index 15 of a 3 + 2 block
  CHECK(r.push(bad_index).empty());
  CHECK(r.counters().malformed == 5);
  CHECK(r.counters().frames_complete == 0);

  const auto enc = load_video("video_vectors_h264_encrypted.txt");
  VideoReassembler e(enc.options);
  auto tampered = enc.frames[0].packets[0].bytes;
  tampered[40] ^= 1;
  CHECK(e.push(tampered).empty());
  CHECK(e.push(v.frames[0].packets[0].bytes).empty());  // plaintext on an encrypted stream
  CHECK(e.counters().malformed == 2);
  // A wrong frame header type is not a frame.
  VideoReassembler r2(v.options);
  auto p = v.frames[1].packets;  // frame 2: one data shard + 2 parity
  p[0].bytes[32] = 0x81;
  CHECK(r2.push(p[0].bytes).empty());
  CHECK(r2.counters().malformed == 1);
  CHECK(r2.counters().frames_lost == 2);  // frame 1 never seen, frame 2 unusable
}

TEST_CASE("Video reassembly ignores duplicates and late packets") {
  const auto v = load_video("video_vectors_h264.txt");
  VideoReassembler r(v.options);
  std::size_t frames = 0;
  for (const auto& f : v.frames) {
    for (const auto& p : f.packets) {
      frames += r.push(p.bytes).size();
      frames += r.push(p.bytes).size();  // every datagram twice
    }
  }
  CHECK(frames == v.frames.size());
  CHECK(r.counters().frames_lost == 0);
  CHECK(r.counters().late_or_duplicate > 0);
}

// ---- audio ------------------------------------------------------------------------------

namespace {

struct AudioVectors {
  AudioReassemblerOptions options;
  std::vector<std::vector<std::uint8_t>> opus;
  std::vector<std::vector<std::uint8_t>> packets;
};

AudioVectors load_audio(const std::string& file) {
  const auto records = test::read_records(file);
  AudioVectors a;
  a.options.packet_duration_ms = static_cast<std::uint32_t>(records.at(0).integer("packet_duration_ms"));
  if (records[0].integer("encrypted") != 0) {
    a.options.key = test::key16(records[0].hex("key"));
    a.options.rikeyid = static_cast<std::int32_t>(records[0].integer("rikeyid"));
  }
  for (const auto& rec : records) {
    for (const auto& [k, val] : rec.indexed("opus")) a.opus.push_back(test::unhex(val));
    for (const auto& [k, val] : rec.indexed("packet")) a.packets.push_back(test::unhex(val));
  }
  REQUIRE(a.opus.size() == 24);
  REQUIRE(a.packets.size() == 36);
  return a;
}

std::uint16_t seq_of(const std::vector<std::uint8_t>& d) { return static_cast<std::uint16_t>(d[2] << 8 | d[3]); }
bool is_data(const std::vector<std::uint8_t>& d) { return (d[1] & 0x7F) == 97; }

struct AudioRun {
  std::vector<test::ReceivedAudioPacket> packets;
  test::AudioReassemblyCounters counters;
};

AudioRun run_audio(const AudioVectors& a, const std::function<bool(std::uint16_t)>& drop_data, bool built_in = false) {
  auto options = a.options;
  options.drop_one_packet_per_fec_block = built_in;
  AudioReassembler r(options);
  AudioRun run;
  for (const auto& p : a.packets) {
    if (drop_data && is_data(p) && drop_data(seq_of(p))) continue;
    for (auto& out : r.push(p)) run.packets.push_back(std::move(out));
  }
  run.counters = r.counters();
  return run;
}

void require_all_audio(const AudioVectors& a, const AudioRun& run) {
  REQUIRE(run.packets.size() == a.opus.size());
  for (std::size_t i = 0; i < a.opus.size(); ++i) {
    INFO("packet " << i);
    CHECK(run.packets[i].sequence_number == i);
    CHECK(run.packets[i].timestamp_ms == i * a.options.packet_duration_ms);
    CHECK(test::hex(run.packets[i].opus) == test::hex(a.opus[i]));
  }
  CHECK(run.counters.packets_lost == 0);
  CHECK(run.counters.malformed == 0);
}

}  // namespace

TEST_CASE("Audio reassembly: vectors decrypt and come out in order") {
  for (const char* file : {"audio_vectors_plain.txt", "audio_vectors_encrypted.txt"}) {
    INFO(file);
    const auto a = load_audio(file);
    const auto run = run_audio(a, nullptr);
    require_all_audio(a, run);
    for (const auto& p : run.packets) CHECK_FALSE(p.recovered_with_fec);
    CHECK(run.counters.fec_datagrams == 12);
  }
}

TEST_CASE("Audio reassembly: one or two data packets of every block rebuilt from the fixed-matrix FEC") {
  for (const char* file : {"audio_vectors_plain.txt", "audio_vectors_encrypted.txt"}) {
    INFO(file);
    const auto a = load_audio(file);
    // Sequence 0 is never dropped here: the client synchronises on the first block boundary
    // at or after the first packet it sees (audio.md §5.3), so the stream's very first packet
    // must arrive for block 0 to be played at all. (The built-in knob drops before
    // synchronising, so it may drop packet 0.)
    for (unsigned k = 0; k < 4; ++k) {
      INFO("dropped index " << k);
      const auto run = run_audio(a, [&](std::uint16_t s) { return s != 0 && s % 4 == k; });
      require_all_audio(a, run);
      CHECK(run.counters.fec_recoveries == (k == 0 ? 5u : 6u));
      for (const auto& p : run.packets)
        CHECK(p.recovered_with_fec == (p.sequence_number != 0 && p.sequence_number % 4 == k));
    }
    for (unsigned k1 = 0; k1 < 4; ++k1) {
      for (unsigned k2 = k1 + 1; k2 < 4; ++k2) {
        INFO("dropped indices " << k1 << ", " << k2);
        const auto run = run_audio(a, [&](std::uint16_t s) { return s != 0 && (s % 4 == k1 || s % 4 == k2); });
        require_all_audio(a, run);
        CHECK(run.counters.fec_recoveries == (k1 == 0 ? 11u : 12u));
      }
    }
    const auto knob = run_audio(a, nullptr, true);
    require_all_audio(a, knob);
    CHECK(knob.counters.dropped_on_purpose == 6);
    CHECK(knob.counters.fec_recoveries == 6);
  }
}

TEST_CASE("Audio reassembly: an unrecoverable block is counted lost, later blocks still play") {
  const auto a = load_audio("audio_vectors_encrypted.txt");
  const auto run = run_audio(a, [](std::uint16_t s) { return s >= 4 && s <= 6; });  // 3 of block 1
  CHECK(run.counters.packets_lost == 3);
  REQUIRE(run.packets.size() == 21);
  CHECK(run.packets[4].sequence_number == 7);
  CHECK(test::hex(run.packets[4].opus) == test::hex(a.opus[7]));
  CHECK(run.packets.back().sequence_number == 23);
}

TEST_CASE("Audio reassembly rejects malformed datagrams") {
  const auto a = load_audio("audio_vectors_encrypted.txt");
  AudioReassembler r(a.options);
  CHECK(r.push(std::vector<std::uint8_t>(a.packets[0].begin(), a.packets[0].begin() + 12)).empty());
  auto wrong_type = a.packets[0];
  wrong_type[1] = 96;
  CHECK(r.push(wrong_type).empty());
  auto fec = a.packets[4];
  fec[12] = 2;  // FEC shard index >= 2
  CHECK(r.push(fec).empty());
  CHECK(r.counters().malformed == 3);
  // A ciphertext that does not decrypt (bad padding) is not delivered.
  AudioReassembler r2(a.options);
  auto bad = a.packets[0];
  bad.back() ^= 0xFF;
  CHECK(r2.push(bad).empty());
  CHECK(r2.counters().malformed == 1);
}

// ---- round trip through our own packetizers (secondary) ----------------------------------

TEST_CASE("Round trip: VideoPacketizer output with random drops up to the parity count") {
  std::mt19937 rng(1234);
  for (bool encrypted : {false, true}) {
    INFO("encrypted " << encrypted);
    proto::VideoStreamParams params;
    params.packet_size_bytes = 64;  // small, so frames span several blocks
    auto packetizer = proto::VideoPacketizer::create(params).value();
    const std::array<std::uint8_t, 16> key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    auto encryptor = proto::crypto::VideoEncryptor::create(key).value();
    VideoReassemblerOptions options;
    options.packet_size_bytes = 64;
    if (encrypted) options.key = key;
    VideoReassembler r(options);
    std::size_t recovered = 0;
    for (std::uint32_t index = 1; index <= 40; ++index) {
      std::vector<std::uint8_t> bitstream(1 + rng() % 20000);
      for (auto& b : bitstream) b = static_cast<std::uint8_t>(rng());
      proto::VideoFrameInput in;
      in.bitstream = bitstream;
      in.frame_index = index;
      in.frame_type = index == 1 ? proto::VideoFrameType::idr : proto::VideoFrameType::p_frame;
      in.processing_latency_100us = static_cast<std::uint16_t>(index * 3);
      auto out = packetizer.packetize(in, encrypted ? &encryptor : nullptr).value();
      // Drop up to Pn random shards of each block (any kind).
      std::vector<bool> drop(out.datagrams.size(), false);
      std::size_t at = 0;
      for (std::size_t b = 0; b < out.plan.block_count; ++b) {
        const auto& blk = out.plan.blocks[b];
        const std::size_t total = std::size_t{blk.data_shards} + blk.parity_shards;
        const std::size_t n = blk.parity_shards == 0 ? 0 : rng() % (blk.parity_shards + 1u);
        for (std::size_t i = 0; i < n; ++i) drop[at + rng() % total] = true;
        at += total;
      }
      std::vector<test::ReceivedVideoFrame> frames;
      for (std::size_t i = 0; i < out.datagrams.size(); ++i) {
        if (drop[i]) continue;
        for (auto& f : r.push(out.datagrams[i])) frames.push_back(std::move(f));
      }
      INFO("frame " << index << " of " << bitstream.size() << " bytes");
      REQUIRE(frames.size() == 1);
      CHECK(frames[0].frame_index == index);
      CHECK(frames[0].host_latency_100us == index * 3);
      CHECK(frames[0].bitstream == bitstream);
      recovered += frames[0].recovered_with_fec;
    }
    CHECK(r.counters().frames_lost == 0);
    CHECK(recovered > 0);
  }
}

TEST_CASE("Round trip: AudioPacketizer output with up to two drops per block") {
  std::mt19937 rng(99);
  const std::array<std::uint8_t, 16> key{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
  auto packetizer = proto::AudioPacketizer::create({}).value();
  auto encryptor = proto::crypto::AudioEncryptor::create(key, -42).value();
  AudioReassemblerOptions options;
  options.key = key;
  options.rikeyid = -42;
  AudioReassembler r(options);
  std::vector<std::vector<std::uint8_t>> sent;
  std::vector<test::ReceivedAudioPacket> got;
  std::vector<std::vector<std::uint8_t>> pending;  // one block's datagrams
  for (int i = 0; i < 400; ++i) {
    std::vector<std::uint8_t> opus(60);
    for (auto& b : opus) b = static_cast<std::uint8_t>(rng());
    sent.push_back(opus);
    auto dgrams = packetizer.packetize(opus, &encryptor).value();
    for (const auto& d : dgrams) pending.emplace_back(d.begin(), d.end());
    if (pending.size() == 6) {
      const std::size_t n = rng() % 3;
      for (std::size_t k = 0; k < n; ++k) pending[rng() % 6].clear();
      for (const auto& d : pending)
        if (!d.empty())
          for (auto& p : r.push(d)) got.push_back(std::move(p));
      pending.clear();
    }
  }
  REQUIRE(got.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    CHECK(got[i].sequence_number == static_cast<std::uint16_t>(i));
    CHECK(got[i].opus == sent[i]);
  }
  CHECK(r.counters().packets_lost == 0);
}
