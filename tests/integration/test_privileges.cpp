// The real `lightwell serve` drops every capability at start-up (server privileges.hpp): a
// server started with full root capabilities AND CAP_SYS_ADMIN in its ambient set (what the
// system unit's AmbientCapabilities=CAP_SYS_ADMIN gives) ends with CapEff, CapPrm, CapInh and
// CapAmb all 0 in every thread (/proc/<pid>/task/*/status, proc(5)), and an app it launches
// has CapAmb 0 (capabilities(7): the ambient set is what survives execve() of an unprivileged
// program; without the drop every app would inherit CAP_SYS_ADMIN).
//
// Needs root (raising an ambient capability needs it in the permitted set). Catch2 v2 has no
// SKIP: as a normal user the test WARNs "SKIPPED" loudly and returns. CI runs as root.
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "integration_support.hpp"

using namespace lightwell::test;

namespace {

constexpr unsigned long kCapSysAdmin = 21;  // <linux/capability.h> CAP_SYS_ADMIN

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The 16 hex digits after "<key>:\t" in a /proc status text; "" when absent.
std::string cap_line(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":\t");
  if (at == std::string::npos) return "";
  return status.substr(at + key.size() + 3, 16);
}

// This thread's inheritable set += CAP_SYS_ADMIN, then the ambient raise (prctl(2)
// PR_CAP_AMBIENT_RAISE needs the capability permitted and inheritable). fork() in
// LightwellProcess::start copies this thread's sets; execve() of a root process without file
// capabilities keeps the ambient set.
bool raise_ambient_sys_admin(bool raise) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return false;
  if (raise) {
    data[0].inheritable |= 1U << kCapSysAdmin;
  } else {
    data[0].inheritable &= ~(1U << kCapSysAdmin);
  }
  if (::syscall(SYS_capset, &header, data.data()) != 0) return false;
  if (!raise) return ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) == 0;
  return ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kCapSysAdmin, 0UL, 0UL) == 0;
}

struct AmbientGuard {
  bool ok = raise_ambient_sys_admin(true);
  ~AmbientGuard() { raise_ambient_sys_admin(false); }
  AmbientGuard() = default;
  AmbientGuard(const AmbientGuard&) = delete;
  AmbientGuard& operator=(const AmbientGuard&) = delete;
};

}  // namespace

TEST_CASE("serve drops every capability, and launched apps inherit no ambient capability", "[privileges]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root (full capabilities to start the server with, and an ambient CAP_SYS_ADMIN); "
         "run tests_integration as root as CI does");
    return;
  }
  char templ[] = "/tmp/lightwell-caps-XXXXXX";
  REQUIRE(::mkdtemp(templ) != nullptr);
  const std::filesystem::path out_dir = templ;
  const std::filesystem::path app_out = out_dir / "app-status";

  LightwellOptions options;
  // The app writes its own capability lines, then stays up like a game would.
  options.extra_config = "[[apps.list]]\nname = \"Caps\"\ncmd = [\"/bin/sh\", \"-c\", \"grep ^Cap /proc/self/status > " +
                         app_out.string() + ".tmp && mv " + app_out.string() + ".tmp " + app_out.string() +
                         " && exec sleep 60\"]\n";
  std::optional<Scenario> scenario;
  {
    AmbientGuard ambient;
    REQUIRE(ambient.ok);
    // The precondition that makes this test able to fail: this thread really has it ambient.
    REQUIRE(cap_line(read_file("/proc/thread-self/status"), "CapAmb") == "0000000000200000");
    scenario.emplace(options);  // starts the server, which inherits the ambient set
  }
  CHECK(cap_line(read_file("/proc/thread-self/status"), "CapAmb") == "0000000000000000");
  Scenario& s = *scenario;
  INFO(s.host().log());

  // Every thread of the server (capset acts per thread).
  const auto task_dir = std::filesystem::path("/proc") / std::to_string(s.host().pid()) / "task";
  int threads = 0;
  for (const auto& task : std::filesystem::directory_iterator(task_dir)) {
    const std::string status = read_file(task.path() / "status");
    INFO(task.path().string() << "\n" << status);
    ++threads;
    for (const char* key : {"CapEff", "CapPrm", "CapInh", "CapAmb"}) CHECK(cap_line(status, key) == "0000000000000000");
  }
  CHECK(threads >= 2);  // the ENet host's thread at least: the drop must have come before it
  CHECK(s.host().log().find("capabilities: dropped") != std::string::npos);
  CHECK(s.host().log().find("ambient set cleared (launched apps no longer inherit cap_sys_admin)") != std::string::npos);

  // Pair, launch the app, read what it saw.
  GameStreamClient& c = s.client();
  const PairRun paired = s.pair_via_cli(c, "4321", "4321", "caps-test");
  REQUIRE(paired.result.paired);
  long long appid = 0;
  for (const auto& app : parse_applist(c.applist())) {
    if (app.title == "Caps") appid = app.id;
  }
  REQUIRE(appid > 0);
  LaunchParams launch;
  launch.appid = appid;
  launch.rikey = random_secret();
  REQUIRE(c.launch(launch).ok());
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!std::filesystem::exists(app_out) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const std::string app_status = read_file(app_out);
  INFO("app saw:\n" << app_status);
  REQUIRE(!app_status.empty());
  CHECK(cap_line("\n" + app_status, "CapAmb") == "0000000000000000");
  CHECK(cap_line("\n" + app_status, "CapInh") == "0000000000000000");
  // CapEff/CapPrm of the app are the full set again: the server runs as root here, and a root
  // process's children regain every capability at execve() (capabilities(7), "Capabilities and
  // execution of programs by root"). The dedicated user of the system unit has no such rule.
  c.cancel();
  std::filesystem::remove_all(out_dir);
}
