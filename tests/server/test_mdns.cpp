// MdnsPublisher against a real libavahi-client. The whole test process talks to a PRIVATE D-Bus
// "system bus" at a per-process socket path (DBUS_SYSTEM_BUS_ADDRESS, set once before any D-Bus
// use: libdbus reads it only once per process), so the machine's own bus and avahi-daemon are
// never touched. Without a bus at that path, "no daemon reachable" is real. When dbus-daemon,
// avahi-daemon and avahi-utils are installed and a private avahi-daemon can start (it needs
// root for /run/avahi-daemon and no other avahi-daemon running), the tests also prove the
// record with avahi-browse; otherwise they say why with a WARN and check the rest.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "lightwell/server/config.hpp"
#include "lightwell/server/mdns.hpp"
#include "temp_dir.hpp"

extern char** environ;

using namespace lightwell::server;
using lightwell::test::TempDir;
using namespace std::chrono_literals;

namespace {

// The private bus socket for this process (see the file comment).
const std::filesystem::path& bus_socket() {
  static const TempDir dir;
  static const std::filesystem::path path = [] {
    const std::filesystem::path p = dir / "system_bus_socket";
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + p.string()).c_str(), 1);
    return p;
  }();
  return path;
}

std::optional<std::filesystem::path> find_program(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

std::string read_file(const std::filesystem::path& p) { return lightwell::test::read_text_file(p); }

// A child process (stdout+stderr into log_file), SIGTERM then SIGKILL by its pid at scope exit.
class Process {
 public:
  Process(std::vector<std::string> argv, std::filesystem::path log_file) : log_(std::move(log_file)) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() { stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool running() {
    if (pid_ <= 0 || status_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    return !status_;
  }
  // Waits until the log contains needle (true), the process exits or timeout passes (false).
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_file(log_).find(needle) != std::string::npos) return true;
      if (!running()) return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  // Waits for exit; false on timeout.
  bool wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }
  void stop() {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    if (!wait_exit(5s)) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      status_ = st;
    }
  }
  std::string log() const { return read_file(log_); }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

bool connectable(const std::filesystem::path& p) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// dbus-daemon serving the private bus, and optionally avahi-daemon on it (loopback only, so the
// test announces nothing on the real network).
struct PrivateAvahi {
  TempDir dir;
  std::optional<Process> bus;
  std::optional<Process> avahi;
  std::string unavailable;  // why the daemons cannot run here; empty when they run

  PrivateAvahi() {
    const auto dbus_daemon = find_program("dbus-daemon");
    if (!dbus_daemon) {
      unavailable = "dbus-daemon is not installed";
      return;
    }
    lightwell::test::write_text(dir / "bus.conf", R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=)" + bus_socket().string() + R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
)");
    bus.emplace(std::vector<std::string>{dbus_daemon->string(), "--config-file=" + (dir / "bus.conf").string(),
                                         "--nofork", "--nopidfile"},
                dir / "bus.log");
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!connectable(bus_socket())) {
      if (!bus->running() || std::chrono::steady_clock::now() > deadline) {
        unavailable = "the private dbus-daemon did not start: " + bus->log();
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  ~PrivateAvahi() {
    avahi.reset();
    bus.reset();
    std::error_code ec;
    std::filesystem::remove(bus_socket(), ec);
  }

  bool start_avahi() {
    if (!unavailable.empty()) return false;
    const auto avahi_daemon = find_program("avahi-daemon");
    if (!avahi_daemon || !find_program("avahi-browse") || !find_program("avahi-publish")) {
      unavailable = "avahi-daemon or avahi-utils is not installed";
      return false;
    }
    lightwell::test::write_text(dir / "avahi.conf", "[server]\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=lo\n"
                                                    "enable-dbus=yes\n[wide-area]\nenable-wide-area=no\n"
                                                    "[publish]\npublish-hinfo=no\npublish-workstation=no\n");
    avahi.emplace(std::vector<std::string>{avahi_daemon->string(), "-f", (dir / "avahi.conf").string(),
                                           "--no-drop-root", "--no-chroot", "--no-rlimits", "--no-proc-title"},
                  dir / "avahi.log");
    if (!avahi->wait_for_log("Server startup complete", 10s)) {
      unavailable = "a private avahi-daemon did not start (it needs root and no other avahi-daemon): " + avahi->log();
      avahi.reset();
      return false;
    }
    return true;
  }

  // `avahi-browse -rtp _nvstream._tcp`: one line per record, fields split at ';'.
  std::vector<std::vector<std::string>> browse() {
    Process p({find_program("avahi-browse")->string(), "-r", "-t", "-p", "_nvstream._tcp"}, dir / "browse.log");
    REQUIRE(p.wait_exit(20s));
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(p.log());
    for (std::string line; std::getline(lines, line);) {
      std::vector<std::string> fields;
      std::size_t start = 0;
      for (std::size_t semi; (semi = line.find(';', start)) != std::string::npos; start = semi + 1) {
        fields.push_back(line.substr(start, semi - start));
      }
      fields.push_back(line.substr(start));
      rows.push_back(std::move(fields));
    }
    return rows;
  }
  // Resolved ("=") rows for instance name `name`.
  std::vector<std::vector<std::string>> resolved(const std::string& name) {
    // avahi-browse -p escapes labels like avahi_escape_label: "a b" -> "a\032b".
    std::string escaped;
    for (const char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (std::isalnum(u) != 0 || c == '-' || c == '_') {
        escaped += c;
      } else if (c == '.' || c == '\\') {
        escaped += std::string("\\") + c;
      } else {
        escaped += fmt::format("\\{:03d}", u);
      }
    }
    std::vector<std::vector<std::string>> out;
    for (auto& row : browse()) {
      if (row.size() >= 10 && row[0] == "=" && row[3] == escaped) out.push_back(row);
    }
    return out;
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("mDNS instance names follow Sunshine's rules", "[mdns]") {
  // protocol/README.md "Discovery": 63 chars, spaces -> '-', cut at the first character that
  // is neither alphanumeric nor '-', fallback name.
  CHECK(mdns_instance_name("Living Room") == "Living-Room");
  CHECK(mdns_instance_name("  two  spaces ") == "--two--spaces-");
  CHECK(mdns_instance_name("gaming-pc") == "gaming-pc");
  CHECK(mdns_instance_name("host.lan") == "host");
  CHECK(mdns_instance_name("under_score") == "under");
  CHECK(mdns_instance_name("Ünïcode") == "Lightwell");       // the first byte is not ASCII alnum
  CHECK(mdns_instance_name("caf\xC3\xA9-pc") == "caf");      // cut before the UTF-8 é
  CHECK(mdns_instance_name("_leading") == "Lightwell");
  CHECK(mdns_instance_name("") == "Lightwell");
  // Truncated to 63 BEFORE the cut: a space at index 63 does not survive as '-'.
  CHECK(mdns_instance_name(std::string(63, 'x') + " tail") == std::string(63, 'x'));
  CHECK(mdns_instance_name(std::string(62, 'x') + " tail") == std::string(62, 'x') + "-");
  CHECK(mdns_instance_name(std::string(70, 'y')).size() == 63);
  CHECK(kMdnsServiceType == "_nvstream._tcp");
}

TEST_CASE("without a reachable avahi-daemon the publisher warns once and stops cleanly", "[mdns]") {
  bus_socket();  // nothing listens there
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  MdnsPublisher publisher(hub.get("mdns"), "Lightwell-Test", 47989, MdnsOptions{50ms});
  CHECK(publisher.status().state == MdnsPublisher::State::stopped);
  publisher.start();
  publisher.start();  // already started: nothing more
  CHECK(eventually([&] { return publisher.status().state == MdnsPublisher::State::waiting; }, 5s));
  std::this_thread::sleep_for(500ms);  // ~10 retry periods: still one warning
  CHECK(publisher.status().state == MdnsPublisher::State::waiting);
  publisher.stop();
  CHECK(publisher.status().state == MdnsPublisher::State::stopped);
  publisher.stop();  // idempotent
  const std::string log = lines.str();
  INFO(log);
  CHECK(count(log, " warning [mdns] ") == 1);
  CHECK(contains(log, "not publishing \"Lightwell-Test\" (_nvstream._tcp, port 47989) for discovery: the D-Bus "
                      "system bus is not reachable"));
  CHECK(contains(log, "install and start avahi-daemon"));
  CHECK(count(log, "avahi-daemon still unreachable") >= 2);  // it did keep retrying (debug)
  CHECK_FALSE(contains(log, "withdrew"));                    // nothing was published

  // A restart is a fresh start: one warning again.
  publisher.start();
  CHECK(eventually([&] { return publisher.status().state == MdnsPublisher::State::waiting; }, 5s));
  publisher.stop();
  CHECK(count(lines.str(), " warning [mdns] ") == 2);
}

TEST_CASE("an invalid instance name is refused without a thread", "[mdns]") {
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::info);
  MdnsPublisher publisher(hub.get("mdns"), std::string(64, 'n'), 47989);
  publisher.start();
  CHECK(publisher.status().state == MdnsPublisher::State::failed);
  publisher.stop();
  CHECK(contains(lines.str(), "is not a valid DNS-SD instance name"));
}

TEST_CASE("the publisher waits for the bus and avahi-daemon, then publishes and withdraws", "[mdns][avahi]") {
  bus_socket();
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::debug);
  const std::string name = "Lightwell-Test-" + std::to_string(::getpid());
  MdnsPublisher publisher(hub.get("mdns"), name, 47989, MdnsOptions{50ms});
  publisher.start();  // nothing reachable yet
  CHECK(eventually([&] { return publisher.status().state == MdnsPublisher::State::waiting; }, 5s));

  PrivateAvahi daemons;  // the bus appears: avahi-daemon is still missing (CONNECTING)
  if (!daemons.unavailable.empty()) {
    WARN("private D-Bus not available, skipping the daemon part: " << daemons.unavailable);
    return;
  }
  std::this_thread::sleep_for(300ms);
  CHECK(publisher.status().state == MdnsPublisher::State::waiting);
  if (!daemons.start_avahi()) {
    WARN("private avahi-daemon not available, skipping the browse part: " << daemons.unavailable);
    return;
  }
  REQUIRE(eventually([&] { return publisher.status().state == MdnsPublisher::State::published; }, 15s));
  CHECK(publisher.status().name == name);

  // avahi-browse sees _nvstream._tcp on loopback with the HTTP port and an empty TXT.
  const auto rows = daemons.resolved(name);
  REQUIRE_FALSE(rows.empty());
  CHECK(rows[0][1] == "lo");
  CHECK(rows[0][4] == "_nvstream._tcp");
  CHECK(rows[0][5] == "local");
  CHECK(rows[0][7] == "127.0.0.1");
  CHECK(rows[0][8] == "47989");
  CHECK(rows[0][9].empty());  // no TXT records

  publisher.stop();
  CHECK(eventually([&] { return daemons.resolved(name).empty(); }, 10s));
  const std::string log = lines.str();
  INFO(log);
  CHECK(count(log, " warning [mdns] ") == 1);  // one outage, one warning
  CHECK(contains(log, "avahi-daemon is reachable now"));
  CHECK(contains(log, "published \"" + name + "\" as _nvstream._tcp on port 47989"));
  CHECK(contains(log, "withdrew \"" + name + "\""));
}

TEST_CASE("a name already taken gets avahi's alternative, and a daemon restart republishes", "[mdns][avahi]") {
  PrivateAvahi daemons;
  if (!daemons.start_avahi()) {
    WARN("private avahi-daemon not available, skipping: " << daemons.unavailable);
    return;
  }
  const std::string name = "Lightwell-Taken-" + std::to_string(::getpid());
  Process other({find_program("avahi-publish")->string(), "-s", name, "_nvstream._tcp", "12345"},
                daemons.dir / "publish.log");
  REQUIRE(other.wait_for_log("Established", 10s));

  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::info);
  MdnsPublisher publisher(hub.get("mdns"), name, 40000, MdnsOptions{50ms});
  publisher.start();
  REQUIRE(eventually([&] { return publisher.status().state == MdnsPublisher::State::published; }, 15s));
  CHECK(publisher.status().name == name + " #2");
  const auto ours = daemons.resolved(name + " #2");
  REQUIRE_FALSE(ours.empty());
  CHECK(ours[0][8] == "40000");
  CHECK(daemons.resolved(name)[0][8] == "12345");  // the other one is untouched

  // avahi-daemon goes away and comes back: one warning, then published again.
  other.stop();
  daemons.avahi.reset();
  REQUIRE(eventually([&] { return publisher.status().state == MdnsPublisher::State::waiting; }, 10s));
  REQUIRE(daemons.start_avahi());
  REQUIRE(eventually([&] { return publisher.status().state == MdnsPublisher::State::published; }, 15s));
  publisher.stop();
  const std::string log = lines.str();
  INFO(log);
  CHECK(contains(log, "the mDNS name \"" + name + "\" is already taken on the network; using \"" + name + " #2\""));
  CHECK(count(log, " warning [mdns] ") == 1);
  CHECK(contains(log, "lost the connection to avahi-daemon"));
  CHECK(count(log, "published \"" + name + " #2\"") == 2);
}
