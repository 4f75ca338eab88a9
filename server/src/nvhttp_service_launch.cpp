// /launch, /resume, /cancel (nvhttp_service.hpp; http-pairing.md §7–§8).
#include <fmt/format.h>

#include "lightwell/proto/nvhttp_launch.hpp"
#include "lightwell/server/nvhttp_service.hpp"

namespace lightwell::server {
namespace {

using proto::LaunchError;
using proto::LaunchReplyVerb;

net::HttpResponse xml(std::string body) { return net::HttpResponse{200, "application/xml", std::move(body)}; }

// A parse failure: the reference host's "missing parameter" answer when a required key is
// absent, else 400 with the parser's message (it names the parameter, never its value).
net::HttpResponse bad_launch_query(const proto::Query& query, const proto::Error& error, LaunchReplyVerb verb) {
  const bool launch = verb == LaunchReplyVerb::launch;
  const bool missing = !query.has("rikey") || !query.has("rikeyid") ||
                       (launch && (!query.has("appid") || !query.has("localAudioPlayMode")));
  if (missing) {
    return xml(proto::build_launch_error(
        launch ? LaunchError::missing_launch_parameter : LaunchError::missing_resume_parameter, verb));
  }
  return xml(proto::build_status_reply(400, error.message, std::nullopt,
                                       launch ? "<gamesession>0</gamesession>" : "<resume>0</resume>"));
}

LaunchEnvironment environment_for(const proto::LaunchRequest& r, const net::HttpRequest& request,
                                  const std::string& paired_name) {
  LaunchEnvironment env;
  env.width_px = r.mode.width;
  env.height_px = r.mode.height;
  env.fps = r.mode.fps;
  env.audio_channels = r.surround_audio.channel_count;
  env.hdr = r.hdr_mode;
  env.client_name = r.client_name.value_or(paired_name);
  env.client_address = request.peer_address.to_string();
  return env;
}

proto::SessionUrl session_url(const net::HttpRequest& request, std::uint16_t rtsp_port, bool encrypted) {
  // §7: the local address of the socket that took this request; format_session_url brackets
  // IPv6 and writes v4-mapped addresses as IPv4.
  return proto::SessionUrl{request.local_address.to_string(), rtsp_port, encrypted};
}

}  // namespace

net::HttpResponse NvhttpService::launch(const net::HttpRequest& request, const proto::Query& query,
                                        const Caller& caller) {
  auto parsed = proto::parse_launch_request(query, proto::LaunchVerb::launch);
  if (!parsed) return bad_launch_query(query, parsed.error(), LaunchReplyVerb::launch);
  if (const auto running = controller_.running_app()) {
    log_.info("launch from {} refused: \"{}\" is already running", caller.name, *running);
    return xml(proto::build_launch_error(LaunchError::app_already_running, LaunchReplyVerb::launch));
  }
  const AppSlot* slot = find_app(*parsed->app_id);
  if (slot == nullptr) return xml(proto::build_launch_error(LaunchError::unknown_app, LaunchReplyVerb::launch));

  if (auto error = controller_.start(slot->app, environment_for(*parsed, request, caller.name))) {
    log_.warn("launch of \"{}\" for {} failed: {}", slot->app.name, caller.name, *error);
    return xml(proto::build_launch_error(LaunchError::app_start_failed, LaunchReplyVerb::launch));
  }
  StreamSession s = new_session(slot->id, slot->app.name, *parsed, request, caller);
  const StreamSession& session = sessions_.launch(std::move(s), fresh_secrets());
  const auto url = session_url(request, options_.ports.rtsp, parsed->wants_encryption());
  log_.with_session(session.id)
      .info("launched \"{}\" (id {}) for {} ({}), {}x{}@{}, RTSP at {}", slot->app.name, slot->id, caller.name,
            request.peer_address.to_string(), parsed->mode.width, parsed->mode.height, parsed->mode.fps,
            proto::format_session_url(url));
  return xml(proto::build_launch_success(LaunchReplyVerb::launch, url));
}

// The session /launch and /resume hand to RTSP: who asked, from where, with which parameters.
StreamSession NvhttpService::new_session(std::uint32_t app_id, const std::string& app_name,
                                         const proto::LaunchRequest& parsed, const net::HttpRequest& request,
                                         const Caller& caller) const {
  StreamSession s;
  s.app_id = app_id;
  s.app_name = app_name;
  s.request = parsed;
  s.client_id = caller.id;
  s.client_cert_der = caller.cert_der;
  s.client_name = parsed.client_name.value_or(caller.name);
  s.peer_address = request.peer_address;
  s.local_address = request.local_address;
  s.created = clock_.steady();
  return s;
}

net::HttpResponse NvhttpService::resume(const net::HttpRequest& request, const proto::Query& query,
                                        const Caller& caller) {
  auto parsed = proto::parse_launch_request(query, proto::LaunchVerb::resume);
  if (!parsed) return bad_launch_query(query, parsed.error(), LaunchReplyVerb::resume);
  const auto running = controller_.running_app();
  if (!running) return xml(proto::build_launch_error(LaunchError::no_app_to_resume, LaunchReplyVerb::resume));
  StreamSession s = new_session(running_app_id(), *running, *parsed, request, caller);
  const StreamSession& session = sessions_.resume(std::move(s), fresh_secrets());
  const auto url = session_url(request, options_.ports.rtsp, parsed->wants_encryption());
  log_.with_session(session.id)
      .info("resumed \"{}\" for {} ({}), RTSP at {}", session.app_name, caller.name, request.peer_address.to_string(),
            proto::format_session_url(url));
  return xml(proto::build_launch_success(LaunchReplyVerb::resume, url));
}

net::HttpResponse NvhttpService::cancel() {
  // §8: like the reference host, quitting stops the app and every session, whoever asks
  // (every caller here holds a paired certificate).
  const auto running = controller_.running_app();
  sessions_.end();
  controller_.stop();
  if (running) log_.info("quit \"{}\" (/cancel)", *running);
  return xml(proto::build_cancel(true));
}

}  // namespace lightwell::server
