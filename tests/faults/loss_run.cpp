// See loss_run.hpp.
#include "loss_run.hpp"

#include <cstdio>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace lightwell::test {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kTable = "lwf_loss";

// The ruleset for one level; `add` + `delete` first so it replaces a previous level's.
std::string loss_ruleset(std::uint16_t video_port, std::uint16_t audio_port, const std::string& condition) {
  const std::string ports = "{ " + std::to_string(video_port) + ", " + std::to_string(audio_port) + " }";
  std::string s = std::string("add table inet ") + kTable + "\ndelete table inet " + kTable + "\n";
  s += std::string("table inet ") + kTable + " {\n";
  s += "  counter media {}\n  counter dropped {}\n  chain outage {}\n";
  s += "  chain out {\n    type filter hook output priority 0; policy accept;\n";
  s += "    udp sport " + ports + " counter name \"media\"\n";
  s += "    udp sport " + ports + " jump outage\n";
  if (!condition.empty()) s += "    udp sport " + ports + " " + condition + " counter name \"dropped\" drop\n";
  s += "  }\n}\n";
  return s;
}

std::uint64_t read_counter(const VethLink& link, const char* name) {
  const CommandOutput out = link.run_in_server({"nft", "list", "counter", "inet", kTable, name});
  // "counter media { packets 123 bytes 4567 }" (no std::regex: GCC 12 warns inside it at -O1
  // with the sanitizers, and warnings are errors).
  const auto at = out.output.find("packets ");
  const auto digits = at == std::string::npos ? at : at + 8;
  if (out.exit_code != 0 || digits == std::string::npos || digits >= out.output.size() ||
      !std::isdigit(static_cast<unsigned char>(out.output[digits]))) {
    throw std::runtime_error("nft counter " + std::string(name) + ": " + out.output);
  }
  return std::stoull(out.output.substr(digits));
}

}  // namespace

double LossFigures::whole_fraction() const {
  return frames.sent == 0 ? 0.0 : static_cast<double>(frames.whole) / static_cast<double>(frames.sent);
}
double LossFigures::shown_fraction() const {
  return frames.sent == 0 ? 0.0 : static_cast<double>(frames.shown) / static_cast<double>(frames.sent);
}
double LossFigures::drop_fraction() const {
  return media_datagrams == 0 ? 0.0 : static_cast<double>(media_dropped) / static_cast<double>(media_datagrams);
}

std::vector<LossLevel> standard_loss_levels() {
  return {
      {"none", "", 0ms, 0ms},
      {"random 5 %", "numgen random mod 100 < 5", 0ms, 0ms},
      {"random 10 %", "numgen random mod 100 < 10", 0ms, 0ms},
      {"random 20 %", "numgen random mod 100 < 20", 0ms, 0ms},
      // Runs: 5 consecutive datagrams of every 100 (5 %, all in one burst).
      {"burst 5 of 100", "numgen inc mod 100 < 5", 0ms, 0ms},
      {"outage 100 ms each s", "", 1000ms, 100ms},
  };
}

LossFigures run_loss_level(FaultSession& session, const LossLevel& level, std::chrono::milliseconds duration) {
  VethLink* link = session.link();
  if (link == nullptr) throw std::runtime_error("run_loss_level needs a session behind a veth link");
  LossFigures fig;
  fig.name = level.name;
  fig.duration = duration;

  StreamClient client(session.launch());
  const HandshakeResult hs = client.handshake();
  link->nft_server(loss_ruleset(hs.video_port, hs.audio_port, level.nft_condition));
  client.start_streaming();

  const auto start = Clock::now();
  const auto end = start + duration;
  if (level.outage_every > 0ms) {
    const std::string on = std::string("add rule inet ") + kTable + " outage counter name \"dropped\" drop\n";
    const std::string off = std::string("flush chain inet ") + kTable + " outage\n";
    for (auto next = start + level.outage_every; next + level.outage_length <= end; next += level.outage_every) {
      std::this_thread::sleep_until(next);
      link->nft_server(on);
      std::this_thread::sleep_for(level.outage_length);
      link->nft_server(off);
    }
  }
  std::this_thread::sleep_until(end);
  std::vector<ReceivedVideoFrame> frames = client.take_video_frames();
  fig.media_datagrams = read_counter(*link, "media");
  fig.media_dropped = read_counter(*link, "dropped");
  // The stream goes on under the same loss: whole frames keep coming (IDR requests answered).
  fig.kept_streaming = client.wait_for_frames(30, 10s) >= 30;
  fig.counters = client.counters();
  fig.audio_delivered = client.take_audio_packets().size();
  fig.frames = tally_frames(frames);
  fig.shown = shown_frames(std::move(frames));
  link->nft_server(std::string("delete table inet ") + kTable + "\n");
  client.disconnect();
  return fig;
}

std::string format_loss_table(const std::vector<LossFigures>& rows) {
  std::string out;
  char line[400];
  std::snprintf(line, sizeof line, "%-22s %8s %7s %7s %7s %8s %8s %7s %6s %6s %7s %6s %5s\n", "loss", "dropped", "sent",
                "whole", "whole%", "shown%", "FEC-rec", "IDRreq", "IDRs", "gap", "audio%", "term", "goes");
  out += line;
  for (const auto& r : rows) {
    const auto& c = r.counters;
    const double audio_total = static_cast<double>(r.audio_delivered + c.audio_packets_lost);
    const double audio_lost = audio_total > 0 ? 100.0 * static_cast<double>(c.audio_packets_lost) / audio_total : 0.0;
    std::snprintf(line, sizeof line, "%-22s %7.2f%% %7llu %7llu %6.2f%% %7.2f%% %8llu %7llu %6llu %6llu %6.2f%% %6s %5s\n",
                  r.name.c_str(), 100.0 * r.drop_fraction(), static_cast<unsigned long long>(r.frames.sent),
                  static_cast<unsigned long long>(r.frames.whole), 100.0 * r.whole_fraction(),
                  100.0 * r.shown_fraction(), static_cast<unsigned long long>(c.video_fec_recoveries),
                  static_cast<unsigned long long>(c.idr_requests),
                  static_cast<unsigned long long>(r.frames.recovery_idrs),
                  static_cast<unsigned long long>(r.frames.longest_gap), audio_lost,
                  c.termination_hresult ? "yes" : "no", r.kept_streaming ? "yes" : "NO");
    out += line;
  }
  out +=
      "dropped: media datagrams nftables dropped; whole: frames reassembled (FEC); shown: whole with an unbroken\n"
      "reference chain (Moonlight shows nothing from a loss to the next IDR); FEC-rec: frames repaired by parity;\n"
      "IDRreq: 0x0302 requests sent; IDRs: recovery IDR frames received; gap: longest run of frames not shown;\n"
      "audio%: audio packets lost after FEC; term: a termination message arrived; goes: frames still arrive.\n";
  return out;
}

}  // namespace lightwell::test
