// The web page's live Session view while the project's test client streams (docs/web.md):
// GET /api/stream and the server-sent events of /api/events carry the running stream's
// figures. Black box: real `lightwell serve`, real TLS, the stream client of issue 4.
#include <catch2/catch.hpp>

#include "streaming_support.hpp"
#include "web_support.hpp"

using namespace lightwell::test;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("web: the event stream delivers a stream event while a client streams", "[integration][web][streaming]") {
  Streaming s(web_options());
  const CliResult set = s.scenario.host().cli_with_input({"admin", "set-password"}, std::string(kWebPassword) + "\n",
                                                         std::chrono::seconds(30));
  REQUIRE(set.exit_code == 0);
  WebClient web("127.0.0.1", s.scenario.host().web_port());
  REQUIRE(web.login("admin", kWebPassword).status == 200);

  // Not streaming yet: the first event says so.
  const std::string idle = web.read_events_until("\"active\":false", std::chrono::seconds(10));
  INFO(idle);
  CHECK(contains(idle, "HTTP/1.1 200"));
  CHECK(contains(idle, "text/event-stream"));
  CHECK(contains(idle, "frame-ancestors 'none'"));
  CHECK(contains(idle, "event: stream\ndata: {\"active\":false}"));

  StreamClient sc(s.start(false, 1));
  sc.handshake();
  sc.start_streaming();
  INFO(stream_failure(s, sc));
  REQUIRE(sc.wait_for_frames(30, std::chrono::seconds(20)) >= 30);

  const std::string events = web.read_events_until("\"frames_sent\":", std::chrono::seconds(15));
  INFO(events);
  CHECK(contains(events, "event: stream\ndata: {\"active\":true"));
  CHECK(contains(events, "\"width\":1280,\"height\":720,\"fps\":60"));
  CHECK(contains(events, "\"codec\":\"H.264\""));
  CHECK(contains(events, "\"client\":\"streamer\""));
  CHECK(contains(events, "\"client_address\":\"127.0.0.1\""));
  CHECK(contains(events, "\"app\":\"Desktop\""));
  CHECK(contains(events, "\"host_latency_ms\":{\"p50\":"));

  const WebResult now = web.get("/api/stream");
  INFO(now.describe());
  REQUIRE(now.status == 200);
  CHECK(contains(now.body, "\"active\":true"));
  CHECK_FALSE(contains(now.body, "\"frames_sent\":0,"));
  CHECK_FALSE(contains(now.body, "\"bitrate_kbps\":0,"));

  // One connection carries event after event (the page's graph needs them every 500 ms);
  // it must not end after the first write. Read for 6 s: a needle that never comes.
  const std::string long_read = web.read_events_until("(never sent)", std::chrono::seconds(6));
  std::size_t stream_events = 0;
  for (auto at = long_read.find("event: stream\n"); at != std::string::npos;
       at = long_read.find("event: stream\n", at + 1)) {
    ++stream_events;
  }
  INFO(long_read);
  CHECK(stream_events >= 3);
  sc.disconnect();
}
