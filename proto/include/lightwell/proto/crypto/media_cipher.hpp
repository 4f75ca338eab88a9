// The encrypting halves of the media packetizers: AES-128-GCM per video datagram
// (video.md §9) and AES-128-CBC per audio payload (audio.md §4). The framing (IV layout,
// prefix offsets) is pure and lives in proto (video_packetizer.hpp, audio_packetizer.hpp);
// these classes plug into the packetizers through their sealer interfaces, so proto itself
// never links OpenSSL.
//
// Key: the session's 16-byte rikey (/launch or /resume). IV uniqueness: the video IV counter
// lives in the VideoEncryptor, so use exactly one per session key for the whole session
// (a new one restarting at 0 under the same key would repeat IVs). Audio IVs derive from
// the RTP sequence number as the client requires (audio.md §4).
// Thread: not thread-safe (each holds an OpenSSL context); one per send thread.
#pragma once

#include <cstdint>
#include <utility>

#include "lightwell/proto/audio_packetizer.hpp"
#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/video_packetizer.hpp"

namespace lightwell::proto::crypto {

// Seals video datagrams in place: slot = [IV 12][LE32 frameIndex][tag 16][S-byte plaintext],
// the plaintext replaced by its ciphertext. The IV counter starts at iv_counter_start and
// advances by one per sealed datagram (also across frames).
class VideoEncryptor final : public VideoDatagramSealer {
 public:
  static Result<VideoEncryptor> create(const Key128& key, std::uint64_t iv_counter_start = 0);

  Result<void> seal(MutableBytes slot, std::uint32_t frame_index) override;
  std::uint64_t next_iv_counter() const noexcept { return counter_; }

 private:
  VideoEncryptor(AesGcm gcm, std::uint64_t counter) : gcm_(std::move(gcm)), counter_(counter) {}
  AesGcm gcm_;
  std::uint64_t counter_;
};

// The client's side of video.md §9 (for tests and the test client): checks and decrypts one
// encrypted datagram into plaintext_out (wire.size() - 32 bytes) and returns its frameNumber.
// truncated when shorter than the prefix, auth_failed on a bad tag.
Result<std::uint32_t> open_video_datagram(AesGcm& gcm, Bytes wire, MutableBytes plaintext_out);

// Encrypts audio payloads with AES-128-CBC + PKCS#7, IV = BE32(rikeyid + seq) ‖ 0^12.
class AudioEncryptor final : public AudioPayloadSealer {
 public:
  static Result<AudioEncryptor> create(const Key128& key, std::int32_t rikeyid);

  std::size_t sealed_size(std::size_t plaintext_bytes) const noexcept override {
    return AesCbc::padded_size(plaintext_bytes);
  }
  Result<void> seal(std::uint16_t sequence_number, Bytes plaintext, MutableBytes out) override;

 private:
  AudioEncryptor(AesCbc cbc, std::int32_t rikeyid) : cbc_(std::move(cbc)), rikeyid_(rikeyid) {}
  AesCbc cbc_;
  std::int32_t rikeyid_;
};

// The client's side of audio.md §4: decrypts one payload, returns the plaintext length.
Result<std::size_t> open_audio_payload(AesCbc& cbc, std::int32_t rikeyid, std::uint16_t sequence_number,
                                       Bytes ciphertext, MutableBytes plaintext_out);

}  // namespace lightwell::proto::crypto
