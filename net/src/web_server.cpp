// WebServer (web_server.hpp): TLS accept, keep-alive request loop, bounded bodies, plain and
// streamed responses. The per-connection state machine is WebConnection below.
#include "lightwell/net/web_server.hpp"
#include "tcp_listen.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <deque>
#include <system_error>
#include <unordered_map>

namespace lightwell::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kWriteTimeout{10};
constexpr std::chrono::seconds kShutdownTimeout{2};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

ssl::context make_context(const TlsIdentity& id) {
  ssl::context ctx(ssl::context::tls_server);
  // Browsers speak TLS 1.2/1.3; older versions and compression (CRIME) are refused.
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
  ctx.use_certificate_chain(asio::buffer(id.cert_pem));
  ctx.use_private_key(asio::buffer(id.key_pem), ssl::context::pem);
  ctx.set_verify_mode(ssl::verify_none);  // browsers present no client certificate
  return ctx;
}

}  // namespace

std::optional<std::string_view> WebRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view WebRequest::path() const {
  const std::string_view t(target);
  return t.substr(0, t.find('?'));
}

struct WebServer::Impl : std::enable_shared_from_this<WebServer::Impl> {
  Impl(asio::io_context& io_, WebServerOptions opt, const TlsIdentity& tls, WebHandler h)
      : io(io_), options(std::move(opt)), handler(std::move(h)), context(make_context(tls)), acceptor(io_) {
    detail::listen_tcp(acceptor, options.bind_address, options.port, "TCP");
  }
  void accept();

  asio::io_context& io;
  WebServerOptions options;
  WebHandler handler;
  ssl::context context;
  tcp::acceptor acceptor;
  std::unordered_map<WebConnection*, std::weak_ptr<WebConnection>> connections;
  bool stopped = false;
};

class WebConnection : public std::enable_shared_from_this<WebConnection> {
 public:
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  WebConnection(std::shared_ptr<WebServer::Impl> server, tcp::socket socket)
      : server_(std::move(server)),
        stream_(beast::tcp_stream(std::move(socket)), server_->context),
        response_timer_(server_->io) {}
  ~WebConnection() { server_->connections.erase(this); }

  void run() {
    beast::get_lowest_layer(stream_).expires_after(server_->options.request_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->read_request(true);
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    response_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  void respond(WebResponse response) {
    if (answered_ || closed_) return;
    answered_ = true;
    response_timer_.cancel();
    auto res = std::make_shared<http::response<http::string_body>>(http::status(response.status), 11);
    add_headers(*res, response);
    res->keep_alive(keep_alive_ && !server_->stopped);
    res->body() = std::move(response.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (res->keep_alive()) return self->read_request(false);
      self->finish();
    });
  }

  bool start_stream(WebResponse head) {
    if (answered_ || closed_) return false;
    answered_ = true;
    streaming_ = true;
    response_timer_.cancel();
    http::response<http::empty_body> res(http::status(head.status), 11);
    add_headers(res, head);
    res.keep_alive(false);  // the body runs until the connection closes (RFC 9112 §6.3)
    std::string text = "HTTP/1.1 " + std::to_string(head.status) + " " + std::string(res.reason()) + "\r\n";
    for (const auto& field : res.base()) {
      text += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    }
    text += "\r\n";
    queue(std::move(text));
    watch_for_close();
    return true;
  }

  bool write(std::string data) {
    if (closed_ || !streaming_) return false;
    queue(std::move(data));
    return true;
  }
  bool is_open() const { return !closed_; }

 private:
  template <class Res>
  void add_headers(Res& res, const WebResponse& response) {
    res.set(http::field::server, "Lightwell");
    for (const auto& [k, v] : server_->options.common_headers) res.set(k, v);
    res.set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res.insert(k, v);
  }

  void queue(std::string data) {
    outbox_.push_back(std::move(data));
    if (!writing_) write_next();
  }

  // A streamed response lives until the client goes away. The handler holds only a weak
  // WebStream, so this pending read is what keeps the connection alive between events (and
  // it notices the client leaving: EOF or a reset ends the read). SSL streams allow one read
  // and one write in flight at once (asio ssl::stream), so events keep flowing meanwhile.
  // Anything the client sends on a streaming connection is discarded.
  void watch_for_close() {
    if (closed_) return;
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->watch_for_close();
    });
  }

  void write_next() {
    if (outbox_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    asio::async_write(stream_, asio::buffer(outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->outbox_.pop_front();
      beast::get_lowest_layer(self->stream_).expires_never();
      self->write_next();
    });
  }

  void read_request(bool first) {
    answered_ = false;
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(first ? server_->options.request_timeout : server_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void fail_request(unsigned status, const char* message) {
    keep_alive_ = false;
    respond(WebResponse{status, "application/json", {}, std::string(R"({"error":")") + message + "\"}"});
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::header_limit) return fail_request(431, "request headers too large");
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::ssl::error::stream_truncated) {
      return close();
    }
    if (ec) return fail_request(400, "malformed request");
    const auto& header = header_parser_->get();
    const std::string target(header.target());
    const std::size_t limit =
        server_->options.body_limit ? server_->options.body_limit(target) : server_->options.max_body_bytes;
    if (header_parser_->content_length() && *header_parser_->content_length() > limit) {
      return fail_request(413, "request body too large");
    }
    // The rest of the request must still arrive within the first deadline (slowloris).
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(limit);
    http::async_read(stream_, buffer_, *body_parser_,
                     [self = shared_from_this()](beast::error_code read_ec, std::size_t) { self->on_body(read_ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) return fail_request(413, "request body too large");
    if (ec == beast::error::timeout || ec == http::error::end_of_stream) return close();
    if (ec) return fail_request(400, "malformed request");
    auto req = body_parser_->release();
    keep_alive_ = req.keep_alive();
    WebRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), lower);
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(req.body());
    beast::error_code ep_ec;
    request.peer_address = beast::get_lowest_layer(stream_).socket().remote_endpoint(ep_ec).address();
    beast::get_lowest_layer(stream_).expires_never();
    response_timer_.expires_after(server_->options.response_timeout);
    response_timer_.async_wait([self = shared_from_this()](beast::error_code timer_ec) {
      if (!timer_ec && !self->answered_) self->close();
    });
    // The handler gets a weak handle: an abandoned reply does not keep the connection alive,
    // the response timer does (until it fires).
    server_->handler(request, WebReply(weak_from_this()));
  }

  void finish() {
    beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }

  std::shared_ptr<WebServer::Impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  asio::steady_timer response_timer_;
  std::deque<std::string> outbox_;
  std::array<char, 512> discard_{};
  bool writing_ = false;
  bool answered_ = false;
  bool streaming_ = false;
  bool keep_alive_ = true;
  bool closed_ = false;
};

bool WebStream::write(std::string data) const {
  auto c = conn_.lock();
  return c && c->write(std::move(data));
}
bool WebStream::open() const {
  auto c = conn_.lock();
  return c && c->is_open();
}
void WebStream::close() const {
  if (auto c = conn_.lock()) c->close();
}

void WebReply::respond(WebResponse response) const {
  if (auto c = conn_.lock()) c->respond(std::move(response));
}

WebStream WebReply::start_stream(WebResponse head) const {
  auto c = conn_.lock();
  if (!c || !c->start_stream(std::move(head))) return WebStream();
  return WebStream(conn_);
}

void WebServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      beast::error_code ep_ec;
      const auto peer = socket.remote_endpoint(ep_ec).address();
      auto plain = peer;
      if (plain.is_v6() && plain.to_v6().is_v4_mapped()) plain = asio::ip::make_address_v4(asio::ip::v4_mapped, plain.to_v6());
      const bool allowed = !ep_ec && (!self->options.allow_peer || self->options.allow_peer(plain));
      if (!allowed || self->connections.size() >= self->options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // refused before TLS: a foreign peer learns nothing
      } else {
        auto c = std::make_shared<WebConnection>(self, std::move(socket));
        self->connections.emplace(c.get(), c);
        c->run();
      }
    }
    self->accept();
  });
}

WebServer::WebServer(asio::io_context& io, WebServerOptions options, TlsIdentity tls, WebHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), tls, std::move(handler))) {}

WebServer::~WebServer() { stop(); }

void WebServer::start() { impl_->accept(); }

void WebServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  std::vector<std::shared_ptr<WebConnection>> open;
  for (auto& [ptr, weak] : impl_->connections) {
    if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) c->close();
}

std::uint16_t WebServer::port() const noexcept {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace lightwell::net
