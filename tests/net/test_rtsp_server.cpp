// The RTSP transport over real loopback sockets (shared/protocol/rtsp.md §1): one message per
// connection reassembled from the client's MTU-sized writes, the reply followed by EOF, and
// the limits that keep a slow or hostile peer from holding the control plane.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "lightwell/net/rtsp_server.hpp"
#include "vector_file.hpp"

using namespace lightwell;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
std::string text_of(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

const std::string kReply = "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n";
const std::string kErrorReply = "RTSP/1.0 400 BAD REQUEST\r\nCSeq: 0\r\n\r\n";

// The captured ANNOUNCE (tests/data/wire): header block with "Content-length: 1497" + body.
std::string captured_announce() {
  return test::read_text("wire/announce_request_headers.txt") + test::read_text("wire/announce_example.sdp");
}

// The captured client OPTIONS frame (rtsp.md §3 worked example): header ‖ ciphertext.
std::vector<std::uint8_t> captured_encrypted_options() {
  for (const auto& r : test::read_records("wire/rtsp_encrypted.txt")) {
    if (r.find("ciphertext")) {
      auto frame = r.hex("header");
      const auto ct = r.hex("ciphertext");
      frame.insert(frame.end(), ct.begin(), ct.end());
      return frame;
    }
  }
  throw std::runtime_error("no client frame in rtsp_encrypted.txt");
}

// A server on its own io thread; records what the handlers saw.
struct Harness {
  asio::io_context io;
  std::unique_ptr<net::RtspServer> server;
  std::jthread thread;
  std::mutex mutex;
  std::vector<net::RtspMessage> messages;
  std::vector<std::pair<net::RtspMessage, net::RtspFramingError>> errors;
  std::string reply = kReply;

  explicit Harness(net::RtspServerOptions options = {}) {
    options.bind_address = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<net::RtspServer>(
        io, options,
        [this](const net::RtspMessage& m) {
          std::lock_guard lock(mutex);
          messages.push_back(m);
          return bytes_of(reply);
        },
        [this](const net::RtspMessage& m, const net::RtspFramingError& e) {
          std::lock_guard lock(mutex);
          errors.emplace_back(m, e);
          return bytes_of(kErrorReply);
        });
    server->start();
    thread = std::jthread([this] { io.run(); });
  }
  ~Harness() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    asio::post(io, [this] { server->stop(); });
    thread.join();
  }
  std::uint16_t port() const { return server->port(); }
  std::size_t message_count() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
  std::size_t error_count() {
    std::lock_guard lock(mutex);
    return errors.size();
  }
};

// A blocking POSIX client, as moonlight-common-c is: TCP_NODELAY, MTU-safe writes, read to EOF.
struct Client {
  int fd = -1;
  explicit Client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  std::uint16_t local_port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
  }
  bool send(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
      const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data = data.subspan(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool send(std::string_view s) { return send(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); }
  // Separate writes with a pause in between, so the server sees the message in pieces.
  bool send_chunked(std::span<const std::uint8_t> data, std::size_t chunk, std::chrono::milliseconds pause = 2ms) {
    while (!data.empty()) {
      const std::size_t n = std::min(chunk, data.size());
      if (!send(data.first(n))) return false;
      data = data.subspan(n);
      std::this_thread::sleep_for(pause);
    }
    return true;
  }
  void shutdown_write() { ::shutdown(fd, SHUT_WR); }

  struct Received {
    std::string bytes;
    bool eof = false;    // orderly close seen
    bool reset = false;  // ECONNRESET
  };
  // Reads until EOF, a reset, or the deadline.
  Received read_to_eof(std::chrono::milliseconds timeout = 10s) {
    Received r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return r;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        r.eof = true;
        return r;
      }
      if (n < 0) {
        r.reset = true;
        return r;
      }
      r.bytes.append(buf, static_cast<std::size_t>(n));
    }
  }
};

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("rtsp server: the captured ANNOUNCE in MTU-sized writes is one message, then reply and EOF",
          "[rtsp_server]") {
  Harness h;
  const std::string announce = captured_announce();
  REQUIRE(announce.size() == 169 + 1497);
  Client c(h.port());
  // Small chunks, and one boundary inside the "\r\n\r\n" that ends the header block.
  const std::size_t split = announce.find("\r\n\r\n") + 2;
  REQUIRE(c.send_chunked(span_of(announce).first(split), 37));
  REQUIRE(c.send_chunked(span_of(announce).subspan(split), 100));
  const auto got = c.read_to_eof();
  CHECK(got.eof);
  CHECK(got.bytes == kReply);
  const std::uint16_t client_port = c.local_port();
  h.stop();
  REQUIRE(h.messages.size() == 1);
  CHECK(h.errors.empty());
  const auto& m = h.messages[0];
  CHECK(m.framing == net::RtspFraming::plaintext);
  CHECK(text_of(m.bytes) == announce);
  CHECK(m.peer_address.to_string() == "127.0.0.1");
  CHECK(m.peer_port == client_port);
  CHECK(m.local_address.to_string() == "127.0.0.1");
}

TEST_CASE("rtsp server: Content-length decides the body, bytes after the message are not part of it",
          "[rtsp_server]") {
  Harness h;
  SECTION("lower-case name, body and junk in one write") {
    Client c(h.port());
    REQUIRE(c.send("ANNOUNCE streamid=control/13/0 RTSP/1.0\r\nCSeq: 6\r\ncontent-length: 5\r\n\r\nhelloEXTRA"));
    CHECK(c.read_to_eof().bytes == kReply);
    h.stop();
    REQUIRE(h.messages.size() == 1);
    CHECK(text_of(h.messages[0].bytes) ==
          "ANNOUNCE streamid=control/13/0 RTSP/1.0\r\nCSeq: 6\r\ncontent-length: 5\r\n\r\nhello");
  }
  SECTION("no Content-length: the header block is the message") {
    Client c(h.port());
    REQUIRE(c.send("OPTIONS rtsp://127.0.0.1:48010 RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
    CHECK(c.read_to_eof().bytes == kReply);
    h.stop();
    REQUIRE(h.messages.size() == 1);
    CHECK(text_of(h.messages[0].bytes) == "OPTIONS rtsp://127.0.0.1:48010 RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  }
  SECTION("the body arrives long after the header block") {
    Client c(h.port());
    REQUIRE(c.send("ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-Length: 4\r\n\r\nab"));
    std::this_thread::sleep_for(50ms);
    CHECK(h.message_count() == 0);  // still waiting for two body bytes
    REQUIRE(c.send("cd"));
    CHECK(c.read_to_eof().bytes == kReply);
    h.stop();
    REQUIRE(h.messages.size() == 1);
    CHECK(text_of(h.messages[0].bytes).ends_with("\r\n\r\nabcd"));
  }
}

TEST_CASE("rtsp server: the captured encrypted OPTIONS frame split across writes", "[rtsp_server]") {
  Harness h;
  const auto frame = captured_encrypted_options();
  REQUIRE(frame.size() == 24 + 0x60);
  Client c(h.port());
  REQUIRE(c.send_chunked(frame, 7));
  const auto got = c.read_to_eof();
  CHECK(got.eof);
  CHECK(got.bytes == kReply);
  h.stop();
  REQUIRE(h.messages.size() == 1);
  CHECK(h.messages[0].framing == net::RtspFraming::encrypted);
  CHECK(h.messages[0].bytes == frame);
}

TEST_CASE("rtsp server: an oversized request goes to the error handler, whose reply arrives", "[rtsp_server]") {
  net::RtspServerOptions o;
  o.max_message_bytes = 1024;
  Harness h(o);
  net::RtspFramingErrorKind expected_kind = net::RtspFramingErrorKind::too_large;
  net::RtspFraming expected_framing = net::RtspFraming::plaintext;
  std::string must_mention = "1024";
  {
    Client c(h.port());
    SECTION("a header block that never ends") {
      REQUIRE(c.send("OPTIONS rtsp://x RTSP/1.0\r\nCSeq: 1\r\n"));
      // Keep sending after the limit, as a hostile peer would: the reply must still arrive.
      for (int i = 0; i < 20; ++i) {
        if (!c.send("X-Padding: " + std::string(500, 'a') + "\r\n")) break;
      }
    }
    SECTION("Content-length above the limit, refused before the body") {
      REQUIRE(c.send("ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: 100000\r\n\r\n"));
      must_mention = "100000";
    }
    SECTION("header and body each below, together above the limit") {
      REQUIRE(c.send("ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: 1000\r\n\r\n"));
    }
    SECTION("an encrypted frame whose length word is above the limit") {
      REQUIRE(c.send(std::string("\x80\x00\x10\x00", 4)));  // N = 4096
      expected_framing = net::RtspFraming::encrypted;
    }
    SECTION("a lying Content-length") {
      REQUIRE(c.send("ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: 0x10\r\n\r\n"));
      expected_kind = net::RtspFramingErrorKind::malformed;
      must_mention = "Content-length";
    }
    SECTION("a repeated Content-length") {
      REQUIRE(c.send("ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: 1\r\nContent-Length: 1\r\n\r\nx"));
      expected_kind = net::RtspFramingErrorKind::malformed;
      must_mention = "Content-length";
    }
    SECTION("an encrypted frame with N = 0") {
      REQUIRE(c.send(std::string("\x80\x00\x00\x00", 4)));
      expected_kind = net::RtspFramingErrorKind::malformed;
      expected_framing = net::RtspFraming::encrypted;
      must_mention = "empty";
    }
    const auto got = c.read_to_eof();
    CHECK(got.bytes == kErrorReply);
    CHECK(got.eof);
  }
  h.stop();
  CHECK(h.messages.empty());
  REQUIRE(h.errors.size() == 1);
  CHECK(h.errors[0].second.kind == expected_kind);
  CHECK_THAT(h.errors[0].second.reason, Catch::Contains(must_mention));
  CHECK(h.errors[0].first.framing == expected_framing);
  CHECK(h.errors[0].first.peer_address.to_string() == "127.0.0.1");
  CHECK_FALSE(h.errors[0].first.bytes.empty());
}

TEST_CASE("rtsp server: exactly max_message_bytes is accepted", "[rtsp_server]") {
  net::RtspServerOptions o;
  o.max_message_bytes = 256;
  Harness h(o);
  std::string head = "ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: ";
  const std::size_t body = 256 - head.size() - 3 - 4;  // three digits, then "\r\n\r\n"
  head += std::to_string(body) + "\r\n\r\n";
  REQUIRE(head.size() + body == 256);
  Client c(h.port());
  REQUIRE(c.send(head + std::string(body, 'b')));
  CHECK(c.read_to_eof().bytes == kReply);
  h.stop();
  REQUIRE(h.messages.size() == 1);
  CHECK(h.messages[0].bytes.size() == 256);
}

TEST_CASE("rtsp server: slow or silent peers time out", "[rtsp_server]") {
  net::RtspServerOptions o;
  o.request_timeout = 300ms;
  Harness h(o);
  SECTION("a trickled request gets the error reply when the deadline passes, then EOF") {
    Client c(h.port());
    // One byte every 50 ms would keep an idle timer alive forever; the deadline is absolute.
    // 41 bytes take about 2 s; the reply must come long before (we stop once it is there).
    const std::string line = "OPTIONS rtsp://127.0.0.1:48010 RTSP/1.0\r\n";
    std::size_t sent = 0;
    for (; sent < line.size(); ++sent) {
      pollfd p{c.fd, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) break;  // the server answered
      if (!c.send(std::string_view(line).substr(sent, 1))) break;
      std::this_thread::sleep_for(50ms);
    }
    const auto got = c.read_to_eof();
    CHECK(got.bytes == kErrorReply);
    CHECK(got.eof);
    CHECK(sent < line.size());  // cut off before the whole line was trickled in
    h.stop();
    CHECK(h.messages.empty());
    REQUIRE(h.errors.size() == 1);
    CHECK(h.errors[0].second.kind == net::RtspFramingErrorKind::incomplete);
    CHECK_THAT(h.errors[0].second.reason, Catch::Contains("300 ms"));
  }
  SECTION("a connection that sends nothing is closed without any callback") {
    Client c(h.port());
    const auto got = c.read_to_eof();
    CHECK(got.eof);
    CHECK(got.bytes.empty());
    h.stop();
    CHECK(h.messages.empty());
    CHECK(h.errors.empty());
  }
}

TEST_CASE("rtsp server: EOF in the middle of a request is an incomplete request", "[rtsp_server]") {
  Harness h;
  Client c(h.port());
  REQUIRE(c.send("ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: 10\r\n\r\nabc"));
  c.shutdown_write();
  const auto got = c.read_to_eof();
  CHECK(got.bytes == kErrorReply);
  CHECK(got.eof);
  h.stop();
  REQUIRE(h.errors.size() == 1);
  CHECK(h.errors[0].second.kind == net::RtspFramingErrorKind::incomplete);
  CHECK(text_of(h.errors[0].first.bytes).ends_with("abc"));
}

TEST_CASE("rtsp server: an empty reply closes at once", "[rtsp_server]") {
  Harness h;
  h.reply.clear();
  Client c(h.port());
  REQUIRE(c.send("OPTIONS rtsp://x RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
  const auto got = c.read_to_eof();
  CHECK(got.bytes.empty());
  CHECK((got.eof || got.reset));
  h.stop();
  CHECK(h.messages.size() == 1);
}

TEST_CASE("rtsp server: connections beyond max_connections are closed at once", "[rtsp_server]") {
  net::RtspServerOptions o;
  o.max_connections = 2;
  Harness h(o);
  auto a = std::make_unique<Client>(h.port());
  Client b(h.port());
  REQUIRE(a->send("OPT"));  // both hold a slot with a partial request
  REQUIRE(b.send("OPT"));
  {
    // Accepts are handled in order, so the third connection finds both slots taken.
    Client c(h.port());
    const auto got = c.read_to_eof(5s);
    CHECK(got.bytes.empty());
    CHECK((got.eof || got.reset));
  }
  // Freeing a slot (the peer closes) makes room again.
  a->close();
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    Client d(h.port());
    d.send("OPTIONS rtsp://x RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    served = d.read_to_eof(5s).bytes == kReply;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
  REQUIRE(b.send("IONS rtsp://x RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
  CHECK(b.read_to_eof().bytes == kReply);
}

TEST_CASE("rtsp server: stop closes open connections and calls no handler afterwards", "[rtsp_server]") {
  Harness h;
  Client c(h.port());
  REQUIRE(c.send("OPTIONS rtsp://x RTSP/1.0\r\n"));
  std::this_thread::sleep_for(50ms);
  h.stop();
  c.send("CSeq: 1\r\n\r\n");  // too late: may fail, must not reach a handler
  const auto got = c.read_to_eof(5s);
  CHECK(got.bytes.empty());
  CHECK((got.eof || got.reset));
  CHECK(h.messages.empty());
  CHECK(h.errors.empty());
}

TEST_CASE("rtsp framer: need-more until the last byte, one byte at a time", "[rtsp_server]") {
  SECTION("plaintext ANNOUNCE") {
    const std::string announce = captured_announce();
    net::RtspFramer framer(64 * 1024);
    std::vector<std::uint8_t> buf;
    for (std::size_t i = 0; i < announce.size(); ++i) {
      buf.push_back(static_cast<std::uint8_t>(announce[i]));
      const auto s = framer.scan(buf);
      if (i + 1 < announce.size()) {
        REQUIRE(s.state == net::RtspFrameScan::State::need_more);
      } else {
        REQUIRE(s.state == net::RtspFrameScan::State::complete);
        CHECK(s.framing == net::RtspFraming::plaintext);
        CHECK(s.message_bytes == announce.size());
      }
    }
  }
  SECTION("encrypted OPTIONS") {
    const auto frame = captured_encrypted_options();
    net::RtspFramer framer(64 * 1024);
    std::vector<std::uint8_t> buf;
    for (std::size_t i = 0; i < frame.size(); ++i) {
      buf.push_back(frame[i]);
      const auto s = framer.scan(buf);
      if (i + 1 < frame.size()) {
        REQUIRE(s.state == net::RtspFrameScan::State::need_more);
      } else {
        REQUIRE(s.state == net::RtspFrameScan::State::complete);
        CHECK(s.framing == net::RtspFraming::encrypted);
        CHECK(s.message_bytes == frame.size());
      }
    }
    // Trailing bytes are not part of the message.
    buf.push_back(0x41);
    net::RtspFramer again(64 * 1024);
    CHECK(again.scan(buf).message_bytes == frame.size());
  }
  SECTION("empty buffer") {
    net::RtspFramer framer(64);
    CHECK(framer.scan({}).state == net::RtspFrameScan::State::need_more);
  }
}

TEST_CASE("rtsp framer: Content-length rules", "[rtsp_server]") {
  auto scan = [](const std::string& text, std::size_t max = 4096) {
    net::RtspFramer framer(max);
    return framer.scan(span_of(text));
  };
  using State = net::RtspFrameScan::State;
  const std::string spaced = "A x RTSP/1.0\r\nCSeq: 1\r\nContent-length:  3 \r\n\r\nabc";
  CHECK(scan(spaced + "junk").message_bytes == spaced.size());
  CHECK(scan("A x RTSP/1.0\r\nCSeq: 1\r\nCONTENT-LENGTH: 0\r\n\r\n").state == State::complete);
  CHECK(scan("A x RTSP/1.0\r\nCSeq: 1\r\nContent-length: 3\r\n\r\nab").state == State::need_more);
  for (const char* bad : {"-1", "+3", "3x", "", "0x3", "99999999999"}) {
    const auto s = scan(std::string("A x RTSP/1.0\r\nContent-length: ") + bad + "\r\n\r\n");
    CAPTURE(bad);
    CHECK(s.state == State::error);
    CHECK(s.error.kind == net::RtspFramingErrorKind::malformed);
  }
  // A name that only contains the word is another header.
  CHECK(scan("A x RTSP/1.0\r\nX-Content-length: 9\r\n\r\n").state == State::complete);
  // The limit counts header block + body.
  const std::string head = "A x RTSP/1.0\r\nContent-length: 10\r\n\r\n";
  CHECK(scan(head + "0123456789", head.size() + 10).state == State::complete);
  CHECK(scan(head, head.size() + 9).error.kind == net::RtspFramingErrorKind::too_large);
  // Without a terminator, reaching the limit is an error.
  CHECK(scan(std::string(64, 'A'), 64).state == State::error);
  CHECK(scan(std::string(63, 'A'), 64).state == State::need_more);
}
