// [apps] in the configuration (docs/apps.md): commands are argv arrays, strings only with
// shell = true, and every malformed command is refused at load with file:line and key.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lightwell/server/app_runner.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/config_file.hpp"
#include "lightwell/server/startup_error.hpp"

using namespace lightwell::server;

namespace {

using Argv = std::vector<std::string>;

std::string error_of(const std::string& text) {
  try {
    (void)parse_config(text, "/etc/lightwell/apps.toml");
  } catch (const StartupError& e) {
    return e.what();
  }
  return {};
}

App one_app(const std::string& body) {
  const Config c = parse_config("[[apps.list]]\nname = \"A\"\n" + body, "/etc/lightwell/apps.toml");
  REQUIRE(c.apps.list.size() == 1);
  return c.apps.list[0];
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("an array command is kept argument by argument, nothing split or expanded", "[config][apps]") {
  const App app = one_app(R"toml(cmd = ["steam", "-bigpicture", "two words", "$(touch pwned)", "; rm -rf /"])toml");
  CHECK(app.cmd.argv == Argv{"steam", "-bigpicture", "two words", "$(touch pwned)", "; rm -rf /"});
  CHECK(one_app("").cmd.empty());  // no cmd: runs until stopped, like Desktop
}

TEST_CASE("a string command needs shell = true and then runs through /bin/sh -c", "[config][apps]") {
  const std::string msg = error_of("[[apps.list]]\nname = \"A\"\ncmd = \"steam -bigpicture\"\n");
  INFO(msg);
  CHECK(contains(msg, "apps.toml:3:"));
  CHECK(contains(msg, "apps.list[0].cmd"));
  CHECK(contains(msg, "array of arguments"));
  CHECK(contains(msg, "shell = true"));

  const App app = one_app("shell = true\ncmd = \"steam -bigpicture && echo $HOME\"\n");
  CHECK(app.cmd.argv == Argv{"/bin/sh", "-c", "steam -bigpicture && echo $HOME"});
  // shell = true does not change array commands.
  CHECK(one_app("shell = true\ncmd = [\"a b\", \"c\"]\n").cmd.argv == Argv{"a b", "c"});
}

TEST_CASE("prep and detached commands follow the same rule", "[config][apps]") {
  const App app = one_app(R"(detached = [["steam", "steam://open/bigpicture"]]
prep = [{do = ["xrandr", "--output", "HDMI-1", "--mode", "1920x1080"], undo = ["xrandr", "--auto"]},
        {undo = ["only-undo"]}]
)");
  REQUIRE(app.detached.size() == 1);
  CHECK(app.detached[0].argv == Argv{"steam", "steam://open/bigpicture"});
  REQUIRE(app.prep.size() == 2);
  CHECK(app.prep[0].run.argv == Argv{"xrandr", "--output", "HDMI-1", "--mode", "1920x1080"});
  CHECK(app.prep[0].undo.argv == Argv{"xrandr", "--auto"});
  CHECK(app.prep[1].run.empty());
  CHECK(app.prep[1].undo.argv == Argv{"only-undo"});

  const App sh = one_app("shell = true\ndetached = [\"steam &\"]\nprep = [{do = \"a | b\", undo = [\"c\"]}]\n");
  CHECK(sh.detached[0].argv == Argv{"/bin/sh", "-c", "steam &"});
  CHECK(sh.prep[0].run.argv == Argv{"/bin/sh", "-c", "a | b"});
  CHECK(sh.prep[0].undo.argv == Argv{"c"});
}

TEST_CASE("malformed app commands are refused at load, naming the key", "[config][apps]") {
  struct Case {
    const char* body;
    const char* key;
    const char* problem;
  };
  for (const Case& c : {
           Case{"cmd = []\n", "apps.list[0].cmd", "empty command"},
           Case{"cmd = [\"\", \"x\"]\n", "apps.list[0].cmd[0]", "program name is empty"},
           Case{"cmd = [\"a\", \"b\\u0000c\"]\n", "apps.list[0].cmd[1]", "NUL"},
           Case{"shell = true\ncmd = \"a\\u0000b\"\n", "apps.list[0].cmd", "NUL"},
           Case{"shell = true\ncmd = \"  \"\n", "apps.list[0].cmd", "empty command"},
           Case{"cmd = \"\"\n", "apps.list[0].cmd", "empty command"},
           Case{"cmd = [\"a\", 1]\n", "apps.list[0].cmd[1]", "expected a string"},
           Case{"cmd = 5\n", "apps.list[0].cmd", "expected a command"},
           Case{"shell = \"yes\"\n", "apps.list[0].shell", "expected a boolean"},
           Case{"detached = [\"steam -x\"]\n", "apps.list[0].detached[0]", "shell = true"},
           Case{"detached = [[]]\n", "apps.list[0].detached[0]", "empty command"},
           Case{"detached = \"x\"\n", "apps.list[0].detached", "expected an array"},
           Case{"prep = [{do = \"xrandr --auto\"}]\n", "apps.list[0].prep[0].do", "shell = true"},
           Case{"prep = [{undo = []}]\n", "apps.list[0].prep[0].undo", "empty command"},
           Case{"prep = [{}]\n", "apps.list[0].prep[0]", "needs a command"},
           Case{"prep = [{do = [\"a\"], undo = [\"b\"], when = 1}]\n", "apps.list[0].prep[0].when", "unknown key"},
           Case{"prep = [[\"a\"]]\n", "apps.list[0].prep[0]", "expected a table"},
           Case{"image = \"art/box.jpg\"\n", "apps.list[0].image", "PNG"},
           Case{"working_dir = \"/srv\\u0000x\"\n", "apps.list[0].working_dir", "NUL"},
           Case{"commands = [\"a\"]\n", "apps.list[0].commands", "unknown key"},
       }) {
    const std::string msg = error_of(std::string("[[apps.list]]\nname = \"A\"\n") + c.body);
    INFO(c.body << " -> " << msg);
    CHECK(contains(msg, "apps.toml:"));
    CHECK(contains(msg, c.key));
    CHECK(contains(msg, c.problem));
  }
}

TEST_CASE("app names are unique, non-empty and free of control characters", "[config][apps]") {
  CHECK(contains(error_of("[[apps.list]]\nname = \"a\\u0007b\"\n"), "control character"));
  CHECK(contains(error_of("[[apps.list]]\nname = \"a\\nb\"\n"), "control character"));
  CHECK(contains(error_of("[[apps.list]]\nname = \"\"\n"), "non-empty name"));
  CHECK(contains(error_of("[[apps.list]]\nname = \"X\"\n[[apps.list]]\nname = \"X\"\n"), "used twice"));
  CHECK(contains(error_of("[[apps.list]]\nname = \"Desktop\"\n"), "apps.desktop = false"));
  // Names are compared exactly: a different case is another app.
  CHECK(parse_config("[[apps.list]]\nname = \"x\"\n[[apps.list]]\nname = \"X\"\n", "/a.toml").apps.list.size() == 2);
}

TEST_CASE("image and working_dir paths resolve against the file's directory", "[config][apps]") {
  const App app = one_app("image = \"art/Box.PNG\"\nworking_dir = \"games\"\n");
  CHECK(app.image == "/etc/lightwell/art/Box.PNG");
  CHECK(app.working_dir == "/etc/lightwell/games");
}

TEST_CASE("prep_timeout_s and stop_grace_s have ranges and feed the runner options", "[config][apps]") {
  const Config d = parse_config("", "/a.toml");
  CHECK(d.apps.prep_timeout_s == 30);
  CHECK(d.apps.stop_grace_s == 5);
  const Config c = parse_config("[apps]\nprep_timeout_s = 120\nstop_grace_s = 2\n", "/a.toml");
  const AppRunnerOptions o = AppRunnerOptions::from_config(c.apps, "/var/lib/lightwell");
  CHECK(o.prep_timeout == std::chrono::seconds(120));
  CHECK(o.stop_grace == std::chrono::seconds(2));
  CHECK(o.default_working_dir == "/var/lib/lightwell");
  CHECK(contains(error_of("[apps]\nprep_timeout_s = 0\n"), "apps.prep_timeout_s: 0 is out of range 1..3600"));
  CHECK(contains(error_of("[apps]\nstop_grace_s = 601\n"), "apps.stop_grace_s: 601 is out of range 1..600"));
}

TEST_CASE("the example file states the [apps] defaults and uses no shell", "[config][apps]") {
  const auto example = std::filesystem::path(LIGHTWELL_TEST_DATA_DIR).parent_path().parent_path() / "packaging" /
                       "lightwell.example.toml";
  const Config c = load_config_file(example);
  CHECK(c.apps.prep_timeout_s == AppsOptions{}.prep_timeout_s);
  CHECK(c.apps.stop_grace_s == AppsOptions{}.stop_grace_s);
  for (const App& app : c.apps.list) {
    INFO(app.name);
    const auto no_shell = [](const AppCommand& cmd) { return cmd.empty() || cmd.argv[0] != "/bin/sh"; };
    CHECK(no_shell(app.cmd));
    for (const auto& d : app.detached) CHECK(no_shell(d));
    for (const auto& p : app.prep) CHECK((no_shell(p.run) && no_shell(p.undo)));
  }
}

TEST_CASE("the configuration example in docs/apps.md parses as documented", "[config][apps]") {
  const auto doc = std::filesystem::path(LIGHTWELL_TEST_DATA_DIR).parent_path().parent_path() / "docs" / "apps.md";
  std::ifstream in(doc);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto begin = text.find("```toml\n");
  REQUIRE(begin != std::string::npos);
  const auto end = text.find("```", begin + 8);
  REQUIRE(end != std::string::npos);
  const Config c = parse_config(text.substr(begin + 8, end - begin - 8), "/etc/lightwell/lightwell.toml");
  REQUIRE(c.apps.list.size() == 3);
  CHECK(c.apps.list[0].detached[0].argv == Argv{"steam", "steam://open/bigpicture"});
  CHECK(c.apps.list[1].cmd.argv == Argv{"retroarch", "--fullscreen"});
  CHECK(c.apps.list[2].prep[0].run.argv ==
        Argv{"/bin/sh", "-c", "xrandr --output HDMI-1 --mode \"${LIGHTWELL_CLIENT_WIDTH}x${LIGHTWELL_CLIENT_HEIGHT}\""});
}
