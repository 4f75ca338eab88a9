// AES-128-GCM sealing and opening of encrypted RTSP messages (shared/protocol/rtsp.md §3):
// key = rikey from /launch, no AAD, 16-byte tag, IV from encrypted_rtsp_iv(). The framing
// itself is in lightwell/proto/rtsp_encrypted.hpp.
//
// One RtspCipher per launch session and side. It holds the expanded key; it does not own the
// sequence counter (the caller's session does: the host increments its own counter before
// each reply, starting at 1, and must not validate the client's, rtsp.md §3). Not
// thread-safe: one per connection handler at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/result.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"

namespace lightwell::proto::crypto {

enum class RtspRole { host, client };

class RtspCipher {
 public:
  // role = which side we are: a host seals with 'H''R' IVs and opens 'C''R' ones.
  static Result<RtspCipher> create(const Key128& rikey, RtspRole role);

  // Returns header ‖ ciphertext for one complete plaintext RTSP message. Fails if the
  // plaintext is empty or longer than max_ciphertext_bytes.
  Result<std::vector<std::uint8_t>> seal(
      std::uint32_t sequence, std::string_view plaintext,
      std::size_t max_ciphertext_bytes = kEncryptedRtspMaxCiphertextBytes);

  // Decrypts a frame from the peer (parsed by parse_encrypted_rtsp_frame/_message) and checks
  // its tag; auth_failed on a bad tag or a frame sealed for the other direction.
  Result<std::string> open(const EncryptedRtspFrame& frame);

 private:
  RtspCipher(AesGcm gcm, RtspRole role) : gcm_(std::move(gcm)), role_(role) {}
  AesGcm gcm_;
  RtspRole role_;
};

}  // namespace lightwell::proto::crypto
