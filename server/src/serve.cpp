// `lightwell serve`: staged start-up (config → state → control socket → signals), one io
// thread, and the reverse teardown when SIGINT/SIGTERM arrives. Later issues add the HTTP,
// HTTPS, RTSP and mDNS services to the same io_context.
#include <unistd.h>

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/version.hpp"

namespace lightwell::server {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "Lightwell";
  return buf;
}

std::string describe_binds(const NetworkOptions& n) {
  return n.bind_addresses.empty() ? std::string("all interfaces (IPv4 and IPv6)")
                                  : fmt::format("{}", fmt::join(n.bind_addresses, ", "));
}

void log_summary(const Log& log, const Setup& setup, const std::string& name, const HostIdentity& id,
                 std::size_t paired) {
  const Config& c = setup.config;
  const Ports p = c.server.ports();
  log.info("name \"{}\" (mDNS instance \"{}\"), uniqueid {}", name, mdns_instance_name(name), id.uniqueid);
  log.info("state directory {} ({} paired client{})", setup.state_dir.string(), paired, paired == 1 ? "" : "s");
  log.info("ports (base {}): https {}/tcp, http {}/tcp, web {}/tcp{}, video {}/udp, control {}/udp, audio {}/udp, rtsp {}/tcp",
           c.server.base_port, p.https, p.http, p.web, c.network.web_ui ? "" : " (disabled)", p.video, p.control,
           p.audio, p.rtsp);
  log.info("bind: {}", describe_binds(c.network));
  log.info("video: up to {}x{} at {} fps, encoder {}, bitrate {}..{} kbps", c.video.max_width_px,
           c.video.max_height_px, c.video.max_fps, to_string(c.video.encoder), c.video.min_bitrate_kbps,
           c.video.max_bitrate_kbps);
  log.info("audio: sink {}, up to {} channels; input {}", c.audio.sink.empty() ? "(default)" : c.audio.sink,
           c.audio.max_channels, c.input.enabled ? "enabled" : "disabled");
  log.info("web UI {}, allowed from {}", c.network.web_ui ? "enabled" : "disabled",
           fmt::format("{}", fmt::join(c.security.web_ui_allowed_networks, ", ")));
  std::vector<std::string> names;
  for (const auto& app : all_apps(c.apps)) names.push_back(app.name);
  log.info("apps ({}): {}", names.size(), names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")));
}

}  // namespace

int run_serve(const Invocation& inv, LogHub& hub) {
  const Setup setup = load_setup(inv.global, hub);
  const Log log = hub.get("server");
  const Log state_log = hub.get("state");
  log.info("lightwell {} starting", version());
  log.info("configuration: {}", setup.config_file ? setup.config_file->string() : "built-in defaults (no file)");

  prepare_state_dir(setup.state_dir, state_log);
  const HostIdentity identity = load_or_create_identity(setup.state_dir, state_log);
  const ClientStore clients = ClientStore::load(setup.state_dir);
  const std::string name = setup.config.server.name.empty() ? host_name() : setup.config.server.name;
  log_summary(log, setup, name, identity, clients.clients().size());

  boost::asio::io_context io(1);
  // Installed before "ready" is logged, so a signal sent after that line always lands here.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  ControlServer control(io, control_socket_path(setup.state_dir), hub.get("control"),
                        [](const PairRequest&) {
                          // The pairing flow (http-pairing.md §5) lands in a later change.
                          return ControlReply{false, "no pairing attempt pending"};
                        });
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log.info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    // Reverse order of start-up; once nothing is pending, io.run() returns.
    control.stop();
  });
  log.info("ready: control socket {}; stop with SIGINT or SIGTERM",
           control_socket_path(setup.state_dir).string());
  io.run();
  log.info("stopped cleanly");
  return 0;
}

}  // namespace lightwell::server
