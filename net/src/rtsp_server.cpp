// RTSP TCP listener (rtsp_server.hpp; shared/protocol/rtsp.md §1): one message per connection,
// the reply, then close. Same house rules as http_server.cpp: io thread only, connections are
// shared_ptrs kept alive by their pending operations, the server keeps weak references so
// stop() can close them.
#include "lightwell/net/rtsp_server.hpp"
#include "tcp_listen.hpp"

#include "connection_slots.hpp"

#include <array>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace lightwell::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Time allowed to write the reply (the client reads it at once, rtsp.md §1).
constexpr std::chrono::seconds kWriteTimeout{10};
// After an error reply the peer may still be sending the rest of an oversized request. Closing
// with unread bytes would make the kernel send RST, which can destroy the 400 before the client
// reads it; so we stop sending, drain for a while, then close (a "lingering close").
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kReadChunkBytes = 4096;

class RtspConnection;

}  // namespace

struct RtspServer::Impl : std::enable_shared_from_this<RtspServer::Impl> {
  Impl(asio::io_context& io_, RtspServerOptions opt, RtspHandler h, RtspErrorHandler e)
      : io(io_),
        options(std::move(opt)),
        handler(std::move(h)),
        on_error(std::move(e)),
        acceptor(io_),
        connections(options.max_connections, options.max_connections_per_peer) {
    detail::listen_tcp(acceptor, options.bind_address, options.port, "TCP, RTSP");
  }

  void accept();
  void on_accept(tcp::socket socket);

  asio::io_context& io;
  RtspServerOptions options;
  RtspHandler handler;
  RtspErrorHandler on_error;
  tcp::acceptor acceptor;
  detail::ConnectionSlots<RtspConnection> connections;
  bool stopped = false;
};

namespace {

class RtspConnection final : public std::enable_shared_from_this<RtspConnection> {
 public:
  RtspConnection(std::shared_ptr<RtspServer::Impl> server, tcp::socket socket, RtspMessage endpoints)
      : server_(std::move(server)),
        socket_(std::move(socket)),
        timer_(server_->io),
        framer_(server_->options.max_message_bytes),
        endpoints_(std::move(endpoints)) {}
  ~RtspConnection() { server_->connections.remove(this); }
  RtspConnection(const RtspConnection&) = delete;
  RtspConnection& operator=(const RtspConnection&) = delete;

  void run() {
    // The WHOLE request must arrive within request_timeout, however it is trickled in
    // (slowloris): one deadline from accept, not an idle timer per read.
    timer_.expires_after(server_->options.request_timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->on_request_deadline();
    });
    read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  bool dead() const noexcept { return closed_ || server_->stopped; }

  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(error_code ec, std::size_t n) {
    if (dead() || answered_) return;
    if (ec) {
      if (ec == asio::error::eof && !buffer_.empty()) {
        return fail(RtspFramingErrorKind::incomplete,
                    "peer closed after " + std::to_string(buffer_.size()) + " bytes of an incomplete request");
      }
      return close();  // nothing received, or a reset: nobody to answer
    }
    buffer_.insert(buffer_.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(n));
    const RtspFrameScan scan = framer_.scan(buffer_);
    switch (scan.state) {
      case RtspFrameScan::State::need_more:
        return read();
      case RtspFrameScan::State::error:
        return fail(scan.error.kind, scan.error.reason);
      case RtspFrameScan::State::complete:
        return complete(scan.framing, scan.message_bytes);
    }
  }

  void on_request_deadline() {
    if (dead() || answered_) return;
    if (buffer_.empty()) return close();  // an idle connection: nothing to answer
    fail(RtspFramingErrorKind::incomplete,
         "incomplete request after " + std::to_string(server_->options.request_timeout.count()) + " ms (" +
             std::to_string(buffer_.size()) + " bytes received)");
  }

  RtspMessage message_from(RtspFraming framing, std::size_t bytes) const {
    RtspMessage m = endpoints_;
    m.framing = framing;
    m.bytes.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(bytes));
    return m;
  }

  void complete(RtspFraming framing, std::size_t bytes) {
    answered_ = true;
    server_->connections.set_busy(this);  // being answered: no longer evictable
    // Bytes after the message are ignored: one request per connection (rtsp.md §1).
    std::vector<std::uint8_t> reply = server_->handler(message_from(framing, bytes));
    write(std::move(reply), /*linger=*/false);
  }

  void fail(RtspFramingErrorKind kind, std::string reason) {
    answered_ = true;
    server_->connections.set_busy(this);
    const RtspFraming framing = buffer_.empty() || !(buffer_.front() & 0x80) ? RtspFraming::plaintext
                                                                              : RtspFraming::encrypted;
    std::vector<std::uint8_t> reply =
        server_->on_error(message_from(framing, buffer_.size()), RtspFramingError{kind, std::move(reason)});
    // The rest of the request may still be arriving: linger so the reply is not reset away.
    write(std::move(reply), /*linger=*/true);
  }

  void write(std::vector<std::uint8_t> reply, bool linger) {
    if (dead()) return;  // the handler may have stopped the server
    if (reply.empty()) return close();
    timer_.cancel();
    timer_.expires_after(kWriteTimeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
    reply_ = std::move(reply);
    asio::async_write(socket_, asio::buffer(reply_), [self = shared_from_this(), linger](error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec || !linger) return self->close();  // rtsp.md §1: the client reads to EOF
      self->linger();
    });
  }

  void linger() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);  // the client sees EOF now
    timer_.cancel();
    timer_.expires_after(kLingerTimeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->close();
      self->drain();
    });
  }

  std::shared_ptr<RtspServer::Impl> server_;
  tcp::socket socket_;
  asio::steady_timer timer_;  // request deadline, then write timeout, then linger
  RtspFramer framer_;
  RtspMessage endpoints_;  // addresses only; framing and bytes filled per message
  std::array<std::uint8_t, kReadChunkBytes> chunk_{};
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> reply_;
  bool answered_ = false;  // handler or error handler called: no more reads are judged
  bool closed_ = false;
};

}  // namespace

void RtspServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) self->on_accept(std::move(socket));
    self->accept();
  });
}

void RtspServer::Impl::on_accept(tcp::socket socket) {
  error_code ec;
  RtspMessage endpoints;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) {
    const auto local = socket.local_endpoint(ec);
    endpoints.local_address = local.address();
  }
  if (ec) {
    socket.close(ec);
    return;
  }
  // connection_slots.hpp: per-peer limit, and eviction of the oldest incomplete request of the
  // peer holding the most slots when full, so a flood cannot lock a client out of RTSP.
  const std::string group = detail::peer_group(remote.address());
  auto admission = connections.admit(group);
  if (!admission.admit) {
    socket.close(ec);
    return;
  }
  if (admission.evicted) admission.evicted->close();
  endpoints.peer_address = remote.address();
  endpoints.peer_port = remote.port();
  auto c = std::make_shared<RtspConnection>(shared_from_this(), std::move(socket), std::move(endpoints));
  connections.add(c.get(), c, group);
  c->run();
}

RtspServer::RtspServer(asio::io_context& io, RtspServerOptions options, RtspHandler handler,
                       RtspErrorHandler on_error)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler), std::move(on_error))) {}

RtspServer::~RtspServer() { stop(); }

void RtspServer::start() { impl_->accept(); }

void RtspServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  // Copy first: closing may destroy a connection, which removes itself from the slots.
  for (auto& c : impl_->connections.all()) c->close();
}

std::uint16_t RtspServer::port() const noexcept {
  error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace lightwell::net
