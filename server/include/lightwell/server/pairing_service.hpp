// The host side of PIN pairing over HTTP (http-pairing.md §5, docs/pairing-flow.md): one
// pending attempt at a time, phase 1 held until the operator types the PIN
// (`lightwell pair PIN`), phases 2–4 in order from the same client, the client certificate
// stored in the ClientStore only after phase 4 verified.
//
// Rules (each tested in tests/server/test_pairing_service*.cpp):
//  - An attempt is bound to (uniqueid, client certificate DER) from phase 1, and phases 2–4
//    must also come from the peer address phase 1 came from. uniqueid alone is no identity
//    (§1: many clients send 0123456789ABCDEF).
//  - A new getservercert from the same (uniqueid, certificate) replaces the pending attempt
//    (the old held request is answered 400); from anyone else while an attempt is pending it
//    gets the busy reply (§5.2: paired=1 without plaincert).
//  - Phase 1 is held until the PIN arrives or pin_timeout passes (then: status 408,
//    paired=0, attempt destroyed). After the PIN each next phase must arrive within
//    phase_timeout (clients use 5 s per phase).
//  - Any error, out-of-order or replayed phase from the attempt's client destroys the
//    attempt with the 400 forms of §5.7; requests from another client that do not match the
//    attempt get 400 "Invalid uniqueid" and leave it alone.
//  - Phase 4 ends the attempt: paired=1 and the certificate stored, or paired=0 (wrong PIN)
//    and nothing stored.
//  - Rate limit: max_failures failed attempts (wrong PIN in phase 4, or the client gave up
//    after phase 3, which is how Qt/Android report a wrong PIN) within failure_window lock
//    pairing for first_lockout, doubling with each further lockout up to max_lockout. While
//    locked, getservercert gets status 503 with the remaining time. A successful pairing
//    resets the lockout level. Global, not per client: a client chooses its own uniqueid and
//    certificate, so a per-client limit would not limit anything.
//  - Pending attempts live in memory only: a restart forgets them.
//
// Thread rules: io thread only (requests, PIN entry and timers all run there).
// Ownership: borrows the io_context and the ClientStore (both outlive the service); owns the
// attempt, its held Responder and the timers. The PIN is never logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lightwell/net/http_server.hpp"
#include "lightwell/proto/crypto/pairing.hpp"
#include "lightwell/proto/nvhttp_pair.hpp"
#include "lightwell/proto/query.hpp"
#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/state_store.hpp"

namespace lightwell::server {

// Time and randomness as parameters, so tests can move time and replay the pairing vector.
struct ServiceClock {
  std::function<std::chrono::steady_clock::time_point()> steady;  // rate limits, throttles
  std::function<std::int64_t()> unix_s;                            // first/last seen, seconds
  static ServiceClock system();
};
// Fills the span with bytes from a CSPRNG (the default reads getrandom(2)).
using RandomFill = std::function<void(std::span<std::uint8_t>)>;
RandomFill system_random();

struct PairingOptions {
  std::chrono::milliseconds pin_timeout{120'000};   // phase 1 held at most this long
  std::chrono::milliseconds phase_timeout{10'000};  // between the phases after the PIN
  // How long `lightwell pair` waits for the outcome (paired / wrong PIN) before it answers
  // "PIN accepted" alone; below the control socket's kPeerTimeout (5 s).
  std::chrono::milliseconds pin_outcome_wait{4'000};
  int max_failures = 3;
  std::chrono::seconds failure_window{600};
  std::chrono::seconds first_lockout{60};
  std::chrono::seconds max_lockout{3600};
  // Name stored for a client paired without --name: "<prefix><peer address>".
  std::string default_name_prefix = "Moonlight at ";
};

class PairingService {
 public:
  // Answers `lightwell pair` once, possibly before enter_pin returns.
  using PinDone = std::function<void(ControlReply)>;

  PairingService(boost::asio::io_context& io, proto::crypto::PairingIdentity host, ClientStore& store, Log log,
                 PairingOptions options = {}, ServiceClock clock = ServiceClock::system(),
                 RandomFill random = system_random());
  ~PairingService();
  PairingService(const PairingService&) = delete;
  PairingService& operator=(const PairingService&) = delete;

  // `/pair` phases 1–4 over HTTP. query: the parsed query; peer: the client's address.
  // Answers through respond, at once or (phase 1) once the PIN arrives.
  void handle_pair(const proto::Query& query, const boost::asio::ip::address& peer, net::Responder respond);
  // `/unpair` over HTTP (§6): drops a pending attempt of this client (same uniqueid and peer
  // address); never touches paired certificates. Returns true if an attempt was dropped.
  bool cancel(std::string_view unique_id, const boost::asio::ip::address& peer);
  // The operator typed a PIN (`lightwell pair PIN [--name NAME]`). done receives
  //   ok "paired NAME (id ID)"                  phase 4 verified and the client is stored
  //   ok "PIN accepted; …"                      the client has not finished within pin_outcome_wait
  //   error "no pairing attempt pending"        (also after the PIN was already given)
  //   error "wrong PIN"                          phase 4 failed, or the client gave up after phase 3
  //   error "the PIN must be exactly 4 digits", "pairing is locked …", "pairing failed: …"
  void enter_pin(std::string_view pin, std::string_view name, PinDone done);

  // Answers a held request and a waiting PIN entry, cancels timers; used at shutdown.
  void stop();

  bool attempt_pending() const noexcept { return attempt_ != nullptr; }
  // The pending attempt as the web page shows it (read-only), nullopt when none.
  struct PendingView {
    boost::asio::ip::address peer;
    std::string unique_id;
    std::int64_t seconds_left = 0;  // until phase 1 (or the next phase) times out
    bool pin_entered = false;
  };
  std::optional<PendingView> pending() const;
  // Seconds pairing stays locked from now; 0 when not locked.
  std::int64_t lockout_remaining_s() const;

 private:
  struct Attempt;
  enum class End { paired, wrong_pin, aborted, replaced, expired, shutdown };

  void phase1(const proto::PairRequest& req, const boost::asio::ip::address& peer, net::Responder respond);
  void later_phase(const proto::PairRequest& req, const boost::asio::ip::address& peer, net::Responder respond);
  void arm_timer(std::chrono::milliseconds timeout);
  // Destroys the attempt, answers its held request (if any) with held_reply and the PIN
  // waiter with the matching outcome; counts failures.
  void finish(End how, const std::string& reason, const std::string& held_reply = {});
  void record_failure();
  void answer_pin(ControlReply reply);

  boost::asio::io_context& io_;
  proto::crypto::PairingIdentity host_;
  ClientStore& store_;
  Log log_;
  PairingOptions options_;
  ServiceClock clock_;
  RandomFill random_;
  std::unique_ptr<Attempt> attempt_;
  std::uint64_t next_serial_ = 1;
  PinDone pin_waiter_;
  boost::asio::steady_timer pin_waiter_timer_;
  std::deque<std::chrono::steady_clock::time_point> failures_;
  std::chrono::steady_clock::time_point locked_until_{};
  int lockouts_ = 0;
};

}  // namespace lightwell::server
