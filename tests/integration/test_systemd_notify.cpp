// `lightwell serve` as a systemd Type=notify service, black box (issue 9): the test plays the
// service manager. It binds its own $NOTIFY_SOCKET (AF_UNIX, SOCK_DGRAM, in a temporary
// directory it owns) and reads what sd_notify(3) defines: one datagram per notification,
// newline-separated VAR=VALUE lines. SO_PASSCRED makes the kernel attach the sender's pid, which
// is what systemd checks for NotifyAccess=main (systemd.service(5)): every message must come
// from the server's main process. $WATCHDOG_USEC=200000 asks for keep-alives (sd_watchdog_enabled(3);
// $WATCHDOG_PID is left unset because the pid is only known after fork, and unset means "this
// process"). No timing assertion tighter than "at least 3 pings in 5 s".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "streaming_support.hpp"

using namespace lightwell;
using namespace lightwell::test;

namespace {

struct Notification {
  std::vector<std::string> lines;  // "VAR=VALUE", in datagram order
  pid_t sender_pid = -1;           // from SCM_CREDENTIALS
  // Filled by the receiver thread the moment READY=1 arrived: did each TCP port accept?
  std::vector<std::pair<std::uint16_t, bool>> ports_accepting;

  bool has(const std::string& line) const { return std::find(lines.begin(), lines.end(), line) != lines.end(); }
  std::optional<std::string> value(const std::string& var) const {
    for (const auto& l : lines) {
      if (l.rfind(var + "=", 0) == 0) return l.substr(var.size() + 1);
    }
    return std::nullopt;
  }
};

// The newest STATUS= (most datagrams are keep-alives without one).
std::string last_status(const std::vector<Notification>& all) {
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (const auto st = it->value("STATUS")) return *st;
  }
  return {};
}

bool tcp_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The "HTTP port N" of the STATUS line sent with READY=1; the other ports follow from the
// base port (HTTPS = N-5, RTSP = N+21, protocol README "Ports"). Read from the message itself
// because the harness may move to fresh ports while start() runs.
std::optional<std::uint16_t> status_http_port(const Notification& n) {
  const auto status = n.value("STATUS");
  if (!status) return std::nullopt;
  const auto at = status->find("HTTP port ");
  if (at == std::string::npos) return std::nullopt;
  const unsigned long port = std::strtoul(status->c_str() + at + 10, nullptr, 10);
  if (port < 6 || port > 65514) return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

// The fake service manager's end of $NOTIFY_SOCKET. One receiver thread; the test thread
// reads through snapshot()/wait_for().
class FakeNotifySocket {
 public:
  FakeNotifySocket() {
    char tmpl[] = "/tmp/lightwell-notify-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    path_ = dir_ / "notify.sock";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const std::string p = path_.string();
    if (fd_ < 0 || p.size() >= sizeof a.sun_path) throw std::runtime_error("notify socket");
    std::copy(p.begin(), p.end(), a.sun_path);
    const int one = 1;
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
      throw std::runtime_error("cannot bind the fake NOTIFY_SOCKET");
    }
    thread_ = std::jthread([this](std::stop_token stop) { receive(stop); });
  }
  ~FakeNotifySocket() {
    thread_.request_stop();
    thread_.join();
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeNotifySocket(const FakeNotifySocket&) = delete;
  FakeNotifySocket& operator=(const FakeNotifySocket&) = delete;

  // What the server is started with.
  std::vector<std::string> environment() const {
    return {"NOTIFY_SOCKET=" + path_.string(), "WATCHDOG_USEC=200000"};
  }

  std::vector<Notification> snapshot() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  // Waits until pred(all notifications so far) holds; returns whether it did.
  bool wait_for(const std::function<bool(const std::vector<Notification>&)>& pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(received_); });
  }

  bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout) {
    return wait_for([&](const auto& all) { return count(all, line) > 0; }, timeout);
  }

  static std::size_t count(const std::vector<Notification>& all, const std::string& line) {
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const auto& n) { return n.has(line); }));
  }

  std::string describe() const {
    std::string s = "notifications received:\n";
    for (const auto& n : snapshot()) {
      s += "  [pid " + std::to_string(n.sender_pid) + "]";
      for (const auto& l : n.lines) s += " " + l + " |";
      s += "\n";
    }
    return s;
  }

 private:
  void receive(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
      iovec iov{buf, sizeof buf};
      msghdr m{};
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control;
      m.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd_, &m, MSG_DONTWAIT);
      if (n <= 0) continue;
      Notification note;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred cred{};
          std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
          note.sender_pid = cred.pid;
        }
      }
      std::string text(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        if (end > start) note.lines.push_back(text.substr(start, end - start));
        start = end + 1;
      }
      if (note.has("READY=1")) {
        // Right now, before anything else happens: the listeners must already accept.
        if (const auto http = status_http_port(note)) {
          for (const std::uint16_t port : {*http, static_cast<std::uint16_t>(*http - 5),
                                           static_cast<std::uint16_t>(*http + 21)}) {
            note.ports_accepting.emplace_back(port, tcp_accepts(port));
          }
        }
      }
      {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(note));
      }
      changed_.notify_all();
    }
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Notification> received_;
  std::jthread thread_;  // last: joined before the members it uses go
};

LightwellOptions notify_options(const FakeNotifySocket& notify) {
  LightwellOptions o;
  o.environment = notify.environment();
  return o;
}

}  // namespace

TEST_CASE("serve tells systemd READY once every port accepts, pings the watchdog and says STOPPING on SIGTERM",
          "[integration][notify]") {
  FakeNotifySocket notify;
  LightwellProcess host(notify_options(notify));
  host.start();
  const bool got_ready = notify.wait_for_line("READY=1", 10s);
  INFO(host.diagnostics() + notify.describe());
  REQUIRE(got_ready);

  // READY=1 came once, with a STATUS= in the same datagram, and at that moment HTTP, HTTPS
  // and RTSP accepted connections (probed by the receiver thread as the datagram arrived).
  auto all = notify.snapshot();
  REQUIRE(FakeNotifySocket::count(all, "READY=1") == 1);
  const auto ready = *std::find_if(all.begin(), all.end(), [](const auto& n) { return n.has("READY=1"); });
  REQUIRE(ready.value("STATUS"));
  CHECK(ready.value("STATUS")->find("idle") != std::string::npos);
  CHECK(ready.value("STATUS")->find("0 paired clients") != std::string::npos);
  CHECK(status_http_port(ready) == host.http_port());
  REQUIRE(ready.ports_accepting.size() == 3);
  for (const auto& [port, accepting] : ready.ports_accepting) {
    INFO("TCP port " << port);
    CHECK(accepting);
  }

  // WATCHDOG_USEC=200000: pings every 100 ms; at least 3 within 5 s, however loaded the machine.
  const std::size_t before = FakeNotifySocket::count(notify.snapshot(), "WATCHDOG=1");
  CHECK(notify.wait_for([&](const auto& n) { return FakeNotifySocket::count(n, "WATCHDOG=1") >= before + 3; }, 5s));

  const pid_t server_pid = host.pid();  // stop() forgets it
  REQUIRE(host.stop(5s) == 0);
  CHECK(notify.wait_for_line("STOPPING=1", 5s));
  all = notify.snapshot();
  INFO(notify.describe());
  // Every message came from the main process (NotifyAccess=main drops others).
  for (const auto& n : all) CHECK(n.sender_pid == server_pid);
  // STOPPING=1 once, after READY; no keep-alive follows it (the timer is cancelled first).
  REQUIRE(FakeNotifySocket::count(all, "STOPPING=1") == 1);
  const auto stopping = std::find_if(all.begin(), all.end(), [](const auto& n) { return n.has("STOPPING=1"); });
  CHECK(std::find_if(all.begin(), stopping, [](const auto& n) { return n.has("READY=1"); }) != stopping);
  CHECK(std::none_of(stopping + 1, all.end(), [](const auto& n) { return n.has("WATCHDOG=1"); }));
}

TEST_CASE("serve's systemd STATUS names the running stream and goes back to idle after it",
          "[integration][notify][streaming]") {
  FakeNotifySocket notify;
  Streaming s(notify_options(notify));
  {
    StreamClient sc(s.start(false, 1));
    sc.handshake();
    sc.start_streaming();
    INFO(stream_failure(s, sc));
    REQUIRE(sc.wait_for_frames(3, 20s) >= 3);
    // Who and what: the client's address, resolution, frame rate, codec and app.
    const bool named = notify.wait_for(
        [](const auto& all) {
          return std::any_of(all.begin(), all.end(), [](const Notification& n) {
            const auto st = n.value("STATUS");
            return st && st->find("streaming to 127.0.0.1") != std::string::npos &&
                   st->find("1280x720") != std::string::npos && st->find("60 fps") != std::string::npos &&
                   st->find("H.264") != std::string::npos && st->find("Desktop") != std::string::npos;
          });
        },
        5s);
    INFO(notify.describe());
    CHECK(named);
    sc.disconnect();
  }
  // The newest STATUS once the client left: idle again, now with the paired client counted.
  const bool idle = notify.wait_for(
      [](const auto& all) { return last_status(all).rfind("idle; 1 paired client;", 0) == 0; }, 20s);
  INFO(notify.describe() + s.scenario.diagnostics());
  CHECK(idle);
  REQUIRE(s.scenario.host().stop(5s) == 0);
}
