// Encrypted RTSP seal/open against the frames captured from the real client
// (tests/data/wire/rtsp_encrypted.txt) with the rikey of its /launch (wire/launch_ri.txt).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/rtsp.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;
using namespace lightwell::proto::crypto;

namespace {

// launch_ri.txt has inline comments after the value: "rikey=<hex>   # ...".
Key128 launch_rikey() {
  for (const auto& r : test::read_records("wire/launch_ri.txt")) {
    if (auto v = r.find("rikey")) {
      const std::string hex = v->substr(0, v->find_first_of(" \t#"));
      const auto bytes = test::unhex(hex);
      REQUIRE(bytes.size() == 16);
      Key128 k{};
      std::copy(bytes.begin(), bytes.end(), k.begin());
      return k;
    }
  }
  FAIL("no rikey in launch_ri.txt");
  return {};
}

struct Captured {
  test::Record header;  // key=
  test::Record client;
  test::Record host;
};

Captured captured() {
  Captured c;
  for (const auto& r : test::read_records("wire/rtsp_encrypted.txt")) {
    if (r.find("key")) c.header = r;
    if (r.find("ciphertext")) c.client = r;
    if (r.find("wire")) c.host = r;
  }
  REQUIRE(c.client.find("header"));
  REQUIRE(c.host.find("wire"));
  return c;
}

std::vector<std::uint8_t> client_wire(const Captured& c) {
  auto w = c.client.hex("header");
  const auto ct = c.client.hex("ciphertext");
  w.insert(w.end(), ct.begin(), ct.end());
  return w;
}

std::string as_text(const std::vector<std::uint8_t>& b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_CASE("The launch rikey is the key of the encrypted RTSP capture") {
  const auto key = launch_rikey();
  CHECK(test::hex({key.begin(), key.end()}) == captured().header.get("key"));
}

TEST_CASE("Host opens the client's captured OPTIONS and it parses as a request") {
  const auto c = captured();
  auto host = RtspCipher::create(launch_rikey(), RtspRole::host).value();
  const auto wire = client_wire(c);
  auto frame = parse_encrypted_rtsp_frame(wire);
  REQUIRE(frame);
  REQUIRE(frame->has_value());
  auto plaintext = host.open(**frame);
  REQUIRE(plaintext);
  CHECK(*plaintext == as_text(c.client.hex("plaintext_hex")));
  CHECK(*plaintext ==
        "OPTIONS rtspenc://127.0.0.1:48010 RTSP/1.0\r\nCSeq: 1\r\nX-GS-ClientVersion: 14\r\n"
        "Host: 127.0.0.1\r\n\r\n");
  auto req = parse_rtsp_request(*plaintext);
  REQUIRE(req);
  REQUIRE(req->message);
  CHECK(req->message->kind() == RtspMethod::options);
  CHECK(req->message->cseq == 1);
}

TEST_CASE("Host seals the OPTIONS reply byte for byte as captured") {
  const auto c = captured();
  auto host = RtspCipher::create(launch_rikey(), RtspRole::host).value();
  const std::string reply = serialize_rtsp_response(rtsp_reply(kRtspOk, 1)).value();
  auto sealed = host.seal(1, reply);
  REQUIRE(sealed);
  CHECK(*sealed == c.host.hex("wire"));
}

TEST_CASE("Client side seals the captured OPTIONS and opens the captured reply") {
  const auto c = captured();
  auto client = RtspCipher::create(launch_rikey(), RtspRole::client).value();
  auto sealed = client.seal(1, as_text(c.client.hex("plaintext_hex")));
  REQUIRE(sealed);
  CHECK(*sealed == client_wire(c));

  const auto wire = c.host.hex("wire");
  auto frame = parse_encrypted_rtsp_message(wire);
  REQUIRE(frame);
  auto text = client.open(*frame);
  REQUIRE(text);
  CHECK(*text == "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
}

TEST_CASE("Bad tags, tampered bytes, wrong sequence or direction fail authentication") {
  const auto c = captured();
  auto host = RtspCipher::create(launch_rikey(), RtspRole::host).value();
  auto open_modified = [&](auto modify) {
    auto wire = client_wire(c);
    modify(wire);
    auto frame = parse_encrypted_rtsp_frame(wire);
    REQUIRE(frame);
    REQUIRE(frame->has_value());
    auto r = host.open(**frame);
    REQUIRE_FALSE(r);
    return r.error().code;
  };
  CHECK(open_modified([](auto& w) { w[8] ^= 0x01; }) == Errc::auth_failed);    // tag
  CHECK(open_modified([](auto& w) { w[23] ^= 0x80; }) == Errc::auth_failed);   // tag end
  CHECK(open_modified([](auto& w) { w[24] ^= 0x01; }) == Errc::auth_failed);   // ciphertext
  CHECK(open_modified([](auto& w) { w.back() ^= 0x01; }) == Errc::auth_failed);
  CHECK(open_modified([](auto& w) { w[7] = 2; }) == Errc::auth_failed);        // sequence 2

  // The host's own reply is sealed for the other direction: a host must not accept it.
  const auto reply = c.host.hex("wire");
  auto reflected = parse_encrypted_rtsp_message(reply);
  REQUIRE(reflected);
  CHECK(host.open(*reflected).error().code == Errc::auth_failed);

  // A different key fails too.
  Key128 other = launch_rikey();
  other[0] ^= 1;
  auto stranger = RtspCipher::create(other, RtspRole::host).value();
  const auto wire = client_wire(c);  // the frame views into it
  auto frame = parse_encrypted_rtsp_message(wire);
  REQUIRE(frame);
  CHECK(stranger.open(*frame).error().code == Errc::auth_failed);
}

TEST_CASE("Seal refuses empty and oversized messages; round trip with a large body") {
  auto host = RtspCipher::create(launch_rikey(), RtspRole::host).value();
  auto client = RtspCipher::create(launch_rikey(), RtspRole::client).value();
  CHECK(host.seal(1, "").error().code == Errc::malformed);
  const std::string too_big(kEncryptedRtspMaxCiphertextBytes + 1, 'a');
  CHECK(host.seal(1, too_big).error().code == Errc::too_large);

  const std::string describe =
      serialize_rtsp_response(rtsp_describe_reply(2, std::string(4000, 'x'))).value();
  auto sealed = host.seal(0xFFFFFFFFu, describe);
  REQUIRE(sealed);
  auto frame = parse_encrypted_rtsp_message(*sealed);
  REQUIRE(frame);
  CHECK(frame->sequence == 0xFFFFFFFFu);
  CHECK(client.open(*frame).value() == describe);
}
