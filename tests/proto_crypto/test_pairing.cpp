// Host-side pairing (http-pairing.md §5) against the deterministic pairing vector
// (tests/data/pairing/, format in tests/data/README.md), which was cross-checked by two
// implementations and paired with the real moonlight-embedded client.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "lightwell/proto/crypto/pairing.hpp"
#include "lightwell/proto/hex.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto::crypto;

namespace {

struct Vector {
  test::Record rec;
  std::string server_cert_pem = test::read_text("pairing/server_cert.pem");
  std::string server_key_pem = test::read_text("pairing/server_key.pem");
  std::string client_cert_pem = test::read_text("pairing/client_cert.pem");
  std::string client_key_pem = test::read_text("pairing/client_key.pem");
  Vector() : rec(test::read_records("pairing/pairing_vector.txt").at(0)) {}
  std::vector<std::uint8_t> hex(const std::string& key) const { return rec.hex(key); }
  PairingSecret secret(const std::string& key) const {
    const auto bytes = hex(key);
    PairingSecret s{};
    REQUIRE(bytes.size() == s.size());
    std::copy(bytes.begin(), bytes.end(), s.begin());
    return s;
  }
};

std::vector<std::uint8_t> vec(proto::Bytes b) { return {b.begin(), b.end()}; }

PairingIdentity host_identity(const Vector& v) {
  auto id = PairingIdentity::create(v.server_cert_pem, v.server_key_pem);
  REQUIRE(id);
  return std::move(*id);
}

// Runs phases 1–3 with the vector's client messages; returns the attempt before phase 4.
PairingAttempt through_phase3(const Vector& v, const PairingIdentity& host, std::string_view pin) {
  auto attempt = PairingAttempt::start(host, v.hex("salt"), v.client_cert_pem);
  REQUIRE(attempt);
  REQUIRE(attempt->submit_pin(pin));
  REQUIRE(attempt->client_challenge(v.hex("clientchallenge_param"), v.secret("server_secret"),
                                    v.secret("server_challenge")));
  REQUIRE(attempt->server_challenge_response(v.hex("serverchallengeresp")));
  REQUIRE(attempt->state() == PairingState::awaiting_client_pairing_secret);
  return std::move(*attempt);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("pairing: every intermediate value of the vector") {
  const Vector v;
  const auto salt = v.hex("salt");
  REQUIRE(v.rec.get("pin") == "1234");

  std::vector<std::uint8_t> salt_pin = salt;
  for (char c : v.rec.get("pin")) salt_pin.push_back(static_cast<std::uint8_t>(c));
  CHECK(salt_pin == v.hex("salt_pin"));
  CHECK(vec(sha256({salt_pin})) == v.hex("sha256_salt_pin"));

  auto key = derive_pairing_key(salt, "1234");
  REQUIRE(key);
  CHECK(vec(*key) == v.hex("aes_key"));

  // The client's phase-2 parameter really is E_K(Cc).
  auto param = aes_ecb_encrypt(*key, v.hex("client_challenge"));
  REQUIRE(param);
  CHECK(*param == v.hex("clientchallenge_param"));

  const auto server_cert = Certificate::from_pem(v.server_cert_pem);
  const auto client_cert = Certificate::from_pem(v.client_cert_pem);
  REQUIRE(server_cert);
  REQUIRE(client_cert);  // serial 0, as Moonlight-qt/Embedded certificates (§1)
  CHECK(server_cert->signature() == v.hex("server_cert_signature"));
  CHECK(client_cert->signature() == v.hex("client_cert_signature"));

  const auto server_hash =
      pairing_hash(v.hex("client_challenge"), v.hex("server_cert_signature"), v.hex("server_secret"));
  CHECK(vec(server_hash) == v.hex("server_hash"));
  const auto client_hash =
      pairing_hash(v.hex("server_challenge"), v.hex("client_cert_signature"), v.hex("client_secret"));
  CHECK(vec(client_hash) == v.hex("client_hash"));
  auto resp = aes_ecb_encrypt(*key, client_hash);
  REQUIRE(resp);
  CHECK(*resp == v.hex("serverchallengeresp"));

  const auto host = host_identity(v);
  CHECK(host.certificate_signature() == v.hex("server_cert_signature"));
  auto ss_sig = host.key().sign_sha256(v.hex("server_secret"));
  REQUIRE(ss_sig);
  CHECK(*ss_sig == v.hex("server_secret_signature"));
  auto client_key = PrivateKey::from_pem(v.client_key_pem);
  REQUIRE(client_key);
  auto cs_sig = client_key->sign_sha256(v.hex("client_secret"));
  REQUIRE(cs_sig);
  CHECK(*cs_sig == v.hex("client_secret_signature"));
  CHECK(client_cert->verify_sha256(v.hex("client_secret"), v.hex("client_secret_signature")));
}

TEST_CASE("pairing: the host reproduces challengeresponse and pairingsecret and pairs") {
  const Vector v;
  const auto host = host_identity(v);
  CHECK(host.certificate_pem() == v.server_cert_pem);  // plaincert = hex(these exact bytes)

  auto attempt = PairingAttempt::start(host, v.hex("salt"), v.client_cert_pem);
  REQUIRE(attempt);
  CHECK(attempt->state() == PairingState::awaiting_pin);
  REQUIRE(attempt->submit_pin("1234"));
  CHECK(attempt->state() == PairingState::awaiting_client_challenge);

  auto challenge_response = attempt->client_challenge(v.hex("clientchallenge_param"), v.secret("server_secret"),
                                                      v.secret("server_challenge"));
  REQUIRE(challenge_response);
  CHECK(*challenge_response == v.hex("challengeresponse"));
  // And it decrypts to server_hash ‖ Sc under the vector's key.
  auto key = derive_pairing_key(v.hex("salt"), "1234");
  REQUIRE(key);
  auto plain = aes_ecb_decrypt(*key, *challenge_response);
  REQUIRE(plain);
  CHECK(*plain == v.hex("challengeresponse_plain"));

  auto pairing_secret = attempt->server_challenge_response(v.hex("serverchallengeresp"));
  REQUIRE(pairing_secret);
  CHECK(*pairing_secret == v.hex("pairingsecret"));

  auto paired = attempt->client_pairing_secret(v.hex("clientpairingsecret"));
  REQUIRE(paired);
  CHECK(*paired);
  CHECK(attempt->state() == PairingState::finished);
  CHECK(attempt->client_certificate().der() == Certificate::from_pem(v.client_cert_pem)->der());
}

TEST_CASE("pairing: one flipped bit anywhere in clientpairingsecret -> paired=0") {
  const Vector v;
  const auto host = host_identity(v);
  const auto good = v.hex("clientpairingsecret");
  // Byte 0 and 15 are in Cs (both checks fail), 16/100/last are in the signature (only the
  // signature check fails, the hash still matches).
  for (std::size_t byte : {std::size_t{0}, std::size_t{15}, std::size_t{16}, std::size_t{100}, good.size() - 1}) {
    for (int bit : {0, 7}) {
      auto attempt = through_phase3(v, host, "1234");
      auto bad = good;
      bad[byte] = static_cast<std::uint8_t>(bad[byte] ^ (1u << bit));
      auto paired = attempt.client_pairing_secret(bad);
      REQUIRE(paired);
      CHECK_FALSE(*paired);
      CHECK(attempt.state() == PairingState::finished);
    }
  }
}

TEST_CASE("pairing: PIN 1235 -> phases 2-3 answer (the host cannot tell), phase 4 paired=0") {
  const Vector v;
  const auto host = host_identity(v);
  auto attempt = PairingAttempt::start(host, v.hex("salt"), v.client_cert_pem);
  REQUIRE(attempt);
  REQUIRE(attempt->submit_pin("1235"));
  auto cr = attempt->client_challenge(v.hex("clientchallenge_param"), v.secret("server_secret"),
                                      v.secret("server_challenge"));
  REQUIRE(cr);
  CHECK(cr->size() == 48);
  CHECK(*cr != v.hex("challengeresponse"));
  auto ps = attempt->server_challenge_response(v.hex("serverchallengeresp"));
  REQUIRE(ps);
  CHECK(*ps == v.hex("pairingsecret"));  // Ss ‖ sign(Ss) does not depend on the PIN
  auto paired = attempt->client_pairing_secret(v.hex("clientpairingsecret"));
  REQUIRE(paired);
  CHECK_FALSE(*paired);
}

TEST_CASE("pairing: each phase-4 check is required on its own") {
  const Vector v;
  const auto host = host_identity(v);
  auto client_key = PrivateKey::from_pem(v.client_key_pem);
  REQUIRE(client_key);

  SECTION("valid signature by the client key over a different Cs -> hash check fails") {
    auto attempt = through_phase3(v, host, "1234");
    std::vector<std::uint8_t> other_cs = v.hex("client_secret");
    other_cs[3] ^= 0x40;
    auto sig = client_key->sign_sha256(other_cs);
    REQUIRE(sig);
    other_cs.insert(other_cs.end(), sig->begin(), sig->end());
    auto paired = attempt.client_pairing_secret(other_cs);
    REQUIRE(paired);
    CHECK_FALSE(*paired);
  }
  SECTION("right hash, signature by another key (the host's) -> signature check fails") {
    auto attempt = through_phase3(v, host, "1234");
    std::vector<std::uint8_t> cs = v.hex("client_secret");
    auto sig = host.key().sign_sha256(cs);
    REQUIRE(sig);
    cs.insert(cs.end(), sig->begin(), sig->end());
    auto paired = attempt.client_pairing_secret(cs);
    REQUIRE(paired);
    CHECK_FALSE(*paired);
  }
  SECTION("phase 1 carried another certificate than the one whose key signs Cs") {
    auto attempt = PairingAttempt::start(host, v.hex("salt"), v.server_cert_pem);
    REQUIRE(attempt);
    REQUIRE(attempt->submit_pin("1234"));
    REQUIRE(attempt->client_challenge(v.hex("clientchallenge_param"), v.secret("server_secret"),
                                      v.secret("server_challenge")));
    REQUIRE(attempt->server_challenge_response(v.hex("serverchallengeresp")));
    auto paired = attempt->client_pairing_secret(v.hex("clientpairingsecret"));
    REQUIRE(paired);
    CHECK_FALSE(*paired);
  }
}

TEST_CASE("pairing: out-of-order, replayed or malformed calls fail and poison the attempt") {
  const Vector v;
  const auto host = host_identity(v);
  const auto ss = v.secret("server_secret");
  const auto sc = v.secret("server_challenge");
  std::vector<std::string> messages;

  auto fresh = [&] {
    auto a = PairingAttempt::start(host, v.hex("salt"), v.client_cert_pem);
    REQUIRE(a);
    return std::move(*a);
  };
  auto expect_poisoned = [&](PairingAttempt& a) {
    CHECK(a.state() == PairingState::failed);
    auto r1 = a.submit_pin("1234");
    REQUIRE_FALSE(r1);
    messages.push_back(r1.error().message);
    auto r2 = a.client_challenge(v.hex("clientchallenge_param"), ss, sc);
    REQUIRE_FALSE(r2);
    auto r3 = a.server_challenge_response(v.hex("serverchallengeresp"));
    REQUIRE_FALSE(r3);
    auto r4 = a.client_pairing_secret(v.hex("clientpairingsecret"));
    REQUIRE_FALSE(r4);
    messages.push_back(r4.error().message);
  };

  SECTION("phase 2 before the PIN") {
    auto a = fresh();
    auto r = a.client_challenge(v.hex("clientchallenge_param"), ss, sc);
    REQUIRE_FALSE(r);
    messages.push_back(r.error().message);
    CHECK(r.error().message.find("Out of order call to clientchallenge") != std::string::npos);
    expect_poisoned(a);
  }
  SECTION("phase 3 skipping phase 2") {
    auto a = fresh();
    REQUIRE(a.submit_pin("1234"));
    auto r = a.server_challenge_response(v.hex("serverchallengeresp"));
    REQUIRE_FALSE(r);
    messages.push_back(r.error().message);
    expect_poisoned(a);
  }
  SECTION("phase 4 skipping phase 3") {
    auto a = fresh();
    REQUIRE(a.submit_pin("1234"));
    REQUIRE(a.client_challenge(v.hex("clientchallenge_param"), ss, sc));
    auto r = a.client_pairing_secret(v.hex("clientpairingsecret"));
    REQUIRE_FALSE(r);
    expect_poisoned(a);
  }
  SECTION("phase 2 replayed") {
    auto a = fresh();
    REQUIRE(a.submit_pin("1234"));
    REQUIRE(a.client_challenge(v.hex("clientchallenge_param"), ss, sc));
    REQUIRE_FALSE(a.client_challenge(v.hex("clientchallenge_param"), ss, sc));
    expect_poisoned(a);
  }
  SECTION("phase 3 replayed (no second guess at HC)") {
    auto a = fresh();
    REQUIRE(a.submit_pin("1234"));
    REQUIRE(a.client_challenge(v.hex("clientchallenge_param"), ss, sc));
    REQUIRE(a.server_challenge_response(v.hex("serverchallengeresp")));
    REQUIRE_FALSE(a.server_challenge_response(v.hex("serverchallengeresp")));
    expect_poisoned(a);
  }
  SECTION("PIN submitted twice") {
    auto a = fresh();
    REQUIRE(a.submit_pin("1234"));
    REQUIRE_FALSE(a.submit_pin("1234"));
    expect_poisoned(a);
  }
  SECTION("phase 4 replayed after a successful pairing") {
    auto a = through_phase3(v, host, "1234");
    auto ok = a.client_pairing_secret(v.hex("clientpairingsecret"));
    REQUIRE(ok);
    REQUIRE(*ok);
    auto again = a.client_pairing_secret(v.hex("clientpairingsecret"));
    REQUIRE_FALSE(again);
    expect_poisoned(a);
  }
  SECTION("malformed PIN") {
    for (std::string_view pin : {"", "123", "12345", "12a4", "１２３４", " 123"}) {
      auto a = fresh();
      auto r = a.submit_pin(pin);
      REQUIRE_FALSE(r);
      CHECK_FALSE(is_valid_pin(pin));
      messages.push_back(r.error().message);
      expect_poisoned(a);
    }
  }
  SECTION("wrong input sizes") {
    auto a = fresh();
    REQUIRE(a.submit_pin("1234"));
    auto short_challenge = v.hex("clientchallenge_param");
    short_challenge.pop_back();
    REQUIRE_FALSE(a.client_challenge(short_challenge, ss, sc));
    expect_poisoned(a);

    auto b = fresh();
    REQUIRE(b.submit_pin("1234"));
    REQUIRE(b.client_challenge(v.hex("clientchallenge_param"), ss, sc));
    auto long_resp = v.hex("serverchallengeresp");
    long_resp.resize(48);
    REQUIRE_FALSE(b.server_challenge_response(long_resp));
    expect_poisoned(b);

    auto c = through_phase3(v, host, "1234");
    auto r = c.client_pairing_secret(v.hex("client_secret"));  // Cs without signature
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "Client pairing secret too short");
    expect_poisoned(c);
  }

  // No error message carries the PIN, the key or any secret.
  const std::string key_hex = lower(v.rec.get("aes_key"));
  for (const auto& m : messages) {
    INFO(m);
    CHECK(m.find("1234") == std::string::npos);
    CHECK(lower(m).find(key_hex.substr(0, 8)) == std::string::npos);
    CHECK(lower(m).find(lower(v.rec.get("server_secret")).substr(0, 8)) == std::string::npos);
  }
}

TEST_CASE("pairing: start and identity reject bad inputs") {
  const Vector v;
  const auto host = host_identity(v);
  auto salt = v.hex("salt");
  CHECK_FALSE(PairingAttempt::start(host, std::vector<std::uint8_t>(salt.begin(), salt.end() - 1), v.client_cert_pem));
  CHECK_FALSE(PairingAttempt::start(host, salt, "not a certificate"));
  CHECK_FALSE(PairingAttempt::start(host, salt, v.client_cert_pem.substr(0, v.client_cert_pem.size() / 2)));
  CHECK_FALSE(PairingAttempt::start(host, salt, v.client_cert_pem + v.client_cert_pem));
  CHECK_FALSE(derive_pairing_key(salt, "12345"));
  CHECK_FALSE(derive_pairing_key(std::vector<std::uint8_t>(17), "1234"));

  // Key and certificate of different identities: caught when the identity is loaded.
  auto mismatched = PairingIdentity::create(v.server_cert_pem, v.client_key_pem);
  REQUIRE_FALSE(mismatched);
  CHECK(mismatched.error().code == proto::Errc::auth_failed);
  CHECK_FALSE(PairingIdentity::create("garbage", v.server_key_pem));
  CHECK_FALSE(PairingIdentity::create(v.server_cert_pem, "garbage"));
}

TEST_CASE("pairing: fresh identities and random secrets pair with a client written from §5") {
  auto host_pems = generate_identity("Lightwell Test Host");
  auto client_pems = generate_identity("NVIDIA GameStream Client");
  REQUIRE(host_pems);
  REQUIRE(client_pems);
  auto host = PairingIdentity::create(host_pems->cert_pem, host_pems->key_pem);
  REQUIRE(host);
  auto client_cert = Certificate::from_pem(client_pems->cert_pem);
  auto client_key = PrivateKey::from_pem(client_pems->key_pem);
  REQUIRE(client_cert);
  REQUIRE(client_key);

  const std::vector<std::uint8_t> salt = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16};
  const std::vector<std::uint8_t> cc(16, 0xC1), cs(16, 0xC5);
  const PairingSecret ss{0x51, 0x52, 0x53}, sc{0x5C, 0x5D};
  auto k = derive_pairing_key(salt, "0042");
  REQUIRE(k);

  auto attempt = PairingAttempt::start(*host, salt, client_pems->cert_pem);
  REQUIRE(attempt);
  REQUIRE(attempt->submit_pin("0042"));
  auto cr = attempt->client_challenge(*aes_ecb_encrypt(*k, cc), ss, sc);
  REQUIRE(cr);
  // Client side of §5.4: decrypt, check HS, build HC.
  auto cr_plain = aes_ecb_decrypt(*k, *cr);
  REQUIRE(cr_plain);
  const auto hs = pairing_hash(cc, host->certificate().signature(), ss);
  CHECK(std::equal(hs.begin(), hs.end(), cr_plain->begin()));
  const std::vector<std::uint8_t> sc_from_host(cr_plain->begin() + 32, cr_plain->end());
  CHECK(sc_from_host == vec(sc));
  const auto hc = pairing_hash(sc_from_host, client_cert->signature(), cs);
  auto ps = attempt->server_challenge_response(*aes_ecb_encrypt(*k, hc));
  REQUIRE(ps);
  REQUIRE(ps->size() == 16 + 256);
  CHECK(host->certificate().verify_sha256(proto::Bytes(ps->data(), 16), proto::Bytes(ps->data() + 16, 256)));
  std::vector<std::uint8_t> cps = cs;
  auto sig = client_key->sign_sha256(cs);
  REQUIRE(sig);
  cps.insert(cps.end(), sig->begin(), sig->end());
  auto paired = attempt->client_pairing_secret(cps);
  REQUIRE(paired);
  CHECK(*paired);
}
