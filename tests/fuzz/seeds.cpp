// fuzz_seeds <out dir>: writes the seed corpus of every fuzz target, <out>/<target>/<name>,
// from the captured vectors in tests/data/ (README.md there) and the example configuration.
// Seeds only steer the fuzzer to the interesting depths quickly (a whole pairing, an accepted
// ANNOUNCE, an authentic control packet); the fuzzer finds the rest. Nothing is copied into
// the repository: the seeds are regenerated from the vectors on every build.
//
// Uninstrumented; uses the std-only vector reader of the unit tests and OpenSSL for the one
// derived value (the client id = hex of the first 8 bytes of SHA-256(certificate DER)).
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "vector_file.hpp"

namespace fs = std::filesystem;
using lightwell::test::read_records;
using lightwell::test::read_text;
using lightwell::test::unhex;
using Blob = std::vector<std::uint8_t>;

namespace {

fs::path g_out;
int g_count = 0;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
  ++g_count;
}
void seed(const std::string& target, const std::string& name, const Blob& bytes) {
  seed(target, name, std::string(bytes.begin(), bytes.end()));
}

std::string text_of(const Blob& b) { return std::string(b.begin(), b.end()); }
std::string hex_of(const std::string& s) { return lightwell::test::hex(Blob(s.begin(), s.end())); }

// First value of key in any record of a vector file.
std::string value(const std::string& file, const std::string& key) {
  for (const auto& r : read_records(file)) {
    if (auto v = r.find(key)) return lightwell::test::first_token(*v);
  }
  throw std::runtime_error(file + " has no " + key);
}

// hex(SHA-256(DER of the PEM certificate))[0..16): ClientStore's id (state_store.hpp).
std::string client_id(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x509 = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (x509 == nullptr) throw std::runtime_error("vector certificate does not parse");
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(x509, &der);
  X509_free(x509);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(der, static_cast<std::size_t>(der_len), digest, &digest_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return lightwell::test::hex(Blob(digest, digest + 8));
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '"' || c == '\\') (out += '\\') += c;
    else out += c;
  }
  return out + "\"";
}

void rtsp_seeds() {
  // Captured plaintexts of the encrypted OPTIONS exchange and the exact ANNOUNCE.
  std::string options_request, options_reply;
  for (const auto& r : read_records("wire/rtsp_encrypted.txt")) {
    if (auto p = r.find("plaintext_hex")) (options_request.empty() ? options_request : options_reply) = text_of(unhex(*p));
  }
  const std::string announce =
      read_text("wire/announce_request_headers.txt") + read_text("wire/announce_example.sdp");
  seed("fuzz_rtsp", "options", options_request);
  seed("fuzz_rtsp", "options_reply", options_reply);
  seed("fuzz_rtsp", "announce", announce);
  // The other requests of a session, in the shape rtsp.md §4 gives (our own text).
  const std::string common = "X-GS-ClientVersion: 14\r\nHost: 127.0.0.1\r\n";
  seed("fuzz_rtsp", "describe",
       "DESCRIBE rtspenc://127.0.0.1:48010 RTSP/1.0\r\nCSeq: 2\r\n" + common +
           "Accept: application/sdp\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n");
  seed("fuzz_rtsp", "setup_audio",
       "SETUP streamid=audio/0/0 RTSP/1.0\r\nCSeq: 3\r\n" + common +
           "Transport: unicast;X-GS-ClientPort=50000-50001\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n");
  seed("fuzz_rtsp", "setup_video",
       "SETUP streamid=video/0/0 RTSP/1.0\r\nCSeq: 4\r\n" + common + "Session: DEADBEEFCAFE\r\n\r\n");
  seed("fuzz_rtsp", "play", "PLAY / RTSP/1.0\r\nCSeq: 7\r\n" + common + "Session: DEADBEEFCAFE\r\n\r\n");
  seed("fuzz_rtsp", "reply_body",
       "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-length: 9\r\n\r\nv=0\r\no=x\r");

  // Encrypted framing: the client's OPTIONS frame and the host's reply as captured; the
  // target also seals every input itself, so the plaintext requests are seeds too.
  const auto records = read_records("wire/rtsp_encrypted.txt");
  for (const auto& r : records) {
    if (auto h = r.find("header")) seed("fuzz_rtsp_encrypted", "options_frame", text_of(unhex(*h)) + text_of(r.hex("ciphertext")));
    if (auto w = r.find("wire")) seed("fuzz_rtsp_encrypted", "options_reply_frame", text_of(unhex(*w)));
  }
  seed("fuzz_rtsp_encrypted", "announce", announce);
  seed("fuzz_rtsp_encrypted", "options", options_request);

  seed("fuzz_sdp_announce", "announce", read_text("wire/announce_example.sdp"));
}

void control_seeds() {
  for (const std::string file : {"wire/control_encrypted.txt", "input_control_gcm_vectors.txt"}) {
    int n = 0;
    for (const auto& r : read_records(file)) {
      const auto dir = r.find("direction");
      const bool c2s = (dir && *dir == "c2s") || (r.find("iv") && r.get("iv").ends_with("4343"));
      for (const auto& [k, v] : r.entries) {
        const std::string tag = std::to_string(n++);
        if (k.ends_with("plaintext")) {
          seed("fuzz_control_message", "plain" + tag, unhex(lightwell::test::first_token(v)));
          seed("fuzz_control", "plain" + tag, unhex(lightwell::test::first_token(v)));
        }
        if (c2s && (k == "wire" || k == "packet")) seed("fuzz_control", "wire" + tag, unhex(v));
      }
    }
  }
  // The other captured plaintexts (periodic ping, input packets) are comment-free keys too.
  for (const auto& r : read_records("wire/control_encrypted.txt")) {
    for (const auto& [k, v] : r.entries) {
      if (k.ends_with("_plaintext")) seed("fuzz_control_message", k, unhex(lightwell::test::first_token(v)));
    }
  }
}

void input_seeds() {
  int n = 0;
  // fuzz_input_session: the captured packets as one session, [u8 length][packet] each.
  std::string session;
  for (const auto& r : read_records("input_packets.txt")) {
    if (auto b = r.find("bytes"); b && !b->empty()) {
      const Blob packet = unhex(*b);
      seed("fuzz_input", "packet" + std::to_string(n++), packet);
      if (packet.size() < 256) session += static_cast<char>(packet.size()) + text_of(packet);
    }
  }
  seed("fuzz_input_session", "captured_session", session);
}

void ping_seeds() {
  for (const auto& r : read_records("wire/udp_ping.txt")) {
    for (const auto& [k, v] : r.entries) {
      const std::string token = lightwell::test::first_token(v);
      if (k.ends_with("_ping_1") || k.ends_with("_ping_2") || k == "legacy_ping") seed("fuzz_ping", k, unhex(token));
      if (k == "ping_payload_ascii") seed("fuzz_ping", k, token);
    }
  }
  seed("fuzz_ping", "connect_data", std::string("305441741"));
}

void query_and_pairing_seeds() {
  seed("fuzz_query", "launch", value("wire/launch_ri.txt", "launch_query"));
  const std::string common = "uniqueid=0123456789ABCDEF&uuid=7d94cf6942bd4fe8af6677e047657351&devicename=roth&updateState=1";
  const std::string pem = read_text("pairing/client_cert.pem");
  const std::string p = "pairing/pairing_vector.txt";
  const std::vector<std::string> phases = {
      common + "&phrase=getservercert&salt=" + value(p, "salt") + "&clientcert=" + hex_of(pem),
      common + "&clientchallenge=" + value(p, "clientchallenge_param"),
      common + "&serverchallengeresp=" + value(p, "serverchallengeresp"),
      common + "&clientpairingsecret=" + value(p, "clientpairingsecret"),
      common + "&phrase=pairchallenge",
  };
  std::string all;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    seed("fuzz_query", "pair_phase" + std::to_string(i + 1), phases[i]);
    all += phases[i] + "\n";
  }
  // fuzz_pairing takes the requests of one attempt, one per line (fuzz_pairing.cpp).
  seed("fuzz_pairing", "paired", all);
}

void config_and_state_seeds() {
  std::ifstream in(fs::path(LIGHTWELL_SOURCE_DIR) / "packaging/lightwell.example.toml", std::ios::binary);
  std::string example((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (example.empty()) throw std::runtime_error("packaging/lightwell.example.toml is missing");
  seed("fuzz_config", "example", example);
  // The example has everything commented out: uncomment it so the seed sets every key.
  std::string uncommented;
  std::size_t pos = 0;
  while (pos < example.size()) {
    std::size_t end = example.find('\n', pos);
    if (end == std::string::npos) end = example.size();
    std::string line = example.substr(pos, end - pos);
    if (line.rfind("# ", 0) == 0 && line.find('=') != std::string::npos) line = line.substr(2);
    if (line.rfind("#[", 0) == 0) line = line.substr(1);
    uncommented += line + "\n";
    pos = end + 1;
  }
  seed("fuzz_config", "example_uncommented", uncommented);

  const std::string server_cert = read_text("pairing/server_cert.pem");
  const std::string server_key = read_text("pairing/server_key.pem");
  seed("fuzz_state_identity", "identity",
       "{\"format_version\": 1, \"uniqueid\": \"0123456789ABCDEF\", \"certificate_pem\": " +
           json_string(server_cert) + ", \"private_key_pem\": " + json_string(server_key) + "}\n");
  const std::string client_cert = read_text("pairing/client_cert.pem");
  seed("fuzz_state_clients", "clients",
       "{\"format_version\": 1, \"clients\": [{\"id\": \"" + client_id(client_cert) +
           "\", \"name\": \"roth\", \"certificate_pem\": " + json_string(client_cert) +
           ", \"first_seen_unix_s\": 1763769600, \"last_seen_unix_s\": 1763773200}]}\n");
  seed("fuzz_state_clients", "empty", std::string("{\"format_version\": 1, \"clients\": []}"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seeds <output directory>\n";
    return 2;
  }
  g_out = argv[1];
  try {
    rtsp_seeds();
    control_seeds();
    input_seeds();
    ping_seeds();
    query_and_pairing_seeds();
    config_and_state_seeds();
  } catch (const std::exception& e) {
    std::cerr << "fuzz_seeds: " << e.what() << "\n";
    return 1;
  }
  std::cout << "fuzz_seeds: " << g_count << " seeds in " << g_out.string() << "\n";
  return 0;
}
