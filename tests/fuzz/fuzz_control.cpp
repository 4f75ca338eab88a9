// The encrypted control stream as the host's ENet thread sees it (control.md §3):
// envelope framing (proto/control_envelope.hpp), AES-GCM open with the replay window
// (crypto/control_cipher.hpp), the V2 message parser (control_messages.hpp) and, for input
// messages, the input packet parser (input.hpp). One opener lives for the whole input, as one
// lives for a whole session.
// The input is a sequence of chunks [u8 kind][u16 LE length][bytes]:
//  kind even: raw ENet packet payload, opened with the session key;
//  kind odd:  a plaintext the client seals with sequence number = a running counter
//             perturbed by the kind byte (so replays and reordering happen), then opened -
//             the fuzzer reaches the message parsers behind a valid tag.
// The key is the rikey of tests/data/wire/control_encrypted.txt; packets of the other
// vector file (input_control_gcm_vectors.txt, another key) are tried with that key too.
// Invariants: an opened plaintext is exactly what was sealed; a seq is never accepted twice;
// a packet that fails to open leaves the replay window as it was.
#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "fuzz_check.hpp"
#include "lightwell/proto/control_envelope.hpp"
#include "lightwell/proto/control_messages.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"
#include "lightwell/proto/input.hpp"

namespace lp = lightwell::proto;
namespace lc = lightwell::proto::crypto;

namespace {

constexpr lc::Key128 kCaptureKey{0xf8, 0x26, 0xe3, 0x5b, 0xa7, 0xab, 0x9c, 0xbf,
                                 0xac, 0x93, 0xcf, 0xff, 0x72, 0x5a, 0x2e, 0x23};
constexpr lc::Key128 kVectorKey{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

void parse_plaintext(lp::Bytes plaintext) {
  auto message = lp::parse_client_message(plaintext);
  if (!message) return;
  if (const auto* input = std::get_if<lp::InputData>(&*message)) {
    FUZZ_CHECK(input->packet.size() >= lp::kMinInputPacketBytes);
    (void)lp::input::parse_input_packet(input->packet);
  }
}

struct Session {
  lc::ControlOpener opener = *lc::ControlOpener::create(kCaptureKey);
  lc::ControlOpener vector_opener = *lc::ControlOpener::create(kVectorKey);
  std::set<std::uint32_t> accepted;  // seqs opened by `opener`
  std::array<std::uint8_t, lp::kControlMaxPacketBytes> plaintext{};

  void receive(lp::Bytes packet) {
    auto envelope = lp::parse_control_envelope(packet);
    if (envelope) {
      FUZZ_CHECK(envelope->tag.size() == lp::kControlTagBytes);
      FUZZ_CHECK(envelope->ciphertext.size() + lp::kControlEnvelopeOverheadBytes == packet.size());
      FUZZ_CHECK(envelope->ciphertext.size() >= lp::kControlMinPlaintextBytes &&
                 envelope->ciphertext.size() <= lp::kControlMaxPlaintextBytes);
    }
    if (packet.size() > plaintext.size() + lp::kControlEnvelopeOverheadBytes) {
      FUZZ_CHECK(!envelope.has_value());
      return;
    }
    const bool was_empty = opener.replay_window().empty();
    const std::uint32_t was_highest = opener.replay_window().highest();
    auto opened = opener.open(packet, plaintext);
    if (!opened) {
      FUZZ_CHECK(opener.replay_window().empty() == was_empty);
      FUZZ_CHECK(was_empty || opener.replay_window().highest() == was_highest);
    }
    if (opened) {
      FUZZ_CHECK(envelope.has_value() && opened->seq == envelope->seq);
      FUZZ_CHECK(accepted.insert(opened->seq).second);  // never twice
      parse_plaintext(opened->plaintext);
    } else if (auto other = vector_opener.open(packet, plaintext); other) {
      parse_plaintext(other->plaintext);
    }
  }

  void seal_and_receive(std::uint32_t seq, lp::Bytes message) {
    auto sealer = lc::ControlSealer::create(kCaptureKey, lp::ControlDirection::client_to_host, seq);
    FUZZ_CHECK(sealer.has_value());
    std::array<std::uint8_t, lp::kControlMaxPacketBytes> packet{};
    auto size = sealer->seal(message, packet);
    if (!size) {
      FUZZ_CHECK(message.size() < lp::kControlMinPlaintextBytes || message.size() > lp::kControlMaxPlaintextBytes);
      return;
    }
    const bool fresh = accepted.count(seq) == 0;
    auto opened = opener.open(lp::Bytes(packet.data(), *size), plaintext);
    if (opened) {
      FUZZ_CHECK(fresh);
      FUZZ_CHECK(accepted.insert(seq).second);
      FUZZ_CHECK(opened->plaintext.size() == message.size() &&
                 std::equal(message.begin(), message.end(), opened->plaintext.begin()));
      parse_plaintext(opened->plaintext);
    } else {
      // Only the replay window may refuse an authentic packet.
      FUZZ_CHECK(opened.error().code == lp::Errc::out_of_range);
    }
    // The host's own direction must never open on the host.
    auto reflected = lc::ControlSealer::create(kCaptureKey, lp::ControlDirection::host_to_client, seq + 1000000u);
    std::array<std::uint8_t, lp::kControlMaxPacketBytes> echo{};
    auto echo_size = reflected->seal(message, echo);
    FUZZ_CHECK(echo_size.has_value());
    FUZZ_CHECK(!opener.open(lp::Bytes(echo.data(), *echo_size), plaintext).has_value());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Session session;
  lp::Bytes rest(data, size);
  std::uint32_t counter = 0;
  // Whole-input shortcut: a seed that is one raw packet (the captured wire bytes) or one
  // plaintext message is used as it is, before the chunk parsing below.
  session.receive(rest);
  session.seal_and_receive(counter++, rest);
  for (int chunk = 0; chunk < 16 && rest.size() >= 3; ++chunk) {
    const std::uint8_t kind = rest[0];
    const std::size_t length = std::min<std::size_t>(rest[1] | (rest[2] << 8), rest.size() - 3);
    const lp::Bytes body = rest.subspan(3, length);
    rest = rest.subspan(3 + length);
    if (kind % 2 == 0) {
      session.receive(body);
    } else {
      // Steps of 131 back (kind < 128) or forward from the running counter: 0 = in order,
      // back = replay or older than the 8192-message window, forward = a jump ahead.
      const std::uint32_t step = ((kind & 0x7fu) / 2u) * 131u;
      const std::uint32_t seq = kind < 128 ? counter - step : counter + step;
      session.seal_and_receive(seq, body);
      ++counter;
    }
  }
  return 0;
}
