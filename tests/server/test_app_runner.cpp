// ProcessAppController with real processes (docs/apps.md): no shell unless configured, client
// values only in the environment, prep/undo order, process-group termination, detached
// commands. Every wait is bounded (io_context::run_for steps with a deadline).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "lightwell/server/app_runner.hpp"
#include "lightwell/server/config_file.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using namespace std::chrono_literals;
using lightwell::test::read_text_file;
using lightwell::test::TempDir;
using lightwell::test::write_text;

namespace {

namespace fs = std::filesystem;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Alive and not a zombie (a zombie has exited; it only waits for its parent to reap it).
bool pid_alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

pid_t read_pid(const fs::path& file) { return static_cast<pid_t>(std::stol(read_text_file(file))); }

AppCommand sh(const std::string& script) { return AppCommand{{"/bin/sh", "-c", script}}; }

App make_app(const std::string& name, AppCommand cmd = {}) {
  App app;
  app.name = name;
  app.cmd = std::move(cmd);
  return app;
}

struct Fixture {
  TempDir dir;
  std::ostringstream log_text;
  LogHub hub = LogHub::to_stream(log_text, LogLevel::debug);
  boost::asio::io_context io;
  std::unique_ptr<ProcessAppController> apps;
  LaunchEnvironment env{1920, 1080, 60, 2, false, "Deck", "192.168.1.20"};

  explicit Fixture(std::chrono::milliseconds grace = 300ms, std::chrono::milliseconds prep_timeout = 3s) {
    AppRunnerOptions o;
    o.default_working_dir = dir.path();
    o.stop_grace = grace;
    o.prep_timeout = prep_timeout;
    apps = std::make_unique<ProcessAppController>(io, hub.get("apps"), o);
  }

  fs::path operator/(const std::string& name) const { return dir / name; }

  // Runs the io_context in short steps until pred() holds or the deadline passes.
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.restart();
      if (io.run_for(10ms) == 0) std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  bool wait_file(const std::string& name) {
    return run_until([&] { return fs::exists(dir / name) && !read_text_file(dir / name).empty(); });
  }
  bool wait_idle() { return run_until([&] { return !apps->running_app().has_value(); }); }
};

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> out;
  std::istringstream in(read_text_file(file));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("argv reaches the program literally: no shell, no expansion", "[apps]") {
  Fixture f;
  const fs::path script = f / "args.sh";
  write_text(script, "#!/bin/sh\nout=$1; shift\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > \"$out\"\n");
  fs::permissions(script, fs::perms::owner_all);
  const std::vector<std::string> args = {"two words", "it's \"quoted\"", "$(touch pwned1)", "`touch pwned2`",
                                         "; touch pwned3", "*", "$HOME", ""};
  AppCommand cmd{{script.string(), (f / "args.out").string()}};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  REQUIRE_FALSE(f.apps->start(make_app("Args", cmd), f.env));
  REQUIRE(f.wait_idle());
  std::vector<std::string> want;
  for (const auto& a : args) want.push_back("[" + a + "]");
  CHECK(lines_of(f / "args.out") == want);
  CHECK_FALSE(fs::exists(f / "pwned1"));
  CHECK_FALSE(fs::exists(f / "pwned2"));
  CHECK_FALSE(fs::exists(f / "pwned3"));
}

TEST_CASE("from the configuration: arrays run without a shell, shell = true strings with one", "[apps][config]") {
  Fixture f;
  const Config c = parse_config(R"toml(
[[apps.list]]
name = "NoShell"
cmd = ["touch", "$(touch pwned)"]
[[apps.list]]
name = "Shell"
shell = true
cmd = "echo $((6 * 7)) > shell.out"
)toml",
                                f / "lightwell.toml");
  REQUIRE(c.apps.list.size() == 2);
  REQUIRE_FALSE(f.apps->start(c.apps.list[0], f.env));
  REQUIRE(f.wait_idle());
  CHECK(fs::exists(f / "$(touch pwned)"));  // one literal argument: a file of that name
  CHECK_FALSE(fs::exists(f / "pwned"));

  REQUIRE_FALSE(f.apps->start(c.apps.list[1], f.env));
  REQUIRE(f.wait_idle());
  CHECK(read_text_file(f / "shell.out") == "42\n");  // arithmetic expansion: a shell ran it
}

TEST_CASE("client values reach the app only as LIGHTWELL_* environment variables", "[apps]") {
  Fixture f;
  ::setenv("LIGHTWELL_CLIENT_STALE", "from-the-server", 1);
  ::setenv("LIGHTWELL_CLIENT_NAME", "stale", 1);
  ::setenv("LIGHTWELL_TEST_INHERITED", "yes", 1);
  f.env = LaunchEnvironment{2560, 1440, 120, 6, true, "Deck; rm -rf / $(touch pwned)", "fe80::1"};
  const fs::path script = f / "env.sh";
  write_text(script, "#!/bin/sh\nenv | grep '^LIGHTWELL_' | sort > env.out\nprintf '%s\\n' \"$@\" > args.out\n");
  fs::permissions(script, fs::perms::owner_all);
  REQUIRE_FALSE(f.apps->start(make_app("Env App", AppCommand{{script.string()}}), f.env));
  REQUIRE(f.wait_idle());
  ::unsetenv("LIGHTWELL_CLIENT_STALE");
  ::unsetenv("LIGHTWELL_CLIENT_NAME");
  ::unsetenv("LIGHTWELL_TEST_INHERITED");
  CHECK(lines_of(f / "env.out") == std::vector<std::string>{
                                       "LIGHTWELL_APP_NAME=Env App",
                                       "LIGHTWELL_CLIENT_ADDRESS=fe80::1",
                                       "LIGHTWELL_CLIENT_AUDIO_CHANNELS=6",
                                       "LIGHTWELL_CLIENT_FPS=120",
                                       "LIGHTWELL_CLIENT_HDR=1",
                                       "LIGHTWELL_CLIENT_HEIGHT=1440",
                                       "LIGHTWELL_CLIENT_NAME=Deck; rm -rf / $(touch pwned)",
                                       "LIGHTWELL_CLIENT_WIDTH=2560",
                                       "LIGHTWELL_TEST_INHERITED=yes",
                                   });
  CHECK(read_text_file(f / "args.out") == "\n");  // no argument at all came from the client
  CHECK_FALSE(fs::exists(f / "pwned"));
}

TEST_CASE("undo commands get the environment of the launch they undo", "[apps]") {
  Fixture f;
  App app = make_app("Undo Env");
  app.prep.push_back(PrepCommand{{}, sh("echo \"$LIGHTWELL_CLIENT_WIDTH $LIGHTWELL_CLIENT_NAME\" > undo.env")});
  f.env.width_px = 3840;
  f.env.client_name = "Living Room TV";
  REQUIRE_FALSE(f.apps->start(app, f.env));
  f.apps->stop();
  CHECK(read_text_file(f / "undo.env") == "3840 Living Room TV\n");
}

TEST_CASE("app_environment drops stale LIGHTWELL_ entries and NUL bytes", "[apps]") {
  const App app = make_app("A");
  LaunchEnvironment env{1280, 720, 30, 2, false, std::string("na\0me", 5), "10.0.0.2"};
  const auto out = app_environment({"PATH=/bin", "LIGHTWELL_CLIENT_WIDTH=9", "LIGHTWELL_APP_NAME=x", "LIGHTWELL_OTHER=1"},
                                   app, env);
  CHECK(out == std::vector<std::string>{"PATH=/bin", "LIGHTWELL_OTHER=1", "LIGHTWELL_CLIENT_WIDTH=1280",
                                        "LIGHTWELL_CLIENT_HEIGHT=720", "LIGHTWELL_CLIENT_FPS=30",
                                        "LIGHTWELL_CLIENT_AUDIO_CHANNELS=2", "LIGHTWELL_CLIENT_HDR=0",
                                        "LIGHTWELL_CLIENT_NAME=name", "LIGHTWELL_CLIENT_ADDRESS=10.0.0.2",
                                        "LIGHTWELL_APP_NAME=A"});
}

namespace {

// prep i appends "do<i>" / "undo<i>" to order.log.
App prep_app(const std::string& name, AppCommand cmd, int count) {
  App app = make_app(name, std::move(cmd));
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    app.prep.push_back(PrepCommand{sh("echo do" + n + " >> order.log"), sh("echo undo" + n + " >> order.log")});
  }
  return app;
}

}  // namespace

TEST_CASE("prep runs in order before the app, undo in reverse on stop()", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(prep_app("P", sh("echo $$ > main.pid; exec sleep 30"), 3), f.env));
  CHECK(f.apps->running_app() == "P");
  CHECK(lines_of(f / "order.log") == std::vector<std::string>{"do0", "do1", "do2"});
  REQUIRE(f.wait_file("main.pid"));
  const pid_t pid = read_pid(f / "main.pid");
  CHECK(f.apps->main_pid() == pid);
  f.apps->stop();
  CHECK_FALSE(f.apps->running_app());
  CHECK_FALSE(pid_alive(pid));
  CHECK(lines_of(f / "order.log") == std::vector<std::string>{"do0", "do1", "do2", "undo2", "undo1", "undo0"});
  f.apps->stop();  // nothing runs: no effect, no second undo
  CHECK(lines_of(f / "order.log").size() == 6);
}

TEST_CASE("when the app exits on its own, undo runs and running_app() is empty", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(prep_app("Quick", sh("exit 3"), 2), f.env));
  REQUIRE(f.wait_idle());
  CHECK(lines_of(f / "order.log") == std::vector<std::string>{"do0", "do1", "undo1", "undo0"});
  CHECK(contains(f.log_text.str(), "app \"Quick\" exited (exit code 3)"));
  // A new app may start at once.
  REQUIRE_FALSE(f.apps->start(make_app("Next", sh("exit 0")), f.env));
  REQUIRE(f.wait_idle());
}

TEST_CASE("an exit not yet seen by the io loop does not block the next start", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(make_app("Gone", sh("exit 0")), f.env));
  const pid_t pid = *f.apps->main_pid();
  // Do not run the io_context: wait until the process is a zombie.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (pid_alive(pid) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE_FALSE(pid_alive(pid));
  CHECK_FALSE(f.apps->start(make_app("Next", sh("exec sleep 30")), f.env));
  CHECK(f.apps->running_app() == "Next");
  f.apps->stop();
}

TEST_CASE("a failing prep undoes the earlier ones and nothing runs", "[apps]") {
  Fixture f;
  App app = prep_app("Bad", sh("touch main.ran; exec sleep 30"), 2);
  app.prep.push_back(PrepCommand{sh("echo do2 >> order.log; exit 4"), sh("echo undo2 >> order.log")});
  app.prep.push_back(PrepCommand{sh("echo do3 >> order.log"), sh("echo undo3 >> order.log")});
  app.detached.push_back(sh("touch detached.ran"));
  const auto err = f.apps->start(app, f.env);
  REQUIRE(err);
  INFO(*err);
  CHECK(contains(*err, "prep[2]"));
  CHECK(contains(*err, "exit code 4"));
  CHECK(lines_of(f / "order.log") == std::vector<std::string>{"do0", "do1", "do2", "undo1", "undo0"});
  CHECK_FALSE(f.apps->running_app());
  CHECK_FALSE(fs::exists(f / "main.ran"));
  CHECK_FALSE(fs::exists(f / "detached.ran"));
}

TEST_CASE("a prep that hangs is killed after prep_timeout and fails the start", "[apps]") {
  Fixture f(300ms, 200ms);
  App app = prep_app("Slow", sh("exec sleep 30"), 1);
  app.prep.push_back(PrepCommand{sh("echo $$ > prep.pid; exec sleep 30"), {}});
  const auto t0 = std::chrono::steady_clock::now();
  const auto err = f.apps->start(app, f.env);
  REQUIRE(err);
  CHECK(contains(*err, "did not finish within 200 ms"));
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  CHECK_FALSE(pid_alive(read_pid(f / "prep.pid")));
  CHECK(lines_of(f / "order.log") == std::vector<std::string>{"do0", "undo0"});
  CHECK_FALSE(f.apps->running_app());
}

TEST_CASE("missing programs and working directories are refused before anything runs", "[apps]") {
  Fixture f;
  App app = prep_app("Typo", AppCommand{{"lightwell-no-such-program"}}, 1);
  auto err = f.apps->start(app, f.env);
  REQUIRE(err);
  CHECK(contains(*err, "cmd: lightwell-no-such-program: not found in PATH"));
  CHECK_FALSE(fs::exists(f / "order.log"));

  app = prep_app("Dir", sh("true"), 1);
  app.working_dir = f / "missing";
  err = f.apps->start(app, f.env);
  REQUIRE(err);
  CHECK(contains(*err, "working directory"));
  CHECK_FALSE(f.apps->running_app());
}

TEST_CASE("stop() SIGKILLs a process that ignores SIGTERM after the grace period", "[apps]") {
  Fixture f(300ms);
  REQUIRE_FALSE(f.apps->start(make_app("Stubborn", sh("trap '' TERM; echo $$ > main.pid; while :; do sleep 0.05; done")), f.env));
  REQUIRE(f.wait_file("main.pid"));
  const pid_t pid = read_pid(f / "main.pid");
  const auto t0 = std::chrono::steady_clock::now();
  f.apps->stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  CHECK_FALSE(pid_alive(pid));
  CHECK(contains(f.log_text.str(), "app \"Stubborn\" stopped (killed by SIGKILL)"));
}

TEST_CASE("stop() ends the whole process group, grandchildren included", "[apps]") {
  Fixture f(2s);
  REQUIRE_FALSE(f.apps->start(
      make_app("Tree", sh("sleep 30 & echo $! > gc1; (sleep 30 & echo $! > gc2; wait) & echo $$ > main.pid; wait")),
      f.env));
  REQUIRE(f.wait_file("gc1"));
  REQUIRE(f.wait_file("gc2"));
  REQUIRE(f.wait_file("main.pid"));
  const pid_t gc1 = read_pid(f / "gc1");
  const pid_t gc2 = read_pid(f / "gc2");
  REQUIRE(pid_alive(gc1));
  REQUIRE(pid_alive(gc2));
  const auto t0 = std::chrono::steady_clock::now();
  f.apps->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);  // SIGTERM sufficed, no grace wait
  CHECK_FALSE(pid_alive(read_pid(f / "main.pid")));
  CHECK_FALSE(pid_alive(gc1));
  CHECK_FALSE(pid_alive(gc2));
}

TEST_CASE("processes left in the group when the app exits are ended too", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(make_app("Leaver", sh("sleep 30 & echo $! > gc; exit 0")), f.env));
  REQUIRE(f.wait_file("gc"));
  const pid_t gc = read_pid(f / "gc");
  REQUIRE(f.wait_idle());
  CHECK_FALSE(pid_alive(gc));
}

TEST_CASE("a second start while an app runs is refused", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(make_app("First", sh("exec sleep 30")), f.env));
  const auto err = f.apps->start(make_app("Second", sh("touch second.ran")), f.env);
  REQUIRE(err);
  CHECK(contains(*err, "already running"));
  CHECK(contains(*err, "First"));
  CHECK(f.apps->running_app() == "First");
  CHECK_FALSE(fs::exists(f / "second.ran"));
  // Also for the same app (the client must /resume it).
  CHECK(f.apps->start(make_app("First", sh("exec sleep 30")), f.env));
  f.apps->stop();
}

TEST_CASE("Desktop runs nothing and runs until stopped", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(desktop_app(), f.env));
  CHECK(f.apps->running_app() == "Desktop");
  CHECK_FALSE(f.apps->main_pid());
  f.run_until([] { return false; }, 100ms);
  CHECK(f.apps->running_app() == "Desktop");
  f.apps->stop();
  CHECK_FALSE(f.apps->running_app());
}

TEST_CASE("detached commands keep running after stop and are reaped when they end", "[apps]") {
  Fixture f;
  App app = make_app("Launcher");
  app.detached.push_back(sh("echo $$ > detached.pid; exec sleep 30"));
  REQUIRE_FALSE(f.apps->start(app, f.env));
  REQUIRE(f.wait_file("detached.pid"));
  const pid_t pid = read_pid(f / "detached.pid");
  f.apps->stop();
  CHECK_FALSE(f.apps->running_app());
  CHECK(pid_alive(pid));
  ::kill(pid, SIGKILL);
  // The controller reaps it: the pid disappears entirely (no zombie left behind).
  CHECK(f.run_until([&] { return ::kill(pid, 0) != 0; }));
}

TEST_CASE("the main process sees stdin /dev/null and no inherited descriptors", "[apps]") {
  Fixture f;
  const int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  REQUIRE(leaked >= 3);
  REQUIRE_FALSE(f.apps->start(make_app("Fds", AppCommand{{"sleep", "30"}}), f.env));
  ::close(leaked);
  const fs::path fds = "/proc/" + std::to_string(*f.apps->main_pid()) + "/fd";
  // posix_spawn returns after exec, but the new program's dynamic loader briefly opens its
  // libraries (seen as a transient fd 3 under load), so wait, bounded, for the table to
  // settle: a descriptor inherited from us would never go away.
  std::vector<std::string> open_fds;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    open_fds.clear();
    for (const auto& e : fs::directory_iterator(fds)) open_fds.push_back(e.path().filename().string());
    std::sort(open_fds.begin(), open_fds.end());
    if (open_fds == std::vector<std::string>{"0", "1", "2"}) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK(open_fds == std::vector<std::string>{"0", "1", "2"});
  CHECK(fs::read_symlink(fds / "0") == "/dev/null");
  // stdout and stderr both go where the server's stderr goes.
  CHECK(fs::read_symlink(fds / "1") == fs::read_symlink("/proc/self/fd/2"));
  CHECK(fs::read_symlink(fds / "2") == fs::read_symlink("/proc/self/fd/2"));
  const pid_t pid = *f.apps->main_pid();
  CHECK(::getpgid(pid) == pid);  // own process group
  CHECK(::getsid(pid) == pid);   // own session
  f.apps->stop();
}

TEST_CASE("destroying the controller stops the app and runs undo", "[apps]") {
  Fixture f;
  REQUIRE_FALSE(f.apps->start(prep_app("Scoped", sh("echo $$ > main.pid; exec sleep 30"), 1), f.env));
  REQUIRE(f.wait_file("main.pid"));
  f.apps.reset();
  CHECK_FALSE(pid_alive(read_pid(f / "main.pid")));
  CHECK(lines_of(f / "order.log") == std::vector<std::string>{"do0", "undo0"});
  f.io.restart();
  f.io.run_for(50ms);  // aborted completions of the destroyed controller are harmless
}
