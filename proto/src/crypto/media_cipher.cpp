// AES for the media streams: GCM per video datagram (video.md §9), CBC per audio payload
// (audio.md §4). Framing constants and IV layouts come from the pure packetizer headers.
#include "lightwell/proto/crypto/media_cipher.hpp"

#include <algorithm>
#include <string>

namespace lightwell::proto::crypto {

namespace {
constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kFrameNumberOffset = 12;
constexpr std::size_t kTagOffset = 16;
static_assert(kTagOffset + kGcmTagSize == kVideoEncryptionPrefixBytes);
}  // namespace

Result<VideoEncryptor> VideoEncryptor::create(const Key128& key, std::uint64_t iv_counter_start) {
  auto gcm = AesGcm::create(key);
  if (!gcm) return tl::unexpected(gcm.error());
  return VideoEncryptor(std::move(*gcm), iv_counter_start);
}

Result<void> VideoEncryptor::seal(MutableBytes slot, std::uint32_t frame_index) {
  if (slot.size() <= kVideoEncryptionPrefixBytes) {
    return fail(Errc::truncated, "video slot of " + std::to_string(slot.size()) + " bytes has no datagram");
  }
  const auto iv = video_encryption_iv(counter_);
  std::copy(iv.begin(), iv.end(), slot.begin());
  // frameNumber = frameIndex so the client can drop stale packets before decrypting.
  store_u32_le(slot.data() + kFrameNumberOffset, frame_index);
  MutableBytes text = slot.subspan(kVideoEncryptionPrefixBytes);
  if (auto ok = gcm_.seal(Bytes(slot.data(), kIvBytes), text, text, slot.subspan(kTagOffset, kGcmTagSize)); !ok) {
    return ok;
  }
  ++counter_;  // never reuse an IV under this key, even across frames
  return {};
}

Result<std::uint32_t> open_video_datagram(AesGcm& gcm, Bytes wire, MutableBytes plaintext_out) {
  if (wire.size() <= kVideoEncryptionPrefixBytes) {
    return fail(Errc::truncated, "encrypted video datagram of " + std::to_string(wire.size()) + " bytes");
  }
  const Bytes text = wire.subspan(kVideoEncryptionPrefixBytes);
  if (plaintext_out.size() < text.size()) return fail(Errc::too_large, "video plaintext buffer too small");
  if (auto ok = gcm.open(wire.first(kIvBytes), text, wire.subspan(kTagOffset, kGcmTagSize), plaintext_out); !ok) {
    return tl::unexpected(ok.error());
  }
  return load_u32_le(wire.data() + kFrameNumberOffset);
}

Result<AudioEncryptor> AudioEncryptor::create(const Key128& key, std::int32_t rikeyid) {
  auto cbc = AesCbc::create(key);
  if (!cbc) return tl::unexpected(cbc.error());
  return AudioEncryptor(std::move(*cbc), rikeyid);
}

Result<void> AudioEncryptor::seal(std::uint16_t sequence_number, Bytes plaintext, MutableBytes out) {
  if (out.size() != sealed_size(plaintext.size())) {
    return fail(Errc::out_of_range, "audio ciphertext buffer of " + std::to_string(out.size()) + " bytes, need " +
                                        std::to_string(sealed_size(plaintext.size())));
  }
  const auto iv = audio_encryption_iv(rikeyid_, sequence_number);
  auto n = cbc_.encrypt(iv, plaintext, out);
  if (!n) return tl::unexpected(n.error());
  return {};
}

Result<std::size_t> open_audio_payload(AesCbc& cbc, std::int32_t rikeyid, std::uint16_t sequence_number,
                                       Bytes ciphertext, MutableBytes plaintext_out) {
  const auto iv = audio_encryption_iv(rikeyid, sequence_number);
  return cbc.decrypt(iv, ciphertext, plaintext_out);
}

}  // namespace lightwell::proto::crypto
