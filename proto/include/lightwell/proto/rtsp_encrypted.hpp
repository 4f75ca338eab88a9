// Encrypted RTSP framing (`rtspenc://`, shared/protocol/rtsp.md §3) — the pure part: where
// the length, flag bit, sequence number, tag and ciphertext sit, and how the 12-byte IV is
// built. The AES-GCM calls are in proto_crypto (crypto/rtsp_cipher.hpp).
//
//   offset 0  u32 BE  typeAndLength = 0x80000000 | N   (N = ciphertext bytes = plaintext bytes)
//   offset 4  u32 BE  sequenceNumber
//   offset 8  16      AES-GCM tag
//   offset 24 N       ciphertext of one complete RTSP message
//
// IV = LE32(sequenceNumber) ‖ 6 zero bytes ‖ 'C''R' (client→host) or 'H''R' (host→client).
// Pitfall (rtsp.md §7): the header field is big-endian, the IV copy little-endian.
// Pure functions, no state; frames are views into the caller's buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"
#include "lightwell/proto/rtsp.hpp"

namespace lightwell::proto {

inline constexpr std::size_t kEncryptedRtspHeaderBytes = 24;
inline constexpr std::size_t kEncryptedRtspTagBytes = 16;
inline constexpr std::size_t kEncryptedRtspIvBytes = 12;
inline constexpr std::uint32_t kEncryptedRtspFlag = 0x80000000u;
// Largest ciphertext we accept: one whole plaintext request within our RTSP limits
// (header block + body, rtsp.md §1's 64 KiB).
inline constexpr std::size_t kEncryptedRtspMaxCiphertextBytes =
    kDefaultRtspLimits.max_header_bytes + kDefaultRtspLimits.max_body_bytes;

enum class RtspDirection { client_to_host, host_to_client };

// LE32(seq) ‖ 00×6 ‖ 'C' 'R' or 'H' 'R'.
std::array<std::uint8_t, kEncryptedRtspIvBytes> encrypted_rtsp_iv(std::uint32_t sequence,
                                                                  RtspDirection direction) noexcept;

struct EncryptedRtspFrame {
  std::uint32_t sequence = 0;
  Bytes tag;         // 16 bytes, view into the input
  Bytes ciphertext;  // N bytes, view into the input
  std::size_t consumed_bytes = 0;  // 24 + N
};

// True if the first byte has the encrypted flag. A plaintext RTSP message starts with an ASCII
// letter, so one byte is enough to tell "plaintext on an encrypted session" (rtsp.md §3: the
// host must reject it with 400) from a frame.
bool starts_encrypted_rtsp(Bytes input) noexcept;

// Incremental (host reading a TCP stream): nullopt = need more bytes. Errors: the flag bit is
// missing (malformed: plaintext where a frame was expected), N = 0 (malformed: the client
// rejects messages with no ciphertext too), N > max_ciphertext_bytes (too_large; checked as
// soon as the 4 length bytes are in). Bytes after the frame are not consumed.
Result<std::optional<EncryptedRtspFrame>> parse_encrypted_rtsp_frame(
    Bytes input, std::size_t max_ciphertext_bytes = kEncryptedRtspMaxCiphertextBytes);

// Whole message read to EOF (the client reading our reply): as above, but the total size must
// be exactly 24 + N. Shorter -> truncated; longer -> malformed (the client rejects "partial"
// and "excess data" replies alike, rtsp.md §3).
Result<EncryptedRtspFrame> parse_encrypted_rtsp_message(
    Bytes message, std::size_t max_ciphertext_bytes = kEncryptedRtspMaxCiphertextBytes);

// Writes the 24-byte header (flag|N, sequence, tag) into out[0..24). Fails (too_large) if
// N does not fit in 31 bits or exceeds max_ciphertext_bytes, (malformed) if N is 0 or the tag
// is not 16 bytes, (truncated) if out is shorter than 24 bytes.
Result<void> write_encrypted_rtsp_header(
    MutableBytes out, std::size_t ciphertext_bytes, std::uint32_t sequence, Bytes tag,
    std::size_t max_ciphertext_bytes = kEncryptedRtspMaxCiphertextBytes);

}  // namespace lightwell::proto
