// Launch sessions created by /launch and /resume (http-pairing.md §7) and ended by /cancel
// (§8). A session holds what the RTSP handshake and the media streams need later: the AES
// key and RI IV, the client's launch parameters, who launched it (the paired certificate) and
// the session's ping payload and connect data.
//
// Policy (as the reference host): at most ONE session exists. /launch replaces it (the app
// controller refuses a launch while an app runs, so in practice a new launch only replaces
// a session whose app has ended); /resume replaces its keys and launch parameters (a fresh
// rikey per resume) and keeps the app; /cancel ends it. Sessions live in memory only: a
// restart forgets them (the app runner stops the app on shutdown anyway).
// The RTSP stage takes the session with current() when a client connects and is told of the
// end through the on_ended callback.
//
// Thread rules: io thread only. Ownership: values; the callback is owned.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "lightwell/proto/nvhttp_launch.hpp"

namespace lightwell::server {

struct StreamSession {
  std::uint32_t id = 0;        // for log lines (session=<id>); 1, 2, 3… per server run
  std::uint32_t app_id = 0;    // /applist id of the app
  std::string app_name;
  proto::LaunchRequest request;  // rikey, rikeyid, mode, audio, corever… (SECRET: rikey)
  std::array<std::uint8_t, 16> ri_iv{};  // BE32(rikeyid) ‖ 0¹²
  // Who launched it: the paired client's id and exact certificate DER (the HTTPS peer).
  std::string client_id;
  std::vector<std::uint8_t> client_cert_der;
  std::string client_name;
  boost::asio::ip::address peer_address;
  boost::asio::ip::address local_address;  // what sessionUrl0 named
  // X-SS-Ping-Payload (16 upper-case hex chars of 8 random bytes) and X-SS-Connect-Data.
  std::string ping_payload;
  std::uint32_t connect_data = 0;
  std::chrono::steady_clock::time_point created;  // launch or last resume
  bool resumed = false;  // keys came from a /resume
};

// Fresh per-session values drawn by the caller from its CSPRNG.
struct SessionSecrets {
  std::array<std::uint8_t, 8> ping_payload_bytes{};
  std::uint32_t connect_data = 0;
};

class StreamSessions {
 public:
  using EndedCallback = std::function<void(const StreamSession&)>;

  // Replaces any session (the old one is reported ended first). Returns the new session.
  const StreamSession& launch(StreamSession session, const SessionSecrets& secrets);
  // New keys and launch parameters for the running app. Keeps the app fields of an existing
  // session; without one (the stream ended, the app still runs) creates one for the given
  // app. Returns the session.
  const StreamSession& resume(StreamSession session, const SessionSecrets& secrets);
  // Ends the session, if any (reported to on_ended).
  void end();

  const std::optional<StreamSession>& current() const noexcept { return current_; }
  void set_on_ended(EndedCallback cb) { on_ended_ = std::move(cb); }

 private:
  const StreamSession& install(StreamSession session, const SessionSecrets& secrets);

  std::optional<StreamSession> current_;
  std::uint32_t next_id_ = 1;
  EndedCallback on_ended_;
};

}  // namespace lightwell::server
