#include "lightwell/proto/control_envelope.hpp"

#include <string>

namespace lightwell::proto {

ControlIv control_iv(std::uint32_t seq, ControlDirection direction) noexcept {
  ControlIv iv{};
  store_u32_le(iv.data(), seq);  // bytes 4..9 stay zero
  iv[10] = direction == ControlDirection::client_to_host ? std::uint8_t{'C'} : std::uint8_t{'H'};
  iv[11] = 'C';  // "control stream"; RTSP uses 'R', video 'V' (rtsp.md §3, video.md §9)
  return iv;
}

Result<ControlEnvelopeView> parse_control_envelope(Bytes packet) {
  if (packet.size() < kControlEnvelopeHeaderBytes) {
    return fail(Errc::truncated, "control packet of " + std::to_string(packet.size()) +
                                     " bytes is shorter than the 8-byte envelope header");
  }
  const std::uint16_t type = load_u16_le(packet.data());
  if (type != kControlEnvelopeType) {
    return fail(Errc::malformed, "control packet type " + std::to_string(type) +
                                     " is not the encrypted envelope 0x0001");
  }
  const std::size_t length = load_u16_le(packet.data() + 2);
  const std::size_t announced = length + 4;
  if (announced > packet.size()) {
    return fail(Errc::truncated, "control envelope length " + std::to_string(length) +
                                     " exceeds the packet (" + std::to_string(packet.size()) +
                                     " bytes)");
  }
  if (announced < packet.size()) {
    return fail(Errc::malformed, "control envelope length " + std::to_string(length) +
                                     " leaves " + std::to_string(packet.size() - announced) +
                                     " trailing bytes");
  }
  if (length < 4 + kControlTagBytes + kControlMinPlaintextBytes) {
    return fail(Errc::out_of_range,
                "control envelope length " + std::to_string(length) + " is a runt (< 24)");
  }
  const std::size_t plaintext_bytes = length - 4 - kControlTagBytes;
  if (plaintext_bytes > kControlMaxPlaintextBytes) {
    return fail(Errc::too_large, "control message of " + std::to_string(plaintext_bytes) +
                                     " bytes exceeds " + std::to_string(kControlMaxPlaintextBytes));
  }
  ControlEnvelopeView view;
  view.seq = load_u32_le(packet.data() + 4);
  view.tag = packet.subspan(kControlEnvelopeHeaderBytes, kControlTagBytes);
  view.ciphertext = packet.subspan(kControlEnvelopeOverheadBytes);
  return view;
}

Result<std::size_t> write_control_envelope_header(MutableBytes packet_out, std::uint32_t seq,
                                                  std::size_t plaintext_bytes) {
  if (plaintext_bytes < kControlMinPlaintextBytes) {
    return fail(Errc::out_of_range, "control plaintext of " + std::to_string(plaintext_bytes) +
                                        " bytes is shorter than its 4-byte header");
  }
  if (plaintext_bytes > kControlMaxPlaintextBytes) {
    return fail(Errc::too_large, "control plaintext of " + std::to_string(plaintext_bytes) +
                                     " bytes exceeds " + std::to_string(kControlMaxPlaintextBytes));
  }
  const std::size_t total = plaintext_bytes + kControlEnvelopeOverheadBytes;
  if (packet_out.size() < total) {
    return fail(Errc::truncated, "control packet buffer of " + std::to_string(packet_out.size()) +
                                     " bytes cannot hold " + std::to_string(total));
  }
  store_u16_le(packet_out.data(), kControlEnvelopeType);
  store_u16_le(packet_out.data() + 2, static_cast<std::uint16_t>(total - 4));
  store_u32_le(packet_out.data() + 4, seq);
  return total;
}

}  // namespace lightwell::proto
