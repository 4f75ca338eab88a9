// web_test_client: the project's GameStream test client (tests/support/gamestream_client.hpp,
// stream_client.hpp) as a command-line tool, so the browser tests (web.test.mjs, Node) can
// act as a Moonlight device against the real `lightwell serve` while the browser drives the
// web page. Each run is one action; the client identity (certificate + key, Moonlight-shaped,
// http-pairing.md §5.8) lives in --identity DIR so that successive runs are the same device.
//
//   web_test_client --host H --http-port P --https-port Q --rtsp-port R --identity DIR
//                   [--uniqueid ID] <command>
//   pair PIN [TIMEOUT_S]  pairs like Moonlight (§5.2–§5.6): prints "PAIR_STARTED" once phase 1
//                         is sent (the host now shows the attempt), then "PAIRED" (exit 0) or
//                         "NOT_PAIRED phase=N <why>" (exit 1). The PIN is typed on the host.
//   check                 GET /serverinfo and /applist over HTTPS with our certificate:
//                         "ACCEPTED" (exit 0) when both answer status 200, "REFUSED <code>"
//                         (exit 3) when the host answers XML 401 (§1), else exit 2.
//   stream SECONDS        /launch of the Desktop app, RTSP handshake, control + media
//                         (stream_client.hpp), receives for SECONDS printing
//                         "FRAMES <n>" each second, then quits like Moonlight and /cancel.
//                         Exit 0 when frames arrived.
// Lines on stdout are the protocol with the test (flushed at once); diagnostics go to stderr.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gamestream_client.hpp"
#include "stream_client.hpp"

namespace {

using namespace lightwell::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Args {
  HostAddress address;
  std::uint16_t rtsp_port = 0;
  fs::path identity_dir;
  std::string uniqueid = "0123456789ABCDEF";
  std::vector<std::string> command;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "web_test_client: " << why
            << "\nusage: web_test_client --host H --http-port P --https-port Q [--rtsp-port R] --identity DIR"
               " [--uniqueid ID] (pair PIN [TIMEOUT_S] | check | stream SECONDS)\n";
  std::exit(64);
}

std::uint16_t port_of(const std::string& text) {
  const long value = std::strtol(text.c_str(), nullptr, 10);
  if (value <= 0 || value > 65535) usage("bad port " + text);
  return static_cast<std::uint16_t>(value);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--host") a.address.host = value();
    else if (arg == "--http-port") a.address.http_port = port_of(value());
    else if (arg == "--https-port") a.address.https_port = port_of(value());
    else if (arg == "--rtsp-port") a.rtsp_port = port_of(value());
    else if (arg == "--identity") a.identity_dir = value();
    else if (arg == "--uniqueid") a.uniqueid = value();
    else a.command.push_back(arg);
  }
  if (a.identity_dir.empty()) usage("--identity DIR is required");
  if (a.command.empty()) usage("no command");
  return a;
}

void say(const std::string& line) {
  std::cout << line << std::endl;  // endl: the test reads line by line, as it happens
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The same device across runs: the identity is made once and kept in DIR.
ClientIdentity load_or_make_identity(const fs::path& dir) {
  const fs::path cert = dir / "client_cert.pem";
  const fs::path key = dir / "client_key.pem";
  if (fs::exists(cert) && fs::exists(key)) return ClientIdentity{read_text(cert), read_text(key)};
  auto made = make_client_identity();
  if (!made) throw std::runtime_error("cannot make a client identity: " + made.error().message);
  fs::create_directories(dir);
  std::ofstream(cert, std::ios::binary | std::ios::trunc) << made->cert_pem;
  std::ofstream(key, std::ios::binary | std::ios::trunc) << made->key_pem;
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  return *made;
}

int do_pair(GameStreamClient& client, const std::vector<std::string>& cmd) {
  if (cmd.size() < 2) usage("pair needs a PIN");
  PairOptions options;
  options.phase1_timeout = std::chrono::seconds(cmd.size() > 2 ? std::stoi(cmd[2]) : 60);
  options.on_phase1_sent = [] { say("PAIR_STARTED"); };
  const PairResult result = client.pair(cmd[1], PairingRandomness::random(), options);
  if (result.paired) {
    say("PAIRED");
    return 0;
  }
  say("NOT_PAIRED phase=" + std::to_string(result.failed_phase) + " " + result.error);
  std::cerr << client.transcript();
  return 1;
}

int do_check(GameStreamClient& client) {
  int refused_code = 0;
  for (const std::string path : {"/serverinfo", "/applist"}) {
    const HttpReply reply = client.https(path, {}, 10s);
    if (!reply.ok()) {
      say("ERROR " + path + " " + reply.transport_error);
      return 2;
    }
    const XmlReply xml = parse_xml(reply.body);
    if (xml.status_code == 401) {
      refused_code = 401;
      continue;
    }
    if (!xml.ok()) {
      say("ERROR " + path + " status " + std::to_string(xml.status_code.value_or(-1)));
      return 2;
    }
  }
  if (refused_code != 0) {
    say("REFUSED " + std::to_string(refused_code));
    return 3;
  }
  say("ACCEPTED");
  return 0;
}

int do_stream(GameStreamClient& client, const Args& args) {
  if (args.command.size() < 2) usage("stream needs SECONDS");
  if (args.rtsp_port == 0) usage("stream needs --rtsp-port");
  const int seconds = std::stoi(args.command[1]);
  long long desktop = 0;
  for (const auto& app : parse_applist(client.applist())) {
    if (app.title == "Desktop") desktop = app.id;
  }
  if (desktop == 0) {
    say("ERROR no Desktop app in the applist (is this client paired?)");
    return 2;
  }
  LaunchParams launch;
  launch.appid = desktop;
  launch.mode = "1280x720x60";
  launch.rikey = random_secret();
  launch.rikeyid = 0x1234567;
  const XmlReply reply = client.launch(launch);
  if (!reply.ok()) {
    say("ERROR launch refused: " + reply.raw);
    return 2;
  }
  StreamClientOptions o;
  o.host = args.address.host;
  o.rtsp_port = args.rtsp_port;
  o.session_url = reply.text("sessionUrl0").value_or("");
  o.rikey = launch.rikey;
  o.rikeyid = launch.rikeyid;
  o.width_px = 1280;
  o.height_px = 720;
  o.fps = 60;
  o.bitrate_kbps = 10000;
  StreamClient stream(o);
  stream.handshake();
  stream.start_streaming();
  say("STREAMING");
  std::uint64_t frames = 0;
  for (int s = 0; s < seconds; ++s) {
    std::this_thread::sleep_for(1s);
    frames = stream.counters().video_frames_complete;
    stream.take_video_frames();  // keep memory flat; only the count matters here
    stream.take_audio_packets();
    say("FRAMES " + std::to_string(frames));
  }
  stream.disconnect();
  client.cancel();
  say("STREAMED frames=" + std::to_string(frames));
  return frames > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  try {
    GameStreamClient client(args.address, load_or_make_identity(args.identity_dir), args.uniqueid);
    const std::string& cmd = args.command.front();
    if (cmd == "pair") return do_pair(client, args.command);
    if (cmd == "check") return do_check(client);
    if (cmd == "stream") return do_stream(client, args);
    usage("unknown command " + cmd);
  } catch (const std::exception& e) {
    say(std::string("ERROR ") + e.what());
    return 2;
  }
}
