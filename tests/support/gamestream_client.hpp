// Our own GameStream test client: what a Moonlight client does on the nvhttp control plane
// (shared/protocol/http-pairing.md), written from the protocol documents so the integration
// tests can drive the real `lightwell serve` as a black box. Later issues extend it (RTSP,
// control stream, media).
//
// Pieces, each usable alone:
//   ClientIdentity / make_client_identity   the client certificate Moonlight makes (§5.8)
//   ClientPairingRole                       the client's pairing crypto (§5.2–§5.5), pure:
//                                           randomness is a parameter (vector tests)
//   XmlReply / parse_xml                    tag text by name, root status attributes (§1)
//   http_get / https_get / raw_exchange     one request per connection (§1), bounded by a
//                                           timeout; HTTPS with our certificate and the
//                                           server certificate pinned after pairing
//   GameStreamClient                        the endpoints and the whole pairing flow, with a
//                                           transcript of every request and reply for
//                                           failure messages
//
// Errors are values (Result, or HttpReply::transport_error), never exceptions, so a test can
// assert that a handshake failed. Thread rules: an object is used by one thread at a time;
// distinct objects are independent (a test runs phase 1 of one client on another thread).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::test {

using Secret16 = std::array<std::uint8_t, 16>;

// --- identity (§5.8) ----------------------------------------------------------------------

struct ClientIdentity {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8, unencrypted
};

struct ClientIdentityOptions {
  // Reuse this key (PEM) instead of generating a new RSA-2048 one: "same key, new
  // certificate" for the derived-certificate tests.
  std::optional<std::string> key_pem;
  std::string common_name = "NVIDIA GameStream Client";
  long serial = 0;  // Moonlight-qt and Embedded use 0 (§5.8)
  int validity_days = 20 * 365;
};

// Self-signed, sha256WithRSAEncryption, subject = issuer = CN, no extensions (X.509 v1, like
// tests/data/pairing/client_cert.pem), validity from now.
proto::Result<ClientIdentity> make_client_identity(const ClientIdentityOptions& options = {});

// 16 bytes from OpenSSL's CSPRNG.
Secret16 random_secret();

// --- the client role of pairing (§5.2–§5.5) -------------------------------------------------

enum class SecretCheck {
  ok,              // signature over Ss verifies with plaincert, and the server hash matches
  bad_signature,   // §5.4 (a): "MITM detected"
  hash_mismatch,   // §5.4 (b): the host used another PIN (wrong PIN)
};
const char* to_string(SecretCheck check) noexcept;

class ClientPairingRole {
 public:
  static proto::Result<ClientPairingRole> create(const ClientIdentity& identity);

  // hex(our certificate PEM text): the phase-1 `clientcert` parameter (lower case).
  std::string client_cert_hex() const;
  // Phase 1 request: K = SHA-256(salt ‖ PIN)[0..15]. The PIN is the one the client shows.
  proto::Result<void> begin(const Secret16& salt, std::string_view pin);
  // Phase 1 reply: the decoded `plaincert` (the host certificate PEM).
  proto::Result<void> accept_server_certificate(std::string_view pem);
  // Phase 2 request: E_K(Cc).
  proto::Result<std::vector<std::uint8_t>> client_challenge(const Secret16& client_challenge);
  // Phase 2 reply (48 bytes) + our Cs → phase 3 request E_K(SHA-256(Sc ‖ sig(clientCert) ‖ Cs)).
  proto::Result<std::vector<std::uint8_t>> server_challenge_resp(proto::Bytes challenge_response,
                                                                 const Secret16& client_secret);
  // Phase 3 reply: Ss ‖ Sign_host(Ss). Checks the signature with plaincert's key and
  // SHA-256(Cc ‖ sig(plaincert) ‖ Ss) against the server hash of phase 2 (both always run).
  proto::Result<SecretCheck> verify_pairing_secret(proto::Bytes pairing_secret);
  // Phase 4 request: Cs ‖ Sign_client(Cs).
  proto::Result<std::vector<std::uint8_t>> client_pairing_secret() const;

  const std::optional<proto::crypto::Certificate>& server_certificate() const noexcept { return server_cert_; }
  const std::string& server_certificate_pem() const noexcept { return server_pem_; }

 private:
  ClientPairingRole(proto::crypto::Certificate cert, proto::crypto::PrivateKey key, std::string pem)
      : cert_(std::move(cert)), key_(std::move(key)), cert_pem_(std::move(pem)) {}
  proto::crypto::Certificate cert_;
  proto::crypto::PrivateKey key_;
  std::string cert_pem_;
  bool keyed_ = false;
  proto::crypto::Key128 aes_key_{};
  std::optional<proto::crypto::Certificate> server_cert_;
  std::string server_pem_;
  Secret16 client_challenge_{};
  std::array<std::uint8_t, 32> server_hash_{};
  bool have_server_hash_ = false;
  Secret16 client_secret_{};
  bool have_client_secret_ = false;
};

// --- XML replies (§1) -------------------------------------------------------------------------

struct XmlReply {
  std::string raw;
  std::optional<long long> status_code;  // root attribute; nullopt when absent/unparsable
  std::string status_message;            // root attribute, unescaped
  std::optional<std::string> query_attr; // root attribute `query` (the 401 form)
  bool has_root = false;

  // Text of the first element named tag (unescaped); "" for <tag/>; nullopt if absent.
  std::optional<std::string> text(std::string_view tag) const;
  // Text of every element named tag, in order.
  std::vector<std::string> all(std::string_view tag) const;
  bool ok() const { return status_code == 200; }
};

XmlReply parse_xml(std::string body);

struct AppInfo {
  std::string title;
  long long id = 0;
};
// Every <App> of an applist reply (§3) with its AppTitle and ID (-1 when missing/bad).
std::vector<AppInfo> parse_applist(const XmlReply& reply);

// --- transport (§1) ---------------------------------------------------------------------------

struct HttpReply {
  std::string transport_error;  // empty: a complete HTTP response arrived
  unsigned http_status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::uint8_t> server_cert_der;  // HTTPS: what the server presented
  bool ok() const { return transport_error.empty(); }
};

struct TlsClientOptions {
  const ClientIdentity* identity = nullptr;       // nullptr: present no certificate
  const std::vector<std::uint8_t>* pinned_der = nullptr;  // nullptr: accept any (before pairing)
};

// Called once the request is fully written (e.g. so a test knows phase 1 is on its way).
using SentHook = std::function<void()>;

HttpReply http_get(const std::string& host, std::uint16_t port, const std::string& target,
                   std::chrono::milliseconds timeout, const SentHook& on_sent = {});
HttpReply https_get(const std::string& host, std::uint16_t port, const std::string& target,
                    const TlsClientOptions& tls, std::chrono::milliseconds timeout,
                    const SentHook& on_sent = {});

struct RawReply {
  std::string received;        // everything the server sent before closing
  bool closed_by_server = false;  // EOF or reset within the timeout
  std::string error;
};
// Writes raw bytes on a plain TCP connection and reads until the server closes or the timeout.
RawReply raw_exchange(const std::string& host, std::uint16_t port, const std::string& request,
                      std::chrono::milliseconds timeout);

// --- the client ------------------------------------------------------------------------------

struct HostAddress {
  std::string host = "127.0.0.1";
  std::uint16_t http_port = 47989;
  std::uint16_t https_port = 47984;
};

struct PairingRandomness {
  Secret16 salt{};
  Secret16 client_challenge{};
  Secret16 client_secret{};
  static PairingRandomness random();
};

struct PairOptions {
  // Phase 1 waits for the PIN (no timeout in Qt); tests bound it.
  std::chrono::milliseconds phase1_timeout{20'000};
  std::chrono::milliseconds phase_timeout{5'000};
  // Embedded behaviour: send phase 4 even when the phase-3 hash check says "wrong PIN" (the
  // host must then answer paired=0). Qt/Android stop after phase 3.
  bool send_phase4_on_hash_mismatch = false;
  SentHook on_phase1_sent;
};

struct PairResult {
  bool paired = false;
  int failed_phase = 0;  // 1..5 when a phase failed, 0 when paired
  std::string error;     // why (transport, status, crypto check)
  std::optional<SecretCheck> secret_check;
  std::vector<XmlReply> replies;  // one per phase that answered
};

struct LaunchParams {
  long long appid = 0;
  std::string mode = "1920x1080x60";
  Secret16 rikey{};
  std::int32_t rikeyid = -1032099092;
  int corever = 1;
  bool local_audio = false;
  std::uint32_t surround_audio_info = 196610;  // stereo
};

class GameStreamClient {
 public:
  GameStreamClient(HostAddress address, ClientIdentity identity, std::string uniqueid = "0123456789ABCDEF");

  const ClientIdentity& identity() const noexcept { return identity_; }
  const std::string& uniqueid() const noexcept { return uniqueid_; }
  void set_identity(ClientIdentity identity) { identity_ = std::move(identity); }
  // The pinned host certificate (DER); set by a successful pair() or by hand.
  void pin_server_certificate(std::vector<std::uint8_t> der) { pinned_der_ = std::move(der); }
  const std::optional<std::vector<std::uint8_t>>& pinned_server_certificate() const noexcept { return pinned_der_; }

  // path_and_params: "/serverinfo" or "/pair?phrase=…"; uniqueid and a fresh uuid are added.
  std::string target(const std::string& path, const std::string& params = {}) const;
  HttpReply http(const std::string& path, const std::string& params = {},
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(5000), const SentHook& on_sent = {});
  // HTTPS with our certificate (with_certificate=false: none) and the pinned server
  // certificate, if any.
  HttpReply https(const std::string& path, const std::string& params = {},
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(5000), bool with_certificate = true);

  XmlReply serverinfo_http();
  XmlReply serverinfo_https();
  XmlReply applist();
  HttpReply appasset(long long appid);
  XmlReply launch(const LaunchParams& params);
  XmlReply resume(const LaunchParams& params);
  XmlReply cancel();

  // §5.2–§5.6 with the PIN the client "shows". Blocks in phase 1 until the host gets the PIN.
  PairResult pair(std::string_view pin, const PairingRandomness& randomness, const PairOptions& options = {});
  // Common pairing parameters (§5): uniqueid, uuid, devicename=roth, updateState=1, + extra.
  std::string pair_target(const std::string& extra) const;

  // Every request and reply so far, for failure messages.
  const std::string& transcript() const noexcept { return transcript_; }
  void note(const std::string& line) { transcript_ += line + "\n"; }

 private:
  void record(const std::string& scheme, const std::string& target, const HttpReply& reply);
  XmlReply xml_of(const HttpReply& reply) const;

  HostAddress address_;
  ClientIdentity identity_;
  std::string uniqueid_;
  std::optional<std::vector<std::uint8_t>> pinned_der_;
  std::string transcript_;
};

// hex of text bytes (lower case) and back, for plaincert/clientcert.
std::string hex_of_text(std::string_view text);
std::optional<std::string> text_of_hex(std::string_view hex);

}  // namespace lightwell::test
