// The video packetizer against the datagrams captured with the real client code
// (tests/data/video_vectors_{h264,multiblock,av1}.txt, format in README-media-input.md):
// every frame must come out byte for byte.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lightwell/proto/video_packetizer.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

VideoStreamParams params_from(const test::Record& header) {
  VideoStreamParams p;
  p.packet_size_bytes = static_cast<std::size_t>(header.integer("packet_size"));
  p.fec_percentage = static_cast<unsigned>(header.integer("fec_percentage"));
  p.min_required_fec_packets = static_cast<unsigned>(header.integer("min_required_fec_packets"));
  p.first_sequence_number = static_cast<std::uint16_t>(header.integer("lowseq_start"));
  const std::string codec = header.get("codec");
  p.codec = codec == "av1" ? VideoCodec::av1 : codec == "hevc" ? VideoCodec::hevc : VideoCodec::h264;
  return p;
}

struct VectorFrame {
  std::vector<std::uint8_t> bitstream;
  VideoFrameInput input;
  std::vector<std::vector<std::uint8_t>> packets;
};

std::vector<VectorFrame> frames_of(const std::vector<test::Record>& records) {
  std::vector<VectorFrame> frames;
  for (const auto& rec : records) {
    if (!rec.find("bitstream")) continue;
    VectorFrame f;
    f.bitstream = rec.hex("bitstream");
    f.input.frame_index = static_cast<std::uint32_t>(rec.integer("frame_index"));
    f.input.frame_type = static_cast<VideoFrameType>(rec.integer("frame_type"));
    f.input.processing_latency_100us = static_cast<std::uint16_t>(rec.integer("latency"));
    f.input.rtp_timestamp_90khz = static_cast<std::uint32_t>(rec.integer("rtp_timestamp"));
    for (const auto& [key, value] : rec.indexed("packet")) f.packets.push_back(test::unhex(value));
    frames.push_back(std::move(f));
  }
  return frames;
}

// Packetizes every frame of a plain vector file and compares each datagram; returns the
// number of datagrams checked.
std::size_t check_plain_file(const std::string& file) {
  const auto records = test::read_records(file);
  REQUIRE_FALSE(records.empty());
  REQUIRE(records[0].integer("encrypted") == 0);
  auto packetizer = VideoPacketizer::create(params_from(records[0])).value();
  std::size_t checked = 0;
  for (auto& frame : frames_of(records)) {
    frame.input.bitstream = frame.bitstream;
    auto out = packetizer.packetize(frame.input);
    REQUIRE(out);
    INFO(file << " frame " << frame.input.frame_index);
    REQUIRE(out->datagrams.size() == frame.packets.size());
    for (std::size_t i = 0; i < frame.packets.size(); ++i) {
      INFO("datagram " << i);
      CHECK(test::hex({out->datagrams[i].begin(), out->datagrams[i].end()}) == test::hex(frame.packets[i]));
      ++checked;
    }
  }
  return checked;
}

}  // namespace

TEST_CASE("Video packetizer reproduces the H.264 vectors byte for byte") {
  // IDR of 3 packets + 2 parity (pct 66), a 1-packet P-frame (pct 200), a 2-packet P-frame.
  CHECK(check_plain_file("video_vectors_h264.txt") == 5 + 3 + 4);
}

TEST_CASE("Video packetizer reproduces the two-block 251-packet frame byte for byte") {
  // Frame 2: blocks of 126+26 and 125+25 shards, sequence numbers from 1005.
  CHECK(check_plain_file("video_vectors_multiblock.txt") == 307);
}

TEST_CASE("Video packetizer reproduces the AV1 vectors including lastPayloadLen") {
  CHECK(check_plain_file("video_vectors_av1.txt") > 0);
  // The P-frame exactly fills one packet: lastPayloadLen = L = 1008, not 0 (video.md §4.2).
  const auto records = test::read_records("video_vectors_av1.txt");
  const auto frames = frames_of(records);
  REQUIRE(frames.size() == 2);
  CHECK(frames[1].bitstream.size() + kVideoFrameHeaderBytes == 1008);
  const auto& first = frames[1].packets.front();
  CHECK(load_u16_le(first.data() + 32 + 4) == 1008);
  auto plan = plan_video_frame(params_from(records[0]), frames[1].bitstream.size()).value();
  CHECK(plan.last_payload_len == 1008);
  CHECK(plan.data_packets == 1);
}

TEST_CASE("Worked example of video.md 5.8: fecInfo and frame header of the first IDR") {
  const auto records = test::read_records("video_vectors_h264.txt");
  auto frames = frames_of(records);
  auto packetizer = VideoPacketizer::create(params_from(records[0])).value();
  frames[0].input.bitstream = frames[0].bitstream;
  auto out = packetizer.packetize(frames[0].input).value();
  REQUIRE(out.datagrams.size() == 5);
  CHECK(out.plan.block_count == 1);
  CHECK(out.plan.blocks[0].data_shards == 3);
  CHECK(out.plan.blocks[0].parity_shards == 2);
  CHECK(out.plan.blocks[0].fec_percentage == 66);
  CHECK(load_u32_le(out.datagrams[1].data() + 28) == 0x00C01420u);
  const std::vector<std::uint8_t> header(out.datagrams[0].begin() + 32, out.datagrams[0].begin() + 40);
  CHECK(test::hex(header) == "0123000277020000");
  CHECK(out.datagrams[0][24] == 0x05);
  CHECK(out.datagrams[1][24] == 0x01);
  CHECK(out.datagrams[2][24] == 0x03);
  CHECK(out.first_sequence_number == 0);
  CHECK(packetizer.next_sequence_number() == 5);
}
