// Shared by the streaming integration tests (test_streaming.cpp, test_audio_pipewire.cpp): a
// real `lightwell serve` with one paired client, /launch of the Desktop app, and failure
// context. Test-only; one test thread.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "integration_support.hpp"
#include "stream_client.hpp"

namespace lightwell::test {

struct Streaming {
  Scenario scenario;
  GameStreamClient* client = nullptr;
  long long desktop = 0;

  explicit Streaming(LightwellOptions options = {}) : scenario(std::move(options)) {
    client = &scenario.client();
    const PairRun run = scenario.pair_via_cli(*client, "4321", "4321", "streamer");
    REQUIRE(run.result.paired);
    for (const auto& app : parse_applist(client->applist())) {
      if (app.title == "Desktop") desktop = app.id;
    }
    REQUIRE(desktop != 0);
  }

  // /launch (or /resume) with fresh keys; returns stream client options for it.
  StreamClientOptions start(bool resume, int corever, std::uint32_t surround_audio_info = 196610) {
    LaunchParams launch;
    launch.appid = desktop;
    launch.mode = "1280x720x60";
    launch.rikey = random_secret();
    launch.rikeyid = 0x1234567;
    launch.corever = corever;
    launch.surround_audio_info = surround_audio_info;
    const XmlReply reply = resume ? client->resume(launch) : client->launch(launch);
    REQUIRE(reply.ok());
    StreamClientOptions o;
    o.host = "127.0.0.1";
    o.rtsp_port = scenario.host().rtsp_port();
    o.session_url = field(reply, "sessionUrl0");
    o.rikey = launch.rikey;
    o.rikeyid = launch.rikeyid;
    o.width_px = 1280;
    o.height_px = 720;
    o.fps = 60;
    o.bitrate_kbps = 10000;
    return o;
  }
};

inline std::string stream_failure(const Streaming& s, const StreamClient& sc) {
  return "client transcript:\n" + sc.transcript() + "\n" + s.scenario.diagnostics();
}

inline bool server_log_has(Streaming& s, const std::string& text, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (s.scenario.host().log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return s.scenario.host().log().find(text) != std::string::npos;
}

}  // namespace lightwell::test
