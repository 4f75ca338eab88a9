// Shared pieces of the black-box integration tests: a Scenario owns one real `lightwell serve`
// (tests/support/lightwell_process.hpp) and the test clients talking to it, and registers
// itself so that the first failed assertion of a test prints every client's transcript
// (requests, XML received) and the server's log (diagnostics_listener.cpp).
//
// Thread rules: a Scenario belongs to its test's thread; pair_via_cli runs the client's
// pairing on a second thread while this one enters the PIN.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "gamestream_client.hpp"
#include "lightwell_process.hpp"

namespace lightwell::test {

using namespace std::chrono_literals;

// Providers of failure context, registered by live Scenarios (test-only; one test thread).
inline std::vector<std::function<std::string()>>& diagnostics_providers() {
  static std::vector<std::function<std::string()>> providers;
  return providers;
}

struct PairRun {
  PairResult result;
  CliResult cli;  // the last `lightwell pair` run
};

class Scenario {
 public:
  explicit Scenario(LightwellOptions options = {}) : host_(std::move(options)) {
    host_.start();  // throws with the server's log if it does not come up
    diagnostics_providers().push_back([this] { return diagnostics(); });
  }
  ~Scenario() { diagnostics_providers().pop_back(); }
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  LightwellProcess& host() { return host_; }

  // A new client with a fresh Moonlight-shaped identity (or the one given).
  GameStreamClient& client(const std::string& uniqueid = "0123456789ABCDEF",
                           std::optional<ClientIdentity> identity = std::nullopt) {
    if (!identity) {
      auto made = make_client_identity();
      REQUIRE(made);
      identity = std::move(*made);
    }
    clients_.emplace_back(host_.address(), std::move(*identity), uniqueid);
    return clients_.back();
  }

  // Pairs like a user does: the client starts pairing (phase 1 is held), the user types the
  // PIN on the host with `lightwell pair host_pin --name name`; the client goes on with
  // phases 2–5 by itself. `lightwell pair` is retried while the server has no attempt yet.
  PairRun pair_via_cli(GameStreamClient& c, const std::string& client_pin, const std::string& host_pin,
                       const std::string& name, PairOptions options = {}) {
    options.phase1_timeout = 10s;
    auto future = std::async(std::launch::async, [&c, client_pin, options] {
      return c.pair(client_pin, PairingRandomness::random(), options);
    });
    PairRun run;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      run.cli = host_.cli(name.empty() ? std::vector<std::string>{"pair", host_pin}
                                       : std::vector<std::string>{"pair", host_pin, "--name", name});
      const bool not_yet = run.cli.exit_code == 1 &&
                           run.cli.output.find("no pairing attempt pending") != std::string::npos;
      if (!not_yet || std::chrono::steady_clock::now() >= deadline ||
          future.wait_for(0s) == std::future_status::ready) {
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    run.result = future.get();
    c.note("lightwell pair " + host_pin + ": " + run.cli.describe());
    return run;
  }

  // `lightwell clients list` output (exit code checked).
  std::string clients_list() {
    const CliResult r = host_.cli({"clients", "list"});
    CHECK(r.exit_code == 0);
    return r.output;
  }

  std::string diagnostics() const {
    std::string out = "==== integration diagnostics (base port " + std::to_string(host_.base_port()) + ") ====\n";
    int i = 0;
    for (const auto& c : clients_) {
      out += "---- client " + std::to_string(i++) + " (uniqueid " + c.uniqueid() + ") transcript ----\n" + c.transcript();
    }
    return out + host_.diagnostics();
  }

 private:
  LightwellProcess host_;
  std::deque<GameStreamClient> clients_;  // deque: references stay valid
};

// The client rows of `lightwell clients list` (each starts with the 16-hex-digit id,
// docs/cli.md); log lines the CLI may print are skipped.
inline std::vector<std::string> paired_rows(const std::string& list_output) {
  std::vector<std::string> rows;
  std::size_t start = 0;
  while (start < list_output.size()) {
    auto end = list_output.find('\n', start);
    if (end == std::string::npos) end = list_output.size();
    const std::string line = list_output.substr(start, end - start);
    start = end + 1;
    if (line.size() > 18 && line.compare(16, 2, "  ") == 0 &&
        line.find_first_not_of("0123456789abcdef") == 16) {
      rows.push_back(line);
    }
  }
  return rows;
}

// Convenience for checks on XML fields.
inline std::string field(const XmlReply& x, std::string_view tag) { return x.text(tag).value_or("(absent)"); }

}  // namespace lightwell::test
