// MediaSession audio on fake backends, on the wire (audio.md §3, §5): one RTP datagram per
// Opus packet (PT 97, sequence +1, millisecond timestamps +packetDuration, both from 0), two
// FEC datagrams (PT 127) after every 4th; the Opus layout handed to the encoder is the one
// DESCRIBE advertised (proto::kDefaultSurroundLayouts, audio.md §2.4–§2.5).
#include <catch2/catch.hpp>

#include "lightwell/server/log.hpp"
#include "test_media_session_fakes.hpp"

using namespace media_test;
using lightwell::server::LogHub;
using lightwell::server::LogLevel;
using lightwell::server::MediaSession;

TEST_CASE("MediaSession audio: data packets every packet, FEC after every 4th, silence included") {
  std::ostringstream text;
  LogHub hub = LogHub::to_stream(text, LogLevel::info);
  Fakes fakes;
  SendSocket video_socket, audio_socket;
  Collector audio;
  MediaSession session(small_config(video_socket.fd(), audio_socket.fd()), fakes.backends(), hub.get("media"), nullptr);
  std::this_thread::sleep_for(100ms);
  CHECK(audio.snapshot().empty());
  CHECK(fakes.audio->reads == 0);

  session.set_audio_destination(audio.endpoint());
  REQUIRE(audio.wait_until([](const auto& ds) { return ds.size() >= 36; }));  // 6 blocks of 4+2
  session.stop();
  const auto got = audio.snapshot();

  std::uint16_t next_seq = 0;
  std::size_t i = 0;
  while (i + 6 <= got.size()) {
    const std::uint16_t base = next_seq;
    for (int k = 0; k < 4; ++k, ++i, ++next_seq) {
      INFO("datagram " << i);
      const auto& d = got[i];
      REQUIRE(d.size() == 12 + kFakeOpusBytes);
      CHECK(d[0] == 0x80);
      CHECK(d[1] == 97);
      CHECK(be16(&d[2]) == next_seq);
      CHECK(be32(&d[4]) == 5u * next_seq);  // milliseconds, +packetDuration
      CHECK(be32(&d[8]) == 0);
      CHECK(Datagram(d.begin() + 12, d.end()) == fake_opus_packet(next_seq));  // silence still encoded and sent
    }
    for (std::uint8_t shard = 0; shard < 2; ++shard, ++i) {
      INFO("FEC datagram " << i);
      const auto& d = got[i];
      REQUIRE(d.size() == 24 + kFakeOpusBytes);  // shard as long as the payloads
      CHECK(d[0] == 0x80);
      CHECK(d[1] == 127);
      CHECK(d[12] == shard);
      CHECK(d[13] == 97);
      CHECK(be16(&d[14]) == base);
      CHECK(be32(&d[16]) == 5u * base);
      CHECK(be32(&d[20]) == 0);
    }
  }
  CHECK(i >= 36);
  CHECK(session.stats().audio_packets >= 24);
  CHECK(session.stats().video_datagrams == 0);  // video never pinged
}

TEST_CASE("MediaSession builds the Opus layout the client was told in DESCRIBE") {
  struct Case {
    std::uint32_t channels;
    bool high;
    std::uint32_t streams, coupled, bitrate;
  };
  const auto c = GENERATE(Case{2, false, 1, 1, 96000}, Case{2, true, 1, 1, 512000}, Case{6, false, 4, 2, 256000},
                          Case{6, true, 6, 0, 1536000}, Case{8, false, 5, 3, 450000}, Case{8, true, 8, 0, 2048000});
  std::ostringstream text;
  LogHub hub = LogHub::to_stream(text, LogLevel::info);
  Fakes fakes;
  SendSocket s;
  auto config = small_config(s.fd(), s.fd());
  config.params.audio_channels = c.channels;
  config.high_quality_audio = c.high;
  MediaSession session(config, fakes.backends(), hub.get("media"), nullptr);
  REQUIRE(fakes.audio->config);
  const auto& opus = *fakes.audio->config;
  INFO("channels " << c.channels << " high " << c.high);
  CHECK(opus.channels == c.channels);
  CHECK(opus.streams == c.streams);
  CHECK(opus.coupled_streams == c.coupled);
  CHECK(opus.bitrate_bps == c.bitrate);
  CHECK(opus.packet_duration_ms == 5);
  for (std::uint8_t k = 0; k < c.channels; ++k) CHECK(opus.mapping[k] == k);  // identity (audio.md §2.5)
  CHECK(fakes.audio->source_channels == c.channels);
}
