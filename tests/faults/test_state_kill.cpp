// Issue 10 "Faults and loss": SIGKILL of the server while it writes state, many times over;
// the next start must read valid state and no paired client is ever lost.
//
// Each round starts the real `lightwell serve` on the same state directory, checks what it
// lists against what was acknowledged so far, then pairs and unpairs clients back to back
// (each pairing and each unpair rewrites clients.json through write_file_atomic: temp file,
// fsync, rename, fsync of the directory) while the test SIGKILLs the server at a random moment.
// Acknowledged means: the client got paired=1 in the last pairing phase, or `lightwell clients
// unpair` exited 0. An operation cut by the kill may have happened or not; the next round
// learns which from the list. Two clients paired in the first round are never touched again:
// they must be there after every single kill.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "integration_support.hpp"
#include "lightwell_process.hpp"

namespace lightwell::test {

namespace {

using namespace std::chrono_literals;

enum class Known { unpaired, paired, unknown };

struct Member {
  std::string name;
  std::unique_ptr<GameStreamClient> client;
  Known state = Known::unpaired;
};

bool listed(const std::vector<std::string>& rows, const std::string& name) {
  for (const auto& r : rows) {
    if (r.size() > name.size() + 2 && r.compare(r.size() - name.size() - 2, std::string::npos, "  " + name) == 0) {
      return true;
    }
  }
  return false;
}

int rounds_wanted() {
  if (const char* env = std::getenv("LIGHTWELL_FAULT_KILL_ROUNDS")) return std::max(1, std::atoi(env));
  return 50;
}

}  // namespace

TEST_CASE("SIGKILL while pairing and unpairing: the next start reads valid state, no paired client is lost",
          "[faults][state]") {
  LightwellProcess host;
  constexpr int kMembers = 6;
  constexpr int kStable = 2;  // paired in round 0, never touched again
  std::vector<Member> members;
  for (int i = 0; i < kMembers; ++i) {
    auto identity = make_client_identity();
    REQUIRE(identity);
    members.push_back({"kill-c" + std::to_string(i), nullptr, Known::unpaired});
    members.back().client = std::make_unique<GameStreamClient>(host.address(), std::move(*identity));
  }
  std::mt19937 random(20261122u);
  const int rounds = rounds_wanted();
  int kills_during_ops = 0, acknowledged_pairs = 0, acknowledged_unpairs = 0, cut_ops = 0;

  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round << "\n" << host.diagnostics());
    host.start();
    // 1. What the server reads at start must be what was acknowledged.
    const CliResult list = host.cli({"clients", "list"});
    REQUIRE(list.exit_code == 0);
    const auto rows = paired_rows(list.output);
    INFO("clients list:\n" << list.output);
    for (auto& m : members) {
      const bool present = listed(rows, m.name);
      INFO("client " << m.name);
      if (m.state == Known::paired) CHECK(present);
      if (m.state == Known::unpaired) CHECK_FALSE(present);
      m.state = present ? Known::paired : Known::unpaired;
    }
    // The state files are whole JSON documents, no temporaries left behind after start-up.
    for (const auto& e : std::filesystem::directory_iterator(host.state_dir())) {
      const std::string name = e.path().filename().string();
      CHECK(name.find(".tmp-") == std::string::npos);
    }

    // 2. Round 0 pairs the stable clients without interference.
    if (round == 0) {
      for (int i = 0; i < kStable; ++i) {
        auto pairing = std::async(std::launch::async, [&m = members[static_cast<std::size_t>(i)]] {
          PairOptions o;
          o.phase1_timeout = 15s;
          return m.client->pair("1234", PairingRandomness::random(), o);
        });
        host.enter_pin("1234", members[static_cast<std::size_t>(i)].name, 15s);
        REQUIRE(pairing.get().paired);
        members[static_cast<std::size_t>(i)].state = Known::paired;
      }
      host.stop();
      continue;
    }

    // 3. Pair/unpair the others back to back until the kill.
    std::atomic<bool> killed{false};
    std::mutex model_mutex;
    std::jthread ops([&](std::stop_token stop) {
      std::mt19937 r(static_cast<std::uint32_t>(round) * 7919u);
      while (!stop.stop_requested() && !killed) {
        const auto pick = static_cast<std::size_t>(kStable + static_cast<int>(r() % (kMembers - kStable)));
        Member& m = members[pick];
        Known before;
        {
          std::lock_guard lock(model_mutex);
          before = m.state;
          m.state = Known::unknown;  // in flight
        }
        Known after = Known::unknown;
        if (before == Known::unknown) std::this_thread::sleep_for(10ms);  // cut earlier: the next start tells
        if (before == Known::unpaired) {
          auto pairing = std::async(std::launch::async, [&m] {
            PairOptions o;
            o.phase1_timeout = 5s;
            o.phase_timeout = 3s;
            return m.client->pair("5678", PairingRandomness::random(), o);
          });
          host.enter_pin("5678", m.name, 3s);
          if (pairing.get().paired) after = Known::paired;
        } else if (before == Known::paired) {
          if (host.cli({"clients", "unpair", m.name}, 5s).exit_code == 0) after = Known::unpaired;
        }
        std::lock_guard lock(model_mutex);
        m.state = after;
        if (after == Known::paired) ++acknowledged_pairs;
        if (after == Known::unpaired) ++acknowledged_unpairs;
        if (after == Known::unknown) ++cut_ops;
      }
    });
    std::uniform_int_distribution<int> delay_ms(0, 700);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    // Never kill(-1, …): pid() is −1 once the server was reaped (e.g. if it crashed by itself).
    const pid_t server = host.pid();
    REQUIRE(server > 0);
    ::kill(server, SIGKILL);
    killed = true;
    ++kills_during_ops;
    ops.request_stop();
    ops.join();
    const auto reap_deadline = std::chrono::steady_clock::now() + 5s;
    while (host.running() && std::chrono::steady_clock::now() < reap_deadline) std::this_thread::sleep_for(5ms);
    REQUIRE_FALSE(host.running());
  }
  // The last kill is checked too.
  host.start();
  const CliResult list = host.cli({"clients", "list"});
  REQUIRE(list.exit_code == 0);
  const auto rows = paired_rows(list.output);
  for (const auto& m : members) {
    INFO("client " << m.name << "\n" << list.output);
    if (m.state == Known::paired) CHECK(listed(rows, m.name));
    if (m.state == Known::unpaired) CHECK_FALSE(listed(rows, m.name));
  }
  for (int i = 0; i < kStable; ++i) CHECK(listed(rows, members[static_cast<std::size_t>(i)].name));
  // The stable clients still get in with their pinned certificates.
  CHECK(members[0].client->serverinfo_https().text("PairStatus") == "1");
  std::cout << "state kill test: " << rounds << " rounds, " << kills_during_ops << " SIGKILLs mid-operation, "
            << acknowledged_pairs << " pairings and " << acknowledged_unpairs << " unpairs acknowledged, " << cut_ops
            << " operations cut by a kill\n";
  CHECK(acknowledged_pairs + acknowledged_unpairs > rounds / 2);  // the kills really hit a busy server
}

}  // namespace lightwell::test
