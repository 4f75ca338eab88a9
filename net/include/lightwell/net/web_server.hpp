// HTTPS server for the web admin page (docs/web.md), beside the nvhttp HttpServer
// (http_server.hpp), which stays GET-only and one-request-per-connection for Moonlight.
// This one speaks HTTP/1.1 with keep-alive, GET/POST with a bounded body, and can stream a
// response (server-sent events) for as long as the handler keeps it open.
//
// Defences that live here, so every route gets them without thinking:
//  - peers not accepted by allow_peer are closed right after accept, before TLS;
//  - max_connections open connections at most (more are closed at once);
//  - the TLS handshake plus one whole request (headers and body) must arrive within
//    request_timeout (slowloris), an idle keep-alive connection is closed after idle_timeout;
//  - header block ≤ max_header_bytes; body ≤ body_limit(target) (413 above it);
//  - every response, including the ones this layer makes itself (400, 413), carries
//    common_headers (the security headers: CSP, X-Frame-Options, ...).
//
// Thread: everything runs on the io_context given (one thread, the control plane); the
// handler is called there and answers through its WebReply from that thread, now or later.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "lightwell/net/http_server.hpp"  // TlsIdentity

namespace lightwell::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct WebRequest {
  std::string method;  // "GET", "POST", ... as sent (upper case per RFC 9110 §9.1)
  std::string target;  // path and query
  HeaderList headers;  // names lower-cased, in arrival order
  std::string body;
  boost::asio::ip::address peer_address;

  // First value of the header (name case-insensitive), nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  // target without the query string.
  std::string_view path() const;
};

struct WebResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers (Set-Cookie, Retry-After, Location, ...)
  std::string body;
};

class WebConnection;

// A streamed response (text/event-stream): write() queues bytes; false once the connection
// is gone (then drop the stream). Copyable handle; io thread only.
class WebStream {
 public:
  WebStream() = default;
  explicit WebStream(std::weak_ptr<WebConnection> c) : conn_(std::move(c)) {}
  bool write(std::string data) const;
  bool open() const;
  void close() const;

 private:
  std::weak_ptr<WebConnection> conn_;
};

// Answers a request once: either respond() or start_stream(). Calls after the connection is
// gone are no-ops. Copyable; io thread only.
class WebReply {
 public:
  WebReply() = default;
  explicit WebReply(std::weak_ptr<WebConnection> c) : conn_(std::move(c)) {}
  void respond(WebResponse response) const;
  // Sends the status line and headers (no Content-Length; the body runs until close) and
  // returns the stream for the body.
  WebStream start_stream(WebResponse head) const;

 private:
  std::weak_ptr<WebConnection> conn_;
};

using WebHandler = std::function<void(const WebRequest&, WebReply)>;

struct WebServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 0;  // 0: any free port (tests); see WebServer::port()
  std::size_t max_connections = 64;
  std::chrono::milliseconds request_timeout{10'000};  // handshake + one whole request
  std::chrono::milliseconds idle_timeout{30'000};     // between keep-alive requests
  std::chrono::milliseconds response_timeout{30'000};  // handler answer (not streams)
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  // Per-target body limit (e.g. image uploads); unset: max_body_bytes everywhere.
  std::function<std::size_t(std::string_view target)> body_limit;
  // Unset: every peer allowed.
  std::function<bool(const boost::asio::ip::address&)> allow_peer;
  HeaderList common_headers;  // added to every response
};

class WebServer {
 public:
  // Binds at once (throws std::system_error naming address and port); start() serves.
  WebServer(boost::asio::io_context& io, WebServerOptions options, TlsIdentity tls, WebHandler handler);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  void start();
  // Stops accepting and closes every connection, streams included.
  void stop();
  std::uint16_t port() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lightwell::net
