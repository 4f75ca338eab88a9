// See fault_session.hpp.
#include "fault_session.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

namespace lightwell::test {

using namespace std::chrono_literals;

FaultSession::FaultSession(bool use_veth, LightwellOptions options) {
  if (use_veth) {
    link_.emplace();
    options.bind_address = VethLink::kServerIp;
    options.network_namespace = link_->server_namespace_path();
  }
  host_ = std::make_unique<LightwellProcess>(std::move(options));
  host_->start();
  auto identity = make_client_identity();
  if (!identity) throw std::runtime_error("client identity: " + identity.error().message);
  client_ = std::make_unique<GameStreamClient>(host_->address(), std::move(*identity));
  // Pairing as a user does it: the client waits in phase 1 while the PIN is typed on the host.
  PairOptions pair_options;
  pair_options.phase1_timeout = 15s;
  auto pairing = std::async(std::launch::async, [this, pair_options] {
    return client_->pair("4321", PairingRandomness::random(), pair_options);
  });
  const CliResult pin = host_->enter_pin("4321", "faults", 15s);
  const PairResult paired = pairing.get();
  if (!paired.paired) {
    throw std::runtime_error("pairing failed: " + paired.error + "\n" + pin.describe() + "\n" + diagnostics());
  }
  for (const auto& app : parse_applist(client_->applist())) {
    if (app.title == "Desktop") desktop_ = app.id;
  }
  if (desktop_ == 0) throw std::runtime_error("no Desktop app\n" + diagnostics());
}

FaultSession::~FaultSession() {
  client_.reset();
  host_.reset();  // SIGKILLs a server still running, before its namespace goes
  link_.reset();
}

StreamClientOptions FaultSession::launch() {
  LaunchParams launch;
  launch.appid = desktop_;
  launch.mode = "1280x720x60";
  launch.rikey = random_secret();
  launch.rikeyid = 0x1234567;
  launch.corever = 1;
  const XmlReply reply = launched_ ? client_->resume(launch) : client_->launch(launch);
  if (!reply.ok()) throw std::runtime_error("launch/resume refused\n" + diagnostics());
  launched_ = true;
  StreamClientOptions o;
  o.host = host_->address().host;
  o.rtsp_port = host_->rtsp_port();
  o.session_url = reply.text("sessionUrl0").value_or("");
  o.rikey = launch.rikey;
  o.rikeyid = launch.rikeyid;
  o.width_px = 1280;
  o.height_px = 720;
  o.fps = 60;
  o.bitrate_kbps = 10000;
  return o;
}

std::string FaultSession::diagnostics() const {
  return "---- client transcript ----\n" + (client_ ? client_->transcript() : std::string()) + host_->diagnostics();
}

bool FaultSession::log_has(const std::string& text, std::chrono::milliseconds within) const {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (host_->log().find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

std::size_t FaultSession::log_count(const std::string& text) const {
  const std::string log = host_->log();
  std::size_t n = 0;
  for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + text.size())) ++n;
  return n;
}

FrameTally tally_frames(const std::vector<ReceivedVideoFrame>& frames) {
  FrameTally t;
  std::map<std::uint32_t, std::uint8_t> type_of;  // frame index → frame type, whole frames only
  for (const auto& f : frames) type_of[f.frame_index] = f.frame_type;
  if (type_of.empty()) return t;
  t.sent = type_of.rbegin()->first;
  t.whole = type_of.size();
  t.missing = t.sent - t.whole;
  bool chain = false;  // nothing decodable before the first IDR
  bool first_idr = true;
  std::uint64_t gap = 0;
  for (std::uint32_t i = 1; i <= t.sent; ++i) {
    const auto it = type_of.find(i);
    if (it == type_of.end()) {
      chain = false;
    } else if (it->second == 2) {
      chain = true;
      if (!first_idr) ++t.recovery_idrs;
      first_idr = false;
    }
    if (chain && it != type_of.end()) {
      ++t.shown;
      gap = 0;
    } else {
      t.longest_gap = std::max(t.longest_gap, ++gap);
    }
  }
  return t;
}

}  // namespace lightwell::test

namespace lightwell::test {

std::vector<ReceivedVideoFrame> shown_frames(std::vector<ReceivedVideoFrame> frames) {
  std::sort(frames.begin(), frames.end(), [](const auto& a, const auto& b) { return a.frame_index < b.frame_index; });
  std::vector<ReceivedVideoFrame> shown;
  bool chain = false;
  std::uint32_t expected = 1;
  for (auto& f : frames) {
    if (f.frame_index != expected) chain = false;  // an index went missing before this one
    if (f.frame_type == 2) chain = true;
    expected = f.frame_index + 1;
    if (chain) shown.push_back(std::move(f));
  }
  return shown;
}

}  // namespace lightwell::test
