// Local control channel between CLI commands and the running server: a UNIX stream socket
// (control.sock in the state directory; mode 0600 inside the 0700 state directory, so only the
// service user reaches it). One request line, one reply (below), then the server closes.
//
//   request "pair <PIN> <NAME>\n"   (NAME may be empty or contain spaces)
//   reply   "ok <message>\n" | "error <message>\n"
//
//   request "clients-list\n"
//   reply   "ok <n>\n" followed by exactly n lines "<id>\t<first_seen_unix_s>\t<last_seen_unix_s>\t<name>\n"
//           (id: 16 lower-case hex digits; times: decimal seconds, 0 = unknown; name: the rest of
//           the line, control characters replaced by '?', cut at a UTF-8 boundary so the line
//           fits kMaxLineBytes), n <= kMaxListedClients | "error <message>\n"
//
//   request "unpair <NAME|ID>\n"    (an id match wins; a name shared by several clients is refused)
//   reply   "ok <message>\n" | "error <message>\n"
//
// Any other request: "error unknown request\n". Every line (request or reply, '\n' included) is
// at most kMaxLineBytes; a longer request is dropped unanswered, as is a slow or silent peer
// after kPeerTimeout (the client gives up on the whole reply after kPeerTimeout too). PINs
// travel only over this socket and are never logged on either side.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "lightwell/server/log.hpp"
#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {

class ClientStore;

inline constexpr std::size_t kMaxLineBytes = 1024;
inline constexpr std::size_t kMaxListedClients = 1024;  // bounds a list reply to ~1 MiB
inline constexpr std::chrono::milliseconds kPeerTimeout{5000};

struct ControlReply {
  bool ok = false;
  std::string message;
};

struct PairRequest {
  std::string pin;   // 4 digits; SECRET
  std::string name;  // may be empty
};

// One paired client as `clients list` shows it (no certificate: the list never carries one).
struct ClientSummary {
  std::string id;
  std::string name;
  std::int64_t first_seen_unix_s = 0;
  std::int64_t last_seen_unix_s = 0;
  friend bool operator==(const ClientSummary&, const ClientSummary&) = default;
};

struct ClientListReply {
  bool ok = false;
  std::string error;                   // when !ok
  std::vector<ClientSummary> clients;  // when ok, in store order
};

// What the server does for each request. Each runs on the io thread. A handler left empty
// answers "error this server does not handle <request>" (pair: "no pairing attempt pending").
struct ControlHandlers {
  std::function<ControlReply(const PairRequest&)> pair;
  std::function<ClientListReply()> list_clients;
  std::function<ControlReply(std::string_view name_or_id)> unpair;
};

// Server side. Owned by the io thread; all callbacks run there.
class ControlServer {
 public:
  using PairHandler = std::function<ControlReply(const PairRequest&)>;

  // Binds socket_path. A stale socket (nobody answers) is replaced; a live one means another
  // server uses this state directory → StartupError.
  ControlServer(boost::asio::io_context& io, std::filesystem::path socket_path, Log log, ControlHandlers handlers);
  // Pairing only (clients-list and unpair answer "error this server does not handle ...").
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

// --- Server-side handlers over the server's own ClientStore (io thread only) -------------
// Used by serve.cpp for the running server and by `lightwell clients` when none runs, so both
// paths answer alike.

// Every client in store order; an error when there are more than kMaxListedClients.
ClientListReply handle_clients_list(const ClientStore& store);
// Removes the client (store.remove: id first, then a unique name) and persists. ok: `unpaired
// "<name>" (id <id>)`; errors: nothing matched, an ambiguous name (with the ids), a failed
// write (the store is unchanged then). Logs the removal on `log`.
ControlReply handle_unpair(ClientStore& store, std::string_view name_or_id, const Log& log);

// --- Wire helpers (exposed for tests) ----------------------------------------------------
// The list reply bytes for `reply`, as specified at the top of this file.
std::string encode_client_list_reply(const ClientListReply& reply);
// Parses one list entry line (without its '\n') into out; false when it is malformed.
bool parse_client_line(std::string_view line, ClientSummary& out);

// --- Client side (blocking, bounded by kPeerTimeout) ---------------------------------------
// Thrown when nothing listens on the socket (no file, or a stale file nobody accepts on):
// "lightwell is not running (no control socket at <path>)". Other failures (permission,
// timeout, a malformed reply) throw plain StartupError.
class ServerNotRunning : public StartupError {
 public:
  using StartupError::StartupError;
};

ControlReply send_pair_request(const std::filesystem::path& socket_path, const PairRequest& request);
ClientListReply send_clients_list_request(const std::filesystem::path& socket_path);
ControlReply send_unpair_request(const std::filesystem::path& socket_path, std::string_view name_or_id);

}  // namespace lightwell::server
