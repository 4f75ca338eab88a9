// ControlService: sessions <-> ENet peers, envelope open/seal, message dispatch
// (shared/protocol/control.md §2-§5; docs/control.md "Host control service").
//
// Locking: `mutex` guards the session table, the peer index and every Session field except
// `opener`, which only the ENet thread touches (it opens the client's packets). Sealing
// happens under the mutex so sequence numbers reach EnetHost's queue in order. Hooks are
// called on the ENet thread with NO lock held (a hook may call send() / terminate()); the
// Session is kept alive by a shared_ptr meanwhile, and its hooks never change after expect().
#include "lightwell/server/control_service.hpp"

#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <variant>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/control_envelope.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"

namespace lightwell::server {

namespace {

constexpr auto kStopLinger = std::chrono::milliseconds(500);

struct Session {
  Session(ExpectedControlSession e, Log l) : expected(std::move(e)), log(std::move(l)) {}
  ExpectedControlSession expected;
  Log log;
  std::optional<net::EnetPeerId> peer;
  bool closed = false;      // peer gone or stopped by us: never matched again
  bool terminated = false;  // terminate() sent: incoming traffic is ignored
  std::optional<std::chrono::steady_clock::time_point> last_activity;
  std::optional<proto::crypto::ControlSealer> sealer;  // host -> client, under the mutex
  std::optional<proto::crypto::ControlOpener> opener;  // client -> host, ENet thread only
};

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

struct ControlService::Impl {
  Log log;
  mutable std::mutex mutex;
  std::map<std::uint32_t, std::shared_ptr<Session>> sessions;
  std::unordered_map<net::EnetPeerId, std::shared_ptr<Session>> by_peer;
  std::unique_ptr<net::EnetHost> host;  // last: stopped and destroyed first

  Impl(net::EnetHostOptions options, Log l) : log(std::move(l)) {
    net::EnetEvents events;
    events.on_connect = [this](const net::EnetPeerInfo& info) { on_connect(info); };
    events.on_receive = [this](net::EnetPeerId id, std::uint8_t channel, std::span<const std::uint8_t> payload) {
      on_receive(id, channel, payload);
    };
    events.on_disconnect = [this](net::EnetPeerId id, bool timed_out) { on_disconnect(id, timed_out); };
    host = std::make_unique<net::EnetHost>(std::move(options), std::move(events));
  }

  std::shared_ptr<Session> find_connected(std::uint32_t session_id) const {
    const auto it = sessions.find(session_id);
    if (it == sessions.end()) return nullptr;
    const auto& s = it->second;
    if (!s->peer || s->closed || s->terminated) return nullptr;
    return s;
  }

  // Seals one host message and queues it (caller holds the mutex).
  bool seal_and_send(Session& s, const proto::HostMessage& message) {
    std::array<std::uint8_t, proto::kControlMaxPacketBytes> packet;
    auto sealed = s.sealer->seal(message.bytes(), packet);
    if (!sealed) {
      s.log.warn("control: cannot seal message: {}", sealed.error().message);
      return false;
    }
    // control.md §5: every host message goes reliable on channel 0.
    host->send(*s.peer, std::span<const std::uint8_t>(packet.data(), *sealed), 0, net::EnetDelivery::reliable);
    return true;
  }

  // ---- ENet thread ---------------------------------------------------------------------

  void on_connect(const net::EnetPeerInfo& info) {
    std::shared_ptr<Session> match;
    {
      std::lock_guard lock(mutex);
      // control.md §2: a new peer matches a session that has no peer yet, by CONNECT data
      // (the value is a session identifier, not a secret: the rikey protects the stream).
      for (auto& [id, s] : sessions) {
        if (!s->peer && !s->closed && s->expected.connect_data == info.connect_data) {
          match = s;
          break;
        }
      }
      if (match) {
        match->peer = info.id;
        match->last_activity = std::chrono::steady_clock::now();
        by_peer[info.id] = match;
      }
    }
    if (!match) {
      log.info("control: rejected connection from {}:{} (connect data {:#010x} matches no session)",
               info.peer_address.to_string(), info.peer_port, info.connect_data);
      host->disconnect(info.id, false);
      return;
    }
    match->log.info("control: connected from {}:{}", info.peer_address.to_string(), info.peer_port);
    if (match->expected.hooks.on_connected) match->expected.hooks.on_connected();
  }

  void on_receive(net::EnetPeerId id, std::uint8_t channel, std::span<const std::uint8_t> packet) {
    std::shared_ptr<Session> s;
    {
      std::lock_guard lock(mutex);
      const auto it = by_peer.find(id);
      if (it == by_peer.end()) return;  // rejected / forgotten peer
      s = it->second;
      s->last_activity = std::chrono::steady_clock::now();
      if (s->closed || s->terminated) return;
    }
    // control.md §3: an unencrypted message on an encrypted stream is refused whole.
    // (A packet too short to carry a type is a framing error below, not a plaintext message.)
    if (packet.size() >= 2 && proto::load_u16_le(packet.data()) != proto::kControlEnvelopeType) {
      end_session(id, s, "unencrypted control packet (outer type is not 0x0001)");
      return;
    }
    std::array<std::uint8_t, proto::kControlMaxPlaintextBytes> plaintext;
    const auto framing = proto::parse_control_envelope(packet);
    if (!framing) {
      s->log.warn("control: dropped a malformed envelope on channel {}: {}", channel, framing.error().message);
      return;
    }
    auto opened = s->opener->open(packet, plaintext);
    if (!opened) {
      if (opened.error().code == proto::Errc::auth_failed) {
        // control.md §3: Sunshine stops the session on a tag failure; so do we.
        end_session(id, s, "control packet failed authentication (bad GCM tag)");
      } else {
        s->log.debug("control: dropped seq {} on channel {}: {}", framing->seq, channel, opened.error().message);
      }
      return;
    }
    auto message = proto::parse_client_message(opened->plaintext);
    if (!message) {
      s->log.warn("control: dropped malformed message seq {}: {}", opened->seq, message.error().message);
      return;
    }
    dispatch(*s, *message);
  }

  void dispatch(Session& s, const proto::ClientMessage& message) {
    const ControlHooks& hooks = s.expected.hooks;
    std::visit(Overloaded{
                   [&](const proto::IdrRequest&) {
                     s.log.debug("control: IDR request");
                     if (hooks.on_idr_request) hooks.on_idr_request();
                   },
                   [&](const proto::StartB&) { s.log.info("control: start B"); },
                   [&](const proto::RefFrameInvalidation& r) {
                     s.log.debug("control: invalidate frames {}..{}", r.first_frame_index, r.last_frame_index);
                     if (hooks.on_invalidate_references)
                       hooks.on_invalidate_references(r.first_frame_index, r.last_frame_index);
                   },
                   [&](const proto::PeriodicPing&) {},  // activity already refreshed
                   [&](const proto::InputData& in) {
                     if (hooks.on_input) hooks.on_input(in.packet);
                   },
                   [&](const proto::FrameFecStatus& f) {
                     if (hooks.on_fec_status) hooks.on_fec_status(f);
                   },
                   [&](const proto::LtrFrameAck& a) { s.log.debug("control: LTR ack frame {}", a.frame_index); },
                   [&](const proto::LossStats& l) {
                     s.log.debug("control: loss stats: {} lost, last good frame {}", l.loss_count, l.last_good_frame);
                   },
                   [&](const proto::UnknownClientMessage& u) {
                     s.log.debug("control: ignored message type {:#06x} ({} bytes)", u.type, u.payload.size());
                   },
               },
               message);
  }

  // Stops one session's control stream on our side (no message: the peer is not trusted).
  void end_session(net::EnetPeerId id, const std::shared_ptr<Session>& s, const char* why) {
    {
      std::lock_guard lock(mutex);
      if (s->closed) return;
      s->closed = true;
      by_peer.erase(id);
    }
    s->log.warn("control: {}; stopping this session's control stream", why);
    host->disconnect(id, false);
    if (s->expected.hooks.on_disconnected) s->expected.hooks.on_disconnected(false);
  }

  void on_disconnect(net::EnetPeerId id, bool timed_out) {
    std::shared_ptr<Session> s;
    bool report = false;
    {
      std::lock_guard lock(mutex);
      const auto it = by_peer.find(id);
      if (it == by_peer.end()) return;
      s = it->second;
      by_peer.erase(it);
      s->last_activity = std::chrono::steady_clock::now();
      report = !s->closed && !s->terminated;
      s->closed = true;
    }
    if (!report) {
      s->log.debug("control: peer gone after termination");
      return;
    }
    s->log.info("control: {}", timed_out ? "peer timed out" : "peer disconnected");
    if (s->expected.hooks.on_disconnected) s->expected.hooks.on_disconnected(timed_out);
  }
};

ControlService::ControlService(net::EnetHostOptions options, Log log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(log))) {}

ControlService::~ControlService() { stop(); }

void ControlService::expect(ExpectedControlSession session) {
  Log slog = impl_->log.with_session(session.session_id);
  if (!session.encrypted) {
    // rtsp.md §4.4 / control.md §1: only useReliableUdp 13 (encrypted V2 control) is spoken.
    slog.warn("control: plaintext control stream (useReliableUdp != 13) is not supported; not expecting it");
    return;
  }
  auto sealer = proto::crypto::ControlSealer::create(session.rikey, proto::ControlDirection::host_to_client);
  auto opener = proto::crypto::ControlOpener::create(session.rikey, proto::ControlDirection::client_to_host);
  if (!sealer || !opener) {
    slog.error("control: cannot create the session cipher");
    return;
  }
  auto s = std::make_shared<Session>(std::move(session), slog);
  s->sealer.emplace(std::move(*sealer));
  s->opener.emplace(std::move(*opener));
  const std::uint32_t id = s->expected.session_id;
  std::lock_guard lock(impl_->mutex);
  if (const auto it = impl_->sessions.find(id); it != impl_->sessions.end()) {
    // Re-expecting replaces the old entry (and drops its peer) rather than sharing keys.
    if (it->second->peer && !it->second->closed) {
      impl_->by_peer.erase(*it->second->peer);
      impl_->host->disconnect(*it->second->peer, false);
    }
  }
  impl_->sessions[id] = std::move(s);
  slog.debug("control: expecting connect data {:#010x}", impl_->sessions[id]->expected.connect_data);
}

void ControlService::forget(std::uint32_t session_id) {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->sessions.find(session_id);
  if (it == impl_->sessions.end()) return;
  auto& s = *it->second;
  if (s.peer && impl_->by_peer.erase(*s.peer) > 0) impl_->host->disconnect(*s.peer, false);
  s.closed = true;
  impl_->sessions.erase(it);
}

bool ControlService::send(std::uint32_t session_id, const proto::HostMessage& message) {
  std::lock_guard lock(impl_->mutex);
  const auto s = impl_->find_connected(session_id);
  return s && impl_->seal_and_send(*s, message);
}

bool ControlService::terminate(std::uint32_t session_id, std::uint32_t hresult) {
  std::lock_guard lock(impl_->mutex);
  const auto s = impl_->find_connected(session_id);
  if (!s) return false;
  const bool sent = impl_->seal_and_send(*s, proto::build_termination(hresult));
  // control.md §5: the client resets as soon as it reads the termination, so a graceful
  // disconnect after the packet is all we can do; nobody waits for its ACK (stop() lingers).
  impl_->host->disconnect(*s->peer, true);
  s->terminated = true;
  s->log.info("control: terminated with {:#010x}", hresult);
  return sent;
}

bool ControlService::connected(std::uint32_t session_id) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->find_connected(session_id) != nullptr;
}

std::optional<std::chrono::steady_clock::time_point> ControlService::last_activity(std::uint32_t session_id) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->sessions.find(session_id);
  if (it == impl_->sessions.end()) return std::nullopt;
  return it->second->last_activity;
}

void ControlService::stop() { impl_->host->stop(kStopLinger); }

std::uint16_t ControlService::port() const noexcept { return impl_->host->port(); }

}  // namespace lightwell::server
