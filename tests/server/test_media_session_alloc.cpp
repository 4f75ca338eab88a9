// "After warm-up the hot path does not allocate" (design.md "Threads", docs/media-path.md),
// made checkable for a whole MediaSession: test_media_session_alloc_counter.cpp replaces the global operator new/delete of
// tests_server with thin malloc/free wrappers that count calls (transparent for every other
// test). While a session streams video and audio to sockets nobody reads (so no test thread
// allocates), the count must not move. Under AddressSanitizer (which owns operator new/delete)
// the file compiles to nothing; the normal build runs it.
#include <catch2/catch.hpp>


#include "lightwell/server/log.hpp"
#include "test_media_session_fakes.hpp"

#if !defined(__SANITIZE_ADDRESS__)

// Allocations so far in this process (test_media_session_alloc_counter.cpp, kept apart so no
// Asio code is inlined next to the replaced operator delete).
std::size_t media_test_allocation_count() noexcept;

using namespace media_test;

TEST_CASE("MediaSession streams without allocating after warm-up") {
  std::ostringstream text;
  auto hub = lightwell::server::LogHub::to_stream(text, lightwell::server::LogLevel::info);
  Fakes fakes;
  SendSocket video_socket, audio_socket, sink;  // sink: bound, never read
  lightwell::server::MediaSession session(small_config(video_socket.fd(), audio_socket.fd()), fakes.backends(),
                                          hub.get("media"), nullptr);
  session.set_video_destination(sink.socket.local_endpoint());
  session.set_audio_destination(sink.socket.local_endpoint());
  // Warm-up: the first frames of every size class, FEC shapes, the first audio blocks, the
  // start-up log lines.
  const auto warm = std::chrono::steady_clock::now() + 10s;
  while ((session.stats().frames_sent < 30 || session.stats().audio_packets < 40) &&
         std::chrono::steady_clock::now() < warm) {
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(session.stats().frames_sent >= 30);
  const auto before_stats = session.stats();
  const std::size_t before = media_test_allocation_count();
  std::this_thread::sleep_for(300ms);
  const std::size_t after = media_test_allocation_count();
  const auto after_stats = session.stats();
  session.stop();
  CHECK(after_stats.frames_sent > before_stats.frames_sent);    // it really streamed meanwhile
  CHECK(after_stats.audio_packets > before_stats.audio_packets);
  CHECK(after - before == 0);
  CHECK(media_test_allocation_count() > 0);  // the counter is live
}

#endif
