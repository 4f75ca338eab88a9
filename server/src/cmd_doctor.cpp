// `lightwell doctor`: runs every check of doctor.hpp against this machine and prints the
// report; exit status 0 without a problem, 1 with at least one.
#include <pwd.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/server/doctor.hpp"

extern char** environ;

namespace lightwell::server {
namespace {

std::string user_name() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return std::to_string(::geteuid());
}

std::filesystem::path own_binary() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("/usr/bin/lightwell") : path;
}

// `nft list ruleset` (read-only; needs CAP_NET_ADMIN, i.e. root). nullopt with why when nft
// is missing or refuses. Bounded: the ruleset text is read to EOF, then the child reaped.
std::optional<std::string> nft_ruleset(std::string& why) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    why = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  char arg0[] = "nft";
  char arg1[] = "list";
  char arg2[] = "ruleset";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, "nft", &actions, nullptr, argv, environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    why = "nft is not installed (or not in PATH), so the nftables ruleset could not be read";
    return std::nullopt;
  }
  std::string text;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fds[0], buf.data(), buf.size());
    if (n > 0) {
      if (text.size() < (1U << 24)) text.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = "`nft list ruleset` failed (it needs root: run `sudo lightwell doctor` to check the firewall)";
    return std::nullopt;
  }
  return text;
}

}  // namespace

std::vector<CheckResult> run_doctor_checks(const DoctorInputs& in) {
  std::vector<CheckResult> results;
  results.push_back(check_state_dir(in.state_dir, in.user));
  results.push_back(check_ports(in.config, server_running(in.state_dir)));
  std::string why;
  const auto ruleset = nft_ruleset(why);
  results.push_back(check_firewall(in.config, ruleset, why));
  results.push_back(check_drm(capture::probe_capture(in.dri_dir), in.user));
  results.push_back(check_capability(current_capabilities(), file_capabilities(in.binary.string()), in.binary,
                                     ::geteuid() == 0));
  const encode::EncodeProbe encode = encode::probe_encode(in.dri_dir);
  results.push_back(check_vaapi(encode, in.config));
  results.push_back(check_onevpl(encode.onevpl, in.config));
  results.push_back(check_pipewire(audio::probe_audio(audio::audio_probe_env_from_process()), in.config));
  results.push_back(check_uinput(input::probe_input(in.uinput_path), in.config, in.user));
  results.push_back(check_avahi(in.avahi_socket));
  results.push_back(check_web_credentials(in.config, in.state_dir));
  return results;
}

void print_doctor_report(std::ostream& out, const std::vector<CheckResult>& results) {
  auto indented = [&out](std::string_view label, const std::string& text) {
    std::size_t start = 0;
    bool first = true;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out << "  " << (first ? label : std::string(label.size(), ' ')) << text.substr(start, end - start) << "\n";
      first = false;
      start = end + 1;
    }
  };
  int problems = 0;
  int skipped = 0;
  for (const auto& r : results) {
    out << r.name << ": " << to_string(r.status) << "\n";
    indented("", r.detail);
    indented("fix: ", r.fix);
    out << "\n";
    problems += r.status == CheckStatus::problem ? 1 : 0;
    skipped += r.status == CheckStatus::skipped ? 1 : 0;
  }
  out << fmt::format("{} check{}: {} ok, {} problem{}, {} skipped\n", results.size(), results.size() == 1 ? "" : "s",
                     results.size() - static_cast<std::size_t>(problems + skipped), problems, problems == 1 ? "" : "s",
                     skipped);
}

int doctor_exit_status(const std::vector<CheckResult>& results) noexcept {
  for (const auto& r : results) {
    if (r.status == CheckStatus::problem) return 1;
  }
  return 0;
}

int run_doctor(const Invocation& inv, LogHub& hub, std::ostream& out) {
  const Setup setup = load_setup(inv.global, hub);
  DoctorInputs in;
  in.config = setup.config;
  in.state_dir = setup.state_dir;
  in.binary = own_binary();
  in.user = user_name();
  out << fmt::format("lightwell doctor: configuration {}, state directory {}\n\n",
                     setup.config_file ? setup.config_file->string() : "built-in defaults (no file)",
                     setup.state_dir.string());
  const auto results = run_doctor_checks(in);
  print_doctor_report(out, results);
  return doctor_exit_status(results);
}

}  // namespace lightwell::server
