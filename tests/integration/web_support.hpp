// Shared by the web page's black-box tests (test_web_*.cpp): a real `lightwell serve` with
// the web page on, a password set through `lightwell admin set-password`, and a WebClient
// (tests/support/web_client.hpp) over real TLS. Test-only; one test thread.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>

#include "integration_support.hpp"
#include "web_client.hpp"

namespace lightwell::test {

inline constexpr const char* kWebPassword = "correct horse battery";

inline LightwellOptions web_options(std::string extra_config = {}) {
  LightwellOptions o;
  o.web_ui = true;
  o.extra_config = std::move(extra_config);
  return o;
}

// Every file of the state directory, name → bytes ("nothing changed" checks).
inline std::map<std::string, std::string> state_snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    out[e.path().lexically_relative(dir).string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

struct WebHost {
  Scenario scenario;
  WebClient web;

  explicit WebHost(LightwellOptions options = web_options())
      : scenario(std::move(options)), web("127.0.0.1", scenario.host().web_port()) {}

  LightwellProcess& host() { return scenario.host(); }

  void set_password(const std::string& password = kWebPassword) {
    const CliResult r = host().cli_with_input({"admin", "set-password"}, password + "\n", std::chrono::seconds(30));
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
  }

  void login() {
    set_password();
    const WebResult r = web.login("admin", kWebPassword);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    REQUIRE(!web.csrf().empty());
  }

  // A client pairs, the PIN is typed on the web page (not the CLI). Returns the client.
  GameStreamClient& pair_through_web(const std::string& name) {
    GameStreamClient& c = scenario.client();
    PairOptions options;
    options.phase1_timeout = std::chrono::seconds(20);
    auto future = std::async(std::launch::async, [&c, options] {
      return c.pair("5678", PairingRandomness::random(), options);
    });
    // The attempt appears on the Pair page (GET /api/pairing) while phase 1 is held.
    std::string pending;
    for (int i = 0; i < 200 && pending.find("\"client_address\"") == std::string::npos; ++i) {
      pending = web.get("/api/pairing").body;
      if (pending.find("\"client_address\"") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO(pending);
    REQUIRE(pending.find("\"client_address\":\"127.0.0.1\"") != std::string::npos);
    REQUIRE(pending.find("\"unique_id\":\"0123456789ABCDEF\"") != std::string::npos);
    const WebResult pin = web.post("/api/pairing/pin", R"({"pin":"5678","name":")" + name + R"("})");
    INFO(pin.describe());
    REQUIRE(pin.status == 200);
    const PairResult result = future.get();
    INFO(c.transcript());
    REQUIRE(result.paired);
    CHECK(pin.body.find("\"ok\":true") != std::string::npos);
    return c;
  }

  std::string app_body(const std::string& name, const std::string& cmd, const std::string& password) const {
    return R"({"name":")" + name + R"(","cmd":")" + cmd + R"(","working_dir":"","prep":[],"detached":[],"password":")" +
           password + R"("})";
  }
};

}  // namespace lightwell::test
