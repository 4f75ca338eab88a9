// Encrypted RTSP framing (rtsp.md §3) against the captured frames in
// tests/data/wire/rtsp_encrypted.txt: header fields, IVs, incremental reading, lying lengths.
#include <catch2/catch.hpp>

#include <vector>

#include "lightwell/proto/rtsp_encrypted.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

struct Captured {
  test::Record client;  // [client_to_host_OPTIONS]
  test::Record host;    // [host_to_client_OPTIONS_reply]
};

Captured captured() {
  Captured c;
  bool have_client = false, have_host = false;
  for (const auto& r : test::read_records("wire/rtsp_encrypted.txt")) {
    if (r.find("ciphertext")) {
      c.client = r;
      have_client = true;
    } else if (r.find("wire")) {
      c.host = r;
      have_host = true;
    }
  }
  REQUIRE(have_client);
  REQUIRE(have_host);
  return c;
}

std::vector<std::uint8_t> client_frame(const Captured& c) {
  auto frame = c.client.hex("header");
  const auto ct = c.client.hex("ciphertext");
  frame.insert(frame.end(), ct.begin(), ct.end());
  return frame;
}

}  // namespace

TEST_CASE("IVs match the captured ones: LE sequence, zeros, C R / H R") {
  const auto c = captured();
  const auto client_iv = encrypted_rtsp_iv(1, RtspDirection::client_to_host);
  CHECK(std::vector<std::uint8_t>(client_iv.begin(), client_iv.end()) == c.client.hex("iv"));
  const auto host_iv = encrypted_rtsp_iv(1, RtspDirection::host_to_client);
  CHECK(std::vector<std::uint8_t>(host_iv.begin(), host_iv.end()) == c.host.hex("iv"));

  const auto iv = encrypted_rtsp_iv(0x01020304, RtspDirection::host_to_client);
  CHECK(test::hex({iv.begin(), iv.end()}) == "040302010000000000004852");
}

TEST_CASE("The captured client frame parses into sequence, tag and ciphertext") {
  const auto c = captured();
  const auto frame = client_frame(c);
  const auto plaintext = c.client.hex("plaintext_hex");

  auto parsed = parse_encrypted_rtsp_frame(frame);
  REQUIRE(parsed);
  REQUIRE(parsed->has_value());
  const auto& f = **parsed;
  CHECK(f.sequence == 1);
  CHECK(f.ciphertext.size() == plaintext.size());  // N = plaintext length (0x60)
  CHECK(f.consumed_bytes == frame.size());
  CHECK(std::vector<std::uint8_t>(f.tag.begin(), f.tag.end()) == c.client.hex("tag"));
  CHECK(std::vector<std::uint8_t>(f.ciphertext.begin(), f.ciphertext.end()) ==
        c.client.hex("ciphertext"));

  auto whole = parse_encrypted_rtsp_message(frame);
  REQUIRE(whole);
  CHECK(whole->sequence == 1);

  // Writing the header from its parts reproduces the captured 24 bytes.
  std::vector<std::uint8_t> header(kEncryptedRtspHeaderBytes);
  REQUIRE(write_encrypted_rtsp_header(header, plaintext.size(), 1, f.tag));
  CHECK(header == c.client.hex("header"));
}

TEST_CASE("The captured host reply is one exact frame") {
  const auto c = captured();
  const auto wire = c.host.hex("wire");
  auto parsed = parse_encrypted_rtsp_message(wire);
  REQUIRE(parsed);
  CHECK(parsed->sequence == 1);
  CHECK(parsed->ciphertext.size() == c.host.hex("plaintext_hex").size());
  CHECK(parsed->consumed_bytes == wire.size());
}

TEST_CASE("Fed byte by byte, a frame is need-more until its last byte") {
  const auto frame = client_frame(captured());
  for (std::size_t n = 0; n < frame.size(); ++n) {
    auto r = parse_encrypted_rtsp_frame(Bytes(frame).first(n));
    REQUIRE(r);
    REQUIRE_FALSE(r->has_value());
  }
  auto extra = frame;
  extra.push_back(0x80);
  auto r = parse_encrypted_rtsp_frame(extra);
  REQUIRE(r);
  REQUIRE(r->has_value());
  CHECK((*r)->consumed_bytes == frame.size());  // the next frame's byte is left alone
}

TEST_CASE("Plaintext, empty, oversized and lying frames are rejected") {
  const auto frame = client_frame(captured());

  // Plaintext on an encrypted session: refused from the first byte (rtsp.md §3 → 400).
  const std::string plain = "OPTIONS rtsp://x RTSP/1.0\r\n";
  const Bytes plain_bytes(reinterpret_cast<const std::uint8_t*>(plain.data()), 1);
  CHECK_FALSE(starts_encrypted_rtsp(plain_bytes));
  CHECK(parse_encrypted_rtsp_frame(plain_bytes).error().code == Errc::malformed);
  CHECK(starts_encrypted_rtsp(frame));

  // Zero-length ciphertext.
  std::vector<std::uint8_t> empty = {0x80, 0, 0, 0};
  CHECK(parse_encrypted_rtsp_frame(empty).error().code == Errc::malformed);

  // Oversized: refused as soon as the length word is in, before buffering the body.
  std::vector<std::uint8_t> huge = {0x80, 0x10, 0x00, 0x00};  // 1 MiB
  CHECK(parse_encrypted_rtsp_frame(huge).error().code == Errc::too_large);
  std::vector<std::uint8_t> max_len = {0xff, 0xff, 0xff, 0xff};
  CHECK(parse_encrypted_rtsp_frame(max_len).error().code == Errc::too_large);
  CHECK(parse_encrypted_rtsp_frame(frame, 95).error().code == Errc::too_large);  // N = 96

  // Whole-message reading (the client's rule): the length must match exactly.
  CHECK(parse_encrypted_rtsp_message(Bytes(frame).first(frame.size() - 1)).error().code ==
        Errc::truncated);
  auto longer = frame;
  longer.push_back(0);
  CHECK(parse_encrypted_rtsp_message(longer).error().code == Errc::malformed);
  CHECK(parse_encrypted_rtsp_message(Bytes(frame).first(3)).error().code == Errc::truncated);
  auto unflagged = frame;
  unflagged[0] &= 0x7f;
  CHECK(parse_encrypted_rtsp_message(unflagged).error().code == Errc::malformed);
}

TEST_CASE("Header writer rejects what cannot be framed") {
  std::vector<std::uint8_t> out(kEncryptedRtspHeaderBytes);
  std::vector<std::uint8_t> tag(16), short_tag(15);
  CHECK(write_encrypted_rtsp_header(out, 0, 1, tag).error().code == Errc::malformed);
  CHECK(write_encrypted_rtsp_header(out, 10, 1, short_tag).error().code == Errc::malformed);
  CHECK(write_encrypted_rtsp_header(out, 0x80000000u, 1, tag).error().code == Errc::too_large);
  CHECK(write_encrypted_rtsp_header(out, kEncryptedRtspMaxCiphertextBytes + 1, 1, tag)
            .error()
            .code == Errc::too_large);
  CHECK(write_encrypted_rtsp_header(MutableBytes(out).first(23), 10, 1, tag).error().code ==
        Errc::truncated);
  REQUIRE(write_encrypted_rtsp_header(out, 0x1234, 0xA0B0C0D0u, tag));
  CHECK(test::hex({out.begin(), out.begin() + 8}) == "80001234a0b0c0d0");
}
