// The nvhttp transport over real loopback sockets: one request per connection, client
// certificates handed to the handler exactly as presented, and the limits that keep a slow
// or hostile peer from holding the control plane (http-pairing.md §1).
#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <thread>

#include "lightwell/net/http_server.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "vector_file.hpp"

using namespace lightwell;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// Runs a server on its own io thread for the duration of a test.
struct Harness {
  asio::io_context io;
  std::unique_ptr<net::HttpServer> server;
  std::jthread thread;
  std::vector<net::HttpRequest> seen;  // written on the io thread, read after stop()

  Harness(net::HttpServerOptions options, std::optional<net::TlsIdentity> tls, net::HttpHandler handler = {}) {
    options.bind_address = "127.0.0.1";
    if (!handler) {
      handler = [this](const net::HttpRequest& req, net::Responder respond) {
        seen.push_back(req);
        respond(net::HttpResponse{200, "application/xml", "<root status_code=\"200\"/>"});
      };
    }
    server = std::make_unique<net::HttpServer>(io, options, tls, std::move(handler));
    server->start();
    thread = std::jthread([this] { io.run(); });
  }
  ~Harness() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    asio::post(io, [this] { server->stop(); });
    // Everything the server owns finishes once its sockets are closed.
    thread.join();
  }
  std::uint16_t port() const { return server->port(); }
};

net::TlsIdentity host_identity() {
  return {test::read_text("pairing/server_cert.pem"), test::read_text("pairing/server_key.pem")};
}

http::response<http::string_body> plain_get(std::uint16_t port, const std::string& target,
                                            http::verb verb = http::verb::get) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.expires_after(10s);
  http::request<http::empty_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return res;
}

// TLS GET; client_cert_dir empty = present no certificate.
http::response<http::string_body> tls_get(std::uint16_t port, const std::string& target, bool with_client_cert,
                                          std::string* server_cert_pem_out = nullptr,
                                          int max_tls_version = 0) {
  asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  if (with_client_cert) {
    const auto cert = test::read_text("pairing/client_cert.pem");
    const auto key = test::read_text("pairing/client_key.pem");
    ctx.use_certificate(asio::buffer(cert), ssl::context::pem);
    ctx.use_private_key(asio::buffer(key), ssl::context::pem);
  }
  if (max_tls_version) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), 0);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), max_tls_version);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
  }
  ctx.set_verify_mode(ssl::verify_none);  // Moonlight pins the certificate instead; we check it below
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::get_lowest_layer(stream).expires_after(10s);
  stream.handshake(ssl::stream_base::client);
  if (server_cert_pem_out) {
    X509* peer = SSL_get1_peer_certificate(stream.native_handle());
    REQUIRE(peer);
    int len = i2d_X509(peer, nullptr);
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(peer, &p);
    X509_free(peer);
    *server_cert_pem_out = proto::crypto::Certificate::from_der(der).value().pem();
  }
  http::request<http::empty_body> req(http::verb::get, target, 11);
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return res;
}

// Waits (bounded) until the server closes a raw connection; true if it did.
bool closed_by_server(tcp::socket& socket, std::chrono::seconds limit) {
  socket.non_blocking(false);
  timeval tv{static_cast<time_t>(limit.count()), 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  beast::error_code ec;
  for (;;) {
    const auto n = socket.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    if (ec) return false;  // timed out
    (void)n;
  }
}

}  // namespace

TEST_CASE("plain HTTP: one GET, answered with HTTP 200 and Connection: close") {
  Harness h({}, std::nullopt);
  const auto res = plain_get(h.port(), "/serverinfo?uniqueid=0123456789ABCDEF&uuid=x");
  CHECK(res.result_int() == 200);
  CHECK(res[http::field::content_type] == "application/xml");
  CHECK(res.body() == "<root status_code=\"200\"/>");
  CHECK_FALSE(res.keep_alive());
  h.stop();
  REQUIRE(h.seen.size() == 1);
  CHECK(h.seen[0].target == "/serverinfo?uniqueid=0123456789ABCDEF&uuid=x");
  CHECK(h.seen[0].peer_address.to_string() == "127.0.0.1");
  CHECK(h.seen[0].local_address.to_string() == "127.0.0.1");
  CHECK_FALSE(h.seen[0].tls);
  CHECK_FALSE(h.seen[0].client_cert_der);
}

TEST_CASE("only GET is served") {
  Harness h({}, std::nullopt);
  CHECK(plain_get(h.port(), "/pair", http::verb::post).result_int() == 405);
  h.stop();
  CHECK(h.seen.empty());
}

TEST_CASE("HTTPS presents the host certificate and hands the client certificate over byte for byte") {
  Harness h({}, host_identity());
  std::string server_pem;
  const auto res = tls_get(h.port(), "/applist?uniqueid=x", true, &server_pem);
  CHECK(res.result_int() == 200);
  CHECK(server_pem == proto::crypto::Certificate::from_pem(test::read_text("pairing/server_cert.pem")).value().pem());
  h.stop();
  REQUIRE(h.seen.size() == 1);
  CHECK(h.seen[0].tls);
  REQUIRE(h.seen[0].client_cert_der);
  // Serial 0, self-signed: accepted by the handshake, authorised (or not) by the handler.
  CHECK(*h.seen[0].client_cert_der ==
        proto::crypto::Certificate::from_pem(test::read_text("pairing/client_cert.pem")).value().der());
}

TEST_CASE("HTTPS without a client certificate fails the handshake and reaches no handler") {
  Harness h({}, host_identity());
  CHECK_THROWS(tls_get(h.port(), "/applist", false));
  h.stop();
  CHECK(h.seen.empty());
}

TEST_CASE("HTTPS refuses TLS 1.1") {
  Harness h({}, host_identity());
  CHECK_THROWS(tls_get(h.port(), "/serverinfo", true, nullptr, TLS1_1_VERSION));
  h.stop();
  CHECK(h.seen.empty());
}

TEST_CASE("a handler may answer later, from the io thread") {
  asio::io_context* io_ptr = nullptr;
  std::unique_ptr<asio::steady_timer> timer;
  Harness h({}, std::nullopt, [&](const net::HttpRequest&, net::Responder respond) {
    timer = std::make_unique<asio::steady_timer>(*io_ptr, 100ms);
    timer->async_wait([respond](beast::error_code) { respond({200, "application/xml", "<late/>"}); });
  });
  io_ptr = &h.io;
  CHECK(plain_get(h.port(), "/pair?phrase=getservercert").body() == "<late/>");
  // The timer belongs to the io_context: it must go before the context does (ASan caught the
  // reverse order).
  h.stop();
  timer.reset();
}

TEST_CASE("an oversized header block is dropped without reaching the handler") {
  Harness h({}, std::nullopt);
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), h.port()));
  const std::string req = "GET /serverinfo HTTP/1.1\r\nX-Junk: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
  beast::error_code ec;
  asio::write(s, asio::buffer(req), ec);  // the server may close mid-write
  CHECK(closed_by_server(s, 5s));
  h.stop();
  CHECK(h.seen.empty());
}

TEST_CASE("a slow client is cut off after the request timeout") {
  net::HttpServerOptions opt;
  opt.request_timeout = 200ms;
  Harness h(opt, std::nullopt);
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), h.port()));
  asio::write(s, asio::buffer(std::string("GET /serverinfo HTTP/1.1\r\nHost: x\r\n")));  // never finished
  CHECK(closed_by_server(s, 5s));
  h.stop();
  CHECK(h.seen.empty());
}

TEST_CASE("connections beyond the limit are closed at once; the server keeps serving") {
  net::HttpServerOptions opt;
  opt.max_connections = 3;
  opt.request_timeout = 500ms;
  Harness h(opt, std::nullopt);
  asio::io_context io;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 3; ++i) {
    idle.emplace_back(io);
    idle.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), h.port()));
  }
  // Let the server accept the three before the fourth arrives.
  std::this_thread::sleep_for(50ms);
  tcp::socket extra(io);
  extra.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), h.port()));
  CHECK(closed_by_server(extra, 5s));
  // The idle ones time out, after which a real request is served.
  for (auto& s : idle) CHECK(closed_by_server(s, 5s));
  CHECK(plain_get(h.port(), "/serverinfo").result_int() == 200);
}

TEST_CASE("stop() closes a connection whose answer is pending; answering later is harmless") {
  net::Responder pending;
  Harness h({}, std::nullopt, [&](const net::HttpRequest&, net::Responder respond) { pending = respond; });
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), h.port()));
  asio::write(s, asio::buffer(std::string("GET /pair HTTP/1.1\r\nHost: x\r\n\r\n")));
  for (int i = 0; i < 500 && !pending; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(pending);
  h.stop();
  CHECK(closed_by_server(s, 5s));
  pending(net::HttpResponse{});  // connection gone: no effect, no crash
}
