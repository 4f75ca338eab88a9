// `lightwell admin set-password [--user NAME]` and `lightwell admin status` (docs/web.md,
// docs/cli.md). The password comes from the terminal with echo off (asked twice), or as one
// line of stdin when stdin is not a terminal (scripts, NixOS activation). It is never logged
// or printed.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "commands.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/web_credentials.hpp"

namespace lightwell::server {
namespace {

// Clears a string's bytes before it is freed (best effort: a copy may linger elsewhere).
struct Scrubbed {
  std::string value;
  ~Scrubbed() {
    if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
  }
};

bool read_line(std::istream& in, std::string& out) {
  if (!std::getline(in, out)) return false;
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return true;
}

// termios(3): ECHO off for the prompt, restored afterwards whatever happens.
bool read_hidden(const char* prompt, std::ostream& err, std::string& out) {
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  err << prompt << std::flush;
  const bool ok = read_line(std::cin, out);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  return ok;
}

int set_password(const Setup& setup, const Invocation& inv, const Log& log, std::istream& in, std::ostream& out,
                 std::ostream& err) {
  Scrubbed password;
  const bool terminal = &in == &std::cin && ::isatty(STDIN_FILENO) == 1;
  if (terminal) {
    Scrubbed again;
    if (!read_hidden(fmt::format("New web password for {}: ", inv.admin_user).c_str(), err, password.value) ||
        !read_hidden("Repeat it: ", err, again.value)) {
      err << "lightwell: no password given; nothing changed\n";
      return 1;
    }
    if (password.value != again.value) {
      err << "lightwell: the two passwords differ; nothing changed\n";
      return 1;
    }
  } else if (!read_line(in, password.value)) {
    err << "lightwell: no password on standard input; nothing changed\n";
    return 1;
  }
  if (auto problem = check_password(password.value); !problem.empty()) {
    err << "lightwell: " << problem << "; nothing changed\n";
    return 1;
  }
  prepare_state_dir(setup.state_dir, log);
  CredentialStore store(setup.state_dir);
  store.set_password(inv.admin_user, password.value, system_random());
  log.info("web password set for user \"{}\" in {}", inv.admin_user, store.file().string());
  out << fmt::format("web password set for user \"{}\" ({}); a running server uses it at the next login\n",
                     inv.admin_user, store.file().string());
  return 0;
}

}  // namespace

int run_admin(const Invocation& inv, LogHub& hub, std::istream& in, std::ostream& out, std::ostream& err) {
  const Setup setup = load_setup(inv.global, hub);
  const Log log = hub.get("admin");
  if (inv.command == Command::admin_set_password) return set_password(setup, inv, log, in, out, err);
  const CredentialStore store(setup.state_dir);
  const std::vector<AdminUser> users = store.users();  // StartupError (bad mode, corrupt) → exit 1
  const Ports ports = setup.config.server.ports();
  out << fmt::format("web page: {}\n", setup.config.network.web_ui
                                           ? fmt::format("enabled, https://<this host>:{}/", ports.web)
                                           : std::string("disabled ([network] web_ui = false)"));
  if (users.empty()) {
    out << fmt::format("web password: not set ({} absent); set one with: lightwell admin set-password\n",
                       store.file().string());
    return 1;
  }
  for (const auto& u : users) {
    out << fmt::format("web password: set for user \"{}\" (scrypt N={} r={} p={}, {})\n", u.name, u.params.n, u.params.r,
                       u.params.p, store.file().string());
  }
  return 0;
}

}  // namespace lightwell::server
