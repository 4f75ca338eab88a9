// AES-GCM against the control-stream vectors captured from the real client library
// (tests/data/input_control_gcm_vectors.txt, vectors/README-media-input.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include "lightwell/proto/crypto/aes.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto::crypto;

TEST_CASE("AES-128-GCM reproduces every control-stream vector of the client library") {
  const auto records = test::read_records("input_control_gcm_vectors.txt");
  int checked = 0;
  for (const auto& rec : records) {
    if (!rec.find("packet")) continue;
    const auto plaintext = rec.hex("plaintext");
    const auto packet = rec.hex("packet");
    const auto seq = static_cast<std::uint32_t>(rec.integer("seq"));
    const bool c2s = rec.get("direction") == "c2s";
    // control.md §3: IV = LE32(seq) ‖ 6 zero bytes ‖ 'C''C' (client) or 'H''C' (host).
    std::array<std::uint8_t, 12> iv{};
    proto::store_u32_le(iv.data(), seq);
    iv[10] = c2s ? 'C' : 'H';
    iv[11] = 'C';
    auto gcm = AesGcm::create(test::key16(rec.hex("key"))).value();
    std::vector<std::uint8_t> ct(plaintext.size()), tag(16);
    REQUIRE(gcm.seal(iv, plaintext, ct, tag));
    // packet = 01 00 ‖ LE16 len ‖ LE32 seq ‖ tag ‖ ciphertext
    REQUIRE(packet.size() == 8 + 16 + plaintext.size());
    CHECK(std::equal(tag.begin(), tag.end(), packet.begin() + 8));
    CHECK(std::equal(ct.begin(), ct.end(), packet.begin() + 24));

    std::vector<std::uint8_t> back(ct.size());
    REQUIRE(gcm.open(iv, ct, tag, back));
    CHECK(back == plaintext);
    tag[0] ^= 1;
    CHECK(gcm.open(iv, ct, tag, back).error().code == proto::Errc::auth_failed);
    ++checked;
  }
  CHECK(checked >= 5);
}

TEST_CASE("AES-128-CBC reproduces the audio encryption vectors") {
  int checked = 0;
  for (const auto& rec : test::read_records("audio_encryption_vectors.txt")) {
    if (!rec.find("ciphertext")) continue;
    auto cbc = AesCbc::create(test::key16(rec.hex("key"))).value();
    const auto pt = rec.hex("plaintext");
    const auto expected = rec.hex("ciphertext");
    std::vector<std::uint8_t> out(AesCbc::padded_size(pt.size()));
    const auto n = cbc.encrypt(rec.hex("iv"), pt, out);
    REQUIRE(n);
    CHECK(*n == expected.size());
    CHECK(out == expected);
    std::vector<std::uint8_t> back(expected.size());
    CHECK(cbc.decrypt(rec.hex("iv"), expected, back).value() == pt.size());
    back.resize(pt.size());
    CHECK(back == pt);
    ++checked;
  }
  CHECK(checked == 40);
}

TEST_CASE("AES-128-ECB matches the pairing vector's clientchallenge") {
  const auto rec = test::read_records("pairing/pairing_vector.txt").at(0);
  const auto ct = aes_ecb_encrypt(test::key16(rec.hex("aes_key")), rec.hex("client_challenge")).value();
  CHECK(ct == rec.hex("clientchallenge_param"));
  CHECK(aes_ecb_decrypt(test::key16(rec.hex("aes_key")), ct).value() == rec.hex("client_challenge"));
  CHECK(aes_ecb_encrypt(test::key16(rec.hex("aes_key")), std::vector<std::uint8_t>(15)).error().code ==
        proto::Errc::malformed);
}
