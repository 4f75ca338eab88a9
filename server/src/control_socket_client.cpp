// The client half of the control socket (protocol in control_socket.hpp): blocking, one
// request per connection, the whole exchange bounded by kPeerTimeout.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "control_socket_detail.hpp"
#include "lightwell/server/control_socket.hpp"

namespace lightwell::server {

int detail::connect_unix(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

namespace {

// One connection: sends the request line, then hands out reply lines one at a time.
class Exchange {
 public:
  Exchange(const std::filesystem::path& socket_path, const std::string& request)
      : path_(socket_path), deadline_(std::chrono::steady_clock::now() + kPeerTimeout) {
    fd_ = detail::connect_unix(socket_path);
    if (fd_ < 0) {
      const int err = errno;
      if (err == ENOENT || err == ECONNREFUSED) {
        throw ServerNotRunning(fmt::format("lightwell is not running (no control socket at {})", path_.string()),
                               "start it with `lightwell serve` (or the lightwell service), using the same "
                               "--state-dir");
      }
      throw StartupError(fmt::format("cannot reach lightwell's control socket at {}: {}", path_.string(),
                                     std::strerror(err)),
                         err == EACCES ? "run this as the user the server runs as" : "");
    }
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      throw StartupError(fmt::format("lost the connection to lightwell ({})", path_.string()));
    }
  }
  ~Exchange() { ::close(fd_); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // The next line without its '\n'. Throws when the peer closes first, a line exceeds
  // kMaxLineBytes or the deadline passes.
  std::string next_line() {
    for (;;) {
      const auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        if (nl + 1 > kMaxLineBytes) break;
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (buffer_.size() >= kMaxLineBytes) break;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
      pollfd pfd{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
        throw StartupError(fmt::format("lightwell did not answer within {} s", kPeerTimeout.count() / 1000),
                           "check the server's log");
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw StartupError("lightwell closed the control connection without a complete answer");
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
    throw StartupError("unexpected reply from the server (a line longer than the protocol allows)");
  }

 private:
  std::filesystem::path path_;
  std::chrono::steady_clock::time_point deadline_;
  int fd_ = -1;
  std::string buffer_;
};

ControlReply parse_status_line(const std::string& line) {
  if (line.rfind("ok ", 0) == 0) return {true, line.substr(3)};
  if (line.rfind("error ", 0) == 0) return {false, line.substr(6)};
  return {false, "unexpected reply from the server"};
}

}  // namespace

ControlReply send_pair_request(const std::filesystem::path& socket_path, const PairRequest& request) {
  const std::string line = "pair " + request.pin + " " + request.name + "\n";
  if (line.size() > kMaxLineBytes) throw StartupError("pair: --name is too long");
  if (request.name.find('\n') != std::string::npos) throw StartupError("pair: --name must be one line");
  Exchange exchange(socket_path, line);
  return parse_status_line(exchange.next_line());
}

ControlReply send_unpair_request(const std::filesystem::path& socket_path, std::string_view name_or_id) {
  const std::string line = fmt::format("unpair {}\n", name_or_id);
  if (name_or_id.empty()) throw StartupError("unpair: missing NAME or ID");
  if (line.size() > kMaxLineBytes) throw StartupError("unpair: the name or id is too long");
  if (name_or_id.find('\n') != std::string_view::npos) throw StartupError("unpair: the name or id must be one line");
  Exchange exchange(socket_path, line);
  return parse_status_line(exchange.next_line());
}

ClientListReply send_clients_list_request(const std::filesystem::path& socket_path) {
  Exchange exchange(socket_path, "clients-list\n");
  const std::string head = exchange.next_line();
  const ControlReply status = parse_status_line(head);
  if (!status.ok) return {false, status.message, {}};
  // "ok <n>": digits only, no sign or padding tricks, at most kMaxListedClients.
  std::size_t count = 0;
  const std::string& n = status.message;
  const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
  if (n.empty() || ec != std::errc() || end != n.data() + n.size() || count > kMaxListedClients) {
    throw StartupError("unexpected reply from the server (bad client count)");
  }
  ClientListReply reply{true, {}, {}};
  reply.clients.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    ClientSummary c;
    if (!parse_client_line(exchange.next_line(), c)) {
      throw StartupError(fmt::format("unexpected reply from the server (client line {} is malformed)", i + 1));
    }
    reply.clients.push_back(std::move(c));
  }
  return reply;
}

}  // namespace lightwell::server
