// The audio packetizer against tests/data/audio_vectors_plain.txt (24 data packets, 6 FEC
// blocks, datagrams checked by the real client's RtpAudioQueue), plus its input rules.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lightwell/proto/audio_packetizer.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

std::string hex_of(Bytes b) { return test::hex({b.begin(), b.end()}); }

}  // namespace

TEST_CASE("Audio packetizer reproduces every plain datagram, data and FEC") {
  const auto records = test::read_records("audio_vectors_plain.txt");
  REQUIRE(records.size() == 2);  // header, then the packet record
  REQUIRE(records[0].integer("encrypted") == 0);
  const auto& rec = records[1];
  AudioStreamParams params;
  params.packet_duration_ms = static_cast<std::uint32_t>(records[0].integer("packet_duration_ms"));
  auto packetizer = AudioPacketizer::create(params).value();

  const auto opus = rec.indexed("opus");
  const auto packets = rec.indexed("packet");
  REQUIRE(opus.size() == 24);
  REQUIRE(packets.size() == 24 + 12);
  std::size_t next_packet = 0;
  for (std::size_t i = 0; i < opus.size(); ++i) {
    INFO("opus[" << i << "]");
    const auto payload = test::unhex(opus[i].second);
    auto out = packetizer.packetize(payload);
    REQUIRE(out);
    REQUIRE(out->size() == (i % 4 == 3 ? 3u : 1u));
    for (const Bytes& datagram : *out) {
      REQUIRE(next_packet < packets.size());
      CHECK(hex_of(datagram) == packets[next_packet].second);
      ++next_packet;
    }
  }
  CHECK(next_packet == packets.size());
  CHECK(packetizer.next_sequence_number() == 24);
  CHECK(packetizer.next_timestamp_ms() == 120);
}

TEST_CASE("Audio packetizer enforces CBR inside a block and consumes nothing on rejection") {
  auto packetizer = AudioPacketizer::create({}).value();
  const std::vector<std::uint8_t> p60(60, 0xfc), p61(61, 0xfc), p1400(1377, 0xfc);
  REQUIRE(packetizer.packetize(p60));
  CHECK(packetizer.block_payload_bytes() == 60);
  auto bad = packetizer.packetize(p61);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::out_of_range);
  CHECK(packetizer.next_sequence_number() == 1);
  CHECK(packetizer.next_timestamp_ms() == 5);
  REQUIRE(packetizer.packetize(p60));
  REQUIRE(packetizer.packetize(p60));
  auto last = packetizer.packetize(p60);
  REQUIRE(last);
  CHECK(last->size() == 3);
  CHECK((*last)[1].size() == 24 + 60);
  // A new block may use a new size.
  CHECK(packetizer.block_payload_bytes() == 0);
  auto bigger = packetizer.packetize(p61);
  REQUIRE(bigger);
  CHECK((*bigger)[0].size() == 12 + 61);

  auto empty = packetizer.packetize({});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == Errc::malformed);
  auto huge = packetizer.packetize(p1400);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == Errc::too_large);
  CHECK(packetizer.next_sequence_number() == 5);
}

TEST_CASE("Audio packetizer rejects stream parameters the client cannot use") {
  AudioStreamParams p;
  p.packet_duration_ms = 7;
  CHECK(AudioPacketizer::create(p).error().code == Errc::out_of_range);
  p.packet_duration_ms = 10;
  p.first_sequence_number = 2;  // FEC blocks must start at multiples of 4
  CHECK(AudioPacketizer::create(p).error().code == Errc::out_of_range);
  p.first_sequence_number = 65532;
  REQUIRE(AudioPacketizer::create(p));
}

TEST_CASE("Audio sequence numbers wrap at 16 bits and blocks stay aligned") {
  AudioStreamParams p;
  p.first_sequence_number = 65532;
  p.first_timestamp_ms = 0xFFFFFFF0u;
  auto packetizer = AudioPacketizer::create(p).value();
  const std::vector<std::uint8_t> payload(60, 0xfc);
  for (int i = 0; i < 3; ++i) REQUIRE(packetizer.packetize(payload));
  auto out = packetizer.packetize(payload).value();
  REQUIRE(out.size() == 3);
  CHECK(load_u16_be(out[0].data() + 2) == 65535);
  CHECK(load_u16_be(out[1].data() + 2) == 0);      // (4k+3) + 1 wraps
  CHECK(load_u16_be(out[2].data() + 2) == 1);
  CHECK(load_u16_be(out[1].data() + 14) == 65532);  // base sequence number
  CHECK(load_u32_be(out[1].data() + 16) == 0xFFFFFFF0u);
  CHECK(packetizer.next_sequence_number() == 0);
  CHECK(packetizer.next_timestamp_ms() == 4);  // 32-bit wrap of the millisecond clock
}

TEST_CASE("Audio encryption IV is BE32(rikeyid + seq) with 32-bit wrap") {
  const auto iv = audio_encryption_iv(-1, 2);
  CHECK(test::hex({iv.begin(), iv.end()}) == "00000001000000000000000000000000");
  const auto iv2 = audio_encryption_iv(305419896, 4660);
  CHECK(load_u32_be(iv2.data()) == 305419896u + 4660u);
}
