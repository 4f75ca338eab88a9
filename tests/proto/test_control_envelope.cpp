// The encrypted control envelope framing and IV rule (control.md §3) against the packets the
// real client library produced and accepted (tests/data/wire/control_encrypted.txt,
// tests/data/input_control_gcm_vectors.txt).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "lightwell/proto/control_envelope.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {


std::vector<std::uint8_t> hex_of(const test::Record& rec, const std::string& key) {
  return test::unhex(test::first_token(rec.get(key)));
}

// A captured packet with the direction and seq stated by its record.
struct Captured {
  std::vector<std::uint8_t> packet;
  ControlDirection direction;
  std::uint32_t seq;
  std::vector<std::uint8_t> iv;  // empty where the file gives none
  std::vector<std::uint8_t> tag;
  std::vector<std::uint8_t> ciphertext;
};

std::vector<Captured> captured_packets() {
  std::vector<Captured> out;
  // control_encrypted.txt: the record header "[client_to_host seq=N] ..." reads as key
  // "[client_to_host seq", value "N] ...".
  for (const auto& rec : test::read_records("wire/control_encrypted.txt")) {
    if (!rec.find("wire")) continue;
    Captured c;
    bool found = false;
    for (const auto& [key, value] : rec.entries) {
      if (key == "[client_to_host seq" || key == "[host_to_client seq") {
        c.direction = key == "[client_to_host seq" ? ControlDirection::client_to_host
                                                    : ControlDirection::host_to_client;
        c.seq = static_cast<std::uint32_t>(std::stoul(value.substr(0, value.find(']'))));
        found = true;
      }
    }
    REQUIRE(found);
    c.packet = hex_of(rec, "wire");
    c.iv = hex_of(rec, "iv");
    c.tag = hex_of(rec, "tag");
    c.ciphertext = hex_of(rec, "ciphertext");
    out.push_back(std::move(c));
  }
  for (const auto& rec : test::read_records("input_control_gcm_vectors.txt")) {
    if (!rec.find("packet")) continue;
    Captured c;
    c.packet = rec.hex("packet");
    c.direction = rec.get("direction") == "c2s" ? ControlDirection::client_to_host
                                                : ControlDirection::host_to_client;
    c.seq = static_cast<std::uint32_t>(rec.integer("seq"));
    c.tag.assign(c.packet.begin() + 8, c.packet.begin() + 24);
    c.ciphertext.assign(c.packet.begin() + 24, c.packet.end());
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::uint8_t> to_vec(Bytes b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("control IV is LE32 seq, six zero bytes, then CC (client) or HC (host)") {
  CHECK(test::hex(to_vec(control_iv(0, ControlDirection::client_to_host))) ==
        "000000000000000000004343");
  CHECK(test::hex(to_vec(control_iv(4, ControlDirection::host_to_client))) ==
        "040000000000000000004843");
  CHECK(test::hex(to_vec(control_iv(16909060, ControlDirection::client_to_host))) ==
        "040302010000000000004343");
  int with_iv = 0;
  for (const auto& c : captured_packets()) {
    if (c.iv.empty()) continue;
    CHECK(to_vec(control_iv(c.seq, c.direction)) == c.iv);
    ++with_iv;
  }
  CHECK(with_iv == 7);
}

TEST_CASE("every captured control packet parses into seq, tag and ciphertext") {
  const auto all = captured_packets();
  REQUIRE(all.size() == 17);  // 7 captured on the wire + 10 client-library GCM records
  for (const auto& c : all) {
    auto view = parse_control_envelope(c.packet);
    REQUIRE(view);
    CHECK(view->seq == c.seq);
    CHECK(to_vec(view->tag) == c.tag);
    CHECK(to_vec(view->ciphertext) == c.ciphertext);
  }
}

TEST_CASE("the envelope header we write equals the captured headers") {
  for (const auto& c : captured_packets()) {
    std::vector<std::uint8_t> out(c.packet.size(), 0xAA);
    auto total = write_control_envelope_header(out, c.seq, c.ciphertext.size());
    REQUIRE(total);
    CHECK(*total == c.packet.size());
    CHECK(std::vector<std::uint8_t>(out.begin(), out.begin() + 8) ==
          std::vector<std::uint8_t>(c.packet.begin(), c.packet.begin() + 8));
  }
}

TEST_CASE("malformed envelopes are refused whole") {
  // Client seq 0 IDR request (control.md §3 captured example).
  const auto good = test::unhex("01001a000000000019b3cb14238b4c5e0af4b5751d1c2747e9c5f4dac724");
  REQUIRE(parse_control_envelope(good));

  SECTION("shorter than the 8-byte header") {
    for (std::size_t n = 0; n < 8; ++n) {
      auto r = parse_control_envelope(Bytes(good.data(), n));
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Errc::truncated);
    }
  }
  SECTION("truncated after the header: the length field then overstates the packet") {
    for (std::size_t n = 8; n < good.size(); ++n) {
      auto r = parse_control_envelope(Bytes(good.data(), n));
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Errc::truncated);
    }
  }
  SECTION("wrong outer type (an unencrypted V1/V2 message on an encrypted stream)") {
    auto bad = good;
    bad[0] = 0x02;
    bad[1] = 0x03;  // 0x0302 plaintext IDR type where the envelope type belongs
    auto r = parse_control_envelope(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed);
    bad = good;
    bad[1] = 0x01;  // 0x0101
    CHECK_FALSE(parse_control_envelope(bad));
  }
  SECTION("length field larger than the packet") {
    auto bad = good;
    bad[2] = 0x1b;
    auto r = parse_control_envelope(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::truncated);
  }
  SECTION("length field smaller than the packet (trailing bytes)") {
    auto bad = good;
    bad[2] = 0x19;
    auto r = parse_control_envelope(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed);
    auto longer = good;
    longer.push_back(0);
    CHECK(parse_control_envelope(longer).error().code == Errc::malformed);
  }
  SECTION("runt: consistent length but less than a 4-byte message inside") {
    // length 23 = seq + tag + 3 bytes
    std::vector<std::uint8_t> runt(good.begin(), good.begin() + 27);
    runt[2] = 23;
    auto r = parse_control_envelope(runt);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::out_of_range);
    std::vector<std::uint8_t> empty_body(good.begin(), good.begin() + 24);
    empty_body[2] = 20;
    CHECK(parse_control_envelope(empty_body).error().code == Errc::out_of_range);
  }
  SECTION("more plaintext than our limit") {
    std::vector<std::uint8_t> big(kControlMaxPacketBytes + 1, 0);
    store_u16_le(big.data(), 1);
    store_u16_le(big.data() + 2, static_cast<std::uint16_t>(big.size() - 4));
    auto r = parse_control_envelope(big);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::too_large);
    big.pop_back();
    store_u16_le(big.data() + 2, static_cast<std::uint16_t>(big.size() - 4));
    CHECK(parse_control_envelope(big));  // exactly the limit is fine
  }
}

TEST_CASE("envelope header writer checks the plaintext size and the buffer") {
  std::vector<std::uint8_t> out(kControlMaxPacketBytes + 8);
  CHECK(write_control_envelope_header(out, 0, 3).error().code == Errc::out_of_range);
  CHECK(write_control_envelope_header(out, 0, kControlMaxPlaintextBytes + 1).error().code ==
        Errc::too_large);
  CHECK(write_control_envelope_header(MutableBytes(), 0, 4).error().code == Errc::truncated);
  std::vector<std::uint8_t> small(27);
  CHECK(write_control_envelope_header(small, 0, 4).error().code == Errc::truncated);
  std::vector<std::uint8_t> exact(28);
  CHECK(write_control_envelope_header(exact, 0xFFFFFFFF, 4).value() == 28);
  CHECK(test::hex(std::vector<std::uint8_t>(exact.begin(), exact.begin() + 8)) == "01001800ffffffff");
}
