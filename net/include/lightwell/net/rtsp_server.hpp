// TCP listener for the GameStream RTSP handshake (shared/protocol/rtsp.md §1): ONE request per
// connection; the server reads exactly one message, hands its bytes to the handler, writes
// the handler's reply bytes and closes (the client reads to EOF). net/ frames the message but
// does not interpret it: plaintext RTSP (header block up to "\r\n\r\n" plus `Content-length`
// body bytes) or an encrypted frame (24-byte header + N bytes, rtsp.md §3) are told apart by
// the first byte; parsing, decryption and policy belong to the caller (server/rtsp_service).
//
// Connection life (rtsp_server.cpp):
//  - a whole message within request_timeout of accept (one deadline, not per read: a peer
//    trickling bytes cannot hold a slot longer), at most max_message_bytes;
//  - complete → handler → write its bytes → shutdown(both) + close (rtsp.md §1);
//  - too large, unreadable length, timeout or EOF with a partial message → on_error with the
//    bytes so far → write its bytes → shutdown(send), drain the rest for ≤ 2 s, close (so the
//    reply is not destroyed by a RST while the peer is still sending);
//  - nothing received before the deadline or EOF → closed silently, no callback;
//  - an empty reply from either handler → closed at once without writing;
//  - connection slots are shared fairly (net/src/connection_slots.hpp): at most
//    max_connections_per_peer from one IPv4 address / IPv6 /64 (more are closed at once);
//    when max_connections are open, a peer with fewer connections evicts the oldest
//    incomplete request of the peer holding the most, else the new one is closed at once.
//
// Thread: everything runs on the io_context passed in (the control-plane thread); the
// handlers are called there and must answer synchronously. After stop() (which must run on
// that thread, or before the io_context runs) no handler is called again.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
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
// before a whole message): the server asks the error handler for bytes to send back anyway
// (a 400 in the right framing).
enum class RtspFramingErrorKind : std::uint8_t {
  too_large,   // the message would exceed max_message_bytes (known from a length or the bytes so far)
  malformed,   // a length field that cannot be read: bad or repeated Content-length, N = 0
  incomplete,  // request_timeout expired, or the peer closed, before the message was whole
};

struct RtspFramingError {
  RtspFramingErrorKind kind = RtspFramingErrorKind::malformed;
  std::string reason;  // for the log: "request larger than 65536 bytes", "incomplete request"
};

// Where one message ends (rtsp.md §1), without interpreting it. Used by RtspServer; public so
// the framing rules can be tested without sockets.
//  - encrypted (first byte has the 0x80 flag, proto::starts_encrypted_rtsp): 24-byte header
//    + N bytes (proto::parse_encrypted_rtsp_frame), N ≤ max_message_bytes − 24;
//  - plaintext: header block up to and including "\r\n\r\n", then exactly Content-length
//    body bytes (header name case-insensitive, the client writes "Content-length"; plain
//    decimal; at most once; absent = no body); the total ≤ max_message_bytes.
// Bytes after the message are not part of it (one request per connection).
struct RtspFrameScan {
  enum class State : std::uint8_t { need_more, complete, error };
  State state = State::need_more;
  RtspFraming framing = RtspFraming::plaintext;  // meaningful once a byte is in
  std::size_t message_bytes = 0;                 // complete: length of the message
  RtspFramingError error;                        // error: what was wrong
};

// Resumable: feed it the whole buffer received so far, each time more arrived. It remembers
// how far it searched for the end of the header block, so a peer sending one byte per
// segment costs linear, not quadratic, time. The buffer must only grow between calls.
class RtspFramer {
 public:
  explicit RtspFramer(std::size_t max_message_bytes) noexcept : max_message_bytes_(max_message_bytes) {}
  RtspFrameScan scan(std::span<const std::uint8_t> buffer);

 private:
  RtspFrameScan scan_plaintext(std::span<const std::uint8_t> buffer);
  std::size_t max_message_bytes_;
  std::size_t searched_bytes_ = 0;  // "\r\n\r\n" is not within buffer[0, searched_bytes_)
  std::size_t total_bytes_ = 0;     // plaintext header block + body, once the block is whole
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
  std::size_t max_connections = 32;            // slots in all (see "connection slots" above)
  std::size_t max_connections_per_peer = 8;    // a client makes one request at a time (rtsp.md §1)
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
