// TOML → Config. One Section reader per table: it reads the keys it knows with type and range
// checks, then rejects whatever is left as unknown. Messages follow config_file.hpp.
#include "lightwell/server/config_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "config_suggest.hpp"
#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {
namespace {

namespace fs = std::filesystem;

std::string where(const fs::path& file, const toml::source_region& r) {
  if (r.begin.line == 0) return file.string();
  return fmt::format("{}:{}:{}", file.string(), r.begin.line, r.begin.column);
}

// The message is one line (config_file.hpp) that ends up on a terminal and in the journal,
// but keys, values and toml++'s "saw '...'" excerpts are text from the file: a quoted key or
// string with "\n" or an ESC sequence would split the line or drive the terminal. Control
// characters are therefore written as \xNN (found by tests/fuzz/fuzz_config).
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

[[noreturn]] void fail_at(const fs::path& file, const toml::source_region& r, std::string_view key,
                          std::string_view problem) {
  throw StartupError(one_line(fmt::format("{}: {}: {}", where(file, r), key, problem)),
                     "fix the value in the configuration file (docs/configuration.md lists every option)");
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// Reads one TOML table. `path` is the dotted name used in messages ("video", "apps.list[0]").
class Section {
 public:
  Section(const toml::table& table, std::string path, const fs::path& file)
      : table_(table), path_(std::move(path)), file_(file) {}

  std::string key_name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const toml::node* find(std::string_view key) {
    known_.emplace(key);
    return table_.get(key);
  }

  [[noreturn]] void wrong_type(std::string_view key, const toml::node& n, std::string_view want) const {
    fail_at(file_, n.source(), key_name(key), fmt::format("expected {}, got {}", want, type_name(n)));
  }

  void boolean(std::string_view key, bool& out) {
    if (const toml::node* n = find(key)) {
      if (!n->is_boolean()) wrong_type(key, *n, "a boolean (true or false)");
      out = n->as_boolean()->get();
    }
  }

  void string(std::string_view key, std::string& out) {
    if (const toml::node* n = find(key)) out = string_of(key, *n);
  }

  // Relative paths are relative to the directory of the config file.
  void path(std::string_view key, fs::path& out) {
    if (const toml::node* n = find(key)) {
      const std::string s = string_of(key, *n);
      if (s.empty()) {
        out.clear();
        return;
      }
      fs::path p(s);
      out = p.is_absolute() ? p : fs::absolute(file_).parent_path() / p;
    }
  }

  template <class Int>
  void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max,
               std::string_view why = {}) {
    if (const toml::node* n = find(key)) {
      if (!n->is_integer()) wrong_type(key, *n, "an integer");
      const std::int64_t v = n->as_integer()->get();
      if (v < min || v > max) {
        fail_at(file_, n->source(), key_name(key),
                fmt::format("{} is out of range {}..{}{}", v, min, max, why));
      }
      out = static_cast<Int>(v);
    }
  }

  void strings(std::string_view key, std::vector<std::string>& out,
               const std::function<std::string(const std::string&)>& check = {}) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const toml::array* a = n->as_array();
    if (a == nullptr) wrong_type(key, *n, "an array of strings");
    out.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = *a->get(i);
      const std::string item_key = fmt::format("{}[{}]", key, i);
      std::string s = string_of(item_key, e);
      if (check) {
        if (std::string problem = check(s); !problem.empty()) {
          fail_at(file_, e.source(), key_name(item_key), problem);
        }
      }
      out.push_back(std::move(s));
    }
  }

  template <class E>
  void choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> names) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const std::string s = string_of(key, *n);
    std::string all;
    for (const auto& [name, value] : names) {
      if (s == name) {
        out = value;
        return;
      }
      all += all.empty() ? "" : ", ";
      all += fmt::format("\"{}\"", name);
    }
    fail_at(file_, n->source(), key_name(key), fmt::format("\"{}\" is not one of {}", s, all));
  }

  // A sub-table (or nullptr when absent); wrong type is an error.
  const toml::table* table(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) wrong_type(key, *n, "a table");
    return n->as_table();
  }

  const toml::array* array(std::string_view key, std::string_view want) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_array()) wrong_type(key, *n, want);
    return n->as_array();
  }

  // Everything not asked for is an unknown key: report the first in file order.
  void finish() const {
    const std::vector<std::string> valid(known_.begin(), known_.end());
    for (auto&& [k, v] : table_) {
      if (known_.count(std::string(k.str())) != 0) continue;
      std::string problem = "unknown key";
      if (auto near = nearest_key(k.str(), valid)) problem += fmt::format(" (did you mean '{}'?)", *near);
      if (valid.empty()) problem += " (this table takes no keys)";
      const toml::source_region& r = k.source().begin.line != 0 ? k.source() : v.source();
      fail_at(file_, r, key_name(k.str()), problem);
    }
  }

  const fs::path& file() const { return file_; }
  const std::string& name() const { return path_; }

 private:
  std::string string_of(std::string_view key, const toml::node& n) const {
    if (!n.is_string()) wrong_type(key, n, "a string");
    return n.as_string()->get();
  }

  const toml::table& table_;
  std::string path_;
  const fs::path& file_;
  std::set<std::string, std::less<>> known_;
};

std::string check_address(const std::string& s) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(s, ec);
  return ec ? fmt::format("\"{}\" is not an IPv4 or IPv6 address", s) : std::string();
}

std::string check_network(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) return fmt::format("\"{}\" is not a network: write address/prefix, e.g. 192.168.0.0/16", s);
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(s.substr(0, slash), ec);
  if (ec) return fmt::format("\"{}\": \"{}\" is not an IPv4 or IPv6 address", s, s.substr(0, slash));
  const std::string bits = s.substr(slash + 1);
  const int max = addr.is_v4() ? 32 : 128;
  if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(bits) > max) {
    return fmt::format("\"{}\": prefix length must be 0..{}", s, max);
  }
  return {};
}

void read_server(Section s, ServerOptions& o) {
  s.string("name", o.name);
  s.integer("base_port", o.base_port, Ports::kMinBase, Ports::kMaxBase,
            " (every derived port, base-5 .. base+21, must lie in 1..65535)");
  s.path("state_dir", o.state_dir);
  s.choice("log_level", o.log_level,
           {{"trace", LogLevel::trace}, {"debug", LogLevel::debug}, {"info", LogLevel::info},
            {"warn", LogLevel::warn}, {"error", LogLevel::error}});
  s.finish();
}

void read_network(Section s, NetworkOptions& o) {
  s.strings("bind_addresses", o.bind_addresses, check_address);
  s.boolean("web_ui", o.web_ui);
  s.finish();
}

void read_video(Section s, VideoOptions& o) {
  s.integer("max_width_px", o.max_width_px, 320, 7680);
  s.integer("max_height_px", o.max_height_px, 200, 4320);
  s.integer("max_fps", o.max_fps, 10, 240);
  s.choice("encoder", o.encoder,
           {{"auto", EncoderPreference::automatic}, {"vaapi", EncoderPreference::vaapi},
            {"qsv", EncoderPreference::qsv}, {"software", EncoderPreference::software}});
  s.boolean("software_hevc", o.software_hevc);
  s.boolean("software_av1", o.software_av1);
  s.choice("capture", o.capture,
           {{"auto", CaptureKind::automatic}, {"kms", CaptureKind::kms}, {"test-pattern", CaptureKind::test_pattern}});
  s.string("card", o.card);
  s.string("connector", o.connector);
  s.integer("min_bitrate_kbps", o.min_bitrate_kbps, 100, 500000);
  s.integer("max_bitrate_kbps", o.max_bitrate_kbps, 100, 500000);
  if (o.min_bitrate_kbps > o.max_bitrate_kbps) {
    // Point at min when the file sets it, else at the max that undercut the default min.
    const std::string_view key = s.find("min_bitrate_kbps") != nullptr ? "min_bitrate_kbps" : "max_bitrate_kbps";
    fail_at(s.file(), s.find(key)->source(), s.key_name(key),
            fmt::format("min_bitrate_kbps ({}) is above max_bitrate_kbps ({})", o.min_bitrate_kbps,
                        o.max_bitrate_kbps));
  }
  s.finish();
}

void read_audio(Section s, AudioOptions& o) {
  s.choice("source", o.source, {{"pipewire", AudioSourceKind::pipewire}, {"test-tone", AudioSourceKind::test_tone}});
  s.string("sink", o.sink);
  s.boolean("virtual_sink", o.virtual_sink);
  if (const toml::node* n = s.find("max_channels")) {
    s.integer("max_channels", o.max_channels, 2, 8);
    if (o.max_channels != 2 && o.max_channels != 6 && o.max_channels != 8) {
      fail_at(s.file(), n->source(), s.key_name("max_channels"),
              fmt::format("{} is not 2, 6 or 8 (stereo, 5.1, 7.1)", o.max_channels));
    }
  }
  s.finish();
}

void read_input(Section s, InputOptions& o) {
  s.boolean("enabled", o.enabled);
  s.finish();
}

// --- apps (docs/apps.md) ----------------------------------------------------------------
// App commands are root-equivalent, so the loader is strict: a command is an argv array run
// without a shell; a string is accepted only where the app asks for a shell (`shell = true`).
// Nothing is ever split on whitespace: a guessed split is how quoting bugs become exploits.

constexpr std::string_view kCommandForm =
    "a command: an array of arguments like [\"steam\", \"-bigpicture\"], or a string with shell = true";

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// `key` is the name inside the app ("cmd", "prep[0].do", "detached[1]"), for messages.
AppCommand read_command(const Section& s, const toml::node& n, const std::string& key, bool shell) {
  const auto bad = [&](const toml::node& at, std::string_view problem) { fail_at(s.file(), at.source(), s.key_name(key), problem); };
  AppCommand cmd;
  if (const auto* text = n.as_string()) {
    const std::string& t = text->get();
    if (has_nul(t)) bad(n, "contains a NUL byte");
    if (is_blank(t)) bad(n, "an empty command (leave the key out to run nothing)");
    if (!shell) {
      bad(n, fmt::format("\"{}\" is a string, which would need a shell: write it as an array of arguments "
                         "(e.g. [\"steam\", \"-bigpicture\"]) or set shell = true in this app to run it with /bin/sh -c",
                         t));
    }
    cmd.argv = {"/bin/sh", "-c", t};
    return cmd;
  }
  const auto* array = n.as_array();
  if (array == nullptr) s.wrong_type(key, n, kCommandForm);
  if (array->empty()) bad(n, "an empty command (leave the key out to run nothing)");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& e = *array->get(i);
    const std::string item = fmt::format("{}[{}]", key, i);
    if (!e.is_string()) s.wrong_type(item, e, "a string (one argument)");
    const std::string& arg = e.as_string()->get();
    if (has_nul(arg)) fail_at(s.file(), e.source(), s.key_name(item), "contains a NUL byte");
    if (i == 0 && arg.empty()) fail_at(s.file(), e.source(), s.key_name(item), "the program name is empty");
    cmd.argv.push_back(arg);
  }
  return cmd;
}

void check_path(const Section& s, const toml::node* n, std::string_view key, const fs::path& p) {
  if (n != nullptr && has_nul(p.native())) fail_at(s.file(), n->source(), s.key_name(key), "contains a NUL byte");
}

App read_app(Section s, const toml::node& node) {
  App app;
  s.string("name", app.name);
  if (s.find("name") == nullptr || app.name.empty()) {
    fail_at(s.file(), node.source(), s.key_name("name"), "every app needs a non-empty name");
  }
  if (std::any_of(app.name.begin(), app.name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    fail_at(s.file(), s.find("name")->source(), s.key_name("name"), "contains a control character");
  }
  bool shell = false;
  s.boolean("shell", shell);
  if (const toml::node* n = s.find("cmd")) app.cmd = read_command(s, *n, "cmd", shell);
  s.path("working_dir", app.working_dir);
  check_path(s, s.find("working_dir"), "working_dir", app.working_dir);
  s.path("image", app.image);
  check_path(s, s.find("image"), "image", app.image);
  if (!app.image.empty()) {
    std::string ext = app.image.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (ext != ".png") fail_at(s.file(), s.find("image")->source(), s.key_name("image"), "box art must be a PNG file (*.png)");
  }
  if (const toml::array* detached = s.array("detached", "an array of commands")) {
    for (std::size_t i = 0; i < detached->size(); ++i) {
      app.detached.push_back(read_command(s, *detached->get(i), fmt::format("detached[{}]", i), shell));
    }
  }
  if (const toml::array* prep = s.array("prep", "an array of tables {do = [...], undo = [...]}")) {
    for (std::size_t i = 0; i < prep->size(); ++i) {
      const toml::node& e = *prep->get(i);
      const std::string key = fmt::format("prep[{}]", i);
      if (!e.is_table()) s.wrong_type(key, e, "a table {do = [...], undo = [...]}");
      Section p(*e.as_table(), s.key_name(key), s.file());
      PrepCommand cmd;
      // Messages name the prep key inside the app: apps.list[0].prep[1].do.
      if (const toml::node* n = p.find("do")) cmd.run = read_command(s, *n, key + ".do", shell);
      if (const toml::node* n = p.find("undo")) cmd.undo = read_command(s, *n, key + ".undo", shell);
      if (cmd.run.empty() && cmd.undo.empty()) {
        fail_at(s.file(), e.source(), s.key_name(key), "a prep entry needs a command in \"do\" or \"undo\"");
      }
      p.finish();
      app.prep.push_back(std::move(cmd));
    }
  }
  s.finish();
  return app;
}

void read_apps(Section s, AppsOptions& o) {
  s.boolean("desktop", o.desktop);
  s.integer("prep_timeout_s", o.prep_timeout_s, 1, 3600);
  s.integer("stop_grace_s", o.stop_grace_s, 1, 600);
  std::set<std::string> names;
  if (o.desktop) names.insert(desktop_app().name);
  if (const toml::array* list = s.array("list", "an array of tables ([[apps.list]])")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& e = *list->get(i);
      const std::string key = fmt::format("list[{}]", i);
      if (!e.is_table()) s.wrong_type(key, e, "a table ([[apps.list]])");
      App app = read_app(Section(*e.as_table(), s.key_name(key), s.file()), e);
      if (!names.insert(app.name).second) {
        const toml::node* n = e.as_table()->get("name");
        fail_at(s.file(), n->source(), s.key_name(key + ".name"),
                fmt::format("\"{}\" is used twice{}", app.name,
                            app.name == desktop_app().name ? " (the built-in Desktop app; set apps.desktop = false to replace it)" : ""));
      }
      o.list.push_back(std::move(app));
    }
  }
  s.finish();
}

void read_security(Section s, SecurityOptions& o) {
  s.strings("web_ui_allowed_networks", o.web_ui_allowed_networks, check_network);
  s.finish();
}

// For a syntax error: the dotted key of the offending line, when the line is `key = ...`.
std::string key_at_line(std::string_view text, std::size_t line_no) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::string table;
  for (std::size_t n = 1; std::getline(in, line) && n <= line_no; ++n) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    if (line[first] == '[') {
      const auto close = line.find(']', first);
      if (close != std::string::npos && n < line_no) {
        const auto b = line.find_first_not_of("[ \t", first);
        const auto e = line.find_last_not_of("] \t", close);
        table = (b != std::string::npos && e != std::string::npos && e >= b) ? line.substr(b, e - b + 1) : "";
      }
      continue;
    }
    if (n != line_no) continue;
    const auto eq = line.find('=', first);
    if (eq == std::string::npos) return {};
    std::string key = line.substr(first, eq - first);
    key.erase(key.find_last_not_of(" \t") + 1);
    return table.empty() ? key : table + "." + key;
  }
  return {};
}

}  // namespace

Config parse_config(std::string_view toml_text, const fs::path& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source.string());
  } catch (const toml::parse_error& e) {
    const auto& r = e.source();
    const std::string key = key_at_line(toml_text, r.begin.line);
    throw StartupError(one_line(fmt::format("{}: {}{}", where(source, r), key.empty() ? "" : key + ": ",
                                            e.description())),
                       "fix the TOML syntax at that line (https://toml.io)");
  }
  Config config;
  Section top(root, "", source);
  if (const auto* t = top.table("server")) read_server(Section(*t, "server", source), config.server);
  if (const auto* t = top.table("network")) read_network(Section(*t, "network", source), config.network);
  if (const auto* t = top.table("video")) read_video(Section(*t, "video", source), config.video);
  if (const auto* t = top.table("audio")) read_audio(Section(*t, "audio", source), config.audio);
  if (const auto* t = top.table("input")) read_input(Section(*t, "input", source), config.input);
  if (const auto* t = top.table("apps")) read_apps(Section(*t, "apps", source), config.apps);
  if (const auto* t = top.table("security")) read_security(Section(*t, "security", source), config.security);
  top.finish();
  return config;
}

Config load_config_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const bool exists = fs::exists(file, ec);
    throw StartupError(fmt::format("{}: cannot read the configuration file: {}", file.string(),
                                   exists ? "permission denied or not a regular file" : "no such file"),
                       exists ? "make it readable by this user" : "check the path given to --config");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file);
}

ConfigEnv config_env_from_process() {
  auto env = [](const char* n) {
    const char* v = std::getenv(n);
    return std::string(v != nullptr ? v : "");
  };
  return {::geteuid() == 0, env("XDG_CONFIG_HOME"), env("HOME"), env("CONFIGURATION_DIRECTORY")};
}

std::optional<fs::path> default_config_path(const ConfigEnv& env) {
  // The system unit's ConfigurationDirectory=lightwell makes this /etc/lightwell for a
  // non-root service user (systemd.exec(5)); systemd joins several entries with ':'.
  // Like $STATE_DIRECTORY (state_paths.cpp), only an absolute first entry counts.
  const std::string first = env.configuration_directory.substr(0, env.configuration_directory.find(':'));
  if (!first.empty() && first.front() == '/') return fs::path(first) / "lightwell.toml";
  if (env.is_root) return fs::path("/etc/lightwell/lightwell.toml");
  // XDG Base Directory spec: a relative $XDG_CONFIG_HOME is invalid and must be ignored.
  if (!env.xdg_config_home.empty() && env.xdg_config_home.front() == '/') {
    return fs::path(env.xdg_config_home) / "lightwell" / "lightwell.toml";
  }
  if (!env.home.empty()) return fs::path(env.home) / ".config" / "lightwell" / "lightwell.toml";
  return std::nullopt;
}

}  // namespace lightwell::server
