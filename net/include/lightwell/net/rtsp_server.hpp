// TCP listener for the GameStream RTSP handshake (shared/protocol/rtsp.md §1): ONE request per
// connection; the server reads exactly one message, hands its bytes to the handler, writes
// the handler's reply bytes and closes (the client reads to EOF). net/ frames the message but
// does not interpret it: plaintext RTSP (header block up to "\r\n\r\n" plus `Content-length`
// body bytes) or an encrypted frame (24-byte header + N bytes, rtsp.md §3) are told apart by
// the first byte; parsing, decryption and policy belong to the caller (server/rtsp_service).
//
// Thread: everything runs on the io_context passed in (the control-plane thread); the
// handler is called there and must answer synchronously.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace lightwell::net {

enum class RtspFraming : std::uint8_t { plaintext, encrypted };

struct RtspMessage {
  RtspFraming framing = RtspFraming::plaintext;
  std::vector<std::uint8_t> bytes;  // the whole message: header block + body, or 24 + N bytes
  boost::asio::ip::address peer_address;
  std::uint16_t peer_port = 0;
  boost::asio::ip::address local_address;
};

// What to do with a message that could not be framed (too large, length field lies, timeout
// before a whole message): the server asks the handler for bytes to send back anyway
// (a 400 in the right framing) by calling it with `framing_error` set.
struct RtspFramingError {
  std::string reason;  // for the log: "request larger than 65536 bytes", "incomplete request"
};

// Returns the reply bytes to write before closing (may be empty: close at once).
using RtspHandler = std::function<std::vector<std::uint8_t>(const RtspMessage&)>;
using RtspErrorHandler = std::function<std::vector<std::uint8_t>(const RtspMessage& partial,
                                                                 const RtspFramingError&)>;

struct RtspServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 0;                      // 0 = any free port (tests)
  std::size_t max_message_bytes = 64 * 1024;   // rtsp.md §1: larger than Sunshine's 2 KiB
  std::chrono::milliseconds request_timeout{10'000};  // whole request must arrive within this
  std::size_t max_connections = 32;            // beyond this, new connections are closed at once
};

class RtspServer {
 public:
  // Binds at once (throws std::system_error naming address and port); start() accepts.
  RtspServer(boost::asio::io_context& io, RtspServerOptions options, RtspHandler handler,
             RtspErrorHandler on_error);
  ~RtspServer();
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  void start();
  void stop();  // stops accepting and closes open connections
  std::uint16_t port() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lightwell::net
