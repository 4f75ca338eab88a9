#include "lightwell/net/http_server.hpp"
#include "tcp_listen.hpp"

#include "connection_slots.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <system_error>

namespace lightwell::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Time allowed to write the answer and, for TLS, to exchange close_notify.
constexpr std::chrono::seconds kWriteTimeout{10};
constexpr std::chrono::seconds kShutdownTimeout{2};

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void close() = 0;
};

ssl::context make_tls_context(const TlsIdentity& id) {
  ssl::context ctx(ssl::context::tls_server);
  // http-pairing.md §1: TLS >= 1.2 (Sunshine disables 1.0/1.1 too); no compression, no
  // renegotiation by the client.
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
  ctx.use_certificate_chain(asio::buffer(id.cert_pem));
  ctx.use_private_key(asio::buffer(id.key_pem), ssl::context::pem);
  // The server must send a CertificateRequest (clients present a certificate only when
  // asked) and must complete the handshake for any certificate: Moonlight's are
  // self-signed with serial 0 and arbitrary validity (http-pairing.md §1, §5.8). The
  // handler authorises by exact DER match afterwards; a client with no certificate at all
  // fails the handshake.
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  ctx.set_verify_callback([](bool, ssl::verify_context&) { return true; });
  return ctx;
}

std::optional<std::vector<std::uint8_t>> peer_certificate_der(SSL* ssl_handle) {
  X509* cert = SSL_get1_peer_certificate(ssl_handle);
  if (!cert) return std::nullopt;
  std::optional<std::vector<std::uint8_t>> out;
  const int len = i2d_X509(cert, nullptr);
  if (len > 0) {
    out.emplace(static_cast<std::size_t>(len));
    unsigned char* p = out->data();
    i2d_X509(cert, &p);
  }
  X509_free(cert);
  return out;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_, HttpServerOptions opt, std::optional<TlsIdentity> tls, HttpHandler h)
      : io(io_),
        options(std::move(opt)),
        handler(std::move(h)),
        acceptor(io_),
        connections(options.max_connections, options.max_connections_per_peer) {
    if (tls) tls_context.emplace(make_tls_context(*tls));
    detail::listen_tcp(acceptor, options.bind_address, options.port, "TCP");
  }

  void accept();
  void on_accept(tcp::socket socket);

  asio::io_context& io;
  HttpServerOptions options;
  HttpHandler handler;
  std::optional<ssl::context> tls_context;
  tcp::acceptor acceptor;
  detail::ConnectionSlots<ConnectionBase> connections;
  bool stopped = false;
};

namespace {

template <class Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Connection(std::shared_ptr<HttpServer::Impl> server, Stream stream)
      : server_(std::move(server)), stream_(std::move(stream)), response_timer_(server_->io) {}
  ~Connection() override { server_->connections.remove(this); }

  void run() {
    beast::get_lowest_layer(stream_).expires_after(server_->options.request_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->read();
      });
    } else {
      read();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    response_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(0);  // nvhttp requests are GET with everything in the query string
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();  // timeout, oversized header, body, garbage: nothing to answer
    // A whole request arrived: the slot is now the handler's and is never evicted (pairing
    // phase 1 holds it while it waits for the PIN).
    server_->connections.set_busy(this);
    const auto& req = parser_->get();
    auto& socket = beast::get_lowest_layer(stream_).socket();
    HttpRequest request;
    request.target = std::string(req.target());
    request.tls = kTls;
    beast::error_code ep_ec;
    const auto remote = socket.remote_endpoint(ep_ec);
    const auto local = socket.local_endpoint(ep_ec);
    request.peer_address = remote.address();
    request.peer_port = remote.port();
    request.local_address = local.address();
    if constexpr (kTls) request.client_cert_der = peer_certificate_der(stream_.native_handle());

    if (req.method() != http::verb::get) {
      return respond(HttpResponse{405, "text/plain", "only GET is supported\n"});
    }
    std::weak_ptr<Connection> weak = this->shared_from_this();
    // No stream operation is pending while the handler works, so the stream's own timeout
    // cannot fire: this timer bounds how long a slot can be held, and its handler owns the
    // connection until the answer is written or the slot is given up (the Responder only
    // holds a weak reference).
    response_timer_.expires_after(server_->options.response_timeout);
    response_timer_.async_wait([self = this->shared_from_this()](beast::error_code timer_ec) {
      if (!timer_ec && !self->responded_) self->close();
    });
    // Keep a read pending so a client that gives up is noticed (and its slot freed) while
    // the handler waits, e.g. for a PIN.
    watch_for_close();
    server_->handler(request, [weak](HttpResponse response) {
      if (auto self = weak.lock()) self->respond(std::move(response));
    });
  }

  void watch_for_close() {
    if constexpr (!kTls) {
      beast::get_lowest_layer(stream_).socket().async_wait(
          tcp::socket::wait_read, [weak = std::weak_ptr<Connection>(this->shared_from_this())](beast::error_code ec) {
            auto self = weak.lock();
            if (!self || ec || self->responded_) return;
            // Readable after a complete request: the peer closed (or sent junk). Either way
            // nobody is waiting for the answer.
            char probe;
            beast::error_code peek_ec;
            const auto n = beast::get_lowest_layer(self->stream_).socket().receive(
                asio::buffer(&probe, 1), tcp::socket::message_peek, peek_ec);
            if (peek_ec || n == 0) self->close();
          });
    }
  }

  void respond(HttpResponse response) {
    if (responded_ || closed_) return;
    responded_ = true;
    response_timer_.cancel();
    auto res = std::make_shared<http::response<http::string_body>>(http::status(response.status), 11);
    res->set(http::field::server, "Lightwell");
    res->set(http::field::content_type, response.content_type);
    res->keep_alive(false);  // http-pairing.md §1: one request per connection
    res->body() = std::move(response.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->finish();
    });
  }

  void finish() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
    } else {
      close();
    }
  }

  std::shared_ptr<HttpServer::Impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  asio::steady_timer response_timer_;
  bool responded_ = false;
  bool closed_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) self->on_accept(std::move(socket));
    self->accept();
  });
}

void HttpServer::Impl::on_accept(tcp::socket socket) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone; the socket closes with this scope
  // connection_slots.hpp: a peer group at its own limit is refused; a full listener makes
  // room by evicting the oldest incomplete request of the group holding the most slots, so
  // a flood from some peers cannot lock out a paired client.
  const std::string group = detail::peer_group(remote.address());
  auto admission = connections.admit(group);
  if (!admission.admit) {
    socket.close(ec);
    return;
  }
  if (admission.evicted) admission.evicted->close();
  std::shared_ptr<ConnectionBase> conn;
  if (tls_context) {
    auto c = std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
        shared_from_this(), beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_context));
    connections.add(c.get(), c, group);
    c->run();
  } else {
    auto c = std::make_shared<Connection<beast::tcp_stream>>(shared_from_this(), beast::tcp_stream(std::move(socket)));
    connections.add(c.get(), c, group);
    c->run();
  }
}

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, std::optional<TlsIdentity> tls,
                       HttpHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(tls), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { impl_->accept(); }

void HttpServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  // Copy first: closing may destroy a connection, which removes itself from the slots.
  for (auto& c : impl_->connections.all()) c->close();
}

std::uint16_t HttpServer::port() const noexcept {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}


}  // namespace lightwell::net
