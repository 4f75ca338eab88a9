// `lightwell admin set-password|status` (cli.hpp, cmd_admin.cpp, docs/cli.md).
#include <catch2/catch.hpp>

#include <sstream>

#include "lightwell/server/cli.hpp"
#include "lightwell/server/web_credentials.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

namespace {

Invocation parse(std::vector<std::string> args) { return parse_args(args); }

struct Run {
  int code = 0;
  std::string out, err, log;
};

Run run(std::vector<std::string> args, const std::string& input) {
  std::ostringstream out, err, log;
  std::istringstream in(input);
  CliIo io{out, err, &log};
  io.in = &in;
  Run r;
  r.code = run_cli(args, io);
  r.out = out.str();
  r.err = err.str();
  r.log = log.str();
  return r;
}

}  // namespace

TEST_CASE("cli: admin set-password / status parse", "[web][cli]") {
  CHECK(parse({"admin", "set-password"}).command == Command::admin_set_password);
  CHECK(parse({"admin", "set-password"}).admin_user == "admin");
  CHECK(parse({"admin", "set-password", "--user", "ops"}).admin_user == "ops");
  CHECK(parse({"admin", "set-password", "--user=ops"}).admin_user == "ops");
  CHECK(parse({"admin", "status"}).command == Command::admin_status);
  CHECK_THROWS_AS(parse({"admin"}), UsageError);
  CHECK_THROWS_AS(parse({"admin", "reset"}), UsageError);
  CHECK_THROWS_AS(parse({"admin", "set-password", "hunter2"}), UsageError);  // never on the command line
  CHECK_THROWS_AS(parse({"admin", "set-password", "--user", "a b"}), UsageError);
  CHECK_THROWS_AS(parse({"admin", "status", "--user", "ops"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--user", "ops"}), UsageError);
  CHECK(help_text("admin").has_value());
}

TEST_CASE("cli: admin set-password reads one line when stdin is not a terminal", "[web][cli]") {
  TempDir dir;
  const std::string state = (dir / "state").string();
  Run r = run({"admin", "status", "--state-dir", state}, "");
  CHECK(r.code == 1);
  CHECK(r.out.find("not set") != std::string::npos);
  CHECK(r.out.find("lightwell admin set-password") != std::string::npos);

  r = run({"admin", "set-password", "--state-dir", state}, "too short\n");
  CHECK(r.code == 0);  // 9 characters: long enough
  r = run({"admin", "set-password", "--state-dir", state, "--user", "ops"}, "1234567\n");
  CHECK(r.code == 1);
  CHECK(r.err.find("at least 8") != std::string::npos);
  r = run({"admin", "set-password", "--state-dir", state, "--user", "ops"}, "");
  CHECK(r.code == 1);
  r = run({"admin", "set-password", "--state-dir", state, "--user", "ops"}, "secret words here\r\nignored\n");
  CHECK(r.code == 0);
  CHECK(r.out.find("secret words here") == std::string::npos);
  CHECK(r.log.find("secret words here") == std::string::npos);
  const CredentialStore store(dir / "state");
  CHECK(store.verify("ops", "secret words here"));  // CR stripped, only the first line
  CHECK(store.verify("admin", "too short"));
  r = run({"admin", "status", "--state-dir", state}, "");
  CHECK(r.code == 0);
  CHECK(r.out.find("\"admin\"") != std::string::npos);
  CHECK(r.out.find("\"ops\"") != std::string::npos);
}
