// See guest_run.hpp.
#include "guest_run.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#ifndef LIGHTWELL_GUEST_RUNNER
#error "LIGHTWELL_GUEST_RUNNER (path of tests/guest/run-in-guest.sh) must be defined"
#endif
#ifndef LIGHTWELL_INPUT_GUEST
#error "LIGHTWELL_INPUT_GUEST (path of the lightwell_input_guest binary) must be defined"
#endif

namespace lightwell::test::guest {
namespace {

namespace fs = std::filesystem;

// Whole-VM limit handed to the runner: the first run on a fresh machine downloads the kernel
// (25–40 s measured), later runs take ~3–5 s; TCG is slow and CI shares 2 cores. Below the
// ctest TIMEOUT (300 s) so that the runner's own timeout report (console tail) is what shows.
// LIGHTWELL_GUEST_TIMEOUT_S overrides it (a slower machine; or a tiny value to see the
// timeout report).
constexpr int kVmTimeoutS = 240;

int vm_timeout_s() {
  const char* v = std::getenv("LIGHTWELL_GUEST_TIMEOUT_S");
  const int s = v != nullptr ? std::atoi(v) : 0;
  return s > 0 ? s : kVmTimeoutS;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> t;
  for (std::string w; in >> w;) t.push_back(w);
  return t;
}

// Tokens [first, size - trailing) joined with single spaces: the device name.
std::string join(const std::vector<std::string>& t, std::size_t first, std::size_t trailing) {
  std::string out;
  for (std::size_t i = first; i + trailing < t.size(); ++i) out += (out.empty() ? "" : " ") + t[i];
  return out;
}

template <typename T>
T num(const std::string& s) {
  return static_cast<T>(std::stol(s, nullptr, 0));
}

void parse(GuestRun& run) {
  std::istringstream in(run.stdout_text);
  std::string current;  // scenario of the last SCENARIO line
  std::map<std::string, std::string> step;  // scenario -> current step
  for (std::string line; std::getline(in, line);) {
    const auto t = split(line);
    if (t.empty()) continue;
    const std::string& kind = t[0];
    if (kind == "DONE") { run.done = true; continue; }
    if (kind == "SCENARIO" && t.size() == 2) { current = t[1]; step[current] = "start"; run.scenarios[current]; continue; }
    if (kind == "RUMBLE" && t.size() == 4) { run.scenarios[current].rumbles.emplace_back(step[current], t[1] + " " + t[2] + " " + t[3]); }
    if (kind == "MSG" && t.size() == 2) { run.scenarios[current].messages.emplace_back(step[current], t[1]); }
    if (t.size() < 2 || kind == "RUMBLE" || kind == "MSG") {
      if (!current.empty()) run.scenarios[current].lines.push_back(line);
      continue;
    }
    const std::string& sc = t[1];
    Scenario& s = run.scenarios[sc];
    if (kind != "CAP" && kind != "ABS") s.lines.push_back(line);
    try {
      if (kind == "PKT" && t.size() >= 3) {
        step[sc] = "pkt" + t[2];
      } else if (kind == "MARK" && t.size() >= 3) {
        step[sc] = t[2];
      } else if (kind == "EV" && t.size() >= 6) {
        s.devices[join(t, 2, 3)].events[step[sc]].push_back(
            {num<std::uint16_t>(t[t.size() - 3]), num<std::uint16_t>(t[t.size() - 2]), num<std::int32_t>(t.back())});
      } else if (kind == "DEV" && t.size() >= 5) {
        auto& d = s.devices[join(t, 2, 2)];
        d.vendor = num<std::uint16_t>(t[t.size() - 2]);
        d.product = num<std::uint16_t>(t.back());
      } else if (kind == "CAP" && t.size() >= 5) {
        s.devices[join(t, 2, 2)].caps.insert({num<std::uint16_t>(t[t.size() - 2]), num<std::uint16_t>(t.back())});
      } else if (kind == "ABS" && t.size() >= 7) {
        s.devices[join(t, 2, 4)].abs[num<std::uint16_t>(t[t.size() - 4])] = {
            num<std::int32_t>(t[t.size() - 3]), num<std::int32_t>(t[t.size() - 2]), num<std::int32_t>(t.back())};
      } else if (kind == "PROP" && t.size() >= 4) {
        s.devices[join(t, 2, 1)].props.insert(num<unsigned>(t.back()));
      } else if (kind == "HELD" && t.size() >= 4) {
        s.devices[join(t, 2, 1)].held.push_back(t.back());
      } else if (kind == "GONE" && t.size() >= 3) {
        s.devices[join(t, 2, 0)].gone_step = step[sc];
      }
    } catch (const std::exception&) {
      s.lines.push_back("(unparsable line above)");
    }
  }
}

void run_guest(GuestRun& run) {
  const fs::path runner = LIGHTWELL_GUEST_RUNNER;
  const fs::path binary = LIGHTWELL_INPUT_GUEST;
  const fs::path packets = fs::path(LIGHTWELL_TEST_DATA_DIR) / "input_packets.txt";
  std::string templ = (fs::temp_directory_path() / "lightwell-guest-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const fs::path dir = templ;
  const fs::path payload = dir / "payload";
  fs::create_directories(payload);
  std::error_code ec;
  fs::copy_file(binary, payload / "lightwell_input_guest", ec);
  if (ec) run.stderr_text += "cannot copy " + binary.string() + ": " + ec.message() + "\n";
  fs::copy_file(packets, payload / "input_packets.txt", ec);
  if (ec) run.stderr_text += "cannot copy " + packets.string() + ": " + ec.message() + "\n";
  if (!fs::exists(runner)) run.stderr_text += "runner " + runner.string() + " does not exist\n";

  const std::string timeout = std::to_string(vm_timeout_s());
  std::vector<std::string> args = {"bash", runner.string(), "-d", "none", "-M", "uinput evdev",
                                   "-t", timeout, payload.string(), "--",
                                   "./lightwell_input_guest", "input_packets.txt"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int n = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || n < 0) ::_exit(127);
    ::dup2(n, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execvp("bash", argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid > 0) {
    run.started = true;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else {
    run.stderr_text += "fork failed\n";
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.stdout_text = read_file(out);
  run.stderr_text += read_file(err);
  fs::remove_all(dir, ec);
  parse(run);
}

}  // namespace

std::vector<Ev> DeviceSeen::all_events() const {
  std::vector<Ev> out;
  // Steps in the order they happened: start, pkt0..pktN, then MARKs (map order would put
  // "pkt10" before "pkt2"; scenarios here have fewer than 10 packets).
  for (const auto& [name, evs] : events)
    if (name == "start") out.insert(out.end(), evs.begin(), evs.end());
  for (const auto& [name, evs] : events)
    if (name.rfind("pkt", 0) == 0) out.insert(out.end(), evs.begin(), evs.end());
  for (const auto& [name, evs] : events)
    if (name != "start" && name.rfind("pkt", 0) != 0) out.insert(out.end(), evs.begin(), evs.end());
  return out;
}

std::string Scenario::text() const {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string GuestRun::failure_report() const {
  std::ostringstream s;
  s << "run-in-guest.sh ";
  if (!started) s << "could not be started";
  else if (exit_code == 124) s << "timed out (exit 124: the VM ran longer than " << vm_timeout_s() << " s)";
  else if (exit_code == 125) s << "reported that the guest died or never reported a status (exit 125)";
  else if (exit_code == 126) s << "failed to set up (exit 126: missing host packages or kernel download; "
                                  "packaging/install-deps.sh installs them)";
  else if (exit_code == 127) s << "or the guest command was not found (exit 127)";
  else if (!done) s << "exited " << exit_code << " but the guest program did not reach its end (no DONE line)";
  else s << "exited " << exit_code;
  s << " after " << std::fixed << std::setprecision(1) << seconds << " s\n----- guest stdout -----\n" << stdout_text
    << "----- runner stderr -----\n" << stderr_text;
  return s.str();
}

const GuestRun& guest_run() {
  static const GuestRun run = [] {
    GuestRun r;
    try {
      run_guest(r);
    } catch (const std::exception& e) {
      r.stderr_text += std::string("host side failed: ") + e.what() + "\n";
    }
    return r;
  }();
  return run;
}

std::vector<std::vector<Ev>> frames(const std::vector<Ev>& events) {
  std::vector<std::vector<Ev>> out;
  std::vector<Ev> frame;
  for (const auto& e : events) {
    if (e.type == 0 && e.code == 0) {
      std::sort(frame.begin(), frame.end());
      out.push_back(frame);
      frame.clear();
    } else {
      frame.push_back(e);
    }
  }
  if (!frame.empty()) {  // events without their SYN_REPORT: kept, so a check sees them
    std::sort(frame.begin(), frame.end());
    out.push_back(frame);
  }
  return out;
}

}  // namespace lightwell::test::guest
