// PIN pairing over HTTP (pairing_service.hpp; http-pairing.md §5; docs/pairing-flow.md).
#include "lightwell/server/pairing_service.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "lightwell/proto/nvhttp_pair.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {
namespace asio = boost::asio;
namespace crypto = lightwell::proto::crypto;
using proto::PairPhase;

ServiceClock ServiceClock::system() {
  return ServiceClock{[] { return std::chrono::steady_clock::now(); },
                      [] {
                        return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                             std::chrono::system_clock::now().time_since_epoch())
                                                             .count());
                      }};
}

RandomFill system_random() {
  return [](std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "getrandom");
      }
      done += static_cast<std::size_t>(n);
    }
  };
}

namespace {

net::HttpResponse xml(std::string body) { return net::HttpResponse{200, "application/xml", std::move(body)}; }

// Clients reach dual-stack sockets as ::ffff:a.b.c.d; compare addresses in their IPv4 form.
asio::ip::address plain(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

const char* phrase_name(PairPhase phase) {
  switch (phase) {
    case PairPhase::get_server_cert: return "getservercert";
    case PairPhase::client_challenge: return "clientchallenge";
    case PairPhase::server_challenge_resp: return "serverchallengeresp";
    case PairPhase::client_pairing_secret: return "clientpairingsecret";
    case PairPhase::pair_challenge: return "pairchallenge";
  }
  return "?";
}

crypto::PairingState expected_state(PairPhase phase) {
  switch (phase) {
    case PairPhase::client_challenge: return crypto::PairingState::awaiting_client_challenge;
    case PairPhase::server_challenge_resp: return crypto::PairingState::awaiting_server_challenge_resp;
    case PairPhase::client_pairing_secret: return crypto::PairingState::awaiting_client_pairing_secret;
    default: return crypto::PairingState::failed;
  }
}

template <class Array>
void wipe(Array& a) {
  // volatile stores are not optimised away; these secrets are short.
  volatile std::uint8_t* p = a.data();
  for (std::size_t i = 0; i < a.size(); ++i) p[i] = 0;
}

}  // namespace

struct PairingService::Attempt {
  Attempt(asio::io_context& io, crypto::PairingAttempt c) : crypto(std::move(c)), timer(io) {}
  std::uint64_t serial = 0;
  crypto::PairingAttempt crypto;
  std::string unique_id;
  std::vector<std::uint8_t> cert_der;  // the phase-1 certificate, exactly
  asio::ip::address peer;
  net::Responder held;   // phase 1, until the PIN arrives
  bool pin_entered = false;
  bool phase3_answered = false;  // from here on a give-up means the client saw a wrong PIN
  std::string name;
  asio::steady_timer timer;
};

PairingService::PairingService(asio::io_context& io, crypto::PairingIdentity host, ClientStore& store, Log log,
                               PairingOptions options, ServiceClock clock, RandomFill random)
    : io_(io),
      host_(std::move(host)),
      store_(store),
      log_(std::move(log)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      random_(std::move(random)),
      pin_waiter_timer_(io) {}

PairingService::~PairingService() { stop(); }

void PairingService::stop() {
  if (attempt_) {
    finish(End::shutdown, "the server is shutting down",
           proto::build_pair_error(503, "The host is shutting down"));
  }
  answer_pin({false, "the server is shutting down"});
  pin_waiter_timer_.cancel();
}

std::optional<PairingService::PendingView> PairingService::pending() const {
  if (!attempt_) return std::nullopt;
  PendingView v;
  v.peer = attempt_->peer;
  v.unique_id = attempt_->unique_id;
  v.pin_entered = attempt_->pin_entered;
  // The attempt's timer runs on asio's steady clock, not the injected one.
  const auto left = attempt_->timer.expiry() - asio::steady_timer::clock_type::now();
  v.seconds_left = std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::seconds>(left).count());
  return v;
}

std::int64_t PairingService::lockout_remaining_s() const {
  const auto now = clock_.steady();
  if (now >= locked_until_) return 0;
  const auto left = std::chrono::ceil<std::chrono::seconds>(locked_until_ - now);
  return static_cast<std::int64_t>(left.count());
}

void PairingService::handle_pair(const proto::Query& query, const asio::ip::address& peer_in,
                                  net::Responder respond) {
  const asio::ip::address peer = plain(peer_in);
  auto req = proto::parse_pair_request(query);
  if (!req) {
    const bool unknown = req.error().code == proto::Errc::unsupported;
    const std::string message = unknown ? "Invalid pairing request" : req.error().message;
    // A broken request from the attempt's own client ends the attempt (§5.7); one from
    // anybody else leaves it alone.
    const auto uid = query.unique_id();
    if (attempt_ && uid && *uid == attempt_->unique_id && peer == attempt_->peer) {
      finish(End::aborted, "the client sent a bad pairing request: " + message);
    }
    log_.info("bad /pair request from {}: {}", peer.to_string(), message);
    respond(xml(proto::build_pair_error(unknown ? 404 : 400, message)));
    return;
  }
  if (req->phase == PairPhase::pair_challenge) {
    respond(xml(proto::build_pair_error(400, "pairchallenge must be sent over HTTPS")));
    return;
  }
  if (!req->unique_id) {
    respond(xml(proto::build_pair_error(400, "Missing uniqueid parameter")));
    return;
  }
  if (req->phase == PairPhase::get_server_cert) {
    phase1(*req, peer, std::move(respond));
  } else {
    later_phase(*req, peer, std::move(respond));
  }
}

void PairingService::phase1(const proto::PairRequest& req, const asio::ip::address& peer, net::Responder respond) {
  if (const auto left = lockout_remaining_s(); left > 0) {
    log_.warn("refused a new attempt from {}: pairing is locked for {} s after repeated failures",
              peer.to_string(), left);
    respond(xml(proto::build_pair_error(
        503, fmt::format("Pairing is locked for {} s after repeated failed attempts", left))));
    return;
  }
  auto started = crypto::PairingAttempt::start(host_, req.salt, req.client_cert_pem);
  if (!started) {
    respond(xml(proto::build_pair_error(400, started.error().message)));
    return;
  }
  std::vector<std::uint8_t> der = started->client_certificate().der();  // a copy: *started moves below
  if (attempt_) {
    const bool same_client = attempt_->unique_id == *req.unique_id && attempt_->cert_der == der;
    if (!same_client) {
      log_.info("{} asked to pair while another attempt is pending: answered busy", peer.to_string());
      respond(xml(proto::build_pair_busy()));
      return;
    }
    finish(End::replaced, "replaced by a new getservercert from the same client",
           proto::build_pair_error(400, "Pairing attempt replaced by a newer request"));
  }
  attempt_ = std::make_unique<Attempt>(io_, std::move(*started));
  attempt_->serial = next_serial_++;
  attempt_->unique_id = *req.unique_id;
  attempt_->cert_der = std::move(der);
  attempt_->peer = peer;
  attempt_->held = std::move(respond);
  arm_timer(options_.pin_timeout);
  log_.info("{} (uniqueid {}) wants to pair; enter the PIN it shows with `lightwell pair PIN` "
            "within {} s",
            peer.to_string(), attempt_->unique_id,
            std::chrono::duration_cast<std::chrono::seconds>(options_.pin_timeout).count());
}

void PairingService::later_phase(const proto::PairRequest& req, const asio::ip::address& peer,
                                 net::Responder respond) {
  const char* phrase = phrase_name(req.phase);
  const std::string out_of_order = fmt::format("Out of order call to {}", phrase);
  if (!attempt_) {
    respond(xml(proto::build_pair_error(400, out_of_order)));
    return;
  }
  if (*req.unique_id != attempt_->unique_id || peer != attempt_->peer) {
    respond(xml(proto::build_pair_error(400, "Invalid uniqueid")));
    return;
  }
  if (attempt_->held || attempt_->crypto.state() != expected_state(req.phase)) {
    finish(End::aborted, out_of_order);
    respond(xml(proto::build_pair_error(400, out_of_order)));
    return;
  }
  auto abort_with = [&](const std::string& message) {
    finish(End::aborted, message);
    respond(xml(proto::build_pair_error(400, message)));
  };
  switch (req.phase) {
    case PairPhase::client_challenge: {
      crypto::PairingSecret server_secret{};
      crypto::PairingSecret server_challenge{};
      random_(server_secret);
      random_(server_challenge);
      auto reply = attempt_->crypto.client_challenge(req.client_challenge, server_secret, server_challenge);
      wipe(server_secret);
      wipe(server_challenge);
      if (!reply) return abort_with(reply.error().message);
      arm_timer(options_.phase_timeout);
      respond(xml(proto::build_pair_challenge_response(*reply)));
      return;
    }
    case PairPhase::server_challenge_resp: {
      auto reply = attempt_->crypto.server_challenge_response(req.server_challenge_resp);
      if (!reply) return abort_with(reply.error().message);
      attempt_->phase3_answered = true;
      arm_timer(options_.phase_timeout);
      respond(xml(proto::build_pair_secret(*reply)));
      return;
    }
    case PairPhase::client_pairing_secret: {
      auto paired = attempt_->crypto.client_pairing_secret(req.client_pairing_secret);
      if (!paired) return abort_with(paired.error().message);
      if (!*paired) {
        finish(End::wrong_pin, "phase 4 did not verify (wrong PIN)");
        respond(xml(proto::build_pair_result(false)));
        return;
      }
      PairedClient client;
      client.name = attempt_->name.empty() ? options_.default_name_prefix + peer.to_string() : attempt_->name;
      client.certificate_pem = attempt_->crypto.client_certificate().pem();
      client.first_seen_unix_s = clock_.unix_s();
      client.last_seen_unix_s = client.first_seen_unix_s;
      try {
        store_.add(client);
      } catch (const std::exception& e) {
        log_.error("cannot store the paired client: {}", e.what());
        finish(End::aborted, "the host could not store the client certificate");
        respond(xml(proto::build_pair_result(false)));
        return;
      }
      attempt_->name = client.name;
      finish(End::paired, client_id_for(client.certificate_pem));
      respond(xml(proto::build_pair_result(true)));
      return;
    }
    default: return abort_with(out_of_order);
  }
}

bool PairingService::cancel(std::string_view unique_id, const asio::ip::address& peer) {
  if (!attempt_ || unique_id != attempt_->unique_id || plain(peer) != attempt_->peer) return false;
  if (attempt_->phase3_answered) {
    // Qt and Android check the PIN after phase 3 and call /unpair on a mismatch (§5.4).
    finish(End::wrong_pin, "the client cancelled after phase 3 (it found the PIN wrong)");
  } else {
    finish(End::aborted, "the client cancelled pairing (/unpair)",
           proto::build_pair_error(400, "Pairing cancelled by the client"));
  }
  return true;
}

void PairingService::enter_pin(std::string_view pin, std::string_view name, PinDone done) {
  if (!attempt_ || !attempt_->held) {
    std::string message = "no pairing attempt pending";
    if (attempt_) message += " (a PIN was already entered for the current attempt)";
    if (const auto left = lockout_remaining_s(); left > 0) {
      message = fmt::format("pairing is locked for {} s after repeated failed attempts", left);
    }
    done({false, message});
    return;
  }
  if (!crypto::is_valid_pin(pin)) {
    // Checked before submit_pin, which would end the attempt: a typo must not cost it.
    done({false, "the PIN must be exactly 4 digits"});
    return;
  }
  answer_pin({false, "superseded by a newer PIN entry"});
  pin_waiter_ = std::move(done);
  attempt_->pin_entered = true;
  attempt_->name = std::string(name);
  if (auto ok = attempt_->crypto.submit_pin(pin); !ok) {
    finish(End::aborted, ok.error().message);
    return;
  }
  net::Responder held = std::move(attempt_->held);
  attempt_->held = nullptr;
  arm_timer(options_.phase_timeout);
  log_.info("PIN entered for {}; waiting for the client to finish", attempt_->peer.to_string());
  held(xml(proto::build_pair_plaincert(host_.certificate_pem())));
  if (!pin_waiter_) return;  // the responder cannot re-enter us, but stay defensive
  pin_waiter_timer_.expires_after(options_.pin_outcome_wait);
  pin_waiter_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    answer_pin({true, "PIN accepted; the client has not finished pairing yet (see the server log)"});
  });
}

void PairingService::arm_timer(std::chrono::milliseconds timeout) {
  attempt_->timer.expires_after(timeout);
  attempt_->timer.async_wait([this, serial = attempt_->serial](const boost::system::error_code& ec) {
    if (ec || !attempt_ || attempt_->serial != serial) return;
    if (attempt_->held) {
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(options_.pin_timeout).count();
      finish(End::expired, fmt::format("no PIN was entered within {} s", secs),
             proto::build_pair_error(408, fmt::format("Pairing timed out: no PIN was entered on the host "
                                                      "within {} s",
                                                      secs)));
    } else {
      finish(End::expired, "the client did not send the next pairing phase in time");
    }
  });
}

void PairingService::finish(End how, const std::string& reason, const std::string& held_reply) {
  std::unique_ptr<Attempt> a = std::move(attempt_);
  attempt_.reset();
  if (!a) return;
  a->timer.cancel();
  if (a->held) {
    net::Responder held = std::move(a->held);
    a->held = nullptr;
    held(xml(held_reply.empty() ? proto::build_pair_error(400, reason) : held_reply));
  }
  const std::string who = a->peer.to_string();
  switch (how) {
    case End::paired:
      failures_.clear();
      lockouts_ = 0;
      log_.info("paired {} as \"{}\" (id {})", who, a->name, reason);
      answer_pin({true, fmt::format("paired \"{}\" (id {})", a->name, reason)});
      break;
    case End::wrong_pin:
      log_.warn("{} did not pair: {}", who, reason);
      record_failure();
      answer_pin({false, "wrong PIN"});
      break;
    case End::aborted:
    case End::expired:
    case End::replaced:
    case End::shutdown:
      log_.info("attempt from {} ended: {}", who, reason);
      if (a->phase3_answered && (how == End::aborted || how == End::expired)) record_failure();
      if (a->pin_entered) answer_pin({false, "pairing failed: " + reason});
      break;
  }
}

void PairingService::record_failure() {
  const auto now = clock_.steady();
  failures_.push_back(now);
  while (!failures_.empty() && now - failures_.front() > options_.failure_window) failures_.pop_front();
  if (static_cast<int>(failures_.size()) < options_.max_failures) return;
  ++lockouts_;
  auto lock = options_.first_lockout;
  for (int i = 1; i < lockouts_ && lock < options_.max_lockout; ++i) lock *= 2;
  lock = std::min(lock, options_.max_lockout);
  locked_until_ = now + lock;
  failures_.clear();
  log_.warn("{} failed attempts within {} s: new attempts are refused for {} s", options_.max_failures,
            options_.failure_window.count(), lock.count());
}

void PairingService::answer_pin(ControlReply reply) {
  if (!pin_waiter_) return;
  PinDone waiter = std::move(pin_waiter_);
  pin_waiter_ = nullptr;
  pin_waiter_timer_.cancel();
  waiter(std::move(reply));
}

}  // namespace lightwell::server
