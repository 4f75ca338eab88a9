#include "lightwell/proto/crypto/control_cipher.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace lightwell::proto::crypto {

Result<ControlSealer> ControlSealer::create(const Key128& rikey, ControlDirection direction,
                                            std::uint32_t first_seq) {
  auto gcm = AesGcm::create(rikey);
  if (!gcm) return tl::unexpected(gcm.error());
  return ControlSealer(std::move(*gcm), direction, first_seq);
}

Result<std::size_t> ControlSealer::seal(Bytes plaintext, MutableBytes packet_out) {
  if (!can_seal()) {
    return fail(Errc::out_of_range, "control sequence numbers of this direction are used up");
  }
  const auto seq = static_cast<std::uint32_t>(next_seq_);
  auto total = write_control_envelope_header(packet_out, seq, plaintext.size());
  if (!total) return tl::unexpected(total.error());

  const ControlIv iv = control_iv(seq, direction_);
  MutableBytes tag = packet_out.subspan(kControlEnvelopeHeaderBytes, kControlTagBytes);
  MutableBytes ciphertext = packet_out.subspan(kControlEnvelopeOverheadBytes, plaintext.size());
  if (auto sealed = gcm_.seal(iv, plaintext, ciphertext, tag); !sealed) {
    return tl::unexpected(sealed.error());
  }
  ++next_seq_;  // only a packet that left this function consumed its IV
  return *total;
}

Result<ControlOpener> ControlOpener::create(const Key128& rikey, ControlDirection direction) {
  auto gcm = AesGcm::create(rikey);
  if (!gcm) return tl::unexpected(gcm.error());
  return ControlOpener(std::move(*gcm), direction);
}

Result<OpenedControlMessage> ControlOpener::open(Bytes packet, MutableBytes plaintext_out) {
  auto envelope = parse_control_envelope(packet);
  if (!envelope) return tl::unexpected(envelope.error());
  const std::size_t n = envelope->ciphertext.size();
  if (plaintext_out.size() < n) {
    return fail(Errc::truncated, "plaintext buffer of " + std::to_string(plaintext_out.size()) +
                                     " bytes cannot hold " + std::to_string(n));
  }
  // Refuse replays before spending a decryption on them.
  if (auto fresh = window_.check(envelope->seq); !fresh) return tl::unexpected(fresh.error());

  MutableBytes out = plaintext_out.first(n);
  const ControlIv iv = control_iv(envelope->seq, direction_);
  if (auto opened = gcm_.open(iv, envelope->ciphertext, envelope->tag, out); !opened) {
    // Never leave unauthenticated plaintext where a caller might read it.
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    return tl::unexpected(opened.error());
  }
  window_.accept(envelope->seq);
  return OpenedControlMessage{envelope->seq, Bytes(out.data(), out.size())};
}

}  // namespace lightwell::proto::crypto
