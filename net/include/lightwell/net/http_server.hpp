// HTTP and HTTPS servers for the nvhttp control plane (shared/protocol/http-pairing.md §1):
// GET only, one request per connection (the client closes and so do we), XML answers with
// HTTP 200 even for logical errors. HTTPS sends a CertificateRequest and completes the
// handshake for ANY client certificate; authorisation is the handler's job, by exact match
// against the paired-client store (§1 "Client-certificate check"). TLS 1.2 or newer.
//
// Thread: everything runs on the io_context passed in, which must be driven by one thread
// (the control-plane thread); handlers are called there and may answer later (pairing
// phase 1 waits for the PIN) by calling the Responder from that same thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace lightwell::net {

struct HttpRequest {
  std::string target;                 // path and query, e.g. "/serverinfo?uniqueid=…"
  boost::asio::ip::address peer_address;
  std::uint16_t peer_port = 0;
  boost::asio::ip::address local_address;  // the address the client reached us on
  bool tls = false;
  // DER of the certificate the client presented (HTTPS only; the handshake demands one).
  std::optional<std::vector<std::uint8_t>> client_cert_der;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/xml";
  std::string body;
};

// Answers a request once. Calling it after the connection is gone (client left, timeout,
// server stopped) is harmless. Copyable; call on the io thread.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, Responder)>;

struct TlsIdentity {
  std::string cert_pem;  // host certificate, the one sent as plaincert when pairing
  std::string key_pem;   // its private key
};

struct HttpServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 0;  // 0 = any free port (tests); see HttpServer::port()
  // Connection slots, shared fairly between peers (net/src/connection_slots.hpp): at most
  // max_connections open, at most max_connections_per_peer from one IPv4 address or IPv6 /64;
  // when full, a peer with fewer connections evicts the oldest incomplete request of the
  // peer holding the most. So a flood cannot starve paired clients of slots, file
  // descriptors or memory (docs/security.md "Load and abuse"). Clients make a few
  // concurrent requests at most (Qt: 6 per host).
  std::size_t max_connections = 64;
  std::size_t max_connections_per_peer = 16;
  // The whole request (TLS handshake + headers) must arrive within this; stops slowloris.
  std::chrono::milliseconds request_timeout{10'000};
  // How long a handler may take to answer (pairing phase 1 waits up to 120 s for the PIN).
  std::chrono::milliseconds response_timeout{130'000};
  std::size_t max_header_bytes = 8 * 1024;  // a Moonlight request line + headers is < 1 KiB
};

class HttpServer {
 public:
  // Binds at once (throws std::system_error naming the address and port on failure, e.g.
  // port in use); serving starts with start(). tls = nullopt → plain HTTP.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, std::optional<TlsIdentity> tls,
             HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  // Stops accepting and closes every open connection; pending Responders become no-ops.
  void stop();
  std::uint16_t port() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lightwell::net
