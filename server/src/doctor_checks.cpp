// `lightwell doctor` checks of the host itself: state directory, ports, firewall (doctor.hpp).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "lightwell/server/doctor.hpp"
#include "lightwell/server/state_paths.hpp"

namespace lightwell::server {
namespace fs = std::filesystem;
namespace {

CheckResult result(std::string name, CheckStatus status, std::string detail, std::string fix = {}) {
  return CheckResult{std::move(name), status, std::move(detail), std::move(fix)};
}

// Binds port on one address (IPv6 or IPv4 literal) and closes at once; "" when the bind
// worked, else the error. TCP sets SO_REUSEADDR as Asio's acceptor does (so TIME_WAIT does not
// block), UDP does not; an IPv6 socket is dual-stack like serve's "::" socket, so it also
// finds an IPv4 holder of the port.
std::string bind_once(std::uint16_t port, bool tcp, const std::string& address, int& error_number) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET6;
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET6, address.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    ss = {};
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    if (::inet_pton(AF_INET, address.c_str(), &a4->sin_addr) != 1) {
      error_number = EINVAL;
      return "not an IP address: " + address;
    }
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    family = AF_INET;
  }
  const int fd = ::socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error_number = errno;
    return std::strerror(errno);
  }
  const int one = 1;
  const int zero = 0;
  if (tcp) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  std::string error;
  error_number = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0 || (tcp && ::listen(fd, 1) != 0)) {
    error_number = errno;
    error = std::strerror(errno);
  }
  ::close(fd);
  return error;
}

// address empty: what serve does without bind_addresses, "::" and, without IPv6, "0.0.0.0".
std::string try_bind(std::uint16_t port, bool tcp, const std::string& address) {
  int error_number = 0;
  if (!address.empty()) return bind_once(port, tcp, address, error_number);
  std::string error = bind_once(port, tcp, "::", error_number);
  if (error_number == EAFNOSUPPORT || error_number == EADDRNOTAVAIL) error = bind_once(port, tcp, "0.0.0.0", error_number);
  return error;
}

std::string ports_list(const std::vector<PortUse>& ports, bool tcp) {
  std::string out;
  for (const auto& p : ports) {
    if (p.tcp != tcp) continue;
    out += (out.empty() ? "" : ", ") + std::to_string(p.port);
  }
  return out;
}

std::string nft_fix(const std::vector<PortUse>& ports) {
  return fmt::format("nft add rule inet filter input tcp dport {{ {} }} accept\n"
                     "nft add rule inet filter input udp dport {{ {} }} accept\n"
                     "(use your input chain's family/table/chain names; make them permanent in /etc/nftables.conf)",
                     ports_list(ports, true), ports_list(ports, false));
}

}  // namespace

std::string_view to_string(CheckStatus status) noexcept {
  switch (status) {
    case CheckStatus::ok: return "ok";
    case CheckStatus::problem: return "problem";
    case CheckStatus::skipped: return "skipped";
  }
  return "?";
}

std::vector<PortUse> served_ports(const Config& config) {
  const Ports p = config.server.ports();
  return {{p.https, true, "https"}, {p.http, true, "http"},      {p.rtsp, true, "rtsp"},
          {p.video, false, "video"}, {p.control, false, "control"}, {p.audio, false, "audio"}};
}

bool server_running(const fs::path& state_dir) {
  const std::string path = control_socket_path(state_dir).string();
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // ControlServer accepts while it runs; a stale file left by a killed server refuses.
  const bool answered = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return answered;
}

CheckResult check_state_dir(const fs::path& dir, const std::string& user) {
  const std::string name = "state directory";
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return result(name, CheckStatus::problem, fmt::format("{}: {}", dir.string(), std::strerror(errno)),
                    fmt::format("check the permissions of its parent directories, or choose another with --state-dir"));
    }
    // serve creates it (parents included); it needs the nearest existing ancestor writable.
    fs::path ancestor = dir.parent_path();
    if (ancestor.empty()) ancestor = ".";  // a relative --state-dir NAME
    std::error_code ec;
    while (!fs::exists(ancestor, ec)) {
      const fs::path up = ancestor.parent_path();
      if (up == ancestor) break;
      if (up.empty()) {
        ancestor = ".";
        break;
      }
      ancestor = up;
    }
    if (::access(ancestor.c_str(), W_OK | X_OK) != 0) {
      return result(name, CheckStatus::problem,
                    fmt::format("{} does not exist and {} is not writable by {}, so serve cannot create it",
                                dir.string(), ancestor.string(), user),
                    fmt::format("sudo install -d -m 0700 -o {} {}", user, dir.string()));
    }
    return result(name, CheckStatus::ok,
                  fmt::format("{} does not exist yet; serve creates it with mode 0700", dir.string()));
  }
  if (!S_ISDIR(st.st_mode)) {
    return result(name, CheckStatus::problem, fmt::format("{} is not a directory", dir.string()),
                  "remove it, or choose another directory with --state-dir");
  }
  std::vector<std::string> problems;
  std::vector<std::string> fixes;
  if (st.st_uid != ::geteuid()) {
    problems.push_back(fmt::format("{} is owned by uid {}, not by {} (uid {})", dir.string(), st.st_uid, user, ::geteuid()));
    fixes.push_back(fmt::format("sudo chown -R {} {}", user, dir.string()));
  }
  if ((st.st_mode & 077) != 0) {
    // identity.json holds the host's private key: nobody else may read the directory.
    problems.push_back(fmt::format("{} has mode {:04o}: group/others can reach the host's private key", dir.string(),
                                   st.st_mode & 07777));
    fixes.push_back(fmt::format("chmod 700 {}", dir.string()));
  } else if (st.st_uid == ::geteuid() && ::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    problems.push_back(fmt::format("{} is not writable by {}", dir.string(), user));
    fixes.push_back(fmt::format("chmod 700 {}", dir.string()));
  }
  for (const fs::path& file : {identity_file(dir), clients_file(dir)}) {
    struct stat fst {};
    if (::stat(file.c_str(), &fst) != 0) continue;  // absent: created on first start / first pairing
    if (::access(file.c_str(), R_OK | W_OK) != 0) {
      problems.push_back(fmt::format("{} is not readable and writable by {}", file.string(), user));
      fixes.push_back(fmt::format("sudo chown {} {} && chmod 600 {}", user, file.string(), file.string()));
    }
  }
  if (!problems.empty()) {
    return result(name, CheckStatus::problem, fmt::format("{}", fmt::join(problems, "\n")),
                  fmt::format("{}", fmt::join(fixes, "\n")));
  }
  return result(name, CheckStatus::ok, fmt::format("{}: owned by {}, mode 0700", dir.string(), user));
}

CheckResult check_ports(const Config& config, bool running_here) {
  const std::string name = "ports";
  auto ports = served_ports(config);
  // The web page's port (P+1) is bound only when [network] web_ui is on; the firewall check
  // leaves it out on purpose: by default the page answers local networks only.
  if (config.network.web_ui) ports.push_back(PortUse{config.server.ports().web, true, "web"});
  const std::string all = fmt::format("TCP {}; UDP {} (base port {})", ports_list(ports, true), ports_list(ports, false),
                                      config.server.base_port);
  if (running_here) {
    return result(name, CheckStatus::ok,
                  fmt::format("lightwell is running on this state directory (its control socket answers) and "
                              "holds {}; not probed",
                              all));
  }
  std::vector<std::string> taken;
  const std::vector<std::string> addresses =
      config.network.bind_addresses.empty() ? std::vector<std::string>{""} : config.network.bind_addresses;
  for (const auto& p : ports) {
    for (const auto& address : addresses) {
      const std::string error = try_bind(p.port, p.tcp, address);
      if (!error.empty()) {
        taken.push_back(fmt::format("{} {}/{}{}: {}", p.what, p.port, p.tcp ? "tcp" : "udp",
                                    address.empty() ? "" : " on " + address, error));
      }
    }
  }
  if (!taken.empty()) {
    return result(name, CheckStatus::problem, fmt::format("cannot bind:\n{}", fmt::join(taken, "\n")),
                  fmt::format("find the program: ss -lntup | grep -E ':({})\\b' ; stop it (a second lightwell, "
                              "Sunshine, ...) or set another base port: [server] base_port = N",
                              fmt::join([&] {
                                std::vector<std::string> v;
                                for (const auto& p : ports) v.push_back(std::to_string(p.port));
                                return v;
                              }(),
                                        "|")));
  }
  return result(name, CheckStatus::ok,
                fmt::format("{} are free{}", all, config.network.web_ui ? "" : " (web P+1 not used: [network] web_ui = false)"));
}

CheckResult check_firewall(const Config& config, const std::optional<std::string>& ruleset,
                           const std::string& unreadable_why) {
  if (!ruleset) {
    CheckResult r = result("firewall", CheckStatus::skipped, "cannot tell: " + unreadable_why);
    r.fix = "if clients cannot connect, open the ports:\n" + nft_fix(served_ports(config));
    return r;
  }
  return assess_nft_ruleset(*ruleset, served_ports(config));
}

}  // namespace lightwell::server
