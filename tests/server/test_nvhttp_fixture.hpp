// Shared by the nvhttp and pairing-service tests: the real services over a temporary state
// directory, driven through HttpRequests (no sockets), and the client side of pairing written
// from http-pairing.md §5 (what Moonlight computes), so a full pairing runs in-process.
#pragma once

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/crypto/hash.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/hex.hpp"
#include "lightwell/server/nvhttp_service.hpp"
#include "lightwell/server/pairing_service.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/stream_sessions.hpp"
#include "temp_dir.hpp"
#include "vector_file.hpp"

namespace nvtest {

using namespace lightwell;
using namespace lightwell::server;
namespace asio = boost::asio;
namespace crypto = lightwell::proto::crypto;

inline std::string hex_of(std::string_view text) {
  return proto::to_hex(proto::Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// The text of <tag>…</tag>, or nullopt.
inline std::optional<std::string> element(const std::string& xml, const std::string& tag) {
  const auto open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return std::nullopt;
  const auto from = open + tag.size() + 2;
  const auto close = xml.find("</" + tag + ">", from);
  if (close == std::string::npos) return std::nullopt;
  return xml.substr(from, close - from);
}

inline std::string status_code(const std::string& xml) {
  const std::string key = "status_code=\"";
  const auto at = xml.find(key);
  if (at == std::string::npos) return "?";
  return xml.substr(at + key.size(), xml.find('"', at + key.size()) - at - key.size());
}

struct FakeApps final : AppController {
  std::optional<std::string> running;
  std::optional<std::string> fail_with;
  std::vector<std::string> started;
  LaunchEnvironment last_env;
  int stops = 0;
  std::optional<std::string> start(const App& app, const LaunchEnvironment& env) override {
    if (fail_with) return fail_with;
    started.push_back(app.name);
    last_env = env;
    running = app.name;
    return std::nullopt;
  }
  void stop() override {
    ++stops;
    running.reset();
  }
  std::optional<std::string> running_app() const override { return running; }
};

// A deterministic "CSPRNG": a counter, so every draw differs. Tests that need exact bytes
// queue them in `next`.
struct TestRandom {
  std::uint8_t counter = 0x40;
  std::vector<std::vector<std::uint8_t>> next;
  RandomFill fill() {
    return [this](std::span<std::uint8_t> out) {
      if (!next.empty()) {
        REQUIRE(next.front().size() == out.size());
        std::copy(next.front().begin(), next.front().end(), out.begin());
        next.erase(next.begin());
        return;
      }
      for (auto& b : out) b = counter++;
    };
  }
};

struct TestClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  std::int64_t unix_s = 1'790'000'000;
  ServiceClock clock() {
    return ServiceClock{[this] { return now; }, [this] { return unix_s; }};
  }
  void advance(std::chrono::seconds s) {
    now += s;
    unix_s += s.count();
  }
};

using Slot = std::shared_ptr<std::optional<net::HttpResponse>>;

struct Host {
  lightwell::test::TempDir tmp;
  std::ostringstream log_lines;
  LogHub hub = LogHub::to_stream(log_lines, LogLevel::debug);
  HostIdentity identity;
  std::optional<ClientStore> store;
  asio::io_context io;
  TestClock clock;
  TestRandom random;
  PairingOptions pairing_options;
  std::vector<App> apps;
  FakeApps controller;
  StreamSessions sessions;
  std::optional<PairingService> pairing;
  std::optional<NvhttpService> nvhttp;
  Ports ports = Ports::from_base(47989);
  proto::HostCapabilities caps;  // H.264 only, as with x264 alone

  // vector_identity: the host identity of tests/data/pairing (byte-exact replies); else a
  // freshly generated one in the state directory, as `lightwell serve` creates it.
  explicit Host(bool vector_identity = true) {
    if (vector_identity) {
      identity = HostIdentity{"0F6C3A4E5B6D7E8F", lightwell::test::read_text("pairing/server_cert.pem"),
                              lightwell::test::read_text("pairing/server_key.pem")};
    } else {
      prepare_state_dir(tmp / "state", hub.get("state"));
      identity = load_or_create_identity(tmp / "state", hub.get("state"));
    }
    App steam;
    steam.name = "Steam";
    steam.cmd = lightwell::server::AppCommand{{"steam", "-bigpicture"}};
    apps = {desktop_app(), steam};
    start();
  }

  // (Re)creates the services over the same state directory, as a server restart does.
  void start() {
    nvhttp.reset();
    pairing.reset();
    std::filesystem::create_directories(tmp / "state");
    store.emplace(ClientStore::load(tmp / "state"));
    auto pid = crypto::PairingIdentity::create(identity.certificate_pem, identity.private_key_pem);
    REQUIRE(pid);
    pairing.emplace(io, std::move(*pid), *store, hub.get("pairing"), pairing_options, clock.clock(), random.fill());
    nvhttp.emplace(identity.uniqueid, apps, NvhttpOptions{"Test Host", ports, caps}, *store, *pairing, sessions,
                   controller, hub.get("nvhttp"), clock.clock(), random.fill());
  }

  static net::HttpRequest request(const std::string& target, bool tls, std::optional<std::vector<std::uint8_t>> der = {},
                                  const std::string& peer = "192.168.1.20",
                                  const std::string& local = "192.168.1.10") {
    net::HttpRequest r;
    r.target = target;
    r.tls = tls;
    r.peer_address = asio::ip::make_address(peer);
    r.peer_port = 50123;
    r.local_address = asio::ip::make_address(local);
    r.client_cert_der = std::move(der);
    return r;
  }

  Slot send(const net::HttpRequest& r) {
    auto slot = std::make_shared<std::optional<net::HttpResponse>>();
    auto responder = [slot](net::HttpResponse res) {
      REQUIRE_FALSE(slot->has_value());  // a Responder is answered once
      *slot = std::move(res);
    };
    if (r.tls) {
      nvhttp->handle_https(r, responder);
    } else {
      nvhttp->handle_http(r, responder);
    }
    return slot;
  }
  // A request answered at once; returns the body (HTTP status must be 200 for XML).
  std::string get(const net::HttpRequest& r) {
    auto slot = send(r);
    REQUIRE(slot->has_value());
    CHECK((*slot)->status == 200);
    return (*slot)->body;
  }
  std::string http(const std::string& target, const std::string& peer = "192.168.1.20") {
    return get(request(target, false, std::nullopt, peer));
  }
  std::string https(const std::string& target, const std::vector<std::uint8_t>& der,
                    const std::string& local = "192.168.1.10") {
    return get(request(target, true, der, "192.168.1.20", local));
  }

  ControlReply pin(const std::string& pin, const std::string& name = "") {
    std::optional<ControlReply> out;
    pairing->enter_pin(pin, name, [&out](ControlReply r) { out = std::move(r); });
    REQUIRE(out.has_value());  // tests that expect a deferred outcome use pin_async
    return *out;
  }
  std::shared_ptr<std::optional<ControlReply>> pin_async(const std::string& pin, const std::string& name = "") {
    auto out = std::make_shared<std::optional<ControlReply>>();
    pairing->enter_pin(pin, name, [out](ControlReply r) { *out = std::move(r); });
    return out;
  }

  // Runs the io_context until pred() holds (timers), bounded.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  std::string logs() const { return log_lines.str(); }
};

// The client side of pairing (http-pairing.md §5.2–§5.5), as Moonlight computes it.
struct PairingClient {
  std::string cert_pem;
  crypto::Certificate cert;
  crypto::PrivateKey key;
  std::string uniqueid = "0123456789ABCDEF";
  std::string peer = "192.168.1.20";
  std::string pin = "4821";
  std::array<std::uint8_t, 16> salt{};
  std::array<std::uint8_t, 16> cc{};  // client challenge
  std::array<std::uint8_t, 16> cs{};  // client secret
  crypto::Key128 k{};
  std::vector<std::uint8_t> server_response;  // first 32 bytes of D_K(challengeresponse)
  std::vector<std::uint8_t> sc;               // server challenge
  std::optional<crypto::Certificate> plaincert;
  bool pin_matches = false;  // the check Qt/Android do after phase 3

  PairingClient(std::string pem, crypto::Certificate c, crypto::PrivateKey private_key)
      : cert_pem(std::move(pem)), cert(std::move(c)), key(std::move(private_key)) {}

  static PairingClient from_files(const std::string& cert_file, const std::string& key_file) {
    const std::string pem = lightwell::test::read_text(cert_file);
    auto c = crypto::Certificate::from_pem(pem);
    auto pk = crypto::PrivateKey::from_pem(lightwell::test::read_text(key_file));
    REQUIRE(c);
    REQUIRE(pk);
    return PairingClient{pem, std::move(*c), std::move(*pk)};
  }
  static PairingClient generated() {
    auto id = crypto::generate_identity("NVIDIA GameStream Client");
    REQUIRE(id);
    auto c = crypto::Certificate::from_pem(id->cert_pem);
    auto pk = crypto::PrivateKey::from_pem(id->key_pem);
    REQUIRE(c);
    REQUIRE(pk);
    return PairingClient{id->cert_pem, std::move(*c), std::move(*pk)};
  }

  std::string common() const {
    return "uniqueid=" + uniqueid + "&uuid=7d94cf6942bd4fe8af6677e047657351&devicename=roth&updateState=1";
  }
  net::HttpRequest req(const std::string& params) const {
    return Host::request("/pair?" + common() + "&" + params, false, std::nullopt, peer);
  }
  net::HttpRequest phase1() {
    for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(0xA0 + i);
    return req("phrase=getservercert&salt=" + proto::to_hex(salt) + "&clientcert=" + hex_of(cert_pem));
  }
  // Reads plaincert and derives K (phase 1 reply).
  void on_phase1(const std::string& xml) {
    REQUIRE(element(xml, "paired") == "1");
    auto pc = element(xml, "plaincert");
    REQUIRE(pc);
    auto pem = proto::from_hex(*pc, 16384);
    REQUIRE(pem);
    auto parsed = crypto::Certificate::from_pem(std::string(pem->begin(), pem->end()));
    REQUIRE(parsed);
    plaincert = std::move(*parsed);
    std::vector<std::uint8_t> salted(salt.begin(), salt.end());
    salted.insert(salted.end(), pin.begin(), pin.end());
    const auto h = crypto::sha256({salted});
    std::copy_n(h.begin(), 16, k.begin());
  }
  net::HttpRequest phase2() {
    for (std::size_t i = 0; i < cc.size(); ++i) cc[i] = static_cast<std::uint8_t>(0x11 * (i + 1));
    auto enc = crypto::aes_ecb_encrypt(k, cc);
    REQUIRE(enc);
    return req("clientchallenge=" + proto::to_hex(*enc));
  }
  void on_phase2(const std::string& xml) {
    REQUIRE(element(xml, "paired") == "1");
    auto cr = proto::from_hex(element(xml, "challengeresponse").value_or(""), 64);
    REQUIRE(cr);
    REQUIRE(cr->size() == 48);
    auto plain = crypto::aes_ecb_decrypt(k, *cr);
    REQUIRE(plain);
    server_response.assign(plain->begin(), plain->begin() + 32);
    sc.assign(plain->begin() + 32, plain->end());
  }
  net::HttpRequest phase3() {
    for (std::size_t i = 0; i < cs.size(); ++i) cs[i] = static_cast<std::uint8_t>(0x5A ^ i);
    const auto hc = crypto::sha256({sc, cert.signature(), cs});
    auto enc = crypto::aes_ecb_encrypt(k, hc);
    REQUIRE(enc);
    return req("serverchallengeresp=" + proto::to_hex(*enc));
  }
  // The client's checks after phase 3 (§5.4): the signature must verify (else "MITM"); the
  // hash decides whether the PIN was right.
  void on_phase3(const std::string& xml) {
    REQUIRE(element(xml, "paired") == "1");
    auto ps = proto::from_hex(element(xml, "pairingsecret").value_or(""), 1024);
    REQUIRE(ps);
    REQUIRE(ps->size() == 16 + 256);
    const std::vector<std::uint8_t> ss(ps->begin(), ps->begin() + 16);
    const std::vector<std::uint8_t> sig(ps->begin() + 16, ps->end());
    REQUIRE(plaincert->verify_sha256(ss, sig));
    const auto hs = crypto::sha256({cc, plaincert->signature(), ss});
    pin_matches = crypto::equal_constant_time(hs, server_response);
  }
  net::HttpRequest phase4() {
    auto sig = key.sign_sha256(cs);
    REQUIRE(sig);
    std::vector<std::uint8_t> v(cs.begin(), cs.end());
    v.insert(v.end(), sig->begin(), sig->end());
    return req("clientpairingsecret=" + proto::to_hex(v));
  }

  // The whole flow with the PIN typed on the host; returns the phase-4 reply.
  std::string pair_with(Host& host, const std::string& typed_pin, const std::string& name = "") {
    auto held = host.send(phase1());
    REQUIRE_FALSE(held->has_value());  // held until the PIN
    auto outcome = host.pin_async(typed_pin, name);
    REQUIRE(held->has_value());
    on_phase1((*held)->body);
    on_phase2(host.get(phase2()));
    on_phase3(host.get(phase3()));
    return host.get(phase4());
  }

  std::vector<std::uint8_t> der() const { return cert.der(); }
};

}  // namespace nvtest
