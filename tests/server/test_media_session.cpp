// MediaSession on fake backends, observed on the wire: nothing before the ping-learned
// destination, then frames whose headers follow video.md §3/§4/§6 and whose data shards
// reassemble into exactly the encoder's bitstream; IDR on request; RFI → frame type 5 when the
// encoder can invalidate (video.md §8); prompt stop; one fatal report.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include "lightwell/proto/control_feedback.hpp"
#include "lightwell/server/log.hpp"
#include "test_media_session_fakes.hpp"

using namespace media_test;
using lightwell::server::LogHub;
using lightwell::server::LogLevel;
using lightwell::server::MediaSession;

namespace {

std::vector<VideoPacket> parse_all(const std::vector<Datagram>& ds) {
  std::vector<VideoPacket> out;
  for (const auto& d : ds) {
    REQUIRE(d.size() == 1024 + 16);  // every datagram is exactly S = P + 16 (video.md §3)
    out.push_back(parse_video(d));
  }
  return out;
}

std::size_t complete_frames(const std::vector<Datagram>& ds) { return reassemble(parse_all(ds)).size(); }

struct Harness {
  std::ostringstream log_text;
  LogHub hub = LogHub::to_stream(log_text, LogLevel::debug);
  Fakes fakes;
  SendSocket video_socket, audio_socket;
  Collector video, audio;
  std::atomic<int> fatal_calls{0};
  std::atomic<std::uint32_t> fatal_code{0};
  std::unique_ptr<MediaSession> session;

  lightwell::server::MediaSessionConfig config;

  // small_config on this harness's sockets, adjusted by `tweak`.
  explicit Harness(const std::function<void(lightwell::server::MediaSessionConfig&)>& tweak = {}) {
    config = small_config(video_socket.fd(), audio_socket.fd());
    if (tweak) tweak(config);
    session = std::make_unique<MediaSession>(config, fakes.backends(), hub.get("media"),
                                             [this](std::uint32_t code, std::string) {
                                               fatal_code = code;
                                               ++fatal_calls;
                                             });
  }
};

}  // namespace

TEST_CASE("MediaSession sends nothing before a destination is known, then starts with an IDR") {
  Harness h;
  std::this_thread::sleep_for(200ms);
  CHECK(h.video.snapshot().empty());
  CHECK(h.audio.snapshot().empty());
  CHECK(h.fakes.video->captures == 0);  // the video thread waits, it does not capture
  CHECK(h.fakes.audio->reads == 0);

  h.session->set_video_destination(h.video.endpoint());
  REQUIRE(h.video.wait_until([](const auto& ds) { return complete_frames(ds) >= 1; }));
  CHECK(h.audio.snapshot().empty());  // audio still waits for its own ping
  const auto frames = reassemble(parse_all(h.video.snapshot()));
  CHECK(frames[0].index == 1);
  CHECK(frames[0].frame_type == 2);
  const auto decoded = decode_fake_bitstream(frames[0].bitstream);
  REQUIRE(decoded);
  CHECK(decoded->second);  // the encoder really produced an IDR
}

TEST_CASE("MediaSession video datagrams follow video.md §3/§4/§6 and reassemble into the bitstream") {
  Harness h;
  // The encoder got its configuration from the ANNOUNCE values and the host's bitrate.
  REQUIRE(h.fakes.video->config);
  CHECK(h.fakes.video->config->width_px == 64);
  CHECK(h.fakes.video->config->frame_rate_x100 == 6000);
  CHECK(h.fakes.video->config->bitrate_kbps == 1500);
  CHECK(h.fakes.video->config->codec == lightwell::encode::Codec::h264);

  h.session->set_video_destination(h.video.endpoint());
  REQUIRE(h.video.wait_until([](const auto& ds) { return complete_frames(ds) >= 12; }));
  const auto packets = parse_all(h.video.snapshot());

  // RTP: 0x90, sequence numbers consecutive from 0 over data and parity (video.md §6).
  for (std::size_t i = 0; i < packets.size(); ++i) {
    INFO("datagram " << i);
    CHECK(packets[i].rtp_flags == 0x90);
    CHECK(packets[i].seq == static_cast<std::uint16_t>(i));
    if (packets[i].is_data()) {
      // Parity shards carry RS output in the fields covered by parity (video.md §5.5).
      CHECK(packets[i].multi_fec_flags == 0x10);
      CHECK(packets[i].stream_packet_index == (i << 8));
      CHECK((packets[i].flags & 0x01) == 0x01);
    }
    // D ≤ 3 data shards per frame here, 20 % FEC with 2 minimum parity shards (video.md §5.3).
    CHECK(packets[i].data_shards >= 1);
    CHECK((packets[i].data_shards * packets[i].fec_pct + 99) / 100 == 2);
  }

  const auto frames = reassemble(packets);
  REQUIRE(frames.size() >= 12);
  std::uint64_t previous_sequence = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    CHECK(frames[i].index == i + 1);  // starts at 1, consecutive
    CHECK(frames[i].header_type == 0x01);
    CHECK(frames[i].frame_type == (i == 0 ? 2 : 1));
    // 3 ms pretended capture age: the header carries capture → packetize in 100 µs units.
    CHECK(frames[i].latency_100us >= 30);
    CHECK(frames[i].latency_100us < 65535);
    const auto decoded = decode_fake_bitstream(frames[i].bitstream);
    REQUIRE(decoded);
    CHECK(frames[i].bitstream == fake_bitstream(decoded->first, decoded->second));
    CHECK(decoded->first > previous_sequence);
    previous_sequence = decoded->first;
    if (i > 0) CHECK(frames[i].timestamp != frames[i - 1].timestamp);
  }
  // Every packet of a frame carries the frame's timestamp.
  for (const auto& p : packets) {
    if (p.frame_index == frames[1].index) CHECK(p.timestamp == frames[1].timestamp);
  }
  const auto stats = h.session->stats();
  CHECK(stats.frames_sent >= 12);
  CHECK(stats.idr_frames >= 1);
  CHECK(stats.video_datagrams >= packets.size());
  CHECK(stats.last_latency_100us >= 30);
  CHECK(stats.send_errors == 0);
}

TEST_CASE("MediaSession request_idr makes the next frame an IDR from the encoder") {
  Harness h;
  h.session->set_video_destination(h.video.endpoint());
  REQUIRE(h.video.wait_until([](const auto& ds) { return complete_frames(ds) >= 5; }));
  const auto forced_before = h.fakes.video->forced_idrs.load();
  const std::size_t frames_before = complete_frames(h.video.snapshot());
  h.session->request_idr();
  REQUIRE(h.video.wait_until([&](const auto& ds) {
    const auto frames = reassemble(parse_all(ds));
    for (std::size_t i = frames_before; i < frames.size(); ++i) {
      if (frames[i].frame_type == 2) return true;
    }
    return false;
  }));
  CHECK(h.fakes.video->forced_idrs > forced_before);
  const auto frames = reassemble(parse_all(h.video.snapshot()));
  for (const auto& f : frames) {
    const auto decoded = decode_fake_bitstream(f.bitstream);
    REQUIRE(decoded);
    CHECK((f.frame_type == 2) == decoded->second);  // type 2 exactly for the encoder's IDRs
  }
}

TEST_CASE("MediaSession reference invalidation: type 5 when the encoder can, IDR when it cannot") {
  const bool can = GENERATE(true, false);
  Harness h;
  h.fakes.video->can_invalidate = can;
  h.session->set_video_destination(h.video.endpoint());
  REQUIRE(h.video.wait_until([](const auto& ds) { return complete_frames(ds) >= 5; }));
  const auto frames_before = reassemble(parse_all(h.video.snapshot()));
  const auto seq_of = [&](std::uint32_t index) { return decode_fake_bitstream(frames_before[index - 1].bitstream)->first; };
  h.session->invalidate_references(3, 4);
  const std::uint8_t expected_type = can ? 5 : 2;
  REQUIRE(h.video.wait_until([&](const auto& ds) {
    const auto frames = reassemble(parse_all(ds));
    for (std::size_t i = frames_before.size(); i < frames.size(); ++i) {
      if (frames[i].frame_type == expected_type) return true;
    }
    return false;
  }));
  if (can) {
    std::lock_guard lock(h.fakes.video->mutex);
    REQUIRE(h.fakes.video->invalidations.size() == 1);
    CHECK(h.fakes.video->invalidations[0] == std::make_pair(seq_of(3), seq_of(4)));
  }
}

TEST_CASE("MediaSession stop() joins promptly with and without destinations") {
  SECTION("never pinged") {
    Harness h;
    const auto start = std::chrono::steady_clock::now();
    h.session->stop();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    h.session->stop();  // idempotent
  }
  SECTION("streaming") {
    Harness h;
    h.session->set_video_destination(h.video.endpoint());
    h.session->set_audio_destination(h.audio.endpoint());
    REQUIRE(h.video.wait_until([](const auto& ds) { return complete_frames(ds) >= 3; }));
    REQUIRE(h.audio.wait_until([](const auto& ds) { return ds.size() >= 6; }));
    const auto start = std::chrono::steady_clock::now();
    h.session.reset();  // the destructor stops
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    // Nothing more is sent after stop.
    const auto count = h.video.snapshot().size();
    std::this_thread::sleep_for(100ms);
    CHECK(h.video.snapshot().size() == count);
  }
}

TEST_CASE("MediaSession reports a failing encoder once and goes quiet") {
  Harness h;
  h.fakes.video->fail_encode_at = 4;
  h.fakes.audio->fail_encode = true;  // a second failure on another thread: still one report
  h.session->set_video_destination(h.video.endpoint());
  h.session->set_audio_destination(h.audio.endpoint());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.fatal_calls == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(h.fatal_calls >= 1);
  std::this_thread::sleep_for(200ms);
  CHECK(h.fatal_calls == 1);
  const auto encodes = h.fakes.video->encodes.load();
  std::this_thread::sleep_for(100ms);
  CHECK(h.fakes.video->encodes == encodes);  // threads idle after the failure
  h.session->stop();
  CHECK(h.fatal_calls == 1);
}

TEST_CASE("MediaSession video encoder failure uses the encoder-failure termination code") {
  Harness h;
  h.fakes.video->fail_encode_at = 2;
  h.session->set_video_destination(h.video.endpoint());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.fatal_calls == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(h.fatal_calls == 1);
  CHECK(h.fatal_code == lightwell::proto::kTerminationFrameConversionFailed);
}

TEST_CASE("MediaSession refuses what it cannot stream at construction") {
  std::ostringstream text;
  LogHub hub = LogHub::to_stream(text, LogLevel::info);
  Fakes fakes;
  SendSocket s;
  auto config = small_config(s.fd(), s.fd());
  SECTION("HEVC and AV1 are no longer refused: the encoder is asked for the negotiated codec") {
    config.params.codec = lightwell::proto::VideoCodec::hevc;
    { MediaSession hevc(config, fakes.backends(), hub.get("media"), nullptr); }
    REQUIRE(fakes.video->config.has_value());
    CHECK(fakes.video->config->codec == lightwell::encode::Codec::hevc);
    config.params.codec = lightwell::proto::VideoCodec::av1;
    { MediaSession av1(config, fakes.backends(), hub.get("media"), nullptr); }
    CHECK(fakes.video->config->codec == lightwell::encode::Codec::av1);
  }
  SECTION("a backend that refuses") {
    auto backends = fakes.backends();
    backends.video_encoder = [](const lightwell::encode::EncoderConfig&) -> std::unique_ptr<lightwell::encode::VideoEncoder> {
      throw std::runtime_error("x264 says no");
    };
    CHECK_THROWS_WITH(MediaSession(config, backends, hub.get("media"), nullptr), Catch::Contains("x264 says no"));
    backends = fakes.backends();
    backends.audio_source = nullptr;
    CHECK_THROWS_AS(MediaSession(config, backends, hub.get("media"), nullptr), std::runtime_error);
  }
  SECTION("an audio rate that cannot fit a datagram") {
    config.params.audio_channels = 6;
    config.high_quality_audio = true;  // 1536 kbps × 10 ms = 1920 bytes > 1376
    config.params.audio_packet_duration_ms = 10;
    CHECK_THROWS_AS(MediaSession(config, fakes.backends(), hub.get("media"), nullptr), std::runtime_error);
  }
}

namespace media_test {

CapturedStream capture_encrypted_stream(std::size_t video_datagrams, std::size_t audio_datagrams) {
  Harness h([](lightwell::server::MediaSessionConfig& c) {
    c.params.encryption_enabled = lightwell::proto::kEncVideo | lightwell::proto::kEncAudio;
    c.params.packet_size_bytes = 1024 - 32;  // the client subtracts 32 when encrypting (video.md §3)
  });
  const auto& config = h.config;
  h.session->set_video_destination(h.video.endpoint());
  h.session->set_audio_destination(h.audio.endpoint());
  REQUIRE(h.video.wait_until([&](const auto& ds) { return ds.size() >= video_datagrams; }));
  REQUIRE(h.audio.wait_until([&](const auto& ds) { return ds.size() >= audio_datagrams; }));
  h.session->stop();
  CapturedStream out;
  out.video = h.video.snapshot();
  out.audio = h.audio.snapshot();
  out.key = config.rikey;
  out.rikeyid = config.rikeyid;
  out.packet_size = config.params.packet_size_bytes;
  return out;
}

}  // namespace media_test

TEST_CASE("MediaSession runs three named threads, gone after stop") {
  const auto thread_names = [] {
    std::multiset<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(entry.path() / "comm");
      std::string name;
      std::getline(comm, name);
      names.insert(name);
    }
    return names;
  };
  const auto before = thread_names();
  Harness h;
  // Each thread names itself first thing; give them a moment (bounded) to get there.
  auto during = thread_names();
  const auto all_named = [&] {
    for (const char* n : {"video", "video-send", "audio"}) {
      if (during.count(n) == before.count(n)) return false;
    }
    return true;
  };
  for (int i = 0; i < 500 && !all_named(); ++i) {
    std::this_thread::sleep_for(10ms);
    during = thread_names();
  }
  CHECK(during.count("video") == before.count("video") + 1);
  CHECK(during.count("video-send") == before.count("video-send") + 1);
  CHECK(during.count("audio") == before.count("audio") + 1);
  h.session->stop();
  const auto after = thread_names();
  CHECK(after.count("video") == before.count("video"));
  CHECK(after.count("video-send") == before.count("video-send"));
  CHECK(after.count("audio") == before.count("audio"));
}
