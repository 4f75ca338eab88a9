#include "lightwell/server/control_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "lightwell/server/cli.hpp"
#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

// Connects a blocking UNIX socket; returns -1 with errno set on failure.
int connect_unix(const std::filesystem::path& path) {
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

std::string reply_line(const ControlReply& r) { return (r.ok ? "ok " : "error ") + r.message + "\n"; }

}  // namespace

struct ControlServer::Impl : std::enable_shared_from_this<ControlServer::Impl> {
  Impl(asio::io_context& io_, std::filesystem::path path_, Log log_, PairHandler on_pair_)
      : io(io_), path(std::move(path_)), log(std::move(log_)), on_pair(std::move(on_pair_)), acceptor(io_) {}

  struct Connection {
    explicit Connection(asio::io_context& io_) : socket(io_), timer(io_), buffer(kMaxLineBytes) {}
    local::socket socket;
    asio::steady_timer timer;
    asio::streambuf buffer;
    std::string reply;
  };

  void accept() {
    auto conn = std::make_shared<Connection>(io);
    acceptor.async_accept(conn->socket, [self = shared_from_this(), conn](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      self->serve(conn);
      self->accept();
    });
  }

  void serve(const std::shared_ptr<Connection>& conn) {
    std::erase_if(open, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
    open.push_back(conn);
    conn->timer.expires_after(kPeerTimeout);
    conn->timer.async_wait([conn](boost::system::error_code ec) {
      if (!ec) conn->socket.close();  // silent peer: drop it
    });
    asio::async_read_until(conn->socket, conn->buffer, '\n',
                           [self = shared_from_this(), conn](boost::system::error_code ec, std::size_t n) {
                             if (ec) {
                               // Too long, closed early or timed out: nothing was acted upon.
                               self->log.debug("control request dropped: {}", ec.message());
                               conn->timer.cancel();
                               return;
                             }
                             std::string line(asio::buffers_begin(conn->buffer.data()),
                                              asio::buffers_begin(conn->buffer.data()) + static_cast<std::ptrdiff_t>(n - 1));
                             conn->reply = reply_line(self->handle(line));
                             asio::async_write(conn->socket, asio::buffer(conn->reply),
                                               [conn](boost::system::error_code, std::size_t) {
                                                 conn->timer.cancel();
                                                 boost::system::error_code ignored;
                                                 conn->socket.close(ignored);
                                               });
                           });
  }

  // Never logs `line`: it holds the PIN.
  ControlReply handle(const std::string& line) {
    if (line.rfind("pair ", 0) == 0) {
      const std::string rest = line.substr(5);
      const auto space = rest.find(' ');
      PairRequest req{rest.substr(0, space), space == std::string::npos ? "" : rest.substr(space + 1)};
      if (!is_valid_pin(req.pin)) {
        log.info("pair request with a malformed PIN refused");
        return {false, "the PIN must be exactly 4 digits"};
      }
      log.info("pair request (name \"{}\")", req.name);
      return on_pair(req);
    }
    const std::string verb = line.substr(0, line.find(' '));
    log.info("unknown request \"{}\"", verb.substr(0, 32));
    return {false, "unknown request"};
  }

  asio::io_context& io;
  std::filesystem::path path;
  Log log;
  PairHandler on_pair;
  local::acceptor acceptor;
  bool stopped = false;
  std::vector<std::weak_ptr<Connection>> open;  // closed by stop() so io.run() can return
};

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path socket_path, Log log, PairHandler on_pair)
    : impl_(std::make_shared<Impl>(io, std::move(socket_path), std::move(log), std::move(on_pair))) {
  const std::string p = impl_->path.string();
  if (p.size() >= sizeof(sockaddr_un::sun_path)) {
    throw StartupError(fmt::format("{}: control socket path is too long for a UNIX socket ({} bytes, limit {})", p,
                                   p.size(), sizeof(sockaddr_un::sun_path) - 1),
                       "choose a shorter --state-dir");
  }
  std::error_code fs_ec;
  if (std::filesystem::exists(impl_->path, fs_ec)) {
    const int fd = connect_unix(impl_->path);
    if (fd >= 0) {
      ::close(fd);
      throw StartupError(fmt::format("another lightwell is already running with this state directory "
                                     "(its control socket {} answers)", p),
                         "stop it first, or use another --state-dir");
    }
    std::filesystem::remove(impl_->path, fs_ec);  // left by a crash: nobody listens
  }
  boost::system::error_code ec;
  impl_->acceptor.open(local(), ec);
  if (!ec) impl_->acceptor.bind(local::endpoint(p), ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw StartupError(fmt::format("{}: cannot listen on the control socket: {}", p, ec.message()));
  // The 0700 state directory already keeps others out; 0600 states the intent on the node.
  ::chmod(p.c_str(), 0600);
  impl_->accept();
}

ControlServer::~ControlServer() { stop(); }

void ControlServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (const auto& weak : impl_->open) {
    if (auto conn = weak.lock()) {
      conn->timer.cancel();
      conn->socket.close(ec);
    }
  }
  impl_->open.clear();
  std::error_code fs_ec;
  std::filesystem::remove(impl_->path, fs_ec);
}

ControlReply send_pair_request(const std::filesystem::path& socket_path, const PairRequest& request) {
  const int fd = connect_unix(socket_path);
  if (fd < 0) {
    const int err = errno;
    const std::string why = (err == ENOENT || err == ECONNREFUSED)
                                ? fmt::format("lightwell is not running (no control socket at {})", socket_path.string())
                                : fmt::format("cannot reach lightwell's control socket at {}: {}", socket_path.string(),
                                              std::strerror(err));
    throw StartupError(why, err == EACCES ? "run this as the user the server runs as"
                                          : "start it with `lightwell serve` (or the lightwell service), using the "
                                            "same --state-dir");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const std::string line = "pair " + request.pin + " " + request.name + "\n";
  if (line.size() > kMaxLineBytes) throw StartupError("pair: --name is too long");
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    throw StartupError(fmt::format("lost the connection to lightwell ({})", socket_path.string()));
  }
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + kPeerTimeout;
  while (reply.find('\n') == std::string::npos && reply.size() < kMaxLineBytes) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
      throw StartupError("lightwell did not answer within 5 s", "check the server's log");
    }
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  const auto nl = reply.find('\n');
  if (nl == std::string::npos) throw StartupError("lightwell closed the control connection without an answer");
  reply.resize(nl);
  if (reply.rfind("ok ", 0) == 0) return {true, reply.substr(3)};
  if (reply.rfind("error ", 0) == 0) return {false, reply.substr(6)};
  return {false, "unexpected reply from the server"};
}

}  // namespace lightwell::server
