// The CLIENT role of pairing (tests/support/gamestream_client.hpp) against the pairing vector
// (tests/data/pairing/, http-pairing.md §5.2–§5.5): with the vector's salt, PIN, client
// challenge, client secret and client key, our test client must send exactly the vector's
// clientchallenge, serverchallengeresp and clientpairingsecret, and accept exactly the
// vector's challengeresponse / pairingsecret. A client that only agrees with our own host
// would prove nothing; this pins it to the bytes the real client library produced.
#include <catch2/catch.hpp>

#include "gamestream_client.hpp"
#include "lightwell/proto/crypto/pairing.hpp"
#include "lightwell/proto/hex.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using lightwell::test::ClientPairingRole;
using lightwell::test::SecretCheck;

namespace {

test::Secret16 secret16(const test::Record& v, const std::string& key) {
  const auto bytes = v.hex(key);
  test::Secret16 s{};
  REQUIRE(bytes.size() == s.size());
  std::copy(bytes.begin(), bytes.end(), s.begin());
  return s;
}

test::ClientIdentity vector_client() {
  return {test::read_text("pairing/client_cert.pem"), test::read_text("pairing/client_key.pem")};
}

// A role that went through phases 1–3 of the vector (PIN as given).
ClientPairingRole role_after_phase2(const test::Record& v, const std::string& pin) {
  auto role = ClientPairingRole::create(vector_client());
  REQUIRE(role);
  REQUIRE(role->begin(secret16(v, "salt"), pin));
  REQUIRE(role->accept_server_certificate(test::read_text("pairing/server_cert.pem")));
  REQUIRE(role->client_challenge(secret16(v, "client_challenge")));
  REQUIRE(role->server_challenge_resp(v.hex("challengeresponse"), secret16(v, "client_secret")));
  return std::move(*role);
}

}  // namespace

TEST_CASE("client pairing role reproduces the vector's requests byte for byte", "[client][pairing]") {
  const auto v = test::read_records("pairing/pairing_vector.txt").at(0);
  auto role = ClientPairingRole::create(vector_client());
  REQUIRE(role);

  // Phase 1: clientcert = hex of the whole PEM text (tests/data/README.md).
  const std::string pem = test::read_text("pairing/client_cert.pem");
  CHECK(role->client_cert_hex().rfind("2d2d2d2d2d424547494e", 0) == 0);  // "-----BEGIN"
  CHECK(role->client_cert_hex().size() == 2 * pem.size());
  CHECK(test::text_of_hex(role->client_cert_hex()) == pem);
  REQUIRE(role->begin(secret16(v, "salt"), v.get("pin")));

  // The phase-1 reply's plaincert, as a host would send it (upper-case hex, §5.1).
  const std::string server_pem = test::read_text("pairing/server_cert.pem");
  const auto plaincert_xml = test::parse_xml(proto::build_pair_plaincert(server_pem));
  REQUIRE(plaincert_xml.ok());
  const auto plaincert = test::text_of_hex(plaincert_xml.text("plaincert").value_or(""));
  REQUIRE(plaincert == server_pem);
  REQUIRE(role->accept_server_certificate(*plaincert));

  // Phase 2 request.
  const auto cc = role->client_challenge(secret16(v, "client_challenge"));
  REQUIRE(cc);
  CHECK(test::hex(*cc) == v.get("clientchallenge_param"));

  // Phase 3 request from the phase-2 reply (given upper case, as our host emits it).
  const auto reply2 = test::parse_xml(proto::build_pair_challenge_response(v.hex("challengeresponse")));
  const auto challengeresponse = proto::from_hex(reply2.text("challengeresponse").value_or(""), 48);
  REQUIRE(challengeresponse);
  const auto hc = role->server_challenge_resp(*challengeresponse, secret16(v, "client_secret"));
  REQUIRE(hc);
  CHECK(test::hex(*hc) == v.get("serverchallengeresp"));

  // Phase 3 reply checks: the signature over Ss and the server hash (right PIN).
  const auto check = role->verify_pairing_secret(v.hex("pairingsecret"));
  REQUIRE(check);
  CHECK(*check == SecretCheck::ok);

  // Phase 4 request: Cs ‖ Sign_client(Cs), RSASSA-PKCS1-v1_5 is deterministic.
  const auto cps = role->client_pairing_secret();
  REQUIRE(cps);
  CHECK(test::hex(*cps) == v.get("clientpairingsecret"));
}

TEST_CASE("client pairing role: every bit of the pairing secret is checked", "[client][pairing]") {
  const auto v = test::read_records("pairing/pairing_vector.txt").at(0);
  const auto good = v.hex("pairingsecret");
  REQUIRE(good.size() == 272);
  // A flipped bit in Ss (byte 0, byte 15) or in the signature (first, middle, last byte).
  for (std::size_t at : {std::size_t{0}, std::size_t{15}, std::size_t{16}, std::size_t{140}, std::size_t{271}}) {
    auto bad = good;
    bad[at] ^= 0x01;
    auto role = role_after_phase2(v, "1234");
    const auto check = role.verify_pairing_secret(bad);
    INFO("flipped bit in byte " << at);
    REQUIRE(check);
    CHECK(*check == SecretCheck::bad_signature);
  }
  // Signed by another key (the client's own) over the right Ss: still a MITM.
  {
    auto key = proto::crypto::PrivateKey::from_pem(test::read_text("pairing/client_key.pem"));
    REQUIRE(key);
    const std::vector<std::uint8_t> ss(good.begin(), good.begin() + 16);
    auto sig = key->sign_sha256(ss);
    REQUIRE(sig);
    auto forged = ss;
    forged.insert(forged.end(), sig->begin(), sig->end());
    auto role = role_after_phase2(v, "1234");
    CHECK(role.verify_pairing_secret(forged) == SecretCheck::bad_signature);
  }
  // Truncated: only Ss, or nothing.
  {
    auto role = role_after_phase2(v, "1234");
    CHECK_FALSE(role.verify_pairing_secret(proto::Bytes(good).first(16)));
    CHECK_FALSE(role.verify_pairing_secret({}));
  }
}

TEST_CASE("client pairing role: a host with another PIN is detected in phase 3", "[client][pairing]") {
  const auto v = test::read_records("pairing/pairing_vector.txt").at(0);
  // The host's replies were made with PIN 1234; a client showing 1235 derives another key, so
  // the decrypted server hash does not match (§5.4 (b)) although the signature is fine.
  auto role = role_after_phase2(v, "1235");
  CHECK(role.verify_pairing_secret(v.hex("pairingsecret")) == SecretCheck::hash_mismatch);

  // A flipped bit in the first (hash) block of challengeresponse: same diagnosis.
  auto cr = v.hex("challengeresponse");
  cr[3] ^= 0x80;
  auto role2 = ClientPairingRole::create(vector_client());
  REQUIRE(role2);
  REQUIRE(role2->begin(secret16(v, "salt"), "1234"));
  REQUIRE(role2->accept_server_certificate(test::read_text("pairing/server_cert.pem")));
  REQUIRE(role2->client_challenge(secret16(v, "client_challenge")));
  REQUIRE(role2->server_challenge_resp(cr, secret16(v, "client_secret")));
  CHECK(role2->verify_pairing_secret(v.hex("pairingsecret")) == SecretCheck::hash_mismatch);
}

TEST_CASE("client pairing role refuses malformed inputs and out-of-order use", "[client][pairing]") {
  const auto v = test::read_records("pairing/pairing_vector.txt").at(0);
  auto role = ClientPairingRole::create(vector_client());
  REQUIRE(role);
  CHECK_FALSE(role->client_challenge(secret16(v, "client_challenge")));  // before begin()
  CHECK_FALSE(role->client_pairing_secret());                          // before phase 3
  CHECK_FALSE(role->begin(secret16(v, "salt"), "12345"));              // not 4 digits
  CHECK_FALSE(role->begin(secret16(v, "salt"), "12a4"));
  REQUIRE(role->begin(secret16(v, "salt"), "1234"));
  CHECK_FALSE(role->accept_server_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
  CHECK_FALSE(role->verify_pairing_secret(v.hex("pairingsecret")));  // before plaincert
  REQUIRE(role->accept_server_certificate(test::read_text("pairing/server_cert.pem")));
  CHECK_FALSE(role->verify_pairing_secret(v.hex("pairingsecret")));  // before challengeresponse
  REQUIRE(role->client_challenge(secret16(v, "client_challenge")));
  const auto cr = v.hex("challengeresponse");
  CHECK_FALSE(role->server_challenge_resp(proto::Bytes(cr).first(32), secret16(v, "client_secret")));
  CHECK_FALSE(role->server_challenge_resp(std::vector<std::uint8_t>(64), secret16(v, "client_secret")));
  CHECK_FALSE(ClientPairingRole::create({"not a pem", "not a key"}));
  CHECK_FALSE(test::text_of_hex("2d2"));
  CHECK_FALSE(test::text_of_hex("zz"));
}

TEST_CASE("the client identity has the shape Moonlight gives it (§5.8)", "[client][identity]") {
  const auto id = test::make_client_identity();
  REQUIRE(id);
  const auto cert = proto::crypto::Certificate::from_pem(id->cert_pem);
  REQUIRE(cert);
  CHECK(cert->subject_common_name() == "NVIDIA GameStream Client");
  CHECK(cert->signature().size() == 256);  // RSA-2048 signer
  // The key belongs to the certificate: a signature verifies.
  auto key = proto::crypto::PrivateKey::from_pem(id->key_pem);
  REQUIRE(key);
  const std::vector<std::uint8_t> msg{1, 2, 3};
  auto sig = key->sign_sha256(msg);
  REQUIRE(sig);
  CHECK(cert->verify_sha256(msg, *sig));

  // DER facts (RFC 5280): v1 (no [0] version tag), serial INTEGER 0, sha256WithRSAEncryption
  // (1.2.840.113549.1.1.11), no extensions ([3] tag absent).
  const auto& der = cert->der();
  REQUIRE(der.size() > 16);
  // Certificate SEQ (30 82 LL LL), TBSCertificate SEQ (30 82 LL LL), then serial 02 01 00.
  CHECK(std::vector<std::uint8_t>(der.begin() + 8, der.begin() + 11) == std::vector<std::uint8_t>{0x02, 0x01, 0x00});
  const std::vector<std::uint8_t> sha256_rsa_oid{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
  CHECK(std::search(der.begin(), der.end(), sha256_rsa_oid.begin(), sha256_rsa_oid.end()) != der.end());
  // No extensions: a [3] block would make it longer than the vector's v1 certificate.
  const auto vector_cert = proto::crypto::Certificate::from_pem(test::read_text("pairing/client_cert.pem"));
  REQUIRE(vector_cert);
  CHECK(der.size() == vector_cert->der().size());  // same shape: same CN, key size, v1, no extensions

  // Reusing a key gives another certificate with the same public key.
  test::ClientIdentityOptions same_key;
  same_key.key_pem = id->key_pem;
  same_key.serial = 1;
  const auto derived = test::make_client_identity(same_key);
  REQUIRE(derived);
  CHECK(derived->cert_pem != id->cert_pem);
  const auto derived_cert = proto::crypto::Certificate::from_pem(derived->cert_pem);
  REQUIRE(derived_cert);
  CHECK(derived_cert->verify_sha256(msg, *sig));
}
