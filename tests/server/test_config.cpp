// Configuration: defaults, ports, and that every kind of mistake is reported with file, line,
// column and key (config_file.hpp).
#include <catch2/catch.hpp>

#include "lightwell/server/config.hpp"
#include "lightwell/server/config_file.hpp"
#include "lightwell/server/startup_error.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

namespace {

// Parses text and returns the StartupError message ("" if it parsed).
std::string error_of(const std::string& text, const std::string& file = "/etc/lightwell/test.toml") {
  try {
    (void)parse_config(text, file);
  } catch (const StartupError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("Config{} is a complete, valid configuration", "[config]") {
  const Config c{};
  CHECK(c.server.base_port == 47989);
  CHECK(c.server.name.empty());
  CHECK(c.server.state_dir.empty());
  CHECK(c.server.log_level == LogLevel::info);
  CHECK(c.network.bind_addresses.empty());
  CHECK(c.network.web_ui);
  CHECK(c.video.max_width_px == 3840);
  CHECK(c.video.max_fps == 120);
  CHECK(c.video.encoder == EncoderPreference::automatic);
  CHECK(c.video.min_bitrate_kbps <= c.video.max_bitrate_kbps);
  CHECK(c.audio.max_channels == 8);
  CHECK(c.input.enabled);
  REQUIRE(all_apps(c.apps).size() == 1);
  CHECK(all_apps(c.apps)[0].name == "Desktop");
  CHECK(all_apps(c.apps)[0].cmd.empty());
  CHECK_FALSE(c.security.web_ui_allowed_networks.empty());
}

TEST_CASE("an empty file gives exactly the defaults", "[config]") {
  const Config c = parse_config("", "/x.toml");
  CHECK(c.server.ports() == Config{}.server.ports());
  CHECK(c.video.max_bitrate_kbps == VideoOptions{}.max_bitrate_kbps);
  CHECK(all_apps(c.apps).size() == 1);
}

TEST_CASE("ports follow the protocol's ports table from the default base 47989", "[config][ports]") {
  // protocol/README.md "Ports": 47984 TCP, 47989 TCP, 47990 TCP, 47998/47999/48000 UDP, 48010 TCP.
  const Ports p = Config{}.server.ports();
  CHECK(p.https == 47984);
  CHECK(p.http == 47989);
  CHECK(p.web == 47990);
  CHECK(p.video == 47998);
  CHECK(p.control == 47999);
  CHECK(p.audio == 48000);
  CHECK(p.rtsp == 48010);
}

TEST_CASE("ports shift with a custom base port", "[config][ports]") {
  const Config c = parse_config("[server]\nbase_port = 50000\n", "/x.toml");
  const Ports p = c.server.ports();
  CHECK(p.https == 49995);
  CHECK(p.http == 50000);
  CHECK(p.web == 50001);
  CHECK(p.video == 50009);
  CHECK(p.control == 50010);
  CHECK(p.audio == 50011);
  CHECK(p.rtsp == 50021);
  // The extremes that keep every derived port inside 1..65535 are accepted.
  CHECK(parse_config("[server]\nbase_port = 6\n", "/x.toml").server.ports().https == 1);
  CHECK(parse_config("[server]\nbase_port = 65514\n", "/x.toml").server.ports().rtsp == 65535);
}

TEST_CASE("a base port that pushes a derived port out of 1..65535 is refused", "[config][ports]") {
  for (const char* bad : {"5", "0", "-1", "65515", "65535", "70000"}) {
    const std::string msg = error_of(std::string("[server]\nbase_port = ") + bad + "\n");
    INFO(msg);
    CHECK(msg.find("test.toml:2:") != std::string::npos);
    CHECK(msg.find("server.base_port") != std::string::npos);
    CHECK(msg.find("out of range 6..65514") != std::string::npos);
  }
}

TEST_CASE("a TOML syntax error names file, line and key", "[config]") {
  const std::string msg = error_of("[server]\nname = \"ok\"\n\n[video]\nmax_fps = = 60\n");
  INFO(msg);
  CHECK(msg.find("/etc/lightwell/test.toml:5:") != std::string::npos);
  CHECK(msg.find("video.max_fps") != std::string::npos);

  const std::string unterminated = error_of("[server]\nname = \"host\n");
  INFO(unterminated);
  CHECK(unterminated.find("test.toml:2:") != std::string::npos);
  CHECK(unterminated.find("server.name") != std::string::npos);
}

// Found by tests/fuzz/fuzz_config: toml++ quotes the offending input ("saw 'tru\n'") and
// quoted keys / string values may hold escapes, so the file's text reached the message raw.
TEST_CASE("error messages stay one line without control characters from the file", "[config]") {
  auto clean = [](const std::string& msg) {
    return msg.find_first_of(std::string("\n\r\x1b\0", 4)) == std::string::npos;
  };
  SECTION("syntax error quoting the line break it stopped at") {
    const std::string msg = error_of("[video]\nmax_fps = tru\n");
    INFO(msg);
    CHECK(msg.find("test.toml:2:") != std::string::npos);
    CHECK(clean(msg));
    CHECK(msg.find("\\x0a") != std::string::npos);
  }
  SECTION("unknown quoted key with a newline and an escape sequence") {
    const std::string msg = error_of("[server]\n\"bad\\u001b[31mkey\\nline2\" = 1\n");
    INFO(msg);
    CHECK(msg.find("unknown key") != std::string::npos);
    CHECK(clean(msg));
    CHECK(msg.find("bad\\x1b[31mkey\\x0aline2") != std::string::npos);
  }
  SECTION("bad string value with an escape sequence") {
    const std::string msg = error_of("[video]\nencoder = \"x\\u001b[2Jy\"\n");
    INFO(msg);
    CHECK(msg.find("video.encoder") != std::string::npos);
    CHECK(clean(msg));
    CHECK(msg.find("x\\x1b[2Jy") != std::string::npos);
  }
}

TEST_CASE("a duplicate key is a syntax error at its line", "[config]") {
  const std::string msg = error_of("[video]\nmax_fps = 60\nmax_fps = 90\n");
  INFO(msg);
  CHECK(msg.find("test.toml:3:") != std::string::npos);
}

TEST_CASE("unknown keys and tables are errors with the nearest key suggested", "[config]") {
  SECTION("typo in a key") {
    const std::string msg = error_of("[server]\nbase_prot = 48000\n");
    INFO(msg);
    CHECK(msg.find("test.toml:2:1") != std::string::npos);
    CHECK(msg.find("server.base_prot") != std::string::npos);
    CHECK(msg.find("unknown key") != std::string::npos);
    CHECK(msg.find("did you mean 'base_port'") != std::string::npos);
  }
  SECTION("unknown table") {
    const std::string msg = error_of("[sever]\nname = \"x\"\n");
    INFO(msg);
    CHECK(msg.find("test.toml:1:") != std::string::npos);
    CHECK(msg.find("sever") != std::string::npos);
    CHECK(msg.find("did you mean 'server'") != std::string::npos);
  }
  SECTION("a far-off key gets no suggestion") {
    const std::string msg = error_of("[video]\ncolour_space = \"bt709\"\n");
    INFO(msg);
    CHECK(msg.find("video.colour_space: unknown key") != std::string::npos);
    CHECK(msg.find("did you mean") == std::string::npos);
  }
  SECTION("unknown key inside an app") {
    const std::string msg = error_of("[[apps.list]]\nname = \"a\"\ncommand = \"x\"\n");
    INFO(msg);
    CHECK(msg.find("test.toml:3:") != std::string::npos);
    CHECK(msg.find("apps.list[0].command") != std::string::npos);
  }
}

TEST_CASE("wrong types are errors naming the key and both types", "[config]") {
  struct Case {
    const char* text;
    const char* key;
    const char* want;
  };
  for (const Case& c : {Case{"[server]\nbase_port = \"47989\"\n", "server.base_port", "expected an integer, got a string"},
                        Case{"[video]\nmax_fps = 60.0\n", "video.max_fps", "expected an integer, got a float"},
                        Case{"[input]\nenabled = 1\n", "input.enabled", "expected a boolean"},
                        Case{"[server]\nname = 7\n", "server.name", "expected a string, got an integer"},
                        Case{"server = 1\n", "server", "expected a table"},
                        Case{"[network]\nbind_addresses = \"::\"\n", "network.bind_addresses", "expected an array"},
                        Case{"[network]\nbind_addresses = [1]\n", "network.bind_addresses[0]", "expected a string"},
                        Case{"[apps]\nlist = 3\n", "apps.list", "expected an array of tables"}}) {
    const std::string msg = error_of(c.text);
    INFO(c.text << " -> " << msg);
    CHECK(msg.find("test.toml:") != std::string::npos);
    CHECK(msg.find(c.key) != std::string::npos);
    CHECK(msg.find(c.want) != std::string::npos);
  }
}

TEST_CASE("out-of-range and invalid values are errors naming the key", "[config]") {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c : {Case{"[video]\nmax_fps = 500\n", "video.max_fps"},
                        Case{"[video]\nmax_width_px = 100\n", "video.max_width_px"},
                        Case{"[video]\nencoder = \"nvenc\"\n", "video.encoder"},
                        Case{"[video]\nmin_bitrate_kbps = 9000\nmax_bitrate_kbps = 8000\n", "video.min_bitrate_kbps"},
                        Case{"[audio]\nmax_channels = 4\n", "audio.max_channels"},
                        Case{"[server]\nlog_level = \"verbose\"\n", "server.log_level"},
                        Case{"[network]\nbind_addresses = [\"192.168.1.300\"]\n", "network.bind_addresses[0]"},
                        Case{"[security]\nweb_ui_allowed_networks = [\"10.0.0.0/33\"]\n",
                             "security.web_ui_allowed_networks[0]"},
                        Case{"[security]\nweb_ui_allowed_networks = [\"lan\"]\n", "security.web_ui_allowed_networks[0]"},
                        Case{"[[apps.list]]\ncmd = \"x\"\n", "apps.list[0].name"},
                        Case{"[[apps.list]]\nname = \"Desktop\"\n", "apps.list[0].name"},
                        Case{"[[apps.list]]\nname = \"A\"\n[[apps.list]]\nname = \"A\"\n", "apps.list[1].name"},
                        Case{"[[apps.list]]\nname = \"A\"\nprep = [{undo = \"\"}]\n", "apps.list[0].prep[0]"}}) {
    const std::string msg = error_of(c.text);
    INFO(c.text << " -> " << msg);
    CHECK(msg.find("test.toml:") != std::string::npos);
    CHECK(msg.find(c.key) != std::string::npos);
  }
}

TEST_CASE("a full file sets every option", "[config]") {
  const Config c = parse_config(R"(
[server]
name = "Living Room"
base_port = 40000
state_dir = "state"
log_level = "debug"
[network]
bind_addresses = ["192.168.1.10", "fe80::1"]
web_ui = false
[video]
max_width_px = 1920
max_height_px = 1080
max_fps = 60
encoder = "software"
min_bitrate_kbps = 1000
max_bitrate_kbps = 20000
[audio]
sink = "alsa_output.pci"
max_channels = 2
[input]
enabled = false
[apps]
desktop = false
[[apps.list]]
name = "Desktop"
shell = true
cmd = "true"
working_dir = "/srv"
image = "art/desktop.png"
detached = ["a", "b"]
prep = [{do = "xrandr --output A", undo = "xrandr --auto"}, {undo = "only-undo"}]
[security]
web_ui_allowed_networks = ["10.1.0.0/16"]
)",
                                "/etc/lightwell/lightwell.toml");
  CHECK(c.server.name == "Living Room");
  CHECK(c.server.base_port == 40000);
  CHECK(c.server.state_dir == "/etc/lightwell/state");  // relative to the file's directory
  CHECK(c.server.log_level == LogLevel::debug);
  CHECK(c.network.bind_addresses == std::vector<std::string>{"192.168.1.10", "fe80::1"});
  CHECK_FALSE(c.network.web_ui);
  CHECK(c.video.max_width_px == 1920);
  CHECK(c.video.max_height_px == 1080);
  CHECK(c.video.max_fps == 60);
  CHECK(c.video.encoder == EncoderPreference::software);
  CHECK(c.video.min_bitrate_kbps == 1000);
  CHECK(c.video.max_bitrate_kbps == 20000);
  CHECK(c.audio.sink == "alsa_output.pci");
  CHECK(c.audio.max_channels == 2);
  CHECK_FALSE(c.input.enabled);
  CHECK_FALSE(c.apps.desktop);
  REQUIRE(c.apps.list.size() == 1);  // "Desktop" may be reused once the built-in is off
  const App& app = c.apps.list[0];
  CHECK(app.cmd.argv == std::vector<std::string>{"/bin/sh", "-c", "true"});  // shell = true
  CHECK(app.working_dir == "/srv");
  CHECK(app.image == "/etc/lightwell/art/desktop.png");
  REQUIRE(app.detached.size() == 2);
  CHECK(app.detached[1].argv == std::vector<std::string>{"/bin/sh", "-c", "b"});
  REQUIRE(app.prep.size() == 2);
  CHECK(app.prep[0].run.argv == std::vector<std::string>{"/bin/sh", "-c", "xrandr --output A"});
  CHECK(app.prep[0].undo.argv == std::vector<std::string>{"/bin/sh", "-c", "xrandr --auto"});
  CHECK(app.prep[1].run.empty());
  CHECK(c.security.web_ui_allowed_networks == std::vector<std::string>{"10.1.0.0/16"});
  CHECK(all_apps(c.apps).size() == 1);
}

TEST_CASE("every example configuration in packaging/ parses", "[config]") {
  const std::filesystem::path packaging =
      std::filesystem::path(LIGHTWELL_TEST_DATA_DIR).parent_path().parent_path() / "packaging";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(packaging)) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path());
    CHECK_NOTHROW(load_config_file(entry.path()));
    ++parsed;
  }
  CHECK(parsed >= 1);
}

TEST_CASE("the example file states every default", "[config]") {
  const std::filesystem::path example = std::filesystem::path(LIGHTWELL_TEST_DATA_DIR).parent_path().parent_path() /
                                        "packaging" / "lightwell.example.toml";
  const Config c = load_config_file(example);
  const Config d{};
  CHECK(c.server.base_port == d.server.base_port);
  CHECK(c.server.name == d.server.name);
  CHECK(c.server.log_level == d.server.log_level);
  CHECK(c.network.bind_addresses == d.network.bind_addresses);
  CHECK(c.network.web_ui == d.network.web_ui);
  CHECK(c.video.max_width_px == d.video.max_width_px);
  CHECK(c.video.max_height_px == d.video.max_height_px);
  CHECK(c.video.max_fps == d.video.max_fps);
  CHECK(c.video.encoder == d.video.encoder);
  CHECK(c.video.min_bitrate_kbps == d.video.min_bitrate_kbps);
  CHECK(c.video.max_bitrate_kbps == d.video.max_bitrate_kbps);
  CHECK(c.audio.sink == d.audio.sink);
  CHECK(c.audio.max_channels == d.audio.max_channels);
  CHECK(c.input.enabled == d.input.enabled);
  CHECK(c.apps.desktop == d.apps.desktop);
  CHECK(c.security.web_ui_allowed_networks == d.security.web_ui_allowed_networks);
}

TEST_CASE("a missing --config file is an error naming it", "[config]") {
  TempDir dir;
  try {
    (void)load_config_file(dir / "nope.toml");
    FAIL("no error");
  } catch (const StartupError& e) {
    CHECK(std::string(e.what()).find("nope.toml") != std::string::npos);
    CHECK(std::string(e.what()).find("no such file") != std::string::npos);
  }
}

TEST_CASE("default config location follows root / XDG rules", "[config]") {
  CHECK(default_config_path({true, "/x", "/root"}) == "/etc/lightwell/lightwell.toml");
  CHECK(default_config_path({false, "/cfg", "/home/u"}) == "/cfg/lightwell/lightwell.toml");
  CHECK(default_config_path({false, "relative", "/home/u"}) == "/home/u/.config/lightwell/lightwell.toml");
  CHECK(default_config_path({false, "", "/home/u"}) == "/home/u/.config/lightwell/lightwell.toml");
  CHECK_FALSE(default_config_path({false, "", ""}).has_value());
}

TEST_CASE("default config location: $CONFIGURATION_DIRECTORY (systemd) comes first", "[config]") {
  // systemd.exec(5): ConfigurationDirectory=lightwell sets $CONFIGURATION_DIRECTORY=/etc/lightwell,
  // several entries joined with ':'. It wins over the root and XDG rules, as $STATE_DIRECTORY does.
  CHECK(default_config_path({false, "/cfg", "/var/lib/lightwell", "/etc/lightwell"}) ==
        "/etc/lightwell/lightwell.toml");
  CHECK(default_config_path({true, "", "/root", "/etc/lightwell"}) == "/etc/lightwell/lightwell.toml");
  CHECK(default_config_path({false, "", "", "/etc/lightwell:/etc/other"}) == "/etc/lightwell/lightwell.toml");
  // An empty or relative first entry is not a systemd-made path: the usual rules apply.
  CHECK(default_config_path({false, "/cfg", "/home/u", ":/etc/lightwell"}) == "/cfg/lightwell/lightwell.toml");
  CHECK(default_config_path({false, "", "/home/u", "etc/lightwell"}) == "/home/u/.config/lightwell/lightwell.toml");
  CHECK(default_config_path({true, "", "/root", ""}) == "/etc/lightwell/lightwell.toml");
}

TEST_CASE("mDNS instance name follows the protocol's rules", "[config]") {
  // protocol/README.md "Discovery": 63 chars, spaces to '-', cut at the first other character.
  CHECK(mdns_instance_name("Living Room PC") == "Living-Room-PC");
  CHECK(mdns_instance_name("host.example.com") == "host");
  CHECK(mdns_instance_name("") == "Lightwell");
  CHECK(mdns_instance_name(".dot") == "Lightwell");
  CHECK(mdns_instance_name(std::string(80, 'a')) == std::string(63, 'a'));
}
