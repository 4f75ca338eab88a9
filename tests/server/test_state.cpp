// State directory: identity creation and reload, atomic writes, corrupt files left untouched,
// client store persistence. Real temp directories throughout.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/server/atomic_file.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::read_text_file;
using lightwell::test::TempDir;
using lightwell::test::write_text;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

struct Logs {
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  Log log = hub.get("state");
};

// One identity for the whole file: RSA-2048 generation is slow, and tests that only need a
// valid certificate can share one.
const lightwell::proto::crypto::Identity& test_cert() {
  static const auto id = *lightwell::proto::crypto::generate_identity("client");
  return id;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StartupError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("first start creates a 0700 directory and a 0600 identity; second start loads it", "[state]") {
  TempDir tmp;
  const fs::path dir = tmp / "nested" / "lightwell";
  Logs logs;
  prepare_state_dir(dir, logs.log);
  CHECK(mode_of(dir) == 0700);
  const HostIdentity first = load_or_create_identity(dir, logs.log);
  CHECK(mode_of(identity_file(dir)) == 0600);
  CHECK(first.uniqueid.size() == 16);
  CHECK(first.uniqueid.find_first_not_of("0123456789ABCDEF") == std::string::npos);
  REQUIRE(lightwell::proto::crypto::Certificate::from_pem(first.certificate_pem).has_value());
  REQUIRE(lightwell::proto::crypto::PrivateKey::from_pem(first.private_key_pem).has_value());
  const std::string bytes = read_text_file(identity_file(dir));
  CHECK(bytes.find("\"format_version\": 1") != std::string::npos);

  prepare_state_dir(dir, logs.log);
  const HostIdentity second = load_or_create_identity(dir, logs.log);
  CHECK(second.uniqueid == first.uniqueid);
  CHECK(second.certificate_pem == first.certificate_pem);
  CHECK(second.private_key_pem == first.private_key_pem);
  CHECK(read_text_file(identity_file(dir)) == bytes);  // loading never rewrites
  // The key never reaches the log.
  CHECK(logs.lines.str().find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE("a corrupt or foreign identity file stops start-up and stays byte-for-byte", "[state]") {
  TempDir tmp;
  Logs logs;
  const fs::path dir = tmp.path();
  const fs::path file = identity_file(dir);
  struct Case {
    std::string contents;
    std::string expect;
  };
  for (const Case& c : std::vector<Case>{
           {"{\"format_version\": 1, \"uniqueid\": \"0123", "not valid JSON"},
           {"", "not valid JSON"},
           {"[]", "not a JSON object"},
           {"{\"uniqueid\": \"0123456789ABCDEF\"}", "format_version"},
           {"{\"format_version\": 1, \"uniqueid\": 5}", "uniqueid"},
           {"{\"format_version\": 1, \"uniqueid\": \"XYZ\", \"certificate_pem\": \"\", \"private_key_pem\": \"\"}",
            "16 hex digits"},
           {"{\"format_version\": 1, \"uniqueid\": \"0123456789ABCDEF\", \"certificate_pem\": \"junk\", "
            "\"private_key_pem\": \"junk\"}",
            "certificate_pem"},
           {"{\"format_version\": 99, \"uniqueid\": \"0123456789ABCDEF\"}", "newer lightwell"},
       }) {
    write_text(file, c.contents);
    ::chmod(file.c_str(), 0600);
    const std::string msg = error_of([&] { (void)load_or_create_identity(dir, logs.log); });
    INFO(c.contents << " -> " << msg);
    CHECK(msg.find(file.string()) != std::string::npos);
    CHECK(msg.find(c.expect) != std::string::npos);
    CHECK(read_text_file(file) == c.contents);
  }
}

TEST_CASE("an identity whose key does not match its certificate is refused", "[state]") {
  TempDir tmp;
  Logs logs;
  const HostIdentity real = load_or_create_identity(tmp.path(), logs.log);
  const fs::path file = identity_file(tmp.path());
  // Swap in another key: structurally valid JSON and PEM, but not this certificate's key.
  std::string text = read_text_file(file);
  const auto& other = test_cert().key_pem;
  std::string escaped;
  for (char ch : other) escaped += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  std::string real_escaped;
  for (char ch : real.private_key_pem) real_escaped += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  const auto at = text.find(real_escaped);
  REQUIRE(at != std::string::npos);
  text.replace(at, real_escaped.size(), escaped);
  write_text(file, text);
  ::chmod(file.c_str(), 0600);
  const std::string msg = error_of([&] { (void)load_or_create_identity(tmp.path(), logs.log); });
  CHECK(msg.find("does not belong to the certificate") != std::string::npos);
  CHECK(read_text_file(file) == text);
}

TEST_CASE("an identity readable by group or others is refused with the chmod fix", "[state]") {
  TempDir tmp;
  Logs logs;
  (void)load_or_create_identity(tmp.path(), logs.log);
  const fs::path file = identity_file(tmp.path());
  const std::string before = read_text_file(file);
  ::chmod(file.c_str(), 0644);
  try {
    (void)load_or_create_identity(tmp.path(), logs.log);
    FAIL("no error");
  } catch (const StartupError& e) {
    CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
    CHECK(std::string(e.what()).find("0644") != std::string::npos);
    CHECK(e.fix().find("chmod 600") != std::string::npos);
  }
  CHECK(read_text_file(file) == before);
  CHECK(mode_of(file) == 0644);  // not silently "fixed" either
}

TEST_CASE("leftover temporary files from a crash are removed, real files kept", "[state]") {
  TempDir tmp;
  Logs logs;
  write_text(tmp / ".identity.json.tmp-AbC123", "half a write");
  write_text(tmp / ".clients.json.tmp-zzzzzz", "{");
  write_text(tmp / "keep.txt", "mine");
  prepare_state_dir(tmp.path(), logs.log);
  CHECK_FALSE(fs::exists(tmp / ".identity.json.tmp-AbC123"));
  CHECK_FALSE(fs::exists(tmp / ".clients.json.tmp-zzzzzz"));
  CHECK(fs::exists(tmp / "keep.txt"));
  CHECK(logs.lines.str().find(".identity.json.tmp-AbC123") != std::string::npos);
  // And the identity is created as if nothing had been there.
  CHECK(load_or_create_identity(tmp.path(), logs.log).uniqueid.size() == 16);
}

TEST_CASE("write_file_atomic replaces contents with the given mode and leaves no temporary", "[state]") {
  TempDir tmp;
  const fs::path file = tmp / "f.json";
  write_file_atomic(file, "one", 0600);
  write_file_atomic(file, "two", 0640);
  CHECK(read_text_file(file) == "two");
  CHECK(mode_of(file) == 0640);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++entries;
  CHECK(entries == 1);
  CHECK(is_temp_file_name(".f.json.tmp-123456"));
  CHECK_FALSE(is_temp_file_name("f.json"));
  // A directory that does not exist: error, no file.
  CHECK_THROWS_AS(write_file_atomic(tmp / "missing" / "f", "x", 0600), std::system_error);
}

TEST_CASE("paired clients persist across reloads; unpair by id or name", "[state][clients]") {
  TempDir tmp;
  {
    ClientStore store = ClientStore::load(tmp.path());
    CHECK(store.clients().empty());
    store.add({"", "Laptop", test_cert().cert_pem, 1000, 2000});
  }
  CHECK(mode_of(clients_file(tmp.path())) == 0600);
  ClientStore reloaded = ClientStore::load(tmp.path());
  REQUIRE(reloaded.clients().size() == 1);
  const PairedClient c = reloaded.clients()[0];
  CHECK(c.name == "Laptop");
  CHECK(c.id == client_id_for(test_cert().cert_pem));
  CHECK(c.id.size() == 16);
  CHECK(c.certificate_pem == test_cert().cert_pem);
  CHECK(c.first_seen_unix_s == 1000);
  CHECK(c.last_seen_unix_s == 2000);

  // Pairing the same certificate again renames it and keeps first_seen.
  reloaded.add({"", "Laptop 2", test_cert().cert_pem, 5000, 6000});
  REQUIRE(ClientStore::load(tmp.path()).clients().size() == 1);
  CHECK(ClientStore::load(tmp.path()).clients()[0].name == "Laptop 2");
  CHECK(ClientStore::load(tmp.path()).clients()[0].first_seen_unix_s == 1000);

  CHECK_FALSE(reloaded.remove("nobody").has_value());
  SECTION("by name") {
    REQUIRE(reloaded.remove("Laptop 2").has_value());
  }
  SECTION("by id") {
    REQUIRE(reloaded.remove(c.id).has_value());
  }
  CHECK(ClientStore::load(tmp.path()).clients().empty());
}

TEST_CASE("a corrupt clients file stops start-up and stays byte-for-byte", "[state][clients]") {
  TempDir tmp;
  const fs::path file = clients_file(tmp.path());
  for (const std::string& contents :
       {std::string("{\"format_version\": 1, \"clients\": ["), std::string("{\"format_version\": 1}"),
        std::string("{\"format_version\": 1, \"clients\": [{\"id\": \"x\"}]}"),
        std::string("{\"format_version\": 1, \"clients\": [{\"id\": \"0000000000000000\", \"name\": \"a\", "
                    "\"certificate_pem\": \"junk\", \"first_seen_unix_s\": 1, \"last_seen_unix_s\": 1}]}")}) {
    write_text(file, contents);
    const std::string msg = error_of([&] { (void)ClientStore::load(tmp.path()); });
    INFO(contents << " -> " << msg);
    CHECK(msg.find(file.string()) != std::string::npos);
    CHECK(msg.find("corrupt state file") != std::string::npos);
    CHECK(read_text_file(file) == contents);
  }
}

TEST_CASE("a clients file from a later version with extra members still loads", "[state][clients]") {
  TempDir tmp;
  const std::string id = client_id_for(test_cert().cert_pem);
  std::string pem;
  for (char ch : test_cert().cert_pem) pem += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  write_text(clients_file(tmp.path()),
             "{\"format_version\": 1, \"note\": \"future\", \"clients\": [{\"id\": \"" + id +
                 "\", \"name\": \"TV\", \"certificate_pem\": \"" + pem +
                 "\", \"first_seen_unix_s\": 7, \"last_seen_unix_s\": 8, \"hdr\": true}]}");
  const ClientStore store = ClientStore::load(tmp.path());
  REQUIRE(store.clients().size() == 1);
  CHECK(store.clients()[0].name == "TV");
}

TEST_CASE("a name shared by two clients must be unpaired by id", "[state][clients]") {
  TempDir tmp;
  const auto other = *lightwell::proto::crypto::generate_identity("client2");
  ClientStore store = ClientStore::load(tmp.path());
  store.add({"", "Phone", test_cert().cert_pem, 1, 1});
  store.add({"", "Phone", other.cert_pem, 1, 1});
  const std::string msg = error_of([&] { (void)store.remove("Phone"); });
  CHECK(msg.find("2 clients are named \"Phone\"") != std::string::npos);
  CHECK(ClientStore::load(tmp.path()).clients().size() == 2);
  CHECK(store.remove(client_id_for(other.cert_pem)).has_value());
  CHECK(ClientStore::load(tmp.path()).clients().size() == 1);
}

TEST_CASE("state directory rule: cli, config, systemd, root, XDG, HOME", "[state]") {
  const StateEnv user{"", "/xdg/state", "/home/u", false};
  CHECK(resolve_state_dir("/cli", "/cfg", user) == "/cli");
  CHECK(resolve_state_dir("", "/cfg", user) == "/cfg");
  CHECK(resolve_state_dir("", "", user) == "/xdg/state/lightwell");
  CHECK(resolve_state_dir("", "", {"/var/lib/lightwell:/var/lib/other", "/x", "/h", false}) == "/var/lib/lightwell");
  CHECK(resolve_state_dir("", "", {"", "/x", "/root", true}) == "/var/lib/lightwell");
  CHECK(resolve_state_dir("", "", {"", "relative", "/home/u", false}) == "/home/u/.local/state/lightwell");
  CHECK(resolve_state_dir("", "", {"", "", "/home/u", false}) == "/home/u/.local/state/lightwell");
  CHECK_THROWS_AS(resolve_state_dir("", "", {"", "", "", false}), StartupError);
}

TEST_CASE("a state directory path that is a file is refused", "[state]") {
  TempDir tmp;
  Logs logs;
  write_text(tmp / "file", "x");
  const std::string msg = error_of([&] { prepare_state_dir(tmp / "file", logs.log); });
  CHECK(msg.find("not a directory") != std::string::npos);
  CHECK(read_text_file(tmp / "file") == "x");
}

TEST_CASE("a state file that cannot be read stops start-up and is left in place", "[state]") {
  // A directory where the file should be: open() works, read() fails (EISDIR) even for root,
  // so this runs the unreadable path on any machine.
  TempDir tmp;
  fs::create_directory(clients_file(tmp.path()));
  const std::string msg = error_of([&] { (void)ClientStore::load(tmp.path()); });
  CHECK(msg.find(clients_file(tmp.path()).string() + ": cannot read state file") != std::string::npos);
  CHECK(fs::is_directory(clients_file(tmp.path())));
}
