// /api/stream, /api/status and the /api/events stream (web_service.hpp; WEB-API.md "Session",
// "Status").
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lightwell/server/version.hpp"
#include "web_internal.hpp"

namespace lightwell::server {
namespace json = boost::json;

namespace {

const char* codec_name(proto::VideoCodec c) {
  switch (c) {
    case proto::VideoCodec::h264: return "H.264";
    case proto::VideoCodec::hevc: return "HEVC";
    case proto::VideoCodec::av1: return "AV1";
  }
  return "H.264";
}

// Nearest-rank percentile of a sorted list (q in 0..1).
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

constexpr std::chrono::seconds kKeepAlive{15};
constexpr std::chrono::seconds kProbeCache{30};

}  // namespace

std::string WebService::stream_json() {
  const StreamStatus s = deps_.stream_status ? deps_.stream_status() : StreamStatus{};
  const auto now = clock_.steady();
  if (!s.active) {
    latency_ms_.clear();
    return R"({"active":false})";
  }
  // The media session reports the host processing latency of its last frame (frame header,
  // video.md §4); sampled at each snapshot (every event_interval while the page watches).
  latency_ms_.emplace_back(now, s.media.last_latency_100us / 10.0);
  while (!latency_ms_.empty() && now - latency_ms_.front().first > options_.latency_window) latency_ms_.pop_front();
  std::vector<double> sorted;
  for (const auto& [t, v] : latency_ms_) sorted.push_back(v);
  std::sort(sorted.begin(), sorted.end());
  return json::serialize(json::object{
      {"active", true},
      {"client", s.client_name},
      {"client_address", s.summary.client_address},
      {"app", s.summary.app_name},
      {"width", s.summary.width_px},
      {"height", s.summary.height_px},
      {"fps", s.summary.fps},
      {"codec", codec_name(s.summary.codec)},
      {"bitrate_kbps", s.bitrate_kbps},
      {"frames_sent", s.media.frames_sent},
      {"packets_sent", s.media.video_datagrams},
      {"packets_lost", s.packets_lost},
      {"fec_recovered", s.fec_recovered},
      {"host_latency_ms", json::object{{"p50", percentile(sorted, 0.5)}, {"p99", percentile(sorted, 0.99)},
                                       {"last", s.media.last_latency_100us / 10.0}}},
      {"started_unix_s", s.started_unix_s}});
}

void WebService::status_routes(Ctx& ctx) {
  if (ctx.req.method != "GET") return ctx.done(web::error_reply(405, "GET only"));
  if (ctx.path == "/api/stream") return ctx.done(web::json_reply(200, stream_json()));
  if (ctx.path == "/api/events") {
    // handle(WebReply) turns this marker into the stream; the gate has passed.
    net::WebResponse r;
    r.content_type = "text/event-stream";
    return ctx.done(std::move(r));
  }
  const auto now = clock_.steady();
  if (deps_.probe_report && (probe_cache_.empty() || now - probe_time_ >= kProbeCache)) {
    probe_cache_ = deps_.probe_report();
    probe_time_ = now;
  }
  json::array log;
  if (deps_.log_lines) {
    for (auto& line : deps_.log_lines()) log.emplace_back(std::move(line));
  }
  ctx.done(web::json_reply(200, json::object{{"version", version()}, {"probe", probe_cache_}, {"log", std::move(log)}}));
}

void WebService::open_events(net::WebReply reply) {
  std::erase_if(streams_, [](const net::WebStream& s) { return !s.open(); });
  if (stopped_ || streams_.size() >= options_.max_event_streams) {
    return reply.respond(web::error_reply(503, "too many open event streams"));
  }
  net::WebResponse head;
  head.content_type = "text/event-stream";
  net::WebStream stream = reply.start_stream(std::move(head));
  if (!stream.open()) return;
  // The current state at once, so the page needs no separate first fetch.
  stream.write("retry: 2000\n\nevent: pairing\ndata: " + pairing_json() + "\n\nevent: stream\ndata: " + stream_json() + "\n\n");
  streams_.push_back(stream);
  if (!ticking_) {
    ticking_ = true;
    last_pairing_sent_ = pairing_json();
    last_keepalive_ = clock_.steady();
    tick();
  }
}

void WebService::tick() {
  std::erase_if(streams_, [](const net::WebStream& s) { return !s.open(); });
  if (stopped_ || streams_.empty()) {
    ticking_ = false;
    return;
  }
  std::string out;
  const std::string pairing = pairing_json();
  if (pairing != last_pairing_sent_) {
    out += "event: pairing\ndata: " + pairing + "\n\n";
    last_pairing_sent_ = pairing;
  }
  const std::string stream = stream_json();
  const bool active = stream != R"({"active":false})";
  if (active || last_stream_active_) out += "event: stream\ndata: " + stream + "\n\n";
  last_stream_active_ = active;
  const auto now = clock_.steady();
  if (out.empty() && now - last_keepalive_ >= kKeepAlive) out = ": keep-alive\n\n";  // comment line (HTML §9.2.6)
  if (!out.empty()) {
    last_keepalive_ = now;
    for (const auto& s : streams_) s.write(out);
  }
  timer_.expires_after(options_.event_interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

}  // namespace lightwell::server
