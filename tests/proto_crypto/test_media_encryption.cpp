// Encrypted media against the client vectors: video_vectors_h264_encrypted.txt (AES-GCM per
// datagram, IV counter from 0, video.md §9) and audio_vectors_encrypted.txt (AES-CBC payloads,
// FEC over the ciphertexts, audio.md §4–§5).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lightwell/proto/crypto/media_cipher.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;
using namespace lightwell::proto::crypto;

namespace {


std::string hex_of(Bytes b) { return test::hex({b.begin(), b.end()}); }

VideoStreamParams params_from(const test::Record& header) {
  VideoStreamParams p;
  p.packet_size_bytes = static_cast<std::size_t>(header.integer("packet_size"));
  p.fec_percentage = static_cast<unsigned>(header.integer("fec_percentage"));
  p.min_required_fec_packets = static_cast<unsigned>(header.integer("min_required_fec_packets"));
  p.first_sequence_number = static_cast<std::uint16_t>(header.integer("lowseq_start"));
  return p;
}

VideoFrameInput input_from(const test::Record& rec, const std::vector<std::uint8_t>& bitstream) {
  VideoFrameInput in;
  in.bitstream = bitstream;
  in.frame_index = static_cast<std::uint32_t>(rec.integer("frame_index"));
  in.frame_type = static_cast<VideoFrameType>(rec.integer("frame_type"));
  in.processing_latency_100us = static_cast<std::uint16_t>(rec.integer("latency"));
  in.rtp_timestamp_90khz = static_cast<std::uint32_t>(rec.integer("rtp_timestamp"));
  return in;
}

}  // namespace

TEST_CASE("Encrypted video datagrams match the client vector byte for byte") {
  const auto records = test::read_records("video_vectors_h264_encrypted.txt");
  const auto& header = records[0];
  REQUIRE(header.integer("encrypted") == 1);
  const Key128 key = test::key16(header.hex("key"));
  auto packetizer = VideoPacketizer::create(params_from(header)).value();
  auto encryptor = VideoEncryptor::create(key, static_cast<std::uint64_t>(header.integer("iv_counter_start"))).value();

  // The plaintext vector holds the same frames: decrypting ours must give those datagrams.
  std::vector<std::string> plain;
  for (const auto& rec : test::read_records("video_vectors_h264.txt"))
    for (const auto& [k, v] : rec.indexed("packet")) plain.push_back(v);
  auto gcm = AesGcm::create(key).value();

  std::size_t checked = 0;
  for (const auto& rec : records) {
    if (!rec.find("bitstream")) continue;
    const auto bitstream = rec.hex("bitstream");
    const auto input = input_from(rec, bitstream);
    auto out = packetizer.packetize(input, &encryptor);
    REQUIRE(out);
    const auto expected = rec.indexed("packet");
    REQUIRE(out->datagrams.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      INFO("frame " << input.frame_index << " datagram " << i);
      const Bytes wire = out->datagrams[i];
      CHECK(wire.size() == 1024 + 16 + 32);
      CHECK(hex_of(wire) == expected[i].second);
      std::vector<std::uint8_t> back(wire.size() - 32);
      auto frame_number = open_video_datagram(gcm, wire, back);
      REQUIRE(frame_number);
      CHECK(*frame_number == input.frame_index);
      REQUIRE(checked < plain.size());
      CHECK(test::hex(back) == plain[checked]);
      ++checked;
    }
  }
  CHECK(checked == 12);
  CHECK(encryptor.next_iv_counter() == 12);  // one IV per datagram, never reused
}

TEST_CASE("Video datagram opening rejects tampering and truncation") {
  const Key128 key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  VideoStreamParams params;
  params.packet_size_bytes = 64;
  auto packetizer = VideoPacketizer::create(params).value();
  auto encryptor = VideoEncryptor::create(key, 41).value();
  const std::vector<std::uint8_t> bitstream(100, 0xab);
  VideoFrameInput in;
  in.bitstream = bitstream;
  in.frame_index = 7;
  auto out = packetizer.packetize(in, &encryptor).value();
  REQUIRE(out.datagrams.size() > 1);
  // IV of the first datagram: LE64(41) ‖ 00 00 00 'V'.
  CHECK(hex_of(out.datagrams[0].first(16)) == "29000000000000000000005607000000");
  CHECK(hex_of(out.datagrams[1].first(12)) == "2a0000000000000000000056");

  auto gcm = AesGcm::create(key).value();
  std::vector<std::uint8_t> wire(out.datagrams[0].begin(), out.datagrams[0].end());
  std::vector<std::uint8_t> back(wire.size() - 32);
  REQUIRE(open_video_datagram(gcm, wire, back));
  wire[40] ^= 0x01;
  CHECK(open_video_datagram(gcm, wire, back).error().code == Errc::auth_failed);
  CHECK(open_video_datagram(gcm, Bytes(wire).first(32), back).error().code == Errc::truncated);
}

TEST_CASE("Encrypted audio datagrams match the client vector, FEC over ciphertexts") {
  const auto records = test::read_records("audio_vectors_encrypted.txt");
  REQUIRE(records.size() == 2);
  const auto& header = records[0];
  REQUIRE(header.integer("encrypted") == 1);
  const Key128 key = test::key16(header.hex("key"));
  const auto rikeyid = static_cast<std::int32_t>(header.integer("rikeyid"));
  CHECK(rikeyid == -559038737);
  AudioStreamParams params;
  params.packet_duration_ms = static_cast<std::uint32_t>(header.integer("packet_duration_ms"));
  auto packetizer = AudioPacketizer::create(params).value();
  auto encryptor = AudioEncryptor::create(key, rikeyid).value();
  auto cbc = AesCbc::create(key).value();

  const auto opus = records[1].indexed("opus");
  const auto packets = records[1].indexed("packet");
  REQUIRE(opus.size() == 24);
  REQUIRE(packets.size() == 36);
  std::size_t next = 0;
  for (std::size_t i = 0; i < opus.size(); ++i) {
    INFO("opus[" << i << "]");
    const auto payload = test::unhex(opus[i].second);
    auto out = packetizer.packetize(payload, &encryptor);
    REQUIRE(out);
    REQUIRE(out->size() == (i % 4 == 3 ? 3u : 1u));
    // The client's view: decrypting the data payload gives the Opus packet back.
    const Bytes data = (*out)[0];
    CHECK(data.size() == 12 + 64);
    std::vector<std::uint8_t> back(data.size() - 12);
    auto n = open_audio_payload(cbc, rikeyid, static_cast<std::uint16_t>(i), data.subspan(12), back);
    REQUIRE(n);
    back.resize(*n);
    CHECK(back == payload);
    for (const Bytes& datagram : *out) {
      REQUIRE(next < packets.size());
      CHECK(hex_of(datagram) == packets[next].second);
      ++next;
    }
  }
  CHECK(next == packets.size());
}

TEST_CASE("Audio encryptor reproduces audio_encryption_vectors.txt through the sealer interface") {
  int checked = 0;
  for (const auto& rec : test::read_records("audio_encryption_vectors.txt")) {
    if (!rec.find("ciphertext")) continue;
    auto enc = AudioEncryptor::create(test::key16(rec.hex("key")), static_cast<std::int32_t>(rec.integer("rikeyid"))).value();
    const auto seq = static_cast<std::uint16_t>(rec.integer("sequence_number"));
    const auto iv = audio_encryption_iv(static_cast<std::int32_t>(rec.integer("rikeyid")), seq);
    CHECK(test::hex({iv.begin(), iv.end()}) == rec.get("iv"));
    const auto pt = rec.hex("plaintext");
    std::vector<std::uint8_t> ct(enc.sealed_size(pt.size()));
    REQUIRE(enc.seal(seq, pt, ct));
    CHECK(test::hex(ct) == rec.get("ciphertext"));
    // A wrongly sized output is refused rather than half-written.
    std::vector<std::uint8_t> short_out(ct.size() - 1);
    CHECK(enc.seal(seq, pt, short_out).error().code == Errc::out_of_range);
    ++checked;
  }
  CHECK(checked == 40);
}

TEST_CASE("Encrypting the two-block frame seals every datagram in send order over the plaintext vector") {
  // No encrypted vector exists for multi-block frames; decrypting ours must give exactly the
  // plain vector's datagrams, with consecutive IVs in send order.
  const auto records = test::read_records("video_vectors_multiblock.txt");
  auto packetizer = VideoPacketizer::create(params_from(records[0])).value();
  const Key128 key{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
  auto encryptor = VideoEncryptor::create(key, 1000).value();
  auto gcm = AesGcm::create(key).value();
  std::uint64_t counter = 1000;
  for (const auto& rec : records) {
    if (!rec.find("bitstream")) continue;
    const auto bitstream = rec.hex("bitstream");
    const auto input = input_from(rec, bitstream);
    auto out = packetizer.packetize(input, &encryptor).value();
    const auto expected = rec.indexed("packet");
    REQUIRE(out.datagrams.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const Bytes wire = out.datagrams[i];
      const auto iv = video_encryption_iv(counter++);
      REQUIRE(std::equal(iv.begin(), iv.end(), wire.begin()));
      std::vector<std::uint8_t> back(wire.size() - 32);
      REQUIRE(open_video_datagram(gcm, wire, back).value() == input.frame_index);
      REQUIRE(test::hex(back) == expected[i].second);
    }
  }
  CHECK(counter == 1000 + 307);
  CHECK(encryptor.next_iv_counter() == counter);
}
