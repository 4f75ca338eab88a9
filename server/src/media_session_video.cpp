// The "video" thread (capture → encode on absolute deadlines → bounded queue) and the
// "video-send" thread (queue → packetize/encrypt/send, paced over 80 % of the frame
// interval). docs/media-path.md explains the design; media_session.hpp the contract.
#include <array>
#include <cstring>
#include <utility>
#include <string>

#include "lightwell/proto/control_feedback.hpp"
#include "media_session_internal.hpp"

namespace lightwell::server {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// A frame that cannot be packetized is dropped and replaced by an IDR; if that keeps failing
// the stream is beyond repair (e.g. IDRs too large for the client's 1023-shard blocks).
constexpr int kMaxConsecutivePacketizeFailures = 3;

// Capture outages (issue 10, docs/media-path.md): a source that fails is rebuilt every
// kCaptureRetry; the session ends only when no frame came for kCaptureOutageLimit (the same
// 10 s in which a vanished client is freed), so a compositor restart or a display that comes
// back does not end the stream.
constexpr auto kCaptureRetry = std::chrono::milliseconds(250);
constexpr auto kCaptureOutageLimit = std::chrono::seconds(10);

// Offset of frame k from the stream's start: k × 1e11 / fps_x100 ns, exact (no accumulated
// rounding at NTSC rates such as 5994) and without overflow for years of frames.
nanoseconds frame_offset(std::uint64_t k, std::uint32_t fps_x100) {
  constexpr std::uint64_t kNsPer100Frames = 100'000'000'000ULL;
  return nanoseconds(static_cast<std::int64_t>((k / fps_x100) * kNsPer100Frames + (k % fps_x100) * kNsPer100Frames / fps_x100));
}

// The index of the last deadline at or before `now`.
std::uint64_t frame_at(Clock::time_point t0, Clock::time_point now, std::uint32_t fps_x100, nanoseconds interval) {
  if (now <= t0) return 0;
  std::uint64_t k = static_cast<std::uint64_t>((now - t0) / interval);
  while (k > 0 && t0 + frame_offset(k, fps_x100) > now) --k;
  while (t0 + frame_offset(k + 1, fps_x100) <= now) ++k;
  return k;
}

// 90 kHz ticks since the stream's epoch (video.md §3.1), wrapping at 32 bits.
std::uint32_t rtp_timestamp(Clock::time_point epoch, Clock::time_point at) {
  const std::int64_t ns = std::chrono::duration_cast<nanoseconds>(at - epoch).count();
  const std::int64_t ticks = ns / 100'000 * 9 + (ns % 100'000) * 9 / 100'000;
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ticks));
}

std::chrono::milliseconds capture_timeout(nanoseconds interval) {
  return std::chrono::ceil<std::chrono::milliseconds>(interval);
}

}  // namespace

void MediaSession::Impl::run_video(std::stop_token stop) {
  name_this_thread("video");
  if (!wait_destination(stop, true)) return;
  const auto& p = config.params;
  log.info("video: {}x{} at {}.{:02} fps, {} kbps, packet size {}, FEC {} %{}", p.width_px, p.height_px,
           frame_rate_x100 / 100, frame_rate_x100 % 100, video_bitrate_kbps, p.packet_size_bytes,
           config.fec_percentage, p.video_encrypted() ? ", encrypted" : "");

  const Clock::time_point t0 = Clock::now();
  std::uint64_t k = 0;
  bool need_first_idr = true;  // video.md §2: the first frame sent must be an IDR
  bool mark_after_rfi = false;
  bool in_outage = false;               // since the last frame, the source failed or asked for a rebuild
  Clock::time_point outage_since{};     // when that began
  Clock::time_point next_rebuild{};     // no source: when to try building one again
  std::string last_rebuild_error;       // the last rebuild failure logged
  capture::Frame frame;
  // Capture times of the last few frames by source sequence, for encoders that return a frame
  // one call later (EncodeStatus::pending). Fixed size: no allocation on the video thread.
  std::array<std::pair<std::uint64_t, Clock::time_point>, 8> captured_at_of{};
  std::uint32_t last_width_px = 0, last_height_px = 0;
  while (!stop.stop_requested() && !failed()) {
    auto deadline = t0 + frame_offset(k, frame_rate_x100);
    const auto now = Clock::now();
    if (now - deadline > frame_interval) {
      // More than one interval late (a stall): skip to the current slot instead of bursting
      // the missed frames; later deadlines stay on the original grid.
      k = frame_at(t0, now, frame_rate_x100, frame_interval);
      deadline = t0 + frame_offset(k, frame_rate_x100);
    }
    if (!sleep_until(stop, deadline)) break;
    ++k;

    if (!frame_source) {
      // In a capture outage: rebuild when due; the session ends only after the limit.
      if (Clock::now() < next_rebuild) continue;
      std::string why = "the backend returned no source";
      try {
        frame_source = backends.frame_source(p.width_px, p.height_px);
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (!frame_source) {
        // Said once per distinct reason, not every kCaptureRetry (a screen off for a while).
        if (why != last_rebuild_error) log.warn("video: capture source not rebuilt yet (retrying): {}", why);
        last_rebuild_error = why;
        if (Clock::now() - outage_since >= kCaptureOutageLimit) {
          fatal(proto::kTerminationGraceful, "video capture: no working source for " +
                                                 std::to_string(kCaptureOutageLimit.count()) + " s (" + why + ")");
          break;
        }
        next_rebuild = Clock::now() + kCaptureRetry;
        continue;
      }
      log.info("video: capture source {} rebuilt", frame_source->name());
      last_rebuild_error.clear();
      need_first_idr = true;  // the client's decoder needs a fresh start after the gap
    }
    const auto status = frame_source->capture(frame, capture_timeout(frame_interval));
    if (status == capture::CaptureStatus::timeout) continue;  // nothing new this interval
    if (status != capture::CaptureStatus::ok) {
      // reinit: the source asks to be rebuilt (mode change, KMS plane gone); error: it broke
      // (device gone, compositor restarted). Either way it is dropped first (a KMS or
      // PipeWire source may be exclusive) and rebuilt: at once for reinit, after
      // kCaptureRetry for an error. Nothing is sent meanwhile; the control stream keeps the
      // client, and the first frame afterwards is an IDR.
      const bool reinit = status == capture::CaptureStatus::reinit;
      const std::string name(frame_source->name());
      frame_source.reset();
      const auto now_failed = Clock::now();
      if (!in_outage) {
        outage_since = now_failed;
        in_outage = true;
        if (reinit) {
          log.info("video: capture source {} asks to be rebuilt", name);
        } else {
          log.warn("video: capture source {} failed; rebuilding it", name);
        }
      }
      if (now_failed - outage_since >= kCaptureOutageLimit) {
        fatal(proto::kTerminationGraceful, "video capture failed (" + name + ") for " +
                                               std::to_string(kCaptureOutageLimit.count()) + " s");
        break;
      }
      next_rebuild = reinit ? now_failed : now_failed + kCaptureRetry;
      continue;
    }
    in_outage = false;
    counters.frames_captured.fetch_add(1, std::memory_order_relaxed);
    if (frame.captured_at == Clock::time_point{}) frame.captured_at = Clock::now();

    // Always consume a pending request: one that arrived before the first frame (an IDR
    // anyway) would otherwise make the second frame a needless IDR too. (The client's
    // "start A" request never gets here: stream_controller.cpp make_hooks.)
    const bool requested = idr_requested.exchange(false, std::memory_order_acq_rel);
    bool force_idr = need_first_idr || requested;
    if (rfi_requested.load(std::memory_order_acquire)) {
      std::uint32_t first = 0, last = 0;
      {
        std::lock_guard lock(rfi_mutex);
        first = rfi_first;
        last = rfi_last;
        rfi_requested.store(false, std::memory_order_relaxed);
      }
      // video.md §8: an encoder that can drop the lost references marks its next frame type 5;
      // any other (x264) answers with an IDR.
      bool invalidated = false;
      if (!force_idr && encoder->can_invalidate_references()) {
        const auto a = sequence_of(first), b = sequence_of(last);
        invalidated = a && b && encoder->invalidate_references(*a, *b);
      }
      if (invalidated) {
        mark_after_rfi = true;
      } else {
        force_idr = true;
      }
    }

    std::string convert_error;
    const capture::Frame* to_encode = converter->prepare(frame, convert_error);
    if (to_encode == nullptr) {
      fatal(proto::kTerminationFrameConversionFailed, "video: cannot prepare the frame for the encoder: " + convert_error);
      break;
    }
    if (frame.width_px != last_width_px || frame.height_px != last_height_px) {
      last_width_px = frame.width_px;
      last_height_px = frame.height_px;
      if (converter->scaled()) {
        const auto r = encode::fit_rect(frame.width_px, frame.height_px, p.width_px, p.height_px);
        log.info("video: the screen is {}x{}, the stream {}x{}: scaled to {}x{} at ({}, {}) with black bars",
                 frame.width_px, frame.height_px, p.width_px, p.height_px, r.width_px, r.height_px, r.x_px, r.y_px);
      } else {
        log.info("video: frames of {}x{} from {}", frame.width_px, frame.height_px, frame_source->name());
      }
    }

    captured_at_of[frame.sequence % captured_at_of.size()] = {frame.sequence, frame.captured_at};
    auto result = encoder->encode(*to_encode, force_idr);
    if (result.status == encode::EncodeStatus::error) {
      fatal(proto::kTerminationFrameConversionFailed,
            "video encoder " + std::string(encoder->name()) + " failed: " + result.error);
      break;
    }
    // The IDR asked for is in the encoder now, whether it comes out now or with a later call
    // (EncodeStatus::pending: SVT-AV1, x265 with slices); asking again would make a second one.
    if (force_idr) need_first_idr = false;
    if (result.status == encode::EncodeStatus::pending) continue;  // out with a later frame
    counters.frames_encoded.fetch_add(1, std::memory_order_relaxed);
    const auto bitstream = result.frame.bitstream;
    if (bitstream.empty()) continue;  // nothing to send for this frame
    // An encoder that answered pending before returns an EARLIER frame: its own capture time
    // (and so its RTP timestamp and latency) belongs with it.
    Clock::time_point captured_at = frame.captured_at;
    if (const auto& seen = captured_at_of[result.frame.source_sequence % captured_at_of.size()];
        seen.first == result.frame.source_sequence) {
      captured_at = seen.second;
    }

    QueuedFrame* slot = queue.try_begin_push();
    if (slot == nullptr) {
      // The sender is behind: never block the encoder. The client sees a frame-index-consistent
      // stream (indices are given at send time) that continues with an IDR.
      counters.frames_dropped.fetch_add(1, std::memory_order_relaxed);
      idr_requested.store(true, std::memory_order_release);
      continue;
    }
    if (slot->bytes.size() < bitstream.size()) {
      // Larger than any frame before in this slot: the only allocation after warm-up.
      log.debug("video: frame of {} bytes grows a queue buffer", bitstream.size());
      slot->bytes.resize(bitstream.size());
    }
    std::memcpy(slot->bytes.data(), bitstream.data(), bitstream.size());
    slot->size = bitstream.size();
    slot->captured_at = captured_at;
    slot->rtp_timestamp_90khz = rtp_timestamp(t0, captured_at);
    slot->source_sequence = result.frame.source_sequence;
    if (result.frame.idr) {
      slot->kind = media::FrameKind::idr;
      mark_after_rfi = false;
    } else if (mark_after_rfi) {
      slot->kind = media::FrameKind::after_rfi;
      mark_after_rfi = false;
    } else {
      slot->kind = media::FrameKind::p_frame;
    }
    queue.commit_push();
  }
  idle_until_stop(stop);
}

void MediaSession::Impl::run_send(std::stop_token stop) {
  name_this_thread("video-send");
  const nanoseconds spread = frame_interval * 8 / 10;  // video.md §5.7: leave room for the next frame
  std::uint32_t next_frame_index = 1;                  // video.md §6: starts at 1, never 0
  int consecutive_failures = 0;
  std::uint64_t send_error_reports = 0;
  while (QueuedFrame* f = queue.wait_pop(stop)) {
    const auto to = destination(true);
    if (failed() || !to) {
      queue.finish_pop();
      continue;
    }
    media::VideoFrameToSend frame;
    frame.bitstream = std::span<const std::uint8_t>(f->bytes.data(), f->size);
    frame.frame_index = next_frame_index;
    frame.rtp_timestamp_90khz = f->rtp_timestamp_90khz;
    frame.kind = f->kind;
    frame.captured_at = f->captured_at;
    const auto source_sequence = f->source_sequence;
    const auto result = video_send->send(frame, *to, spread);
    queue.finish_pop();

    if (!result.packetized) {
      // Nothing went out and the frame index was not used: the next frame (an IDR) takes it.
      counters.frames_dropped.fetch_add(1, std::memory_order_relaxed);
      idr_requested.store(true, std::memory_order_release);
      log.warn("video: frame of {} bytes not sent: {}", frame.bitstream.size(), result.error);
      if (++consecutive_failures >= kMaxConsecutivePacketizeFailures) {
        fatal(proto::kTerminationGraceful, "video packetizer keeps failing: " + result.error);
      }
      continue;
    }
    consecutive_failures = 0;
    remember_sent(next_frame_index, source_sequence);
    if (++next_frame_index == 0) next_frame_index = 1;
    counters.frames_sent.fetch_add(1, std::memory_order_relaxed);
    if (frame.kind == media::FrameKind::idr) counters.idr_frames.fetch_add(1, std::memory_order_relaxed);
    counters.video_datagrams.fetch_add(result.outcome.sent_datagrams, std::memory_order_relaxed);
    counters.last_latency_100us.store(result.latency_100us, std::memory_order_relaxed);
    if (result.outcome.dropped_datagrams > 0) {
      counters.send_errors.fetch_add(result.outcome.dropped_datagrams, std::memory_order_relaxed);
      // Rate-limited: the first error, then every 1000th.
      if (send_error_reports++ % 1000 == 0) {
        log.warn("video: {} datagram(s) not sent: {}", result.outcome.dropped_datagrams,
                 std::strerror(result.outcome.last_errno));
      }
    }
  }
}

}  // namespace lightwell::server
