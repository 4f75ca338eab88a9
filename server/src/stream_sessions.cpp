// Launch-session bookkeeping (stream_sessions.hpp).
#include "lightwell/server/stream_sessions.hpp"

#include "lightwell/proto/hex.hpp"

namespace lightwell::server {

const StreamSession& StreamSessions::install(StreamSession session, const SessionSecrets& secrets) {
  session.id = next_id_++;
  session.ri_iv = session.request.ri_iv();
  session.ping_payload = proto::to_hex(secrets.ping_payload_bytes, /*upper_case=*/true);
  session.connect_data = secrets.connect_data;
  current_ = std::move(session);
  return *current_;
}

const StreamSession& StreamSessions::launch(StreamSession session, const SessionSecrets& secrets) {
  end();
  session.resumed = false;
  return install(std::move(session), secrets);
}

const StreamSession& StreamSessions::resume(StreamSession session, const SessionSecrets& secrets) {
  if (current_) {
    // The app and its id stay; everything the client sends again (keys, mode, audio) is new.
    session.app_id = current_->app_id;
    session.app_name = current_->app_name;
  }
  end();
  session.resumed = true;
  return install(std::move(session), secrets);
}

void StreamSessions::end() {
  if (!current_) return;
  StreamSession ended = std::move(*current_);
  current_.reset();
  if (on_ended_) on_ended_(ended);
}

}  // namespace lightwell::server
