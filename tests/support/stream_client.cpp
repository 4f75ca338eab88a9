// StreamClient: RTSP handshake (rtsp.md §1-§5) and the client's lifecycle. The ENet thread is in
// stream_client_control.cpp, pings and media reception in stream_client_udp.cpp.
#include "stream_client.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "lightwell/proto/rtsp_encrypted.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "stream_client_impl.hpp"

namespace lightwell::test {

void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

namespace {

using Clock = std::chrono::steady_clock;

void set_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Connects, retrying every 500 ms while refused, up to `timeout` (rtsp.md §1). -1 on failure.
int connect_tcp(const sockaddr_storage& address, socklen_t len, std::uint16_t port,
                std::chrono::milliseconds timeout) {
  sockaddr_storage a = address;
  if (a.ss_family == AF_INET) reinterpret_cast<sockaddr_in&>(a).sin_port = htons(port);
  else reinterpret_cast<sockaddr_in6&>(a).sin6_port = htons(port);
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const int fd = ::socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    set_timeout(fd, timeout);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), len) == 0) return fd;
    const int err = errno;
    ::close(fd);
    if (err != ECONNREFUSED || Clock::now() + std::chrono::milliseconds(500) > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::uint16_t server_port(const proto::RtspResponse& r, std::uint16_t well_known) {
  const auto transport = r.headers.find("Transport");
  if (!transport) return well_known;
  const auto at = transport->find("server_port=");
  if (at == std::string_view::npos) return well_known;
  const std::string digits(transport->substr(at + 12));
  const long v = std::strtol(digits.c_str(), nullptr, 10);
  return v > 0 && v < 65536 ? static_cast<std::uint16_t>(v) : well_known;
}

// Case-sensitive lookup, as the client does (rtsp.md §2).
std::optional<std::string> exact_header(const proto::RtspResponse& r, std::string_view name) {
  for (const auto& h : r.headers.all()) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

}  // namespace

void StreamClient::Impl::resolve_host() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string host = options.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (::getaddrinfo(host.c_str(), "0", &hints, &found) != 0 || !found) {
    throw std::runtime_error("stream client: cannot resolve " + options.host);
  }
  std::memcpy(&host_address, found->ai_addr, found->ai_addrlen);
  host_address_len = found->ai_addrlen;
  ::freeaddrinfo(found);
}

int StreamClient::Impl::transact(const proto::RtspRequest& request, proto::RtspResponse* response) {
  auto text = proto::serialize_rtsp_request(request);
  if (!text) throw std::runtime_error("stream client: bad request: " + text.error().message);
  *transcript += "> " + *text + "\n";
  std::vector<std::uint8_t> wire;
  if (cipher) {
    auto sealed = cipher->seal(++rtsp_sequence, *text);
    if (!sealed) throw std::runtime_error("stream client: seal: " + sealed.error().message);
    wire = std::move(*sealed);
  } else {
    wire.assign(text->begin(), text->end());
  }
  const int fd = connect_tcp(host_address, host_address_len, options.rtsp_port, options.io_timeout);
  if (fd < 0) {
    *transcript += "< (connect failed)\n";
    return -1;
  }
  std::size_t sent = 0;
  while (sent < wire.size()) {
    const ssize_t n = ::send(fd, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  // One request per connection: the reply ends at EOF (rtsp.md §1). 1 MiB cap.
  std::vector<std::uint8_t> reply;
  std::uint8_t buf[4096];
  bool eof = false;
  while (reply.size() <= proto::kRtspClientMaxResponseBytes) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) { eof = true; break; }
    if (n < 0) break;  // timeout or reset
    reply.insert(reply.end(), buf, buf + n);
  }
  ::close(fd);
  if (!eof || reply.empty()) {
    *transcript += eof ? "< (closed without a reply)\n" : "< (no EOF within the timeout)\n";
    return -1;
  }
  std::string plain;
  if (cipher) {
    auto frame = proto::parse_encrypted_rtsp_message(reply);
    if (!frame) { *transcript += "< (bad encrypted frame: " + frame.error().message + ")\n"; return -1; }
    auto opened = cipher->open(*frame);
    if (!opened) { *transcript += "< (does not open: " + opened.error().message + ")\n"; return -1; }
    plain = std::move(*opened);
  } else {
    plain.assign(reply.begin(), reply.end());
  }
  *transcript += "< " + plain + "\n";
  auto parsed = proto::parse_rtsp_response(plain, true,
                                           proto::RtspLimits{8 * 1024, 32, proto::kRtspClientMaxResponseBytes});
  if (!parsed || !parsed->message) {
    *transcript += "< (unparseable reply)\n";
    return -1;
  }
  *response = std::move(*parsed->message);
  return response->status_code;
}

StreamClient::StreamClient(StreamClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->transcript = &transcript_;
  impl_->resolve_host();
  if (impl_->options.session_url.rfind("rtspenc://", 0) == 0) {
    auto cipher = proto::crypto::RtspCipher::create(impl_->options.rikey, proto::crypto::RtspRole::client);
    if (!cipher) throw std::runtime_error("stream client: " + cipher.error().message);
    impl_->cipher.emplace(std::move(*cipher));
  }
  impl_->target = rtsp_client::request_target(impl_->options);
}

StreamClient::~StreamClient() { stop(); }

HandshakeResult StreamClient::handshake(bool allow_failure) {
  Impl& im = *impl_;
  HandshakeResult hs;
  auto finish = [&]() {
    std::lock_guard lock(im.mutex);
    im.handshake = hs;
    return hs;
  };
  // Returns false when the step failed (and allow_failure is set).
  auto step = [&](const proto::RtspRequest& request, proto::RtspResponse& reply) {
    const int status = im.transact(request, &reply);
    hs.statuses.push_back(status);
    if (status == 200) return true;
    if (allow_failure) return false;
    throw std::runtime_error("RTSP " + request.method + " failed with " + std::to_string(status) +
                             "; transcript:\n" + transcript_);
  };
  proto::RtspResponse r;
  if (!step(rtsp_client::options_request(im.target, ++im.cseq), r)) return finish();
  if (!step(rtsp_client::describe_request(im.target, ++im.cseq), r)) return finish();
  hs.describe_body = r.body;
  im.describe = rtsp_client::parse_describe(r.body, im.options.audio_channels);

  if (!step(rtsp_client::setup_request(im.target, ++im.cseq, "audio/0/0", {}), r)) return finish();
  const auto session = exact_header(r, "Session");
  if (!session) {
    // The audio SETUP reply must carry Session, else the client fails (rtsp.md §4.3).
    hs.statuses.back() = -1;
    if (allow_failure) return finish();
    throw std::runtime_error("RTSP SETUP audio: no Session header; transcript:\n" + transcript_);
  }
  im.session_id = session->substr(0, session->find(';'));
  hs.audio_port = server_port(r, 48000);
  if (auto ping = exact_header(r, "X-SS-Ping-Payload"); ping && ping->size() == 16) hs.ping_payload = *ping;
  // Audio pings start right after the audio SETUP reply (rtsp.md §4.3).
  {
    std::lock_guard lock(im.mutex);
    im.handshake = hs;
  }
  im.ping_payload = hs.ping_payload;
  im.open_media_sockets();
  im.start_pings();

  if (!step(rtsp_client::setup_request(im.target, ++im.cseq, "video/0/0", im.session_id), r)) return finish();
  hs.video_port = server_port(r, 47998);
  if (!step(rtsp_client::setup_request(im.target, ++im.cseq, "control/13/0", im.session_id), r)) return finish();
  hs.control_port = server_port(r, 47999);
  if (auto cd = exact_header(r, "X-SS-Connect-Data")) {
    hs.connect_data = static_cast<std::uint32_t>(std::strtoul(cd->c_str(), nullptr, 0));
  }

  im.negotiation = rtsp_client::negotiate(im.options, im.describe);
  hs.announce_body = rtsp_client::build_announce_sdp(im.options, im.negotiation, hs.video_port);
  hs.encryption_enabled = im.negotiation.encryption_enabled;
  hs.video_encrypted = im.negotiation.video_encrypted;
  hs.audio_encrypted = im.negotiation.audio_encrypted;
  hs.packet_size_bytes = im.negotiation.packet_size_bytes;
  hs.bit_stream_format = im.negotiation.bit_stream_format;
  {
    std::lock_guard lock(im.mutex);
    im.handshake = hs;
  }
  if (!step(rtsp_client::announce_request(im.target, ++im.cseq, im.session_id, hs.announce_body), r)) {
    return finish();
  }
  step(rtsp_client::play_request(im.target, ++im.cseq, im.session_id), r);
  return finish();
}

int StreamClient::rtsp_request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) {
  auto request = proto::rtsp_client_request(method, target, ++impl_->cseq, impl_->target.host);
  for (const auto& [name, value] : headers) request.headers.add(name, value);
  if (!body.empty()) {
    request.headers.add("Content-length", std::to_string(body.size()));
    request.body = body;
  }
  proto::RtspResponse reply;
  return impl_->transact(request, &reply);
}

const HandshakeResult& StreamClient::handshake_result() const noexcept { return impl_->handshake; }

void StreamClient::start_streaming() {
  Impl& im = *impl_;
  if (im.control_thread.joinable()) throw std::logic_error("stream client: already streaming");
  if (im.audio_socket < 0) throw std::logic_error("stream client: handshake first");
  std::promise<std::string> connected;
  auto result = connected.get_future();
  im.control_thread = std::jthread([&im, p = std::move(connected)](std::stop_token st) mutable {
    name_this_thread("lw-client-enet");
    im.run_control(st, std::move(p));
  });
  if (result.wait_for(im.options.io_timeout + std::chrono::seconds(1)) != std::future_status::ready) {
    throw std::runtime_error("stream client: ENet thread did not report");
  }
  if (const std::string error = result.get(); !error.empty()) {
    im.control_thread.request_stop();
    im.control_thread.join();
    throw std::runtime_error("stream client: " + error);
  }
  // Video pings start with the video stage, after start A/B (control.md §6).
  {
    std::lock_guard lock(im.mutex);
    im.video_pings_enabled = true;
  }
  im.cv.notify_all();
  im.start_media_receiver();
}

void StreamClient::request_idr() {
  impl_->queue_command({ControlCommand::Kind::send, 0x0302, {0, 0}, 1});
}

void StreamClient::send_input(const std::vector<std::uint8_t>& input_packet) {
  impl_->queue_command({ControlCommand::Kind::send, 0x0206, input_packet, 0});
}

void StreamClient::disconnect() {
  Impl& im = *impl_;
  if (im.control_thread.joinable()) {
    im.queue_command({ControlCommand::Kind::disconnect, 0, {}, 0});
    im.control_thread.join();  // the ENet thread lingers up to 2 s for the ack, then ends
  }
  im.ping_thread = {};
  im.media_thread = {};
  im.close_media_sockets();
}

void StreamClient::vanish() {
  Impl& im = *impl_;
  if (im.control_thread.joinable()) {
    im.queue_command({ControlCommand::Kind::vanish, 0, {}, 0});
    im.control_thread.join();
  }
  im.ping_thread = {};  // jthread: request_stop + join
  im.media_thread = {};
  im.close_media_sockets();
}

void StreamClient::stop() {
  if (!impl_) return;
  disconnect();
}

std::size_t StreamClient::wait_for_frames(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->frames.size() >= count; });
  return impl_->frames.size();
}

std::size_t StreamClient::wait_for_audio_packets(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->audio.size() >= count; });
  return impl_->audio.size();
}

bool StreamClient::wait_for_control_disconnect(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->counters.control_disconnected_by_host; });
}

std::vector<ReceivedVideoFrame> StreamClient::take_video_frames() {
  std::lock_guard lock(impl_->mutex);
  return std::exchange(impl_->frames, {});
}

std::vector<ReceivedAudioPacket> StreamClient::take_audio_packets() {
  std::lock_guard lock(impl_->mutex);
  return std::exchange(impl_->audio, {});
}

StreamCounters StreamClient::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

std::optional<std::uint32_t> StreamClient::wait_for_termination(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->counters.termination_hresult.has_value(); });
  return impl_->counters.termination_hresult;
}

}  // namespace lightwell::test
