// RtspService behind a real net::RtspServer on loopback: the encrypted handshake as the
// client performs it (rtsp.md §1, §4): one TCP connection per request, TCP_NODELAY writes in
// small chunks, the reply read to EOF and opened with the client's half of the cipher.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <chrono>
#include <sstream>
#include <thread>

#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/nvhttp_launch.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "lightwell/server/rtsp_service.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::server;
using proto::crypto::RtspCipher;
using proto::crypto::RtspRole;
using namespace std::chrono_literals;

namespace {

proto::LaunchRequest captured_launch() {
  for (const auto& r : test::read_records("wire/launch_ri.txt")) {
    if (!r.find("launch_query")) continue;
    const std::string q = r.get("launch_query");
    auto query = proto::Query::parse(q.substr(0, q.find_first_of(" \t#")));
    REQUIRE(query);
    auto launch = proto::parse_launch_request(*query, proto::LaunchVerb::launch);
    REQUIRE(launch);
    return *launch;
  }
  FAIL("no launch_query in launch_ri.txt");
  return {};
}

// One request on its own connection, written in `chunk`-byte pieces; returns what the host
// sent before closing, or nullopt if it did not close within the timeout.
std::optional<std::vector<std::uint8_t>> tcp_exchange(std::uint16_t port, const std::vector<std::uint8_t>& request,
                                                  std::size_t chunk = 64) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (std::size_t at = 0; at < request.size(); at += chunk) {
    const std::size_t n = std::min(chunk, request.size() - at);
    if (::send(fd, request.data() + at, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) break;
    std::this_thread::sleep_for(1ms);
  }
  std::vector<std::uint8_t> reply;
  const auto deadline = std::chrono::steady_clock::now() + 15s;  // the client's receive timeout
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      ::close(fd);
      return std::nullopt;
    }
    std::uint8_t buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;  // EOF (or reset): the reply is complete
    reply.insert(reply.end(), buf, buf + n);
  }
  ::close(fd);
  return reply;
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("rtsp service over loopback: the encrypted handshake end to end", "[rtsp_service][e2e]") {
  std::ostringstream log_text;
  LogHub hub = LogHub::to_stream(log_text, LogLevel::debug);
  StreamSessions sessions;
  StreamSession s;
  s.request = captured_launch();
  SessionSecrets secrets;
  secrets.ping_payload_bytes = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33};
  secrets.connect_data = 42;
  sessions.launch(std::move(s), secrets);
  proto::HostCapabilities caps;
  caps.hevc = true;
  const Ports ports = Ports::from_base(kDefaultBasePort);
  int starts = 0;
  proto::StreamParams started;

  boost::asio::io_context io;
  RtspService service(
      sessions, caps, ports, VideoOptions{},
      [&](const StreamSession&, const proto::StreamParams& p, const AnnounceContext&) {
        ++starts;
        started = p;
        return 200;
      },
      hub.get("rtsp"));
  net::RtspServerOptions options;
  options.bind_address = "127.0.0.1";
  net::RtspServer server(
      io, options, [&](const net::RtspMessage& m) { return service.handle(m); },
      [&](const net::RtspMessage& m, const net::RtspFramingError& e) { return service.handle_framing_error(m, e); });
  server.start();
  std::jthread thread([&] { io.run(); });
  const std::uint16_t port = server.port();

  auto client = RtspCipher::create(captured_launch().rikey, RtspRole::client);
  REQUIRE(client);
  std::uint32_t client_seq = 100;  // not validated by the host (rtsp.md §3)
  std::uint32_t host_seq = 0;
  auto transact = [&](const std::string& text) {
    auto frame = client->seal(++client_seq, text);
    REQUIRE(frame);
    auto wire = tcp_exchange(port, *frame);
    REQUIRE(wire);
    auto parsed = proto::parse_encrypted_rtsp_message(*wire);
    REQUIRE(parsed);
    CHECK(parsed->sequence == ++host_seq);
    auto opened = client->open(*parsed);
    REQUIRE(opened);
    auto reply = proto::parse_rtsp_response(*opened, true);
    REQUIRE(reply);
    REQUIRE(reply->message);
    return *reply->message;
  };
  auto request = [](const std::string& method, const std::string& target, std::uint32_t cseq) {
    auto text = proto::serialize_rtsp_request(proto::rtsp_client_request(method, target, cseq, "127.0.0.1"));
    REQUIRE(text);
    return *text;
  };

  CHECK(transact(request("OPTIONS", "rtspenc://127.0.0.1:48010", 1)).status_code == 200);
  const auto describe = transact(request("DESCRIBE", "rtspenc://127.0.0.1:48010", 2));
  CHECK(describe.body == proto::build_describe_sdp(caps).value());
  const auto audio = transact(request("SETUP", "streamid=audio/0/0", 3));
  CHECK(audio.headers.find("X-SS-Ping-Payload") == "DEADBEEF00112233");
  CHECK(audio.headers.find("Transport") == "server_port=" + std::to_string(ports.audio));
  CHECK(transact(request("SETUP", "streamid=video/0/0", 4)).headers.find("Transport") ==
        "server_port=" + std::to_string(ports.video));
  CHECK(transact(request("SETUP", "streamid=control/13/0", 5)).headers.find("X-SS-Connect-Data") == "42");
  const std::string announce =
      test::read_text("wire/announce_request_headers.txt") + test::read_text("wire/announce_example.sdp");
  CHECK(transact(announce).status_code == 200);
  CHECK(transact(request("PLAY", "/", 7)).status_code == 200);

  // Plaintext on this rtspenc session: a plaintext 400, then EOF.
  auto plain = tcp_exchange(port, bytes_of(request("OPTIONS", "rtsp://127.0.0.1:48010", 8)));
  REQUIRE(plain);
  CHECK(std::string(plain->begin(), plain->end()) == "RTSP/1.0 400 BAD REQUEST\r\nCSeq: 8\r\n\r\n");
  // An oversized frame: the framing error handler answers a sealed 400.
  std::vector<std::uint8_t> huge = {0x80, 0x01, 0x00, 0x00, 0, 0, 0, 1};  // N = 65536 > 64 KiB − 24
  auto refused = tcp_exchange(port, huge);
  REQUIRE(refused);
  auto frame = proto::parse_encrypted_rtsp_message(*refused);
  REQUIRE(frame);
  CHECK(frame->sequence == ++host_seq);
  auto opened = client->open(*frame);
  REQUIRE(opened);
  CHECK(opened->starts_with("RTSP/1.0 400 BAD REQUEST\r\nCSeq: 0\r\n"));

  boost::asio::post(io, [&] { server.stop(); });
  thread.join();
  CHECK(starts == 1);
  CHECK(started.width_px == 1920);
  CHECK(started.height_px == 1080);
  CHECK(started.fps == 60);
  CHECK(started.codec == proto::VideoCodec::hevc);
  CHECK_THAT(log_text.str(), Catch::Contains("handshake with 127.0.0.1:"));
}
