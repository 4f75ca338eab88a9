// Encrypted RTSP seal/open (shared/protocol/rtsp.md §3).
#include "lightwell/proto/crypto/rtsp_cipher.hpp"

#include <array>
#include <utility>

namespace lightwell::proto::crypto {

namespace {
RtspDirection sending(RtspRole role) noexcept {
  return role == RtspRole::host ? RtspDirection::host_to_client : RtspDirection::client_to_host;
}
RtspDirection receiving(RtspRole role) noexcept {
  return role == RtspRole::host ? RtspDirection::client_to_host : RtspDirection::host_to_client;
}
}  // namespace

Result<RtspCipher> RtspCipher::create(const Key128& rikey, RtspRole role) {
  auto gcm = AesGcm::create(rikey);
  if (!gcm) return tl::unexpected(gcm.error());
  return RtspCipher(std::move(*gcm), role);
}

Result<std::vector<std::uint8_t>> RtspCipher::seal(std::uint32_t sequence,
                                                   std::string_view plaintext,
                                                   std::size_t max_ciphertext_bytes) {
  if (plaintext.empty()) return fail(Errc::malformed, "encrypted RTSP: empty message");
  if (plaintext.size() > max_ciphertext_bytes || plaintext.size() >= kEncryptedRtspFlag) {
    return fail(Errc::too_large, "encrypted RTSP: message too large to frame");
  }
  std::vector<std::uint8_t> out(kEncryptedRtspHeaderBytes + plaintext.size());
  std::array<std::uint8_t, kEncryptedRtspTagBytes> tag{};
  const auto iv = encrypted_rtsp_iv(sequence, sending(role_));
  const Bytes in(reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size());
  if (auto ok = gcm_.seal(iv, in, MutableBytes(out).subspan(kEncryptedRtspHeaderBytes), tag);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = write_encrypted_rtsp_header(out, plaintext.size(), sequence, tag,
                                            max_ciphertext_bytes);
      !ok) {
    return tl::unexpected(ok.error());
  }
  return out;
}

Result<std::string> RtspCipher::open(const EncryptedRtspFrame& frame) {
  if (frame.tag.size() != kEncryptedRtspTagBytes) {
    return fail(Errc::malformed, "encrypted RTSP: tag must be 16 bytes");
  }
  if (frame.ciphertext.empty()) return fail(Errc::malformed, "encrypted RTSP: empty ciphertext");
  std::string plaintext(frame.ciphertext.size(), '\0');
  const auto iv = encrypted_rtsp_iv(frame.sequence, receiving(role_));
  MutableBytes out(reinterpret_cast<std::uint8_t*>(plaintext.data()), plaintext.size());
  if (auto ok = gcm_.open(iv, frame.ciphertext, frame.tag, out); !ok) {
    return fail(ok.error().code, "encrypted RTSP: " + ok.error().message);
  }
  return plaintext;
}

}  // namespace lightwell::proto::crypto
