// Encrypted media from a MediaSession (video.md §9, audio.md §4), opened with the client-side
// functions of proto_crypto: every video datagram authenticates under the session key with a
// never-repeating IV counter and the plaintext reassembles into the encoder's bitstream; every
// audio payload decrypts with IV = BE32(rikeyid + seq). This file cannot include
// media_session.hpp (see test_media_session_wire.hpp); the session runs in
// test_media_session.cpp.
#include <catch2/catch.hpp>

#include <set>

#include "lightwell/proto/crypto/media_cipher.hpp"
#include "test_media_session_wire.hpp"

using namespace media_test;
namespace crypto = lightwell::proto::crypto;

TEST_CASE("MediaSession encrypted video and audio open with the client's functions") {
  const auto stream = capture_encrypted_stream(40, 12);
  const std::size_t plain_size = stream.packet_size + 16;

  auto gcm = crypto::AesGcm::create(stream.key).value();
  std::vector<VideoPacket> packets;
  std::set<std::uint64_t> counters;
  for (std::size_t i = 0; i < stream.video.size(); ++i) {
    INFO("video datagram " << i);
    const auto& wire = stream.video[i];
    REQUIRE(wire.size() == plain_size + 32);  // the on-wire size of a 1024-byte stream (video.md §3)
    Datagram plain(plain_size);
    const auto frame_number = crypto::open_video_datagram(gcm, wire, plain);
    REQUIRE(frame_number);
    const auto packet = parse_video(plain);
    CHECK(*frame_number == packet.frame_index);
    // IV = LE64(counter) ‖ 00 00 00 'V', counter +1 per datagram from 0 across frames.
    std::uint64_t counter = 0;
    for (int b = 0; b < 8; ++b) counter |= std::uint64_t(wire[b]) << (8 * b);
    CHECK(counter == i);
    CHECK(wire[11] == 'V');
    CHECK(counters.insert(counter).second);
    packets.push_back(packet);
  }
  const auto frames = reassemble(packets);
  REQUIRE(frames.size() >= 5);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CHECK(frames[i].index == i + 1);
    const auto decoded = decode_fake_bitstream(frames[i].bitstream);
    REQUIRE(decoded);
    CHECK(frames[i].bitstream == fake_bitstream(decoded->first, decoded->second));
  }
  CHECK(frames[0].frame_type == 2);

  // A tampered datagram does not authenticate.
  auto tampered = stream.video[0];
  tampered[40] ^= 1;
  Datagram scratch(plain_size);
  CHECK_FALSE(crypto::open_video_datagram(gcm, tampered, scratch));

  auto cbc = crypto::AesCbc::create(stream.key).value();
  std::size_t data_packets = 0;
  for (const auto& d : stream.audio) {
    if (d[1] != 97) continue;
    const std::uint16_t seq = be16(&d[2]);
    INFO("audio seq " << seq);
    REQUIRE(d.size() == 12 + 64);  // 60-byte Opus packet + PKCS#7 → 64
    Datagram plain(64);
    const auto n = crypto::open_audio_payload(cbc, stream.rikeyid, seq, lightwell::proto::Bytes(d.data() + 12, d.size() - 12), plain);
    REQUIRE(n);
    plain.resize(*n);
    CHECK(plain == fake_opus_packet(seq));
    ++data_packets;
  }
  CHECK(data_packets >= 8);
}
