// UDP pings on the video and audio ports and the session identifiers (proto/ping.hpp,
// control.md §2, §6, video.md §2): every datagram anyone sends to those ports reaches
// parse_udp_ping first. Also the text forms (X-SS-Ping-Payload, X-SS-Connect-Data).
// Invariants: only 4-byte "PING" and 20-byte datagrams are accepted; a v2 ping re-encodes to
// the same 20 bytes and matches its own payload; an accepted connect-data value round-trips.
#include <algorithm>
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/proto/ping.hpp"

namespace lp = lightwell::proto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto ping = lp::parse_udp_ping(lp::Bytes(data, size));
  if (ping) {
    if (ping->form == lp::PingForm::legacy) {
      FUZZ_CHECK(size == lp::kLegacyPingBytes && std::equal(data, data + size, lp::kLegacyPing.begin()));
      FUZZ_CHECK(!lp::ping_matches(*ping, ping->payload));
    } else {
      FUZZ_CHECK(size == lp::kPingV2Bytes);
      const auto again = lp::build_udp_ping(ping->payload, ping->sequence);
      FUZZ_CHECK(std::equal(again.begin(), again.end(), data));
      FUZZ_CHECK(lp::ping_matches(*ping, ping->payload));
    }
  } else {
    FUZZ_CHECK(size != lp::kPingV2Bytes);
  }

  const std::string_view text = lightwell::fuzz::as_text(data, size);
  if (auto payload = lp::parse_ping_payload(text)) {
    FUZZ_CHECK(payload->text() == text);
  }
  if (auto connect = lp::parse_connect_data(text)) {
    // Leading zeros are accepted, so compare values, not text.
    auto again = lp::parse_connect_data(lp::format_connect_data(*connect));
    FUZZ_CHECK(again.has_value() && *again == *connect);
    FUZZ_CHECK(text.size() <= 10);
  }
  return 0;
}
