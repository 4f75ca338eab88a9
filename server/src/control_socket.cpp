// ControlServer: the server half of the control socket (protocol in control_socket.hpp).
#include "lightwell/server/control_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "lightwell/server/cli.hpp"
#include "lightwell/server/startup_error.hpp"
#include "control_socket_detail.hpp"

namespace lightwell::server {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

// One reply line: a message with line breaks would break the framing, an overlong one the
// client's bound, so both are mended here rather than trusted from every handler.
std::string reply_line(const ControlReply& r) {
  std::string line = r.ok ? "ok " : "error ";
  const std::size_t room = kMaxLineBytes - line.size() - 1;
  for (const char c : std::string_view(r.message).substr(0, room)) line += (c == '\n' || c == '\r') ? ' ' : c;
  return line + "\n";
}

ControlReply not_handled(std::string_view what) {
  return {false, fmt::format("this server does not handle {}", what)};
}

}  // namespace

struct ControlServer::Impl : std::enable_shared_from_this<ControlServer::Impl> {
  Impl(asio::io_context& io_, std::filesystem::path path_, Log log_, ControlHandlers handlers_)
      : io(io_), path(std::move(path_)), log(std::move(log_)), handlers(std::move(handlers_)), acceptor(io_) {}

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
                             conn->reply = self->handle(line);
                             asio::async_write(conn->socket, asio::buffer(conn->reply),
                                               [conn](boost::system::error_code, std::size_t) {
                                                 conn->timer.cancel();
                                                 boost::system::error_code ignored;
                                                 conn->socket.close(ignored);
                                               });
                           });
  }

  // Returns the whole reply. A handler that throws gets an error reply instead of taking the
  // io thread (and with it the server) down.
  std::string handle(const std::string& line) {
    try {
      return dispatch(line);
    } catch (const std::exception& e) {
      log.error("control request failed: {}", e.what());
      return reply_line({false, fmt::format("internal error: {}", e.what())});
    }
  }

  // Never logs `line`: it may hold the PIN.
  std::string dispatch(const std::string& line) {
    if (line.rfind("pair ", 0) == 0) {
      const std::string rest = line.substr(5);
      const auto space = rest.find(' ');
      PairRequest req{rest.substr(0, space), space == std::string::npos ? "" : rest.substr(space + 1)};
      if (!is_valid_pin(req.pin)) {
        log.info("pair request with a malformed PIN refused");
        return reply_line({false, "the PIN must be exactly 4 digits"});
      }
      log.info("pair request (name \"{}\")", req.name);
      if (!handlers.pair) return reply_line({false, "no pairing attempt pending"});
      return reply_line(handlers.pair(req));
    }
    if (line == "clients-list") {
      log.debug("clients-list request");
      if (!handlers.list_clients) return reply_line(not_handled("clients-list"));
      return encode_client_list_reply(handlers.list_clients());
    }
    if (line.rfind("unpair ", 0) == 0) {
      const std::string_view key = std::string_view(line).substr(7);
      if (key.empty()) return reply_line({false, "unpair: missing NAME or ID"});
      log.info("unpair request for \"{}\"", key.substr(0, 64));
      if (!handlers.unpair) return reply_line(not_handled("unpair"));
      return reply_line(handlers.unpair(key));
    }
    const std::string verb = line.substr(0, line.find(' '));
    log.info("unknown request \"{}\"", verb.substr(0, 32));
    return reply_line({false, "unknown request"});
  }

  asio::io_context& io;
  std::filesystem::path path;
  Log log;
  ControlHandlers handlers;
  local::acceptor acceptor;
  bool stopped = false;
  std::vector<std::weak_ptr<Connection>> open;  // closed by stop() so io.run() can return
};

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path socket_path, Log log, PairHandler on_pair)
    : ControlServer(io, std::move(socket_path), std::move(log), ControlHandlers{std::move(on_pair), {}, {}}) {}

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path socket_path, Log log, ControlHandlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(socket_path), std::move(log), std::move(handlers))) {
  const std::string p = impl_->path.string();
  if (p.size() >= sizeof(sockaddr_un::sun_path)) {
    throw StartupError(fmt::format("{}: control socket path is too long for a UNIX socket ({} bytes, limit {})", p,
                                   p.size(), sizeof(sockaddr_un::sun_path) - 1),
                       "choose a shorter --state-dir");
  }
  std::error_code fs_ec;
  if (std::filesystem::exists(impl_->path, fs_ec)) {
    const int fd = detail::connect_unix(impl_->path);
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

}  // namespace lightwell::server
