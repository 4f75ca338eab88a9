// Local control channel between CLI commands and the running server: a UNIX stream socket
// (control.sock in the state directory; mode 0600 inside the 0700 state directory, so only the
// service user reaches it). One request line, one reply line, then the server closes:
//   request  "pair <PIN> <NAME>\n"      (NAME may be empty or contain spaces)
//   reply    "ok <message>\n" | "error <message>\n"
// Requests and replies are at most kMaxLineBytes; a slow or silent peer is dropped after
// kPeerTimeout. PINs travel only over this socket and are never logged on either side.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "lightwell/server/log.hpp"

namespace lightwell::server {

inline constexpr std::size_t kMaxLineBytes = 1024;
inline constexpr std::chrono::milliseconds kPeerTimeout{5000};

struct ControlReply {
  bool ok = false;
  std::string message;
};

struct PairRequest {
  std::string pin;   // 4 digits; SECRET
  std::string name;  // may be empty
};

// Server side. Owned by the io thread; all callbacks run there.
class ControlServer {
 public:
  using PairHandler = std::function<ControlReply(const PairRequest&)>;

  // Binds socket_path. A stale socket (nobody answers) is replaced; a live one means another
  // server uses this state directory → StartupError.
  ControlServer(boost::asio::io_context& io, std::filesystem::path socket_path, Log log, PairHandler on_pair);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Stops accepting, closes open connections, removes the socket file. Idempotent.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Client side (blocking, bounded by kPeerTimeout). Throws StartupError when nothing listens:
// "lightwell is not running (no control socket at <path>)".
ControlReply send_pair_request(const std::filesystem::path& socket_path, const PairRequest& request);

}  // namespace lightwell::server
