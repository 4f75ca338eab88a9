// UDP media sockets (udp_media.hpp): the ping socket reports each datagram with its source
// endpoint (control.md §6: the media destination is the ping's source address:port) and
// drops oversized ones; the paced sender delivers every datagram, in order, in batches spread
// over the requested time (video.md §5.7). Loopback only, ports chosen by the kernel.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "lightwell/net/udp_media.hpp"

using namespace lightwell;
namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

namespace {

// A blocking receiver on its own thread: collects datagrams until `expected` arrived or no
// datagram came for `idle` (generous: tests must not depend on speed).
class Receiver {
 public:
  explicit Receiver(const std::string& address = "127.0.0.1") : socket_(io_) {
    const udp::endpoint ep(asio::ip::make_address(address), 0);
    socket_.open(ep.protocol());
    // Room for a whole test burst even if this thread is descheduled (capped by rmem_max).
    socket_.set_option(udp::socket::receive_buffer_size(8 << 20));
    socket_.bind(ep);
    timeval tv{0, 200'000};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  udp::endpoint endpoint() const { return socket_.local_endpoint(); }

  void start(std::size_t expected, std::chrono::milliseconds idle = 5000ms) {
    thread_ = std::thread([this, expected, idle] {
      std::vector<std::uint8_t> buf(70000);
      auto last = std::chrono::steady_clock::now();
      while (datagrams.size() < expected && std::chrono::steady_clock::now() - last < idle) {
        const ssize_t n = ::recv(socket_.native_handle(), buf.data(), buf.size(), 0);
        if (n < 0) continue;
        datagrams.emplace_back(buf.begin(), buf.begin() + n);
        last = std::chrono::steady_clock::now();
      }
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  ~Receiver() { join(); }

  std::vector<std::vector<std::uint8_t>> datagrams;

 private:
  asio::io_context io_;
  udp::socket socket_;
  std::thread thread_;
};

// Datagram i: 4-byte big-endian index then a byte pattern derived from it.
std::vector<std::vector<std::uint8_t>> make_datagrams(std::size_t n, std::size_t size) {
  std::vector<std::vector<std::uint8_t>> out(n, std::vector<std::uint8_t>(size));
  for (std::size_t i = 0; i < n; ++i) {
    out[i][0] = static_cast<std::uint8_t>(i >> 24);
    out[i][1] = static_cast<std::uint8_t>(i >> 16);
    out[i][2] = static_cast<std::uint8_t>(i >> 8);
    out[i][3] = static_cast<std::uint8_t>(i);
    for (std::size_t j = 4; j < size; ++j) out[i][j] = static_cast<std::uint8_t>(i * 31 + j);
  }
  return out;
}

std::vector<proto::Bytes> spans_of(const std::vector<std::vector<std::uint8_t>>& v) {
  return {v.begin(), v.end()};
}

// Runs the io_context until pred() holds or 5 s passed.
template <class Pred>
bool run_until(asio::io_context& io, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  return pred();
}

bool have_ipv6_loopback() {
  asio::io_context io;
  udp::socket s(io);
  boost::system::error_code ec;
  s.open(udp::v6(), ec);
  if (ec) return false;
  s.bind(udp::endpoint(asio::ip::make_address("::1"), 0), ec);
  return !ec;
}

struct Received {
  std::vector<std::uint8_t> bytes;
  udp::endpoint from;
};

}  // namespace

TEST_CASE("UdpPingSocket hands each datagram to the handler with its source endpoint") {
  asio::io_context io;
  std::vector<Received> got;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1", .port = 0},
                          [&](std::span<const std::uint8_t> d, const udp::endpoint& from) {
                            got.push_back({{d.begin(), d.end()}, from});
                          });
  REQUIRE(sock.port() != 0);
  REQUIRE(sock.native_handle() >= 0);
  sock.start();

  udp::socket client(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), sock.port());
  const std::vector<std::uint8_t> ping{'P', 'I', 'N', 'G'};
  std::vector<std::uint8_t> v2(20, 'A');
  v2[19] = 1;
  client.send_to(asio::buffer(ping), to);
  client.send_to(asio::buffer(v2), to);

  REQUIRE(run_until(io, [&] { return got.size() == 2; }));
  CHECK(got[0].bytes == ping);
  CHECK(got[1].bytes == v2);
  CHECK(got[0].from == client.local_endpoint());
  CHECK(got[1].from.port() == client.local_endpoint().port());
  CHECK(got[1].from.address() == asio::ip::make_address("127.0.0.1"));
}

TEST_CASE("UdpPingSocket drops datagrams larger than 1500 bytes and keeps receiving") {
  asio::io_context io;
  std::vector<std::size_t> sizes;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1"},
                          [&](std::span<const std::uint8_t> d, const udp::endpoint&) { sizes.push_back(d.size()); });
  sock.start();
  udp::socket client(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), sock.port());
  client.send_to(asio::buffer(std::vector<std::uint8_t>(1501, 1)), to);
  client.send_to(asio::buffer(std::vector<std::uint8_t>(9000, 2)), to);
  client.send_to(asio::buffer(std::vector<std::uint8_t>(1500, 3)), to);
  client.send_to(asio::buffer(std::vector<std::uint8_t>(20, 4)), to);
  REQUIRE(run_until(io, [&] { return sizes.size() == 2; }));
  CHECK(sizes == std::vector<std::size_t>{1500, 20});
  CHECK(sock.dropped_oversized() == 2);
}

TEST_CASE("UdpPingSocket stop() closes the socket and silences the handler") {
  asio::io_context io;
  int calls = 0;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1"},
                          [&](std::span<const std::uint8_t>, const udp::endpoint&) { ++calls; });
  sock.start();
  const auto port = sock.port();
  udp::socket client(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  client.send_to(asio::buffer(std::string("PING")), udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  REQUIRE(run_until(io, [&] { return calls == 1; }));
  sock.stop();
  sock.stop();  // idempotent
  CHECK(sock.native_handle() == -1);
  client.send_to(asio::buffer(std::string("PING")), udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  io.restart();
  io.run_for(100ms);
  CHECK(calls == 1);
  // The port is free again: binding it succeeds.
  net::UdpPingSocket again(io, {.bind_address = "127.0.0.1", .port = port}, nullptr);
  CHECK(again.port() == port);
}

TEST_CASE("UdpPingSocket names address and port when it cannot bind") {
  asio::io_context io;
  net::UdpPingSocket first(io, {.bind_address = "127.0.0.1"}, nullptr);
  const auto port = first.port();
  try {
    net::UdpPingSocket second(io, {.bind_address = "127.0.0.1", .port = port}, nullptr);
    FAIL("second bind succeeded");
  } catch (const std::system_error& e) {
    const std::string what = e.what();
    CHECK(what.find("127.0.0.1") != std::string::npos);
    CHECK(what.find(std::to_string(port)) != std::string::npos);
  }
  CHECK_THROWS_AS(net::UdpPingSocket(io, {.bind_address = "not-an-address"}, nullptr), std::system_error);
}

TEST_CASE("UdpPingSocket applies DSCP to the IPv4 TOS byte") {
  asio::io_context io;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1", .dscp = 46}, nullptr);
  int tos = 0;
  socklen_t len = sizeof tos;
  REQUIRE(::getsockopt(sock.native_handle(), IPPROTO_IP, IP_TOS, &tos, &len) == 0);
  CHECK(tos == 46 << 2);  // EF
  net::UdpPingSocket plain(io, {.bind_address = "127.0.0.1"}, nullptr);
  REQUIRE(::getsockopt(plain.native_handle(), IPPROTO_IP, IP_TOS, &tos, &len) == 0);
  CHECK(tos == 0);
}

TEST_CASE("UdpPingSocket on :: is dual stack: IPv4 pings arrive as IPv4-mapped sources") {
  if (!have_ipv6_loopback()) {
    WARN("no IPv6 on this machine; dual-stack test skipped");
    return;
  }
  asio::io_context io;
  std::vector<Received> got;
  net::UdpPingSocket sock(io, {.bind_address = "::", .dscp = 10},
                          [&](std::span<const std::uint8_t> d, const udp::endpoint& from) {
                            got.push_back({{d.begin(), d.end()}, from});
                          });
  sock.start();
  int tclass = 0;
  socklen_t len = sizeof tclass;
  REQUIRE(::getsockopt(sock.native_handle(), IPPROTO_IPV6, IPV6_TCLASS, &tclass, &len) == 0);
  CHECK(tclass == 10 << 2);

  udp::socket v4(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  udp::socket v6(io, udp::endpoint(asio::ip::make_address("::1"), 0));
  v4.send_to(asio::buffer(std::string("PING")), udp::endpoint(asio::ip::make_address("127.0.0.1"), sock.port()));
  REQUIRE(run_until(io, [&] { return got.size() == 1; }));
  v6.send_to(asio::buffer(std::string("PING")), udp::endpoint(asio::ip::make_address("::1"), sock.port()));
  REQUIRE(run_until(io, [&] { return got.size() == 2; }));
  REQUIRE(got[0].from.address().is_v6());
  CHECK(got[0].from.address().to_v6().is_v4_mapped());
  CHECK(got[0].from.port() == v4.local_endpoint().port());
  CHECK(got[1].from == v6.local_endpoint());

  // Media goes back to the IPv4 client from the dual-stack socket, given either form of its
  // address (the mapped one from the ping, or plain IPv4).
  Receiver receiver;
  receiver.start(2);
  net::PacedUdpSender sender(sock.native_handle());
  const auto data = make_datagrams(1, 100);
  const auto spans = spans_of(data);
  const udp::endpoint mapped(asio::ip::make_address("::ffff:127.0.0.1"), receiver.endpoint().port());
  CHECK(sender.send(spans, mapped, 0ns).sent_datagrams == 1);
  CHECK(sender.send(spans, receiver.endpoint(), 0ns).sent_datagrams == 1);
  receiver.join();
  REQUIRE(receiver.datagrams.size() == 2);
  CHECK(receiver.datagrams[0] == data[0]);
  CHECK(receiver.datagrams[1] == data[0]);
}

TEST_CASE("PacedUdpSender delivers every datagram in order, in batches larger than one call") {
  asio::io_context io;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1"}, nullptr);
  Receiver receiver;
  const std::size_t n = GENERATE(1, 64, 65, 200);
  receiver.start(n);
  net::PacedUdpSender sender(sock.native_handle(), {.max_batch_datagrams = 64, .max_batch_bytes = 64 * 1024});
  const auto data = make_datagrams(n, 300);
  const auto out = sender.send(spans_of(data), receiver.endpoint(), 20ms);
  CHECK(out.sent_datagrams == n);
  CHECK(out.dropped_datagrams == 0);
  receiver.join();
  REQUIRE(receiver.datagrams.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("datagram " << i);
    CHECK(receiver.datagrams[i] == data[i]);
  }
}

TEST_CASE("PacedUdpSender keeps a batch under max_batch_bytes and still sends oversized datagrams") {
  asio::io_context io;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1"}, nullptr);
  Receiver receiver;
  // 30 datagrams of 1000 bytes with 2500-byte batches: 2 per batch; plus one 5000-byte
  // datagram larger than any batch, which goes alone.
  auto data = make_datagrams(30, 1000);
  data.insert(data.begin() + 7, std::vector<std::uint8_t>(5000, 0xAB));
  receiver.start(data.size());
  net::PacedUdpSender sender(sock.native_handle(), {.max_batch_datagrams = 64, .max_batch_bytes = 2500});
  const auto start = std::chrono::steady_clock::now();
  const auto out = sender.send(spans_of(data), receiver.endpoint(), 60ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(out.sent_datagrams == data.size());
  // 17 batches over 60 ms: the last one starts at 16/17 of it. Lower bound only.
  CHECK(elapsed >= 30ms);
  receiver.join();
  REQUIRE(receiver.datagrams.size() == data.size());
  CHECK(receiver.datagrams == data);
}

TEST_CASE("PacedUdpSender spreads batch start times over the requested interval") {
  asio::io_context io;
  net::UdpPingSocket sock(io, {.bind_address = "127.0.0.1"}, nullptr);
  Receiver receiver;
  const std::size_t n = 640;  // 10 batches of 64
  receiver.start(n);
  net::PacedUdpSender sender(sock.native_handle());
  const auto data = make_datagrams(n, 200);
  const auto start = std::chrono::steady_clock::now();
  const auto out = sender.send(spans_of(data), receiver.endpoint(), 100ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(out.sent_datagrams == n);
  CHECK(elapsed >= 50ms);  // the last batch starts at 90 ms; never assert an upper bound
  receiver.join();
  CHECK(receiver.datagrams.size() == n);

  // A single batch has nothing to spread: it goes at once (no sleep after the last batch).
  Receiver one;
  one.start(10);
  const auto small = make_datagrams(10, 200);
  const auto t1 = std::chrono::steady_clock::now();
  CHECK(sender.send(spans_of(small), one.endpoint(), 10s).sent_datagrams == 10);
  CHECK(std::chrono::steady_clock::now() - t1 < 5s);
  one.join();
  CHECK(one.datagrams == small);
}

TEST_CASE("PacedUdpSender over IPv6 loopback") {
  if (!have_ipv6_loopback()) {
    WARN("no IPv6 loopback; skipped");
    return;
  }
  asio::io_context io;
  net::UdpPingSocket sock(io, {.bind_address = "::1"}, nullptr);
  Receiver receiver("::1");
  receiver.start(100);
  net::PacedUdpSender sender(sock.native_handle());
  const auto data = make_datagrams(100, 1200);
  CHECK(sender.send(spans_of(data), receiver.endpoint(), 10ms).sent_datagrams == 100);
  receiver.join();
  CHECK(receiver.datagrams == data);
}

TEST_CASE("PacedUdpSender counts what it cannot send as dropped") {
  asio::io_context io;
  net::UdpPingSocket v4(io, {.bind_address = "127.0.0.1"}, nullptr);
  const auto data = make_datagrams(5, 100);
  // A real IPv6 destination cannot be reached from an IPv4 socket.
  net::PacedUdpSender sender(v4.native_handle());
  const auto out = sender.send(spans_of(data), udp::endpoint(asio::ip::make_address("2001:db8::1"), 9), 0ns);
  CHECK(out.sent_datagrams == 0);
  CHECK(out.dropped_datagrams == 5);
  CHECK(out.last_errno != 0);
  // No socket at all.
  net::PacedUdpSender none(-1);
  const auto out2 = none.send(spans_of(data), udp::endpoint(asio::ip::make_address("127.0.0.1"), 9), 0ns);
  CHECK(out2.dropped_datagrams == 5);
  // Nothing to send is not an error.
  CHECK(sender.send({}, udp::endpoint(asio::ip::make_address("127.0.0.1"), 9), 0ns).sent_datagrams == 0);
}
