// Web page credentials (admin.json, scrypt), sessions, the login limiter, the peer filter and
// the CSRF/Origin helpers (web_credentials.hpp, web_sessions.hpp). Time is a fake clock.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "lightwell/proto/hex.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/web_credentials.hpp"
#include "lightwell/server/web_sessions.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string hex(const std::vector<std::uint8_t>& v) { return lightwell::proto::to_hex(v); }
std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  std::int64_t unix_s = 1'800'000'000;
  ServiceClock clock() {
    return ServiceClock{[this] { return now; }, [this] { return unix_s; }};
  }
};

RandomFill counting_random() {
  auto counter = std::make_shared<std::uint8_t>(0);
  return [counter](std::span<std::uint8_t> out) {
    for (auto& b : out) b = ++*counter;
  };
}

mode_t mode_of(const fs::path& p) {
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Cheap parameters for tests that only need the file mechanics (the KDF itself is checked
// against RFC 7914 below).
const ScryptParams kFast{16, 1, 1, 32};

}  // namespace

TEST_CASE("scrypt matches the RFC 7914 section 12 test vectors", "[web]") {
  // RFC 7914 §12 (the 1 GiB fourth vector is left out: it needs N=2^20).
  CHECK(hex(scrypt("", bytes(""), ScryptParams{16, 1, 1, 64})) ==
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  CHECK(hex(scrypt("password", bytes("NaCl"), ScryptParams{1024, 8, 16, 64})) ==
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  CHECK(hex(scrypt("pleaseletmein", bytes("SodiumChloride"), ScryptParams{16384, 8, 1, 64})) ==
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
        "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
  // N must be a power of two > 1 (RFC 7914 §2): OpenSSL refuses, we throw.
  CHECK_THROWS(scrypt("x", bytes("y"), ScryptParams{1000, 8, 1, 32}));
}

TEST_CASE("admin.json: default scrypt parameters, per-user 16-byte salt, 0600, verify", "[web]") {
  TempDir dir;
  const ScryptParams defaults;
  CHECK(defaults.n == 32768);  // WEB-API.md: N=2^15, r=8, p=1
  CHECK(defaults.r == 8);
  CHECK(defaults.p == 1);

  const CredentialStore store(dir.path());  // real parameters: one set + one verify each
  CHECK_FALSE(store.password_set());
  CHECK_FALSE(store.verify("admin", "correct horse"));
  store.set_password("admin", "correct horse", counting_random());
  CHECK(mode_of(admin_file(dir.path())) == 0600);
  const auto users = store.users();
  REQUIRE(users.size() == 1);
  CHECK(users[0].name == "admin");
  CHECK(users[0].params.n == 32768);
  CHECK(users[0].params.r == 8);
  CHECK(users[0].params.p == 1);
  CHECK(users[0].salt.size() == 16);
  // The stored hash is scrypt(password, salt) with those parameters (scrypt itself is checked
  // against RFC 7914 above).
  CHECK(users[0].hash == scrypt("correct horse", users[0].salt, defaults));
  const std::string file = lightwell::test::read_text_file(admin_file(dir.path()));
  CHECK(file.find("correct horse") == std::string::npos);
  CHECK(store.verify("admin", "correct horse"));
  CHECK_FALSE(store.verify("admin", "correct horsE"));
  CHECK_FALSE(store.verify("root", "correct horse"));
}

TEST_CASE("admin.json: two users get different salts; replacing keeps the other", "[web]") {
  TempDir dir;
  const CredentialStore store(dir.path(), kFast);
  store.set_password("admin", "password-one", counting_random());
  store.set_password("ops", "password-one", [](std::span<std::uint8_t> out) {
    for (auto& b : out) b = 0xAB;
  });
  auto users = store.users();
  REQUIRE(users.size() == 2);
  CHECK(users[0].salt != users[1].salt);
  CHECK(users[0].hash != users[1].hash);  // same password, different salt
  store.set_password("admin", "password-two", counting_random());
  users = store.users();
  REQUIRE(users.size() == 2);
  CHECK(store.verify("admin", "password-two"));
  CHECK_FALSE(store.verify("admin", "password-one"));
  CHECK(store.verify("ops", "password-one"));
}

TEST_CASE("admin.json with wrong permissions or corrupt: clear error, file untouched", "[web]") {
  TempDir dir;
  const CredentialStore store(dir.path(), kFast);
  store.set_password("admin", "password-one", counting_random());
  const fs::path file = admin_file(dir.path());
  const std::string before = lightwell::test::read_text_file(file);

  SECTION("group/world readable") {
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    try {
      (void)store.users();
      FAIL("no error");
    } catch (const StartupError& e) {
      CHECK(std::string(e.what()).find("admin.json") != std::string::npos);
      CHECK(e.fix() == "chmod 600 " + file.string());
    }
    CHECK_THROWS_AS(store.verify("admin", "password-one"), StartupError);
    CHECK_THROWS_AS(store.set_password("admin", "password-two", counting_random()), StartupError);
    CHECK(mode_of(file) == 0644);
  }
  SECTION("corrupt variants") {
    for (const std::string& text :
         {std::string("{not json"), std::string("[]"), std::string(R"({"format_version":1})"),
          std::string(R"({"format_version":1,"users":[{"name":"admin","kdf":"md5","n":16,"r":1,"p":1,"salt_hex":"00","hash_hex":"00"}]})"),
          std::string(R"({"format_version":1,"users":[{"name":"admin","kdf":"scrypt","n":1073741824,"r":8,"p":1,"salt_hex":"0011","hash_hex":"00112233445566778899aabbccddeeff"}]})"),
          std::string(R"({"format_version":1,"users":[{"name":"admin","kdf":"scrypt","n":16,"r":1,"p":1,"salt_hex":"zz","hash_hex":"00112233445566778899aabbccddeeff"}]})"),
          std::string(R"({"format_version":9,"users":[]})")}) {
      INFO(text);
      lightwell::test::write_text(file, text);
      fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
      CHECK_THROWS_AS(store.users(), StartupError);
      CHECK_THROWS_AS(store.set_password("admin", "password-two", counting_random()), StartupError);
      CHECK(lightwell::test::read_text_file(file) == text);
    }
  }
  (void)before;
}

TEST_CASE("password and user name rules", "[web]") {
  CHECK(check_password("1234567").find("at least 8") != std::string::npos);
  CHECK(check_password("12345678").empty());
  CHECK_FALSE(check_password("line\nbreak-pass").empty());
  CHECK_FALSE(check_password(std::string(1025, 'x')).empty());
  CHECK(check_user_name("admin").empty());
  CHECK(check_user_name("ops-1.b_c").empty());
  CHECK_FALSE(check_user_name("").empty());
  CHECK_FALSE(check_user_name("a b").empty());
  CHECK_FALSE(check_user_name("\"x").empty());
}

TEST_CASE("sessions: 256-bit random ids and tokens, idle and absolute expiry, logout", "[web]") {
  FakeClock fake;
  SessionOptions options;
  options.idle_timeout = std::chrono::minutes(30);
  options.absolute_timeout = std::chrono::hours(12);
  SessionTable table(fake.clock(), lightwell::server::system_random(), options);
  const WebSession a = table.create("admin");
  CHECK(a.id.size() == 64);  // 32 bytes, hex
  CHECK(a.csrf_token.size() == 64);
  CHECK(a.id != a.csrf_token);
  CHECK(a.expires_unix_s == fake.unix_s + 12 * 3600);
  const WebSession b = table.create("admin");
  CHECK(a.id != b.id);
  REQUIRE(table.find(a.id) != nullptr);
  CHECK(table.find("nope") == nullptr);

  SECTION("idle") {
    fake.now += std::chrono::minutes(29);
    REQUIRE(table.find(a.id) != nullptr);  // use resets the idle clock
    fake.now += std::chrono::minutes(29);
    REQUIRE(table.find(a.id) != nullptr);
    fake.now += std::chrono::minutes(30);
    CHECK(table.find(a.id) == nullptr);
    CHECK(table.find(a.id) == nullptr);  // gone for good
  }
  SECTION("absolute") {
    for (int i = 0; i < 25; ++i) {  // used every 29 minutes: still ends after 12 h
      fake.now += std::chrono::minutes(29);
      const bool alive = table.find(a.id) != nullptr;
      CHECK(alive == (i < 24));
    }
  }
  SECTION("logout") {
    table.destroy(a.id);
    CHECK(table.find(a.id) == nullptr);
    CHECK(table.find(b.id) != nullptr);
  }
}

TEST_CASE("sessions: the table is bounded, the least recently used goes", "[web]") {
  FakeClock fake;
  SessionOptions options;
  options.max_sessions = 3;
  SessionTable table(fake.clock(), counting_random(), options);
  const std::string first = table.create("a").id;
  fake.now += std::chrono::seconds(1);
  const std::string second = table.create("a").id;
  fake.now += std::chrono::seconds(1);
  table.find(first);
  fake.now += std::chrono::seconds(1);
  table.create("a");
  table.create("a");
  CHECK(table.size() == 3);
  CHECK(table.find(first) != nullptr);
  CHECK(table.find(second) == nullptr);
}

TEST_CASE("login limiter: free failures, then a doubling wait per address, reset on success", "[web]") {
  FakeClock fake;
  LoginLimiter limiter(fake.clock());  // defaults: 3 free, 2 s doubling, 900 s cap
  const auto a = boost::asio::ip::make_address("192.168.1.5");
  const auto b = boost::asio::ip::make_address("192.168.1.6");
  limiter.failed(a);
  limiter.failed(a);
  CHECK_FALSE(limiter.wait_s(a));
  limiter.failed(a);
  CHECK(limiter.wait_s(a) == 2);
  CHECK_FALSE(limiter.wait_s(b));  // per address
  fake.now += std::chrono::seconds(2);
  CHECK_FALSE(limiter.wait_s(a));
  limiter.failed(a);
  CHECK(limiter.wait_s(a) == 4);
  fake.now += std::chrono::seconds(4);
  limiter.failed(a);
  CHECK(limiter.wait_s(a) == 8);
  for (int i = 0; i < 20; ++i) limiter.failed(a);
  CHECK(limiter.wait_s(a) == 900);
  limiter.succeeded(a);
  CHECK_FALSE(limiter.wait_s(a));
  // Failures long ago are forgotten.
  for (int i = 0; i < 3; ++i) limiter.failed(b);
  fake.now += std::chrono::hours(2);
  CHECK_FALSE(limiter.wait_s(b));
  limiter.failed(b);
  CHECK_FALSE(limiter.wait_s(b));
}

TEST_CASE("network filter: CIDR lists, IPv4-mapped peers, bad entries", "[web]") {
  using boost::asio::ip::make_address;
  const NetworkFilter only10({"10.0.0.0/8"});
  CHECK(only10.allows(make_address("10.1.2.3")));
  CHECK_FALSE(only10.allows(make_address("127.0.0.1")));
  CHECK_FALSE(only10.allows(make_address("11.0.0.1")));
  CHECK(only10.allows(make_address("::ffff:10.9.9.9")));
  CHECK_FALSE(only10.allows(make_address("::1")));
  const NetworkFilter defaults(SecurityOptions{}.web_ui_allowed_networks);
  for (const char* ok : {"127.0.0.1", "::1", "192.168.178.20", "172.31.255.255", "169.254.1.1", "fe80::1", "fd00::5"}) {
    CHECK(defaults.allows(make_address(ok)));
  }
  for (const char* no : {"8.8.8.8", "172.32.0.1", "2001:db8::1", "::ffff:1.1.1.1"}) CHECK_FALSE(defaults.allows(make_address(no)));
  const NetworkFilter host({"192.168.1.7/32", "2001:db8::/33"});
  CHECK(host.allows(make_address("192.168.1.7")));
  CHECK_FALSE(host.allows(make_address("192.168.1.8")));
  CHECK(host.allows(make_address("2001:db8:7fff::1")));
  CHECK_FALSE(host.allows(make_address("2001:db8:8000::1")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "nonsense/8", "10.0.0.0/8x", "::/129"}) {
    CHECK_THROWS_AS(NetworkFilter({bad}), std::invalid_argument);
  }
}

TEST_CASE("CSRF helpers: exact Origin, cookies, token comparison", "[web]") {
  lightwell::net::WebRequest r;
  r.headers = {{"host", "192.168.1.2:47990"}};
  CHECK(origin_problem(r).find("no Origin") != std::string::npos);
  r.headers.emplace_back("origin", "https://192.168.1.2:47990");
  CHECK(origin_problem(r).empty());
  for (const char* foreign : {"https://evil.example", "http://192.168.1.2:47990", "https://192.168.1.2:47991", "null",
                              "https://192.168.1.2:47990.evil.example", "https://192.168.1.2"}) {
    r.headers.back().second = foreign;
    CHECK_FALSE(origin_problem(r).empty());
  }
  CHECK(cookie_value("a=1; lw_session=abc; b=2", "lw_session") == "abc");
  CHECK(cookie_value("xlw_session=abc", "lw_session") == std::nullopt);
  CHECK(cookie_value("", "lw_session") == std::nullopt);
  CHECK(tokens_equal("abc", "abc"));
  CHECK_FALSE(tokens_equal("abc", "abd"));
  CHECK_FALSE(tokens_equal("abc", "ab"));
  CHECK_FALSE(tokens_equal("", ""));
}
