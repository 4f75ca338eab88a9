// Certificates and keys: the pairing vector's PEM files, and our own generated identity.
#include <catch2/catch.hpp>

#include "lightwell/proto/crypto/x509.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto::crypto;

TEST_CASE("the pairing vector's certificates parse, with signatures as the vector lists them") {
  const auto rec = test::read_records("pairing/pairing_vector.txt").at(0);
  // Client certificate has serial 0, as Moonlight-qt/Embedded make them (http-pairing.md §5.8).
  const auto client = Certificate::from_pem(test::read_text("pairing/client_cert.pem")).value();
  const auto server = Certificate::from_pem(test::read_text("pairing/server_cert.pem")).value();
  CHECK(client.signature() == rec.hex("client_cert_signature"));
  CHECK(server.signature() == rec.hex("server_cert_signature"));
  CHECK(client.subject_common_name() == "NVIDIA GameStream Client");
  CHECK(Certificate::from_der(client.der()).value().pem() == client.pem());
}

TEST_CASE("RSA signatures match the vector and verify only for the signed bytes") {
  const auto rec = test::read_records("pairing/pairing_vector.txt").at(0);
  const auto key = PrivateKey::from_pem(test::read_text("pairing/server_key.pem")).value();
  const auto cert = Certificate::from_pem(test::read_text("pairing/server_cert.pem")).value();
  const auto secret = rec.hex("server_secret");
  const auto sig = key.sign_sha256(secret).value();
  CHECK(sig == rec.hex("server_secret_signature"));  // PKCS#1 v1.5 is deterministic
  CHECK(cert.verify_sha256(secret, sig));
  auto tampered = secret;
  tampered[0] ^= 1;
  CHECK_FALSE(cert.verify_sha256(tampered, sig));
}

TEST_CASE("malformed certificates and keys are rejected") {
  CHECK(Certificate::from_pem("not a cert").error().code == proto::Errc::malformed);
  const auto pem = test::read_text("pairing/client_cert.pem");
  CHECK(Certificate::from_pem(pem + pem).error().code == proto::Errc::malformed);  // two certs
  CHECK(Certificate::from_pem(pem.substr(0, pem.size() / 2)).error().code == proto::Errc::malformed);
  CHECK(Certificate::from_pem(std::string(70000, 'A')).error().code == proto::Errc::too_large);
  const auto der = Certificate::from_pem(pem).value().der();
  auto longer = der;
  longer.push_back(0);
  CHECK_FALSE(Certificate::from_der(longer));
  CHECK_FALSE(Certificate::from_der(std::vector<std::uint8_t>(der.begin(), der.end() - 1)));
  CHECK(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").error().code ==
        proto::Errc::malformed);
}

TEST_CASE("a generated identity is an RSA-2048 self-signed certificate whose key signs for it") {
  const auto id = generate_identity("Lightwell test host").value();
  const auto cert = Certificate::from_pem(id.cert_pem).value();
  const auto key = PrivateKey::from_pem(id.key_pem).value();
  CHECK(cert.subject_common_name() == "Lightwell test host");
  CHECK(cert.signature().size() == 256);
  const std::vector<std::uint8_t> msg{1, 2, 3};
  CHECK(cert.verify_sha256(msg, key.sign_sha256(msg).value()));
  const auto other = generate_identity("Lightwell test host").value();
  CHECK(other.cert_pem != id.cert_pem);
  CHECK_FALSE(Certificate::from_pem(other.cert_pem).value().verify_sha256(msg, key.sign_sha256(msg).value()));
}
