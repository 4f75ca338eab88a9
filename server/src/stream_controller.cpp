// StreamController: see stream_controller.hpp for the lifecycle it implements.
#include "lightwell/server/stream_controller.hpp"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <utility>

#include <boost/asio/post.hpp>

#include "lightwell/proto/control_feedback.hpp"
#include "lightwell/proto/sdp_announce.hpp"

namespace lightwell::server {

struct StreamController::Active {
  explicit Active(Log l) : log(std::move(l)) {}
  std::uint32_t session_id = 0;
  std::uint64_t generation = 0;
  Log log;
  proto::PingPayload ping_payload;
  bool session_id_v1 = false;  // ML_FF_SESSION_ID_V1: legacy 4-byte pings are not accepted
  boost::asio::ip::address rtsp_peer;
  std::string app_name;
  std::shared_ptr<MediaSession> media;
  std::shared_ptr<InputSession> input;  // null when input is disabled in the config
  std::chrono::steady_clock::time_point announced_at;
  bool video_destination = false;
  bool audio_destination = false;
  StreamSummary summary;
  std::string client_name;
  std::uint32_t bitrate_kbps = 0;
  std::int64_t started_unix_s = 0;
  // Written on the ENet thread (FEC status hook), read on the io thread.
  struct FecCounters {
    std::atomic<std::uint64_t> lost{0};
    std::atomic<std::uint64_t> recovered{0};
  };
  std::shared_ptr<FecCounters> fec = std::make_shared<FecCounters>();
};

namespace {

// ::ffff:a.b.c.d (an IPv4 peer on a dual-stack socket) → a.b.c.d, so addresses from the RTSP
// listener and the media sockets compare equal.
boost::asio::ip::address plain(boost::asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace

StreamController::StreamController(boost::asio::io_context& io, const AppController& apps,
                                   ControlService& control, MediaBackends backends, StreamControllerOptions options,
                                   Log log)
    : io_(io),
      apps_(apps),
      control_(control),
      backends_(std::move(backends)),
      options_(options),
      log_(std::move(log)),
      watchdog_timer_(io) {}

StreamController::~StreamController() { stop(); }

void StreamController::set_media_sockets(int video_fd, int audio_fd) noexcept {
  video_fd_ = video_fd;
  audio_fd_ = audio_fd;
}

int StreamController::start_stream(const StreamSession& session, const proto::StreamParams& params,
                                   const AnnounceContext& context) {
  if (stopped_) return 500;
  const Log slog = log_.with_session(session.id);
  if (active_) {
    // One stream at a time. A client reconnecting after vanishing, or a second handshake on
    // the same launch, replaces the old stream (its client, if still there, is told).
    end_stream(EndReason::replaced, proto::kTerminationGraceful, "a new stream was announced");
  }
  auto payload = proto::parse_ping_payload(session.ping_payload);
  if (!payload) {
    slog.error("stream not started: the session's ping payload is invalid ({})", payload.error().message);
    return 500;
  }

  const bool high_quality = proto::audio_high_quality(params, context.host_header);
  std::uint32_t bitrate_kbps = proto::encoder_bitrate_kbps(params, options_.fec_percentage, high_quality);
  bitrate_kbps = std::clamp(bitrate_kbps, options_.video.min_bitrate_kbps, options_.video.max_bitrate_kbps);

  MediaSessionConfig config;
  config.session_id = session.id;
  config.params = params;
  config.rikey = session.request.rikey;
  config.rikeyid = session.request.rikey_id;
  config.high_quality_audio = high_quality;
  config.fec_percentage = options_.fec_percentage;
  config.encoder_bitrate_kbps = bitrate_kbps;
  config.video_fd = video_fd_;
  config.audio_fd = audio_fd_;

  auto active = std::make_unique<Active>(slog);
  active->session_id = session.id;
  active->generation = ++generation_;
  active->ping_payload = *payload;
  active->session_id_v1 = (params.ml_feature_flags & proto::kMlFeatureSessionIdV1) != 0;
  active->rtsp_peer = plain(context.peer_address);
  active->app_name = session.app_name;
  active->announced_at = std::chrono::steady_clock::now();

  const std::uint64_t generation = active->generation;
  auto on_fatal = [this, generation](std::uint32_t hresult, std::string reason) {
    // Media thread: hand over to the io thread, where the stream's state lives.
    boost::asio::post(io_, [this, generation, hresult, reason = std::move(reason)] {
      if (active_ && active_->generation == generation) end_stream(EndReason::media_failed, hresult, reason);
    });
  };
  try {
    active->media = std::make_shared<MediaSession>(config, backends_, slog, std::move(on_fatal));
  } catch (const std::exception& e) {
    slog.error("stream not started: {}", e.what());
    return 500;
  }

  if (options_.input.enabled) {
    InputSessionOptions io;
    // The picture the client sees is what absolute pointer, touch and pen positions refer
    // to (input.md §4.2, §6.2); with the test pattern that is the stream's size.
    io.screen = input::ScreenSize{static_cast<std::int32_t>(params.width_px), static_cast<std::int32_t>(params.height_px)};
    io.make_sink = options_.make_input_sink;
    io.on_rumble = send_rumble_to(control_, session.id);
    active->input = std::make_shared<InputSession>(std::move(io), slog);
  }

  ExpectedControlSession expected;
  expected.session_id = session.id;
  expected.connect_data = session.connect_data;
  expected.rikey = session.request.rikey;
  expected.encrypted = params.control_protocol == proto::kControlProtocolEncrypted;
  expected.hooks = make_hooks(generation, active->media, active->input);
  // video.md §7: per frame the client reports data/parity packets sent and received. What
  // did not arrive is lost; when enough arrived to decode, the missing data packets were
  // rebuilt from parity (recovered).
  expected.hooks.on_fec_status = [fec = active->fec](const proto::FrameFecStatus& f) {
    const unsigned total = unsigned{f.total_data_packets} + f.total_parity_packets;
    const unsigned got = unsigned{f.received_data_packets} + f.received_parity_packets;
    if (got < total) fec->lost.fetch_add(total - got, std::memory_order_relaxed);
    if (f.received_data_packets < f.total_data_packets && got >= f.total_data_packets) {
      fec->recovered.fetch_add(unsigned{f.total_data_packets} - f.received_data_packets, std::memory_order_relaxed);
    }
  };
  control_.expect(std::move(expected));

  slog.info("streaming {}x{} at {} fps, H.264 {} kbps, FEC {}%, packets of {} bytes, video {}, audio {} channels "
            "({} quality, {}), client {}",
            params.width_px, params.height_px, params.fps, bitrate_kbps, options_.fec_percentage,
            params.packet_size_bytes, params.video_encrypted() ? "encrypted" : "clear", params.audio_channels,
            high_quality ? "high" : "normal", params.audio_encrypted() ? "encrypted" : "clear",
            context.peer_address.to_string());
  active->summary = StreamSummary{active->rtsp_peer.to_string(), params.width_px, params.height_px, params.fps,
                                  params.codec, active->app_name};
  active->client_name = session.client_name;
  active->bitrate_kbps = bitrate_kbps;
  active->started_unix_s = static_cast<std::int64_t>(std::time(nullptr));
  active_ = std::move(active);
  arm_watchdog();
  if (options_.on_stream_change) {
    options_.on_stream_change(StreamSummary{active_->rtsp_peer.to_string(), params.width_px, params.height_px,
                                            params.fps, params.codec, active_->app_name});
  }
  return 200;
}

ControlHooks StreamController::make_hooks(std::uint64_t generation, std::weak_ptr<MediaSession> media,
                                          std::weak_ptr<InputSession> input) {
  // These run on the ENet thread. MediaSession::request_idr/invalidate_references are
  // thread-safe and called directly (an IDR request must not wait for the io thread); the
  // weak reference makes an event after end_stream() a no-op. Lifecycle goes to the io thread.
  ControlHooks hooks;
  hooks.on_connected = [this, generation] {
    boost::asio::post(io_, [this, generation] {
      if (active_ && active_->generation == generation) active_->log.info("control stream connected");
    });
  };
  // control.md §6: the first 0x0302 of a connection is "start A", sent right after the ENet
  // connect and before the client's first video ping. The media session's first frame is an
  // IDR anyway (video.md §2), so forwarding it would only turn the frame behind that one into
  // a second IDR whenever the request lands just after the first frame was taken (seen in CI
  // under ASan). Later requests always force an IDR. Called on the ENet thread only.
  hooks.on_idr_request = [media, start_a = true]() mutable {
    if (std::exchange(start_a, false)) return;
    if (auto m = media.lock()) m->request_idr();
  };
  hooks.on_invalidate_references = [media](std::uint32_t first, std::uint32_t last) {
    if (auto m = media.lock()) m->invalidate_references(first, last);
  };
  hooks.on_input = [input](std::span<const std::uint8_t> packet) {
    // Authenticated and decrypted by the control service; InputSession parses (every length
    // checked) and injects on its own thread, so the ENet thread never waits for uinput.
    if (auto i = input.lock()) i->submit(packet);
  };
  hooks.on_fec_status = [](const proto::FrameFecStatus&) {};
  hooks.on_disconnected = [this, generation](bool timed_out) {
    boost::asio::post(io_, [this, generation, timed_out] {
      if (!active_ || active_->generation != generation) return;
      end_stream(timed_out ? EndReason::client_vanished : EndReason::client_disconnected, std::nullopt,
                 timed_out ? "the control stream timed out" : "the client disconnected");
    });
  };
  return hooks;
}

void StreamController::on_video_datagram(std::span<const std::uint8_t> datagram,
                                         const boost::asio::ip::udp::endpoint& from) {
  on_datagram(true, datagram, from);
}

void StreamController::on_audio_datagram(std::span<const std::uint8_t> datagram,
                                         const boost::asio::ip::udp::endpoint& from) {
  on_datagram(false, datagram, from);
}

void StreamController::on_datagram(bool video, std::span<const std::uint8_t> datagram,
                                   const boost::asio::ip::udp::endpoint& from) {
  // control.md §6: the first matching ping names the stream's destination; later ones are
  // keep-alives (we follow a changed source, harmless for the client). Anything else is
  // ignored without a log line per datagram (a flood must not flood the log).
  if (!active_) return;
  auto ping = proto::parse_udp_ping(datagram);
  if (!ping) return;
  bool match = false;
  if (ping->form == proto::PingForm::v2) {
    match = proto::ping_matches(*ping, active_->ping_payload);
  } else {
    // Legacy "PING": only for clients without session ids, and only from the RTSP peer.
    match = !active_->session_id_v1 && plain(from.address()) == active_->rtsp_peer;
  }
  if (!match) return;
  bool& known = video ? active_->video_destination : active_->audio_destination;
  if (!known) active_->log.info("{} destination {}:{}", video ? "video" : "audio", from.address().to_string(), from.port());
  known = true;
  if (video) {
    active_->media->set_video_destination(from);
  } else {
    active_->media->set_audio_destination(from);
  }
}

void StreamController::on_launch_session_ended(const StreamSession& session) {
  if (active_ && active_->session_id == session.id) {
    end_stream(EndReason::launch_ended, proto::kTerminationGraceful, "the launch session ended (/cancel or a new launch)");
  }
}

void StreamController::end_stream(EndReason reason, std::optional<std::uint32_t> termination_hresult,
                                  const std::string& detail) {
  if (!active_) return;
  std::unique_ptr<Active> active = std::move(active_);
  // Tell the client first (control.md §8: termination, flush, then drop the peer); a client
  // that left or vanished gets nothing.
  bool told = false;
  if (termination_hresult && control_.connected(active->session_id)) {
    told = control_.terminate(active->session_id, *termination_hresult);
    if (told && !stopped_) {
      // The session entry stays until the termination has left (forget() would drop the peer
      // at once and could lose it); a second later it is forgotten. At shutdown,
      // ControlService::stop() clears everything instead, and no timer delays the exit.
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
      timer->async_wait([this, timer, id = active->session_id](const boost::system::error_code&) { control_.forget(id); });
    }
  } else {
    control_.forget(active->session_id);
  }
  const MediaStats stats = active->media->stats();
  active->media->stop();
  if (active->input) {
    const InputStats in = active->input->stats();
    active->input.reset();  // releases held keys and pads, removes the devices
    active->log.info("input: {} packets injected, {} rejected, {} dropped, {} rumble messages", in.packets,
                     in.rejected, in.dropped, in.rumbles);
  }
  static constexpr const char* kReasons[] = {"client disconnected", "client vanished", "launch ended",
                                             "app exited",          "media failed",    "server shutdown",
                                             "replaced"};
  active->log.info("stream ended ({}: {}){}; {} frames sent ({} IDR, {} dropped), {} audio packets",
                   kReasons[static_cast<int>(reason)], detail, told ? ", client told" : "", stats.frames_sent,
                   stats.idr_frames, stats.frames_dropped, stats.audio_packets);
  if (!active_) watchdog_timer_.cancel();
  if (options_.on_stream_change) options_.on_stream_change(std::nullopt);
}

void StreamController::arm_watchdog() {
  watchdog_timer_.expires_after(options_.watchdog_interval);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !active_) return;
    watchdog();
    if (active_) arm_watchdog();
  });
}

void StreamController::watchdog() {
  const auto now = std::chrono::steady_clock::now();
  const auto since_announce = now - active_->announced_at;
  const auto activity = control_.last_activity(active_->session_id);
  if (!activity) {
    if (since_announce > options_.connect_timeout) {
      end_stream(EndReason::client_vanished, std::nullopt, "no control connection within the connect timeout");
    }
    return;
  }
  if (now - *activity > options_.control_silence_timeout) {
    end_stream(EndReason::client_vanished, std::nullopt, "no control traffic (the client vanished)");
    return;
  }
  if ((!active_->video_destination || !active_->audio_destination) && since_announce > options_.connect_timeout) {
    end_stream(EndReason::client_vanished, proto::kTerminationGraceful,
               active_->video_destination ? "no audio ping within the connect timeout"
                                          : "no video ping within the connect timeout");
    return;
  }
  // The launched app exited on its own: the stream has nothing left to show.
  if (!active_->app_name.empty()) {
    const auto running = apps_.running_app();
    if (!running || *running != active_->app_name) {
      end_stream(EndReason::app_exited, proto::kTerminationGraceful, "the app exited");
      return;
    }
  }
}

void StreamController::stop() {
  if (stopped_) return;
  stopped_ = true;
  end_stream(EndReason::shutdown, proto::kTerminationGraceful, "the server is stopping");
  watchdog_timer_.cancel();
}

StreamStatus StreamController::status() const {
  StreamStatus s;
  if (!active_) return s;
  s.active = true;
  s.session_id = active_->session_id;
  s.control_connected = control_.connected(active_->session_id);
  s.video_destination = active_->video_destination;
  s.audio_destination = active_->audio_destination;
  s.media = active_->media->stats();
  s.summary = active_->summary;
  s.client_name = active_->client_name;
  s.bitrate_kbps = active_->bitrate_kbps;
  s.started_unix_s = active_->started_unix_s;
  s.packets_lost = active_->fec->lost.load(std::memory_order_relaxed);
  s.fec_recovered = active_->fec->recovered.load(std::memory_order_relaxed);
  return s;
}

std::function<void(const input::Rumble&)> send_rumble_to(ControlService& control, std::uint32_t session_id) {
  return [&control, session_id](const input::Rumble& r) {
    if (auto message = proto::build_rumble(r.gamepad, r.low_freq_motor, r.high_freq_motor)) {
      control.send(session_id, *message);
    }
  };
}

}  // namespace lightwell::server
