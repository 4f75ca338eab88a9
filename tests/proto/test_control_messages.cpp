// Client -> host control messages (control.md §4, §7; video.md §7, §8; input.md §1) parsed from
// the plaintexts the real client library produced (wire/control_encrypted.txt,
// input_control_gcm_vectors.txt, input_packets.txt) and from the documented layouts.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "lightwell/proto/control_messages.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {


std::vector<std::uint8_t> to_vec(Bytes b) { return {b.begin(), b.end()}; }

std::vector<std::uint8_t> frame(std::uint16_t type, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out(4 + payload.size());
  REQUIRE(write_control_frame(out, type, payload).value() == out.size());
  return out;
}

ClientMessage parse_ok(const std::vector<std::uint8_t>& plaintext) {
  auto msg = parse_client_message(plaintext);
  INFO(test::hex(plaintext));
  REQUIRE(msg);
  return *msg;
}

Errc parse_error(const std::vector<std::uint8_t>& plaintext) {
  auto msg = parse_client_message(plaintext);
  INFO(test::hex(plaintext));
  REQUIRE_FALSE(msg);
  return msg.error().code;
}

}  // namespace

TEST_CASE("captured start sequence: IDR request (start A) then start B") {
  // wire/control_encrypted.txt, client seq 0 and 1 (decrypted plaintexts).
  CHECK(std::holds_alternative<IdrRequest>(parse_ok(test::unhex("020302000000"))));
  CHECK(std::holds_alternative<StartB>(parse_ok(test::unhex("0703010000"))));
  int seen = 0;
  for (const auto& rec : test::read_records("wire/control_encrypted.txt")) {
    if (!rec.find("plaintext") || !rec.find("[client_to_host seq")) continue;
    const auto pt = rec.hex("plaintext");
    const auto msg = parse_ok(pt);
    if (rec.get("[client_to_host seq").rfind("0]", 0) == 0) CHECK(std::holds_alternative<IdrRequest>(msg));
    if (rec.get("[client_to_host seq").rfind("1]", 0) == 0) CHECK(std::holds_alternative<StartB>(msg));
    ++seen;
  }
  CHECK(seen == 2);
}

TEST_CASE("captured periodic ping and input messages") {
  const auto header = test::read_records("wire/control_encrypted.txt");
  const test::Record* extras = nullptr;
  for (const auto& rec : header) {
    if (rec.find("periodic_ping_plaintext")) extras = &rec;
  }
  REQUIRE(extras != nullptr);
  CHECK(std::holds_alternative<PeriodicPing>(
      parse_ok(test::unhex(test::first_token(extras->get("periodic_ping_plaintext"))))));
  for (const char* key : {"input_haptics_enable_plaintext", "input_mouse_rel_1_plaintext",
                          "input_mouse_rel_2_plaintext"}) {
    const auto pt = test::unhex(test::first_token(extras->get(key)));
    const auto msg = parse_ok(pt);
    REQUIRE(std::holds_alternative<InputData>(msg));
    // The input packet is handed over untouched: the payload after the 4-byte header.
    CHECK(to_vec(std::get<InputData>(msg).packet) ==
          std::vector<std::uint8_t>(pt.begin() + 4, pt.end()));
  }
}

TEST_CASE("every client->host plaintext of the GCM vectors parses into its type") {
  int inputs = 0, pings = 0;
  for (const auto& rec : test::read_records("input_control_gcm_vectors.txt")) {
    if (!rec.find("plaintext") || rec.get("direction") != "c2s") continue;
    const auto pt = rec.hex("plaintext");
    const auto msg = parse_ok(pt);
    if (std::holds_alternative<InputData>(msg)) {
      CHECK(to_vec(std::get<InputData>(msg).packet) ==
            std::vector<std::uint8_t>(pt.begin() + 4, pt.end()));
      ++inputs;
    } else {
      CHECK(std::holds_alternative<PeriodicPing>(msg));
      ++pings;
    }
  }
  CHECK(inputs == 4);
  CHECK(pings == 1);
}

TEST_CASE("every input packet the client library produced travels as message 0x0206") {
  int n = 0;
  for (const auto& rec : test::read_records("input_packets.txt")) {
    if (!rec.find("bytes")) continue;
    const auto packet = rec.hex("bytes");
    const auto plaintext = frame(0x0206, packet);  // the message's spans borrow it
    const auto msg = parse_ok(plaintext);
    REQUIRE(std::holds_alternative<InputData>(msg));
    CHECK(to_vec(std::get<InputData>(msg).packet) == packet);
    ++n;
  }
  CHECK(n == 30);
}

TEST_CASE("reference frame invalidation: SS_RFI_REQUEST, little-endian") {
  // first 0x01020304, reserved, last 0x01020310, 3 x reserved (Video.h SS_RFI_REQUEST)
  const auto pt = test::unhex("010318000403020100000000100302010000000000000000" "00000000");
  const auto msg = parse_ok(pt);
  REQUIRE(std::holds_alternative<RefFrameInvalidation>(msg));
  CHECK(std::get<RefFrameInvalidation>(msg).first_frame_index == 0x01020304u);
  CHECK(std::get<RefFrameInvalidation>(msg).last_frame_index == 0x01020310u);
  // A single frame is a valid range; a reversed one is not.
  CHECK(std::holds_alternative<RefFrameInvalidation>(
      parse_ok(test::unhex("01031800" "07000000" "00000000" "07000000" "000000000000000000000000"))));
  CHECK(parse_error(test::unhex("01031800" "08000000" "00000000" "07000000" "000000000000000000000000")) ==
        Errc::out_of_range);
}

TEST_CASE("frame FEC status 0x5502 (client->host): 21 bytes, all big-endian") {
  const auto pt = test::unhex(
      "025515"
      "00"                  // length 21 (0x0015 LE)
      "0000abcd"            // frameIndex
      "1234" "1230"         // highest received, next contiguous
      "0003" "0010" "0004"  // missing before highest, total data, total parity
      "000d" "0002"         // received data, received parity
      "14" "01" "02");      // fec %, block index, block count
  const auto msg = parse_ok(pt);
  REQUIRE(std::holds_alternative<FrameFecStatus>(msg));
  const auto& s = std::get<FrameFecStatus>(msg);
  CHECK(s.frame_index == 0xabcdu);
  CHECK(s.highest_received_sequence_number == 0x1234);
  CHECK(s.next_contiguous_sequence_number == 0x1230);
  CHECK(s.missing_packets_before_highest_received == 3);
  CHECK(s.total_data_packets == 16);
  CHECK(s.total_parity_packets == 4);
  CHECK(s.received_data_packets == 13);
  CHECK(s.received_parity_packets == 2);
  CHECK(s.fec_percentage == 20);
  CHECK(s.multi_fec_block_index == 1);
  CHECK(s.multi_fec_block_count == 2);
}

TEST_CASE("LTR frame ACK and loss stats") {
  const auto ltr = parse_ok(test::unhex("5003080078563412" "00000000"));
  REQUIRE(std::holds_alternative<LtrFrameAck>(ltr));
  CHECK(std::get<LtrFrameAck>(ltr).frame_index == 0x12345678u);
  // control.md §7 legacy payload: u32 0, u32 50, u32 1000, u64 lastGoodFrame, u32 0, u32 0, u32 0x14
  const auto loss = parse_ok(test::unhex(
      "01022000" "00000000" "32000000" "e8030000" "efcdab8967452301" "00000000" "00000000"
      "14000000"));
  REQUIRE(std::holds_alternative<LossStats>(loss));
  CHECK(std::get<LossStats>(loss).loss_count == 0);
  CHECK(std::get<LossStats>(loss).interval_ms == 50);
  CHECK(std::get<LossStats>(loss).last_good_frame == 0x0123456789abcdefULL);
}

TEST_CASE("unknown types are a distinct, ignorable alternative") {
  // Frame stats 0x0204 is in the table but never sent; 0x7777 is nobody's.
  for (std::uint16_t type : {std::uint16_t{0x0204}, std::uint16_t{0x7777}, std::uint16_t{0x5503}}) {
    const auto plaintext = frame(type, {1, 2, 3});
    const auto msg = parse_ok(plaintext);
    REQUIRE(std::holds_alternative<UnknownClientMessage>(msg));
    CHECK(std::get<UnknownClientMessage>(msg).type == type);
    CHECK(to_vec(std::get<UnknownClientMessage>(msg).payload) == std::vector<std::uint8_t>{1, 2, 3});
  }
  const auto empty_plaintext = frame(0x7777, {});
  const auto empty = parse_ok(empty_plaintext);
  CHECK(std::get<UnknownClientMessage>(empty).payload.empty());
}

TEST_CASE("a payload length field that lies is refused") {
  CHECK(parse_error({}) == Errc::truncated);
  CHECK(parse_error({0x02, 0x03, 0x02}) == Errc::truncated);
  // IDR request with 2 payload bytes but a length field of 3 (too big) or 1 (too small).
  CHECK(parse_error(test::unhex("020303000000")) == Errc::truncated);
  CHECK(parse_error(test::unhex("020301000000")) == Errc::malformed);
  // Captured input message with its length field off by one either way.
  auto input = test::unhex("06020c00000000080700000000010001");
  input[2] = 0x0d;
  CHECK(parse_error(input) == Errc::truncated);
  input[2] = 0x0b;
  CHECK(parse_error(input) == Errc::malformed);
  input[2] = 0xff;
  input[3] = 0xff;
  CHECK(parse_error(input) == Errc::truncated);
}

TEST_CASE("a message larger than the 1024-byte plaintext limit is refused, as the writer refuses it") {
  // Found by fuzz_control_message: the parser took a well-formed 3590-byte frame that
  // write_control_frame cannot produce (control_envelope.hpp kControlMaxPlaintextBytes).
  const std::vector<std::uint8_t> at_limit = frame(0x7777, std::vector<std::uint8_t>(1024 - 4));
  CHECK(std::holds_alternative<UnknownClientMessage>(parse_ok(at_limit)));
  // Over the limit, with a truthful length field (the writer refuses these, so by hand).
  auto raw = [](std::uint16_t type, std::size_t payload_bytes) {
    std::vector<std::uint8_t> out(4 + payload_bytes, 0xfc);
    out[0] = static_cast<std::uint8_t>(type & 0xff);
    out[1] = static_cast<std::uint8_t>(type >> 8);
    out[2] = static_cast<std::uint8_t>(payload_bytes & 0xff);
    out[3] = static_cast<std::uint8_t>(payload_bytes >> 8);
    return out;
  };
  CHECK(parse_error(raw(0x7777, 1024 - 4 + 1)) == Errc::too_large);
  CHECK(parse_error(raw(0x0668, 3586)) == Errc::too_large);
  std::vector<std::uint8_t> out(2000);
  CHECK_FALSE(write_control_frame(out, 0x7777, std::vector<std::uint8_t>(1024 - 4 + 1)));
}

TEST_CASE("every known type with a short or long payload is an error") {
  struct Case {
    std::uint16_t type;
    std::size_t size;
  };
  const Case fixed[] = {{0x0302, 2}, {0x0307, 1},  {0x0301, 24}, {0x0200, 8},
                        {0x0201, 32}, {0x5502, 21}, {0x0350, 8}};
  for (const auto& c : fixed) {
    INFO("type " << c.type);
    CHECK(parse_client_message(frame(c.type, std::vector<std::uint8_t>(c.size))));
    CHECK(parse_error(frame(c.type, std::vector<std::uint8_t>(c.size - 1))) == Errc::truncated);
    CHECK(parse_error(frame(c.type, std::vector<std::uint8_t>(c.size + 1))) == Errc::malformed);
    CHECK(parse_error(frame(c.type, {})) == Errc::truncated);
  }
  // Input: at least the 8-byte input header.
  CHECK(parse_error(frame(0x0206, std::vector<std::uint8_t>(7))) == Errc::truncated);
  CHECK(parse_error(frame(0x0206, {})) == Errc::truncated);
  CHECK(parse_client_message(frame(0x0206, std::vector<std::uint8_t>(8))));
}

TEST_CASE("an envelope nested inside a control message is refused") {
  CHECK(parse_error(frame(0x0001, std::vector<std::uint8_t>(24))) == Errc::malformed);
}

TEST_CASE("control frame writer") {
  std::vector<std::uint8_t> out(6);
  const std::vector<std::uint8_t> payload{0, 0};
  CHECK(write_control_frame(out, 0x0302, payload).value() == 6);
  CHECK(test::hex(out) == "020302000000");
  std::vector<std::uint8_t> small(5);
  CHECK(write_control_frame(small, 0x0302, payload).error().code == Errc::truncated);
  std::vector<std::uint8_t> huge(2000), big_out(2100);
  CHECK(write_control_frame(big_out, 0x0206, huge).error().code == Errc::too_large);
}
