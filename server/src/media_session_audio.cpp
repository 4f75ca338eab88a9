// The "audio" thread: every packet_duration_ms on absolute deadlines, AudioSource → Opus →
// AudioPacketizer (4+2 FEC) → AudioEncryptor → send (audio.md §3–§6).
#include <string>

#include "lightwell/proto/control_feedback.hpp"
#include "media_session_internal.hpp"

namespace lightwell::server {

namespace {

using Clock = std::chrono::steady_clock;

// Audio may catch up after a short stall (the client's jitter buffer absorbs a small burst,
// and dropping audio is audible) but not after a long one: beyond this lateness the schedule
// skips ahead. Sequence numbers and timestamps stay continuous either way (audio.md §6).
constexpr std::chrono::milliseconds kMaxAudioCatchUp{100};
// A source that keeps failing after being rebuilt, or a packetizer that keeps refusing packets.
constexpr int kMaxConsecutiveAudioFailures = 3;

}  // namespace

void MediaSession::Impl::run_audio(std::stop_token stop) {
  name_this_thread("audio");
  if (!wait_destination(stop, false)) return;
  log.info("audio: {} channels, {} streams / {} coupled, {} kbps, {} ms packets{}", opus.channels, opus.streams,
           opus.coupled_streams, opus.bitrate_bps / 1000, opus.packet_duration_ms,
           config.params.audio_encrypted() ? ", encrypted" : "");

  // Signed arithmetic throughout: `now - deadline` is negative while we are early, and an
  // unsigned tick count would turn that into a huge "lateness" (and a send loop without sleep).
  const std::chrono::nanoseconds duration = std::chrono::milliseconds(opus.packet_duration_ms);
  const Clock::time_point t0 = Clock::now();
  std::int64_t k = 0;
  int source_failures = 0;
  int packet_failures = 0;
  std::uint64_t send_error_reports = 0;
  while (!stop.stop_requested() && !failed()) {
    auto deadline = t0 + duration * k;
    const auto now = Clock::now();
    if (now - deadline > kMaxAudioCatchUp) {
      k = (now - t0) / duration;
      deadline = t0 + duration * k;
    }
    if (!sleep_until(stop, deadline)) break;
    ++k;

    // ok and silence both give a full buffer: silence is sent too (audio.md §6).
    if (audio_source->read(pcm, std::chrono::milliseconds(opus.packet_duration_ms)) == audio::AudioStatus::error) {
      // The source is gone (e.g. PipeWire restarted): rebuild it; give up if that keeps failing.
      std::unique_ptr<audio::AudioSource> rebuilt;
      if (++source_failures < kMaxConsecutiveAudioFailures) {
        try {
          rebuilt = backends.audio_source(opus.channels, log);
        } catch (const std::exception& e) {
          log.warn("audio: rebuilding the source failed: {}", e.what());
        }
      }
      if (!rebuilt) {
        fatal(proto::kTerminationGraceful, "audio capture failed (" + std::string(audio_source->name()) + ")");
        break;
      }
      log.info("audio: capture source {} rebuilt", rebuilt->name());
      audio_source = std::move(rebuilt);
      continue;
    }
    source_failures = 0;

    const int bytes = audio_encoder->encode(pcm, opus_packet);
    if (bytes <= 0) {
      fatal(proto::kTerminationGraceful, "audio encoder failed (Opus error " + std::to_string(bytes) + ")");
      break;
    }
    const auto to = destination(false);
    if (!to) continue;
    const auto result =
        audio_send->send(std::span<const std::uint8_t>(opus_packet.data(), static_cast<std::size_t>(bytes)), *to);
    if (!result.packetized) {
      log.warn("audio: packet of {} bytes not sent: {}", bytes, result.error);
      if (++packet_failures >= kMaxConsecutiveAudioFailures) {
        fatal(proto::kTerminationGraceful, "audio packetizer keeps failing: " + result.error);
        break;
      }
      continue;
    }
    packet_failures = 0;
    counters.audio_packets.fetch_add(1, std::memory_order_relaxed);
    if (result.outcome.dropped_datagrams > 0) {
      counters.send_errors.fetch_add(result.outcome.dropped_datagrams, std::memory_order_relaxed);
      if (send_error_reports++ % 1000 == 0) {
        log.warn("audio: {} datagram(s) not sent (errno {})", result.outcome.dropped_datagrams,
                 result.outcome.last_errno);
      }
    }
  }
  idle_until_stop(stop);
}

}  // namespace lightwell::server
