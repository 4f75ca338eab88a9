// StreamClient end to end against a minimal fake host built only from proto's builders
// (RTSP replies, packetizers, ciphers) and libenet, on 127.0.0.1 with port 0 everywhere. It
// proves the client's sockets, threads and ordering work (audio ping after the audio SETUP,
// ENet CONNECT data, start A/B, pings, IDR request on channel 1, termination); byte-level
// compatibility is proven by the vector tests in test_stream_client_{rtsp,depacketize}.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <arpa/inet.h>
#include <enet/enet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lightwell/proto/audio_packetizer.hpp"
#include "lightwell/proto/control_messages.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "lightwell/proto/video_packetizer.hpp"
#include "stream_client.hpp"

using namespace lightwell;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kConnectData = 305441741;
constexpr std::string_view kPing = "0123456789ABCDEF";

int bound_socket(int type, sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return fd;
}

struct FakeHost {
  std::array<std::uint8_t, 16> key{};
  bool encrypted_rtsp = true;
  int rtsp_fd = -1, video_fd = -1, audio_fd = -1;
  sockaddr_in rtsp_addr{}, video_addr{}, audio_addr{};
  ENetHost* enet = nullptr;
  std::uint16_t control_port = 0;

  std::mutex mutex;
  std::vector<std::string> methods;
  std::string announce_body;
  std::vector<std::string> hosts;  // Host header per request
  std::optional<std::uint32_t> connect_data;
  std::vector<std::pair<std::uint16_t, std::uint8_t>> control;  // (type, channel) received
  bool disconnected = false;
  std::atomic<bool> send_termination{false};
  std::jthread rtsp_thread, enet_thread;

  explicit FakeHost(bool encrypted) : encrypted_rtsp(encrypted) {
    for (std::size_t i = 0; i < 16; ++i) key[i] = static_cast<std::uint8_t>(0xA0 + i);
    rtsp_fd = bound_socket(SOCK_STREAM, rtsp_addr);
    REQUIRE(::listen(rtsp_fd, 8) == 0);
    video_fd = bound_socket(SOCK_DGRAM, video_addr);
    audio_fd = bound_socket(SOCK_DGRAM, audio_addr);
    enet_initialize();
    ENetAddress a{};
    a.host = htonl(INADDR_LOOPBACK);
    a.port = 0;
    enet = enet_host_create(&a, 4, 0x30, 0, 0);
    REQUIRE(enet != nullptr);
    control_port = enet->address.port;
    REQUIRE(control_port != 0);
    rtsp_thread = std::jthread([this](std::stop_token st) { serve_rtsp(st); });
    enet_thread = std::jthread([this](std::stop_token st) { serve_enet(st); });
  }
  ~FakeHost() {
    rtsp_thread = {};
    enet_thread = {};
    enet_host_destroy(enet);
    ::close(rtsp_fd);
    ::close(video_fd);
    ::close(audio_fd);
  }
  std::uint16_t rtsp_port() const { return ntohs(rtsp_addr.sin_port); }

  void serve_rtsp(std::stop_token st) {
    auto cipher = proto::crypto::RtspCipher::create(key, proto::crypto::RtspRole::host).value();
    std::uint32_t host_seq = 0;
    while (!st.stop_requested()) {
      pollfd p{rtsp_fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(rtsp_fd, nullptr, nullptr);
      if (c < 0) continue;
      std::string buf;
      std::optional<proto::RtspRequest> request;
      char tmp[4096];
      while (!request) {
        const ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
        if (n <= 0) break;
        buf.append(tmp, static_cast<std::size_t>(n));
        if (encrypted_rtsp) {
          auto frame = proto::parse_encrypted_rtsp_frame(
              proto::Bytes(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()));
          if (!frame) break;
          if (!*frame) continue;
          auto text = cipher.open(**frame);
          if (!text) break;
          auto parsed = proto::parse_rtsp_request(*text);
          if (parsed && parsed->message) request = std::move(parsed->message);
          else break;
        } else {
          auto parsed = proto::parse_rtsp_request(buf);
          if (!parsed) break;
          if (parsed->message) request = std::move(parsed->message);
        }
      }
      if (request) {
        proto::RtspResponse reply = proto::rtsp_reply(200, request->cseq);
        if (request->method == "DESCRIBE") {
          // What proto::build_describe_sdp gives for default capabilities (not included here:
          // stream_params.hpp and video_packetizer.hpp both define proto::VideoCodec).
          reply = proto::rtsp_describe_reply(request->cseq,
                                             "a=x-ss-general.featureFlags:0\n"
                                             "a=x-ss-general.encryptionSupported:7\n"
                                             "a=x-ss-general.encryptionRequested:1\n"
                                             "a=fmtp:97 surround-params=21101\n"
                                             "a=fmtp:97 surround-params=21101\n");
        } else if (request->method == "SETUP") {
          const auto stream = proto::rtsp_setup_stream(request->target).value();
          proto::RtspSetupReply s;
          s.ping_payload = std::string(kPing);
          s.connect_data = kConnectData;
          s.server_port = stream == proto::RtspStream::audio   ? ntohs(audio_addr.sin_port)
                          : stream == proto::RtspStream::video ? ntohs(video_addr.sin_port)
                                                               : control_port;
          reply = proto::rtsp_setup_reply(request->cseq, stream, s).value();
        }
        {
          std::lock_guard lock(mutex);
          methods.push_back(request->method + " " + request->target);
          hosts.push_back(std::string(request->headers.find("Host").value_or("")));
          if (request->method == "ANNOUNCE") announce_body = request->body;
        }
        const std::string text = proto::serialize_rtsp_response(reply).value();
        std::vector<std::uint8_t> wire(text.begin(), text.end());
        if (encrypted_rtsp) wire = cipher.seal(++host_seq, text).value();
        ::send(c, wire.data(), wire.size(), MSG_NOSIGNAL);
      }
      ::close(c);  // one request per connection
    }
  }

  void serve_enet(std::stop_token st) {
    auto opener = proto::crypto::ControlOpener::create(key, proto::ControlDirection::client_to_host).value();
    auto sealer = proto::crypto::ControlSealer::create(key, proto::ControlDirection::host_to_client).value();
    ENetPeer* peer = nullptr;
    std::array<std::uint8_t, 2048> plain{}, packet{};
    while (!st.stop_requested()) {
      if (send_termination.exchange(false) && peer) {
        const std::array<std::uint8_t, 4> hresult{0x80, 0x03, 0x00, 0x23};
        const auto n = proto::write_control_frame(plain, 0x0109, hresult).value();
        const auto size = sealer.seal(proto::Bytes(plain.data(), n), packet).value();
        enet_peer_send(peer, 0, enet_packet_create(packet.data(), size, ENET_PACKET_FLAG_RELIABLE));
      }
      ENetEvent ev{};
      while (enet_host_service(enet, &ev, 10) > 0) {
        std::lock_guard lock(mutex);
        if (ev.type == ENET_EVENT_TYPE_CONNECT) {
          peer = ev.peer;
          connect_data = ev.data;
        } else if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
          auto opened = opener.open(proto::Bytes(ev.packet->data, ev.packet->dataLength), plain);
          if (opened) {
            auto frame = proto::parse_control_frame(opened->plaintext);
            if (frame) control.emplace_back(frame->type, ev.channelID);
          }
          enet_packet_destroy(ev.packet);
        } else if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
          disconnected = true;
          peer = nullptr;
        }
      }
    }
  }

  // Waits for a ping on fd; returns its source.
  static std::optional<sockaddr_in> wait_ping(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return std::nullopt;
    std::array<std::uint8_t, 64> buf{};
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n != 20 || std::memcmp(buf.data(), kPing.data(), 16) != 0) return std::nullopt;
    return from;
  }
};

void run_session(bool encrypted_rtsp, bool drop) {
  FakeHost host(encrypted_rtsp);
  test::StreamClientOptions o;
  o.host = "127.0.0.1";
  o.rtsp_port = host.rtsp_port();
  o.session_url = std::string(encrypted_rtsp ? "rtspenc" : "rtsp") + "://127.0.0.1:" + std::to_string(o.rtsp_port);
  o.rikey = host.key;
  o.rikeyid = -559038737;
  o.bitrate_kbps = 20000;
  o.drop_one_packet_per_fec_block = drop;
  test::StreamClient client(o);
  const auto hs = client.handshake();
  CHECK(hs.statuses == std::vector<int>{200, 200, 200, 200, 200, 200, 200});
  CHECK(hs.ping_payload == kPing);
  CHECK(hs.connect_data == kConnectData);
  CHECK(hs.control_port == host.control_port);
  CHECK(hs.encryption_enabled == 7);  // default caps: CONTROL_V2|VIDEO|AUDIO supported, opted in
  {
    std::lock_guard lock(host.mutex);
    CHECK(host.methods == std::vector<std::string>{"OPTIONS " + o.session_url, "DESCRIBE " + o.session_url,
                                                   "SETUP streamid=audio/0/0", "SETUP streamid=video/0/0",
                                                   "SETUP streamid=control/13/0", "ANNOUNCE streamid=control/13/0",
                                                   "PLAY /"});
    CHECK(host.hosts.front() == "127.0.0.1");
    CHECK(host.announce_body == hs.announce_body);
  }
  CHECK(hs.packet_size_bytes == 1360);
  CHECK(hs.announce_body.find("a=x-nv-video[0].packetSize:1360 \r\n") != std::string::npos);
  // The audio ping is already flowing (rtsp.md §4.3).
  const auto audio_dest = FakeHost::wait_ping(host.audio_fd);
  REQUIRE(audio_dest);

  client.start_streaming();
  const auto video_dest = FakeHost::wait_ping(host.video_fd);
  REQUIRE(video_dest);
  // The host may see its CONNECT event a little after the client saw its own.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(host.mutex);
      if (host.connect_data) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  {
    std::lock_guard lock(host.mutex);
    CHECK(host.connect_data == kConnectData);
  }

  // Send 6 frames (an IDR and P-frames of varied sizes) and 40 audio packets.
  proto::VideoStreamParams vp;
  vp.packet_size_bytes = hs.packet_size_bytes;
  auto vpack = proto::VideoPacketizer::create(vp).value();
  auto venc = proto::crypto::VideoEncryptor::create(host.key).value();
  std::mt19937 rng(7);
  std::vector<std::vector<std::uint8_t>> bitstreams;
  for (std::uint32_t index = 1; index <= 6; ++index) {
    std::vector<std::uint8_t> b(index == 1 ? 30000 : 500 + rng() % 5000);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    bitstreams.push_back(b);
    proto::VideoFrameInput in;
    in.bitstream = b;
    in.frame_index = index;
    in.frame_type = index == 1 ? proto::VideoFrameType::idr : proto::VideoFrameType::p_frame;
    auto out = vpack.packetize(in, &venc).value();
    for (const auto& d : out.datagrams) {
      ::sendto(host.video_fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&*video_dest), sizeof(sockaddr_in));
    }
  }
  auto apack = proto::AudioPacketizer::create({}).value();
  auto aenc = proto::crypto::AudioEncryptor::create(host.key, o.rikeyid).value();
  std::vector<std::vector<std::uint8_t>> opus;
  for (int i = 0; i < 40; ++i) {
    std::vector<std::uint8_t> p(60, static_cast<std::uint8_t>(i));
    opus.push_back(p);
    const auto dgrams = apack.packetize(p, &aenc).value();
    for (const auto& d : dgrams) {
      ::sendto(host.audio_fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&*audio_dest), sizeof(sockaddr_in));
    }
  }
  CHECK(client.wait_for_frames(6, 10s) == 6);
  CHECK(client.wait_for_audio_packets(40, 10s) == 40);
  const auto frames = client.take_video_frames();
  REQUIRE(frames.size() == 6);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CHECK(frames[i].frame_index == i + 1);
    CHECK(frames[i].bitstream == bitstreams[i]);
    CHECK(frames[i].recovered_with_fec == drop);
  }
  const auto audio = client.take_audio_packets();
  REQUIRE(audio.size() == 40);
  for (std::size_t i = 0; i < audio.size(); ++i) CHECK(audio[i].opus == opus[i]);
  auto c = client.counters();
  CHECK(c.video_frames_lost == 0);
  CHECK(c.audio_packets_lost == 0);
  CHECK((c.video_dropped_on_purpose > 0) == drop);
  CHECK((c.audio_dropped_on_purpose == 10) == drop);

  client.request_idr();
  std::this_thread::sleep_for(400ms);  // a few periodic pings go out meanwhile
  {
    std::lock_guard lock(host.mutex);
    REQUIRE(host.control.size() >= 4);
    CHECK(host.control[0] == std::pair<std::uint16_t, std::uint8_t>{0x0302, 0});  // start A
    CHECK(host.control[1] == std::pair<std::uint16_t, std::uint8_t>{0x0307, 0});  // start B
    CHECK(std::count(host.control.begin(), host.control.end(), std::pair<std::uint16_t, std::uint8_t>{0x0302, 1}) == 1);
    CHECK(std::count_if(host.control.begin(), host.control.end(), [](auto& m) { return m.first == 0x0200; }) >= 2);
  }
  host.send_termination = true;
  CHECK(client.wait_for_termination(5s) == 0x80030023u);
  CHECK(client.counters().control_messages >= 1);
  client.stop();
}

}  // namespace

TEST_CASE("StreamClient against a fake host: rtspenc handshake, ENet, video and audio, termination") {
  run_session(true, false);
}

TEST_CASE("StreamClient against a fake host: plain RTSP and one packet dropped per FEC block") {
  run_session(false, true);
}

TEST_CASE("StreamClient disconnect() sends an ENet DISCONNECT, vanish() does not") {
  for (bool graceful : {true, false}) {
    INFO("graceful " << graceful);
    FakeHost host(true);
    test::StreamClientOptions o;
    o.rtsp_port = host.rtsp_port();
    o.session_url = "rtspenc://127.0.0.1:" + std::to_string(o.rtsp_port);
    o.rikey = host.key;
    test::StreamClient client(o);
    client.handshake();
    client.start_streaming();
    if (graceful) client.disconnect();
    else client.vanish();
    std::this_thread::sleep_for(500ms);
    std::lock_guard lock(host.mutex);
    CHECK(host.disconnected == graceful);
  }
}

TEST_CASE("StreamClient reports a failing RTSP step with allow_failure") {
  FakeHost host(true);
  test::StreamClientOptions o;
  o.rtsp_port = host.rtsp_port();
  o.session_url = "rtspenc://127.0.0.1:" + std::to_string(o.rtsp_port);
  o.rikey = host.key;
  o.rikey[0] ^= 1;  // wrong key: the host cannot open our requests and closes without a reply
  test::StreamClient client(o);
  const auto hs = client.handshake(true);
  CHECK(hs.statuses == std::vector<int>{-1});
  CHECK_THROWS_AS(test::StreamClient(o).handshake(false), std::runtime_error);
}
