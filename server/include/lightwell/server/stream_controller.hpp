// The streaming lifecycle of the one session a host serves at a time (issue 4; rtsp.md §4.4–§5,
// control.md §2, §6, §8): ANNOUNCE starts a MediaSession and tells the ControlService which
// ENet peer to expect; the first matching UDP ping on each media port sets that stream's
// destination; the client's control stream drives IDR/RFI; and every way a stream ends
// converges on end_stream():
//
//   client disconnects (ENet DISCONNECT)      → media stopped; the app keeps running (/resume)
//   client vanishes (no control traffic for control_silence_timeout, or no ENet connect /
//     no ping within connect_timeout of ANNOUNCE) → media stopped, peer dropped
//   /cancel or a new /launch (the launch session ends) → termination sent, media stopped
//   the launched app exits                     → termination (graceful) sent, media stopped
//   media failure (encoder/source)             → termination with the media's code
//   server shutdown (stop())                   → termination sent to a connected client first
//
// Thread: io thread for everything public. ControlService hooks (ENet thread) and the media
// session's fatal handler (media thread) only touch thread-safe MediaSession calls or post to
// the io thread. Ownership: the controller owns the MediaSession; the ControlService, the UDP
// sockets' descriptors and the sessions/app controller are borrowed and outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lightwell/proto/ping.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/proto/stream_params.hpp"
#include "lightwell/server/app_controller.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/control_service.hpp"
#include "lightwell/server/input_session.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/media_session.hpp"
#include "lightwell/server/rtsp_service.hpp"
#include "lightwell/server/stream_sessions.hpp"

namespace lightwell::server {

// What a running stream is, for `serve`'s systemd STATUS= line (service_notifier.hpp).
struct StreamSummary {
  std::string client_address;  // the RTSP peer, IPv4-mapped addresses shown as IPv4
  std::uint32_t width_px = 0;
  std::uint32_t height_px = 0;
  std::uint32_t fps = 0;
  proto::VideoCodec codec = proto::VideoCodec::h264;  // as negotiated in the ANNOUNCE
  std::string app_name;        // the launched app, empty when none
};

struct StreamControllerOptions {
  VideoOptions video;             // bitrate clamp
  InputOptions input;             // inject client input (issue 7)
  // Tests: the input sink of every session (default: /dev/uinput).
  std::function<proto::Result<std::unique_ptr<input::InputSink>>()> make_input_sink;
  unsigned fec_percentage = 20;   // video.md §5 (Sunshine's default)
  // ANNOUNCE → ENet connect and → first ping on each port (control.md §8: 10 s).
  std::chrono::milliseconds connect_timeout{10'000};
  // Silence on the control stream (the client pings every 100 ms, control.md §4) after which
  // the client is considered gone. Chosen so a vanished client is freed well within 10 s.
  std::chrono::milliseconds control_silence_timeout{5'000};
  std::chrono::milliseconds watchdog_interval{500};
  // Optional. Called on the io thread when a stream starts (its summary) and when it ends
  // (nullopt), including at stop(); must not call back into the controller.
  std::function<void(const std::optional<StreamSummary>&)> on_stream_change;
};

struct StreamStatus {
  bool active = false;
  std::uint32_t session_id = 0;
  bool control_connected = false;
  bool video_destination = false;
  bool audio_destination = false;
  MediaStats media;
  // For the web page's Session view (docs/web.md):
  StreamSummary summary;
  std::string client_name;          // the paired client's stored name
  std::uint32_t bitrate_kbps = 0;   // encoder bitrate chosen at ANNOUNCE
  std::int64_t started_unix_s = 0;
  // From the client's 0x5502 FrameFecStatus reports (video.md §7), summed over the stream:
  // packets that did not arrive, and data packets that FEC rebuilt.
  std::uint64_t packets_lost = 0;
  std::uint64_t fec_recovered = 0;
};

class StreamController {
 public:
  StreamController(boost::asio::io_context& io, const AppController& apps,
                   ControlService& control, MediaBackends backends, StreamControllerOptions options, Log log);
  ~StreamController();  // = stop()
  StreamController(const StreamController&) = delete;
  StreamController& operator=(const StreamController&) = delete;

  // The UDP sockets the media is sent from (UdpPingSocket::native_handle()); set before the
  // first ANNOUNCE can arrive.
  void set_media_sockets(int video_fd, int audio_fd) noexcept;

  // RtspService's StreamStarter: 200, or 500 when the media session cannot start.
  int start_stream(const StreamSession& session, const proto::StreamParams& params, const AnnounceContext& context);
  // UdpPingSocket handlers.
  void on_video_datagram(std::span<const std::uint8_t> datagram, const boost::asio::ip::udp::endpoint& from);
  void on_audio_datagram(std::span<const std::uint8_t> datagram, const boost::asio::ip::udp::endpoint& from);
  // StreamSessions' on_ended (/cancel, or a launch replacing the session).
  void on_launch_session_ended(const StreamSession& session);

  // Ends a running stream, sending the graceful termination to a connected client first.
  // Idempotent; no stream starts afterwards.
  void stop();
  StreamStatus status() const;

 private:
  struct Active;
  enum class EndReason { client_disconnected, client_vanished, launch_ended, app_exited, media_failed, shutdown,
                         replaced };
  void end_stream(EndReason reason, std::optional<std::uint32_t> termination_hresult, const std::string& detail);
  void arm_watchdog();
  void watchdog();
  ControlHooks make_hooks(std::uint64_t generation, std::weak_ptr<MediaSession> media,
                          std::weak_ptr<InputSession> input);
  void on_datagram(bool video, std::span<const std::uint8_t> datagram, const boost::asio::ip::udp::endpoint& from);

  boost::asio::io_context& io_;
  const AppController& apps_;
  ControlService& control_;
  MediaBackends backends_;
  StreamControllerOptions options_;
  Log log_;
  boost::asio::steady_timer watchdog_timer_;
  int video_fd_ = -1;
  int audio_fd_ = -1;
  bool stopped_ = false;
  std::unique_ptr<Active> active_;
  // Bumped for every stream, so a late post from an old stream's threads is recognised.
  std::uint64_t generation_ = 0;
};

// The software media path of issue 4: test pattern, x264, test tone, Opus. (KMS, Quick Sync
// and PipeWire backends, chosen by probing, replace the parts in later issues.)
MediaBackends software_media_backends();
// The rumble callback of a session's InputSession: each Rumble becomes control message 0x010B
// (input.md §8: filler, the client's controller number, low- and high-frequency motor) sent
// to `session_id` through `control` (ControlService::send is thread-safe; this runs on the
// input thread). `control` must outlive the callback.
std::function<void(const input::Rumble&)> send_rumble_to(ControlService& control, std::uint32_t session_id);
// What `serve` uses: software_media_backends() with the audio source the config names
// (PipeWire by default, issue 6). PipeWire events go to the session's log (from the source's
// supervisor thread).
MediaBackends media_backends(const AudioOptions& audio);

}  // namespace lightwell::server
