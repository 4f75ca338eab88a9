// HTTP and HTTPS GETs as Moonlight clients send them (http-pairing.md §1): one request per
// connection, `Connection: close`, no body. Every operation is asynchronous under a deadline
// (Beast timeouts only apply to async operations), driven to completion on a private
// io_context, so a silent server can never hang a test.
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gamestream_client.hpp"

namespace lightwell::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Read limit for a reply: box art can be a few hundred KiB.
constexpr std::uint64_t kMaxReplyBytes = 16 * 1024 * 1024;

http::request<http::empty_body> make_request(const std::string& host, std::uint16_t port, const std::string& target) {
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::connection, "close");
  return req;
}

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const http::request<http::empty_body>& req, HttpReply& out,
                               const SentHook& on_sent) {
  co_await http::async_write(stream, req, asio::use_awaitable);
  if (on_sent) on_sent();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  const auto& res = parser.get();
  out.http_status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.body = res.body();
}

std::vector<std::uint8_t> peer_certificate_der(SSL* ssl) {
  std::vector<std::uint8_t> der;
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (!peer) return der;
  const int len = i2d_X509(peer, nullptr);
  if (len > 0) {
    der.resize(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(peer, &p);
  }
  X509_free(peer);
  return der;
}

// Runs a coroutine to completion under a deadline; exceptions become transport_error.
template <class MakeCoroutine>
void run(asio::io_context& io, std::chrono::milliseconds timeout, HttpReply& out, MakeCoroutine make) {
  bool done = false;
  asio::co_spawn(io, make(), [&](std::exception_ptr e) {
    done = true;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      out.transport_error = ex.what();
    }
  });
  io.run_for(timeout + std::chrono::milliseconds(1000));
  if (!done) out.transport_error = "no answer within " + std::to_string(timeout.count()) + " ms";
}

}  // namespace

HttpReply http_get(const std::string& host, std::uint16_t port, const std::string& target,
                   std::chrono::milliseconds timeout, const SentHook& on_sent) {
  HttpReply out;
  asio::io_context io;
  beast::tcp_stream stream(io);
  run(io, timeout, out, [&]() -> asio::awaitable<void> {
    stream.expires_after(timeout);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address(host), port), asio::use_awaitable);
    co_await exchange(stream, make_request(host, port, target), out, on_sent);
  });
  return out;
}

HttpReply https_get(const std::string& host, std::uint16_t port, const std::string& target,
                    const TlsClientOptions& tls, std::chrono::milliseconds timeout, const SentHook& on_sent) {
  HttpReply out;
  asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (tls.identity) {
    try {
      ctx.use_certificate(asio::buffer(tls.identity->cert_pem), ssl::context::pem);
      ctx.use_private_key(asio::buffer(tls.identity->key_pem), ssl::context::pem);
    } catch (const std::exception& e) {
      out.transport_error = std::string("loading our certificate: ") + e.what();
      return out;
    }
  }
  // Like Moonlight-qt: no CA check; the pinned certificate is compared after the handshake.
  ctx.set_verify_mode(ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  run(io, timeout, out, [&]() -> asio::awaitable<void> {
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await beast::get_lowest_layer(stream).async_connect(tcp::endpoint(asio::ip::make_address(host), port),
                                                           asio::use_awaitable);
    co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
    out.server_cert_der = peer_certificate_der(stream.native_handle());
    if (tls.pinned_der && out.server_cert_der != *tls.pinned_der) {
      throw std::runtime_error("the server certificate differs from the pinned plaincert");
    }
    co_await exchange(stream, make_request(host, port, target), out, on_sent);
  });
  return out;
}

RawReply raw_exchange(const std::string& host, std::uint16_t port, const std::string& request,
                      std::chrono::milliseconds timeout) {
  RawReply out;
  asio::io_context io;
  beast::tcp_stream stream(io);
  HttpReply unused;
  run(io, timeout, unused, [&]() -> asio::awaitable<void> {
    stream.expires_after(timeout);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address(host), port), asio::use_awaitable);
    beast::error_code ec;
    // The server may close mid-write; that is an answer too.
    co_await asio::async_write(stream, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
    char buf[4096];
    for (;;) {
      const std::size_t n =
          co_await stream.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      out.received.append(buf, n);
      if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
        out.closed_by_server = true;
        co_return;
      }
      if (ec) {
        out.error = ec.message();
        co_return;
      }
    }
  });
  if (!unused.transport_error.empty() && out.error.empty()) out.error = unused.transport_error;
  return out;
}

}  // namespace lightwell::test
