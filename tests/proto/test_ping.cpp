// UDP pings and ENet connect data (control.md §2, §6; video.md §2; audio.md §1) against the
// datagrams the real client sent (tests/data/wire/udp_ping.txt).
#include <catch2/catch.hpp>

#include <array>
#include <sstream>
#include <string>
#include <vector>

#include "lightwell/proto/ping.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

const test::Record& ping_record() {
  static const auto records = test::read_records("wire/udp_ping.txt");
  REQUIRE(records.size() == 1);
  return records[0];
}

std::string value_of(const std::string& key) {
  std::istringstream in(ping_record().get(key));
  std::string token;
  in >> token;
  return token;
}

}  // namespace

TEST_CASE("captured v2 pings parse and match the session payload") {
  const auto payload = parse_ping_payload(value_of("ping_payload_ascii")).value();
  CHECK(payload.text() == "0123456789ABCDEF");
  struct Expect {
    const char* key;
    std::uint32_t sequence;
  };
  for (const Expect& e : {Expect{"audio_ping_1", 1}, Expect{"video_ping_1", 1},
                          Expect{"audio_ping_2", 2}}) {
    INFO(e.key);
    const auto datagram = test::unhex(value_of(e.key));
    const auto ping = parse_udp_ping(datagram).value();
    CHECK(ping.form == PingForm::v2);
    CHECK(ping.payload == payload);
    CHECK(ping.sequence == e.sequence);
    CHECK(ping_matches(ping, payload));
    const auto rebuilt = build_udp_ping(payload, e.sequence);
    CHECK(std::vector<std::uint8_t>(rebuilt.begin(), rebuilt.end()) == datagram);
  }
}

TEST_CASE("captured legacy PING parses and never matches a payload") {
  const auto ping = parse_udp_ping(test::unhex(value_of("legacy_ping"))).value();
  CHECK(ping.form == PingForm::legacy);
  CHECK_FALSE(ping_matches(ping, parse_ping_payload("0123456789ABCDEF").value()));
  CHECK_FALSE(ping_matches(ping, PingPayload{}));  // not even the all-zero payload
}

TEST_CASE("a ping with another session's payload does not match") {
  const auto datagram = test::unhex(value_of("audio_ping_1"));
  const auto ping = parse_udp_ping(datagram).value();
  for (std::size_t i = 0; i < kPingPayloadBytes; ++i) {
    auto other = ping.payload;
    other.bytes[i] ^= 0x01;
    CHECK_FALSE(ping_matches(ping, other));
  }
  CHECK_FALSE(ping_matches(ping, parse_ping_payload("0123456789abcdef").value()));  // case matters
}

TEST_CASE("pings of any other size or content are refused") {
  const auto good = test::unhex(value_of("audio_ping_1"));
  for (std::size_t n = 0; n <= good.size() + 1; ++n) {
    if (n == kLegacyPingBytes || n == kPingV2Bytes) continue;
    std::vector<std::uint8_t> d(n, 0x30);
    INFO(n);
    auto r = parse_udp_ping(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed);
  }
  CHECK_FALSE(parse_udp_ping(test::unhex("50494e48")));  // "PINH"
  CHECK_FALSE(parse_udp_ping(test::unhex("70696e67")));  // "ping"
}

TEST_CASE("ping payload generation: 8 random bytes hex-encoded into 16 characters") {
  const std::array<std::uint8_t, 8> random{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  const auto payload = make_ping_payload(random);
  CHECK(payload.text() == "0123456789ABCDEF");  // the value the capture's mock host used
  CHECK(parse_ping_payload(payload.text()).value() == payload);
}

TEST_CASE("ping payload text must be 16 printable ASCII characters") {
  CHECK_FALSE(parse_ping_payload(""));
  CHECK_FALSE(parse_ping_payload("0123456789ABCDE"));
  CHECK_FALSE(parse_ping_payload("0123456789ABCDEF0"));
  CHECK_FALSE(parse_ping_payload("0123456789ABCD F"));
  CHECK_FALSE(parse_ping_payload(std::string("0123456789ABCDE\0", 16)));
  CHECK_FALSE(parse_ping_payload("0123456789ABCDE\n"));
}

TEST_CASE("ENet connect data: decimal in X-SS-Connect-Data, u32 in the CONNECT event") {
  const auto observed = static_cast<std::uint32_t>(std::stoul(value_of("enet_connect_data"), nullptr, 16));
  CHECK(observed == 0x1234abcdu);
  CHECK(format_connect_data(ConnectData{observed}) == "305441741");
  CHECK(parse_connect_data("305441741").value() == ConnectData{observed});
  const std::array<std::uint8_t, 4> random{0xcd, 0xab, 0x34, 0x12};
  CHECK(make_connect_data(random) == ConnectData{0x1234abcdu});
  CHECK(parse_connect_data("0").value().value == 0);
  CHECK(parse_connect_data("4294967295").value().value == 0xFFFFFFFFu);
  CHECK(parse_connect_data("4294967296").error().code == Errc::out_of_range);
  CHECK_FALSE(parse_connect_data(""));
  CHECK_FALSE(parse_connect_data("-1"));
  CHECK_FALSE(parse_connect_data("0x1234abcd"));
  CHECK_FALSE(parse_connect_data("12345678901"));
  CHECK_FALSE(parse_connect_data(" 1"));
}
