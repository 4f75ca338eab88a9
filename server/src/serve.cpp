// `lightwell serve`: staged start-up (config → state → encoder probe → services → control
// socket → HTTP/HTTPS listeners → signals), one io thread, and the reverse teardown when
// SIGINT/SIGTERM arrives. Streaming: RTSP and the media sockets on the same io_context, the
// ENet control host and each session's media threads on their own (stream_controller.hpp).
#include <unistd.h>

#include <csignal>
#include <memory>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/audio/probe.hpp"
#include "lightwell/encode/probe.hpp"
#include "lightwell/net/http_server.hpp"
#include "lightwell/net/rtsp_server.hpp"
#include "lightwell/net/udp_media.hpp"
#include "lightwell/net/web_server.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "lightwell/server/app_runner.hpp"
#include "lightwell/server/control_service.hpp"
#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/mdns.hpp"
#include "lightwell/server/host_caps.hpp"
#include "lightwell/server/nvhttp_service.hpp"
#include "lightwell/server/pairing_service.hpp"
#include "lightwell/server/capture_backend.hpp"
#include "lightwell/server/privileges.hpp"
#include "lightwell/server/rtsp_service.hpp"
#include "lightwell/server/service_notifier.hpp"
#include "lightwell/server/stream_controller.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/stream_sessions.hpp"
#include "lightwell/server/version.hpp"
#include "lightwell/server/web_apps.hpp"
#include "lightwell/server/web_service.hpp"

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
  const std::string audio_from = c.audio.source == AudioSourceKind::test_tone ? std::string("test tone")
                                 : !c.audio.sink.empty()                       ? "PipeWire sink " + c.audio.sink
                                 : c.audio.virtual_sink ? std::string("PipeWire virtual sink lightwell-sink")
                                                        : std::string("PipeWire default sink");
  log.info("audio: {}, up to {} channels; input {}", audio_from, c.audio.max_channels,
           c.input.enabled ? "enabled" : "disabled");
  if (c.audio.source == AudioSourceKind::pipewire) {
    // Said at start, not only when a client connects: the usual mistake is a system service
    // that cannot see the user's PipeWire (docs/audio-pipewire.md "Configuration").
    const audio::AudioProbe probe = audio::probe_audio(audio::audio_probe_env_from_process());
    if (!probe.pipewire_reachable) {
      log.warn("audio: PipeWire is not reachable ({}{}{}): streams will carry silence until it is. Fix: run "
               "lightwell in the user session that runs PipeWire, or set XDG_RUNTIME_DIR / "
               "PIPEWIRE_RUNTIME_DIR to its runtime directory",
               probe.pipewire_socket.empty() ? std::string("no socket named") : probe.pipewire_socket.string(),
               probe.pipewire_detail.empty() ? "" : ": ", probe.pipewire_detail);
    }
  }
  log.info("web UI {}, allowed from {}", c.network.web_ui ? "enabled" : "disabled",
           fmt::format("{}", fmt::join(c.security.web_ui_allowed_networks, ", ")));
  std::vector<std::string> names;
  for (const auto& app : all_apps(c.apps)) names.push_back(app.name);
  log.info("apps ({}): {}", names.size(), names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")));
}

std::string describe_codecs(const proto::HostCapabilities& caps) {
  std::string s = "H.264";
  if (caps.hevc) s += caps.hevc_main10 ? ", HEVC (Main10)" : ", HEVC";
  if (caps.av1) s += caps.av1_main10 ? ", AV1 (10-bit)" : ", AV1";
  return s;
}

// The app runner behind /launch, /resume and /cancel: real processes (docs/apps.md).
std::unique_ptr<AppController> make_app_controller(boost::asio::io_context& io, const Setup& setup, const Log& log) {
  return std::make_unique<ProcessAppController>(io, log,
                                                AppRunnerOptions::from_config(setup.config.apps, setup.state_dir));
}

// One listener per address. No bind_addresses: "::" (all interfaces, IPv6 and, where the
// kernel makes it dual-stack as Linux does by default, IPv4 too); if that socket turns out to
// be IPv6-only (net.ipv6.bindv6only=1) "0.0.0.0" is added, and without IPv6 "0.0.0.0" alone.
// make(address) binds one listener (throwing std::system_error when it cannot).
template <class Listener, class Make>
std::vector<std::unique_ptr<Listener>> listen_on(const NetworkOptions& network, std::uint16_t port, const Make& make,
                                                 const Log& log, const char* what) {
  std::vector<std::unique_ptr<Listener>> servers;
  auto bind = [&](const std::string& address) { servers.push_back(make(address)); };
  auto refuse = [&](const std::system_error& e) {
    return StartupError(fmt::format("{}: {}", what, e.what()),
                        fmt::format("another program (a second lightwell, Sunshine, ...) may use TCP port {}; stop it "
                                    "or choose another [server] base_port",
                                    port));
  };
  try {
    if (!network.bind_addresses.empty()) {
      for (const auto& address : network.bind_addresses) bind(address);
      return servers;
    }
    try {
      bind("::");
    } catch (const std::system_error& e) {
      log.info("{}: no IPv6 listener ({}); listening on IPv4 only", what, e.code().message());
      bind("0.0.0.0");
      return servers;
    }
    try {
      bind("0.0.0.0");
      log.info("{}: the IPv6 socket is IPv6-only here; added an IPv4 listener", what);
    } catch (const std::system_error&) {
      // Expected: the dual-stack "::" socket already holds the IPv4 port.
    }
  } catch (const std::system_error& e) {
    throw refuse(e);
  }
  return servers;
}

std::vector<std::unique_ptr<net::HttpServer>> http_listeners(boost::asio::io_context& io, const NetworkOptions& network,
                                                             std::uint16_t port,
                                                             const std::optional<net::TlsIdentity>& tls,
                                                             const net::HttpHandler& handler, const Log& log,
                                                             const char* what) {
  return listen_on<net::HttpServer>(
      network, port,
      [&](const std::string& address) {
        net::HttpServerOptions options;
        options.bind_address = address;
        options.port = port;
        return std::make_unique<net::HttpServer>(io, options, tls, handler);
      },
      log, what);
}

// The media sockets and the ENet host are one socket each (the client pings the port it
// receives from): the first configured address, or the dual-stack "::" (ENet: IPv4 only,
// see enet_host.hpp, so "0.0.0.0" or the first IPv4 address).
std::string media_bind_address(const NetworkOptions& network) {
  return network.bind_addresses.empty() ? std::string("::") : network.bind_addresses.front();
}

std::string enet_bind_address(const NetworkOptions& network) {
  for (const auto& address : network.bind_addresses) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(address, ec);
    if (!ec && a.is_v4()) return address;
  }
  return "0.0.0.0";
}

template <class Make>
auto bind_or_explain(const Make& make, const char* what, std::uint16_t port) {
  try {
    return make();
  } catch (const std::system_error& e) {
    throw StartupError(fmt::format("{}: {}", what, e.what()),
                       fmt::format("another program (a second lightwell, Sunshine, ...) may use UDP port {}; stop it "
                                   "or choose another [server] base_port",
                                   port));
  }
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
  // One instance, shared by reference: pairing adds to it, every HTTPS request reads it, and
  // an unpair through the control socket must remove from this same instance.
  ClientStore clients = ClientStore::load(setup.state_dir);
  const std::string name = setup.config.server.name.empty() ? host_name() : setup.config.server.name;
  log_summary(log, setup, name, identity, clients.clients().size());
  const Ports ports = setup.config.server.ports();
  // What serverinfo and DESCRIBE offer, and the rows a session may encode with: one rule
  // (host_caps.hpp offered_capabilities / offered_encoders, [video] encoder and software_*).
  proto::HostCapabilities caps =
      offered_capabilities(codec_availability(encode::encoder_table()), setup.config.video);
  // Clients send touch and pen events only to hosts that set feature flag 0x01 (input.md §0,
  // §6); the injector handles both. Controller touchpad/motion (0x02) are not emulated.
  if (setup.config.input.enabled) caps.feature_flags |= proto::kHostFeaturePenTouch;
  log.info("codecs offered to clients: {}", describe_codecs(caps));

  auto pairing_identity = proto::crypto::PairingIdentity::create(identity.certificate_pem, identity.private_key_pem);
  if (!pairing_identity) {
    throw StartupError("the host identity cannot be used for pairing: " + pairing_identity.error().message);
  }

  boost::asio::io_context io(1);
  // systemd Type=notify (service_notifier.hpp); before the stream controller, which reports to it.
  ServiceNotifier notifier(io, hub.get("systemd"));
  // Services, in dependency order; no I/O yet.
  PairingService pairing(io, std::move(*pairing_identity), clients, hub.get("pairing"));
  StreamSessions sessions;
  // Declared after io, so it is destroyed first: its destructor stops a running app.
  const std::unique_ptr<AppController> app_controller = make_app_controller(io, setup, hub.get("apps"));
  // Config-file apps, then the ones added on the web page (<state>/apps.json, docs/web.md).
  WebAppStore web_apps(setup.state_dir, setup.config.apps);
  NvhttpService nvhttp(identity.uniqueid, web_apps.apps(), NvhttpOptions{name, ports, caps}, clients, pairing,
                       sessions, *app_controller, hub.get("nvhttp"));

  // Installed before "ready" is logged, so a signal sent after that line always lands here.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  ControlHandlers control_handlers;
  // `clients list` / `clients unpair` act on the same ClientStore every HTTPS request reads,
  // so an unpair refuses the client's next request without a restart.
  control_handlers.list_clients = [&clients] { return handle_clients_list(clients); };
  control_handlers.unpair = [&clients, state_log](std::string_view name_or_id) {
    return handle_unpair(clients, name_or_id, state_log);
  };
  control_handlers.pair = [&pairing, pin_log = hub.get("pairing")](const PairRequest& request) {
                          // ControlServer answers synchronously: an outcome known at once
                          // (no attempt, bad PIN, locked) goes back to `lightwell pair`; the
                          // result of phases 2-4, which follow within a second, is logged.
                          auto immediate = std::make_shared<std::optional<ControlReply>>();
                          auto answered = std::make_shared<bool>(false);
                          pairing.enter_pin(request.pin, request.name,
                                            [immediate, answered, pin_log](ControlReply reply) {
                                              if (!*answered) {
                                                *immediate = std::move(reply);
                                              } else {
                                                pin_log.info("pairing outcome: {} {}", reply.ok ? "ok" : "error",
                                                             reply.message);
                                              }
                                            });
                          *answered = true;
                          if (*immediate) return **immediate;
                          return ControlReply{true,
                                              "PIN accepted; the client is finishing pairing (the outcome is in "
                                              "the server log; `lightwell clients list` shows it once paired)"};
                        };
  ControlServer control(io, control_socket_path(setup.state_dir), hub.get("control"), std::move(control_handlers));

  // Streaming (issue 4), bound after the control socket so a second instance on the same
  // state directory is refused by name rather than by a port clash: the ENet control host (its own thread), the stream lifecycle, the two
  // media sockets (pings in on this io thread, media out from the session's threads) and RTSP.
  net::EnetHostOptions enet_options;
  enet_options.bind_address = enet_bind_address(setup.config.network);
  enet_options.port = ports.control;
  // Capabilities go before the first thread starts (capset acts per thread; the ENet host
  // starts one, and threads copy their creator's sets): the ambient set would reach every
  // launched app. Low ports keep CAP_NET_BIND_SERVICE until bound (privileges.hpp). KMS
  // capture keeps CAP_SYS_ADMIN permitted but not effective: the video thread raises it only
  // around drmModeGetFB2 + the PRIME export (docs/capture-kms.md "Capabilities").
  const CapMask bind_keep = bind_capabilities_needed(
      {ports.https, ports.http, ports.video, ports.control, ports.audio, ports.rtsp,
       setup.config.network.web_ui ? ports.web : ports.https},
      unprivileged_port_start());
  const bool kms_wanted = setup.config.video.capture != CaptureKind::test_pattern;
  const CapMask kms_dormant = kms_wanted ? cap_bit(kCapSysAdmin) : 0;
  log.info("{}", describe_drop(drop_capabilities(bind_keep, kms_dormant),
                               kms_wanted ? "not used by the server; cap_sys_admin only for KMS capture"
                                          : "not used: [video] capture = \"test-pattern\""));
  const CaptureChoice capture_choice =
      choose_capture(setup.config.video, kms_options(setup.config.video, kms_wanted));
  if (capture_choice.warning) {
    log.warn("{}", capture_choice.message);
  } else {
    log.info("{}", capture_choice.message);
  }
  if (kms_wanted && capture_choice.kind != CaptureKind::kms) {
    log.info("{}", describe_drop(drop_capabilities(bind_keep), "KMS capture is not used"));
  }
  ControlService control_stream = bind_or_explain(
      [&] { return ControlService(enet_options, hub.get("control-stream")); }, "control stream (ENet)", ports.control);

  StreamControllerOptions stream_options;
  stream_options.video = setup.config.video;
  stream_options.input = setup.config.input;
  stream_options.on_stream_change = [&notifier, &clients, http = ports.http](const std::optional<StreamSummary>& s) {
    notifier.status(s ? streaming_status(*s) : idle_status(clients.clients().size(), http));
  };
  MediaBackends backends = media_backends(setup.config.audio);
  backends.frame_source = frame_source_factory(capture_choice);
  backends.video_encoder = [rows = offered_encoders(encode::encoder_table(), setup.config.video)](
                               const encode::EncoderConfig& config) { return encode::create_encoder(config, rows); };
  StreamController streams(io, *app_controller, control_stream, std::move(backends), stream_options,
                           hub.get("stream"));
  sessions.set_on_ended([&streams](const StreamSession& ended) { streams.on_launch_session_ended(ended); });
  auto media_socket = [&](std::uint16_t port, bool video) {
    net::UdpDatagramHandler handler = [&streams, video](std::span<const std::uint8_t> datagram,
                                                        const boost::asio::ip::udp::endpoint& from) {
      if (video) {
        streams.on_video_datagram(datagram, from);
      } else {
        streams.on_audio_datagram(datagram, from);
      }
    };
    auto make = [&](const std::string& address) {
      net::UdpPingSocketOptions options;
      options.bind_address = address;
      options.port = port;
      return std::make_unique<net::UdpPingSocket>(io, options, handler);
    };
    const char* what = video ? "video socket" : "audio socket";
    return bind_or_explain(
        [&] {
          if (!setup.config.network.bind_addresses.empty()) return make(media_bind_address(setup.config.network));
          try {
            return make("::");
          } catch (const std::system_error& e) {
            log.info("{}: no IPv6 ({}); IPv4 only", what, e.code().message());
            return make("0.0.0.0");
          }
        },
        what, port);
  };
  auto video_socket = media_socket(ports.video, true);
  auto audio_socket = media_socket(ports.audio, false);
  streams.set_media_sockets(video_socket->native_handle(), audio_socket->native_handle());
  RtspService rtsp_service(
      sessions, caps, ports, setup.config.video,
      [&streams](const StreamSession& s, const proto::StreamParams& p, const AnnounceContext& c) {
        return streams.start_stream(s, p, c);
      },
      hub.get("rtsp"));
  auto rtsp = listen_on<net::RtspServer>(
      setup.config.network, ports.rtsp,
      [&](const std::string& address) {
        net::RtspServerOptions options;
        options.bind_address = address;
        options.port = ports.rtsp;
        return std::make_unique<net::RtspServer>(
            io, options, [&rtsp_service](const net::RtspMessage& m) { return rtsp_service.handle(m); },
            [&rtsp_service](const net::RtspMessage& m, const net::RtspFramingError& e) {
              return rtsp_service.handle_framing_error(m, e);
            });
      },
      log, "RTSP");

  // Exceptions must not unwind through io.run(): a handler that throws answers 500.
  auto guarded = [&log](void (NvhttpService::*member)(const net::HttpRequest&, net::Responder), NvhttpService& svc) {
    return [&log, member, &svc](const net::HttpRequest& request, net::Responder respond) {
      try {
        (svc.*member)(request, respond);
      } catch (const std::exception& e) {
        log.error("{} {}: internal error: {}", request.tls ? "HTTPS" : "HTTP", request.target.substr(0, 64), e.what());
        respond(net::HttpResponse{200, "application/xml", proto::build_error(500, "Internal error")});
      }
    };
  };
  auto http = http_listeners(io, setup.config.network, ports.http, std::nullopt,
                             guarded(&NvhttpService::handle_http, nvhttp), log, "HTTP");
  auto https = http_listeners(io, setup.config.network, ports.https,
                              net::TlsIdentity{identity.certificate_pem, identity.private_key_pem},
                              guarded(&NvhttpService::handle_https, nvhttp), log, "HTTPS");
  // The web page (issue 8, docs/web.md): after the nvhttp listeners, on the same addresses
  // and io thread, answering only the configured networks.
  std::optional<WebService> web;
  std::vector<std::unique_ptr<net::WebServer>> web_servers;
  if (setup.config.network.web_ui) {
    auto filter = std::make_shared<NetworkFilter>(setup.config.security.web_ui_allowed_networks);
    WebServiceDeps deps{setup.state_dir,
                        clients,
                        pairing,
                        web_apps,
                        [&nvhttp](const std::vector<App>& apps) { nvhttp.set_apps(apps); },
                        [&streams] { return streams.status(); },
                        [video = setup.config.video] { return probe_report(video); },
                        [&hub] { return hub.recent_lines(); }};
    web.emplace(io, std::move(deps), hub.get("web"));
    web_servers = listen_on<net::WebServer>(
        setup.config.network, ports.web,
        [&](const std::string& address) {
          net::WebServerOptions options;
          options.bind_address = address;
          options.port = ports.web;
          options.common_headers = WebService::security_headers();
          options.allow_peer = [filter](const boost::asio::ip::address& peer) { return filter->allows(peer); };
          // Box art uploads only: every other body is JSON of at most 64 KiB.
          options.body_limit = [](std::string_view target) -> std::size_t {
            const bool image = target.rfind("/api/apps/", 0) == 0 && target.size() > 6 &&
                               target.substr(target.size() - 6) == "/image";
            return image ? 4 * 1024 * 1024 : 64 * 1024;
          };
          return std::make_unique<net::WebServer>(io, options,
                                                  net::TlsIdentity{identity.certificate_pem, identity.private_key_pem},
                                                  [&web](const net::WebRequest& r, net::WebReply reply) {
                                                    web->handle(r, std::move(reply));
                                                  });
        },
        log, "web");
  }
  video_socket->start();
  audio_socket->start();
  for (auto& s : rtsp) s->start();
  for (auto& s : http) s->start();
  for (auto& s : https) s->start();
  for (auto& s : web_servers) s->start();
  if (bind_keep != 0) log.info("{}", describe_drop(drop_capabilities(0), "every listener is bound"));
  // Announced only once the listeners accept (protocol README "Discovery").
  MdnsPublisher mdns(hub.get("mdns"), mdns_instance_name(name), ports.http);
  mdns.start();

  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    notifier.stopping();  // systemd shows "deactivating" at once (sd_notify(3) STOPPING=1)
    notifier.stop_watchdog();
    log.info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    // Reverse order of start-up; once nothing is pending, io.run() returns. The web page
    // goes first (its event streams would keep the loop busy), then the mDNS record, so
    // clients drop the host before its listeners close.
    for (auto& s : web_servers) s->stop();
    if (web) web->stop();
    mdns.stop();
    for (auto& s : https) s->stop();
    for (auto& s : http) s->stop();
    for (auto& s : rtsp) s->stop();
    streams.stop();  // a streaming client gets the termination message before the control host goes
    audio_socket->stop();
    video_socket->stop();
    control_stream.stop();
    control.stop();
    pairing.stop();  // a held phase-1 request's connection is already closed; the Responder is a no-op
    sessions.end();
    app_controller->stop();
  });
  log.info("ready: HTTP {}/tcp, HTTPS {}/tcp, RTSP {}/tcp, control {}/udp, video {}/udp, audio {}/udp, web {}, control "
           "socket {}; stop with SIGINT or SIGTERM",
           ports.http, ports.https, ports.rtsp, ports.control, ports.video, ports.audio,
           setup.config.network.web_ui ? fmt::format("https://<host>:{}/", ports.web) : std::string("disabled"),
           control_socket_path(setup.state_dir).string());
  notifier.ready(idle_status(clients.clients().size(), ports.http));
  notifier.start_watchdog();  // pings from this io thread: a hung loop stops them
  io.run();
  log.info("stopped cleanly");
  return 0;
}

}  // namespace lightwell::server
