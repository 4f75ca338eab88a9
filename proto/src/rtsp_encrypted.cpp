// Encrypted RTSP framing (shared/protocol/rtsp.md §3).
#include "lightwell/proto/rtsp_encrypted.hpp"

#include <algorithm>
#include <string>

namespace lightwell::proto {

std::array<std::uint8_t, kEncryptedRtspIvBytes> encrypted_rtsp_iv(std::uint32_t sequence,
                                                                  RtspDirection direction) noexcept {
  std::array<std::uint8_t, kEncryptedRtspIvBytes> iv{};
  store_u32_le(iv.data(), sequence);
  iv[10] = direction == RtspDirection::client_to_host ? 'C' : 'H';
  iv[11] = 'R';
  return iv;
}

bool starts_encrypted_rtsp(Bytes input) noexcept {
  return !input.empty() && (input[0] & 0x80) != 0;
}

namespace {

// Validates the length word; returns N.
Result<std::size_t> checked_length(std::uint32_t type_and_length, std::size_t max_ciphertext_bytes) {
  if ((type_and_length & kEncryptedRtspFlag) == 0) {
    return fail(Errc::malformed, "encrypted RTSP: flag bit 0x80000000 missing (plaintext?)");
  }
  const std::size_t n = type_and_length & ~kEncryptedRtspFlag;
  if (n == 0) return fail(Errc::malformed, "encrypted RTSP: empty ciphertext");
  if (n > max_ciphertext_bytes) {
    return fail(Errc::too_large, "encrypted RTSP: ciphertext of " + std::to_string(n) +
                                     " bytes above the limit of " +
                                     std::to_string(max_ciphertext_bytes));
  }
  return n;
}

EncryptedRtspFrame make_frame(Bytes input, std::size_t n) {
  EncryptedRtspFrame f;
  f.sequence = load_u32_be(input.data() + 4);
  f.tag = input.subspan(8, kEncryptedRtspTagBytes);
  f.ciphertext = input.subspan(kEncryptedRtspHeaderBytes, n);
  f.consumed_bytes = kEncryptedRtspHeaderBytes + n;
  return f;
}

}  // namespace

Result<std::optional<EncryptedRtspFrame>> parse_encrypted_rtsp_frame(
    Bytes input, std::size_t max_ciphertext_bytes) {
  // Judge the flag on the first byte, so plaintext is refused before 4 bytes arrive.
  if (!input.empty() && !starts_encrypted_rtsp(input)) {
    return fail(Errc::malformed, "encrypted RTSP: flag bit 0x80000000 missing (plaintext?)");
  }
  if (input.size() < 4) return std::optional<EncryptedRtspFrame>{};
  auto n = checked_length(load_u32_be(input.data()), max_ciphertext_bytes);
  if (!n) return tl::unexpected(n.error());
  if (input.size() < kEncryptedRtspHeaderBytes + *n) return std::optional<EncryptedRtspFrame>{};
  return std::optional<EncryptedRtspFrame>{make_frame(input, *n)};
}

Result<EncryptedRtspFrame> parse_encrypted_rtsp_message(Bytes message,
                                                        std::size_t max_ciphertext_bytes) {
  if (message.size() < 4) return fail(Errc::truncated, "encrypted RTSP: shorter than its header");
  auto n = checked_length(load_u32_be(message.data()), max_ciphertext_bytes);
  if (!n) return tl::unexpected(n.error());
  if (message.size() < kEncryptedRtspHeaderBytes + *n) {
    return fail(Errc::truncated, "encrypted RTSP: message shorter than its length field");
  }
  if (message.size() > kEncryptedRtspHeaderBytes + *n) {
    return fail(Errc::malformed, "encrypted RTSP: bytes after the length the header announced");
  }
  return make_frame(message, *n);
}

Result<void> write_encrypted_rtsp_header(MutableBytes out, std::size_t ciphertext_bytes,
                                         std::uint32_t sequence, Bytes tag,
                                         std::size_t max_ciphertext_bytes) {
  if (ciphertext_bytes == 0) return fail(Errc::malformed, "encrypted RTSP: empty message");
  if (ciphertext_bytes >= kEncryptedRtspFlag || ciphertext_bytes > max_ciphertext_bytes) {
    return fail(Errc::too_large, "encrypted RTSP: message too large to frame");
  }
  if (tag.size() != kEncryptedRtspTagBytes) {
    return fail(Errc::malformed, "encrypted RTSP: tag must be 16 bytes");
  }
  if (out.size() < kEncryptedRtspHeaderBytes) {
    return fail(Errc::truncated, "encrypted RTSP: output shorter than the 24-byte header");
  }
  store_u32_be(out.data(), kEncryptedRtspFlag | static_cast<std::uint32_t>(ciphertext_bytes));
  store_u32_be(out.data() + 4, sequence);
  std::copy(tag.begin(), tag.end(), out.begin() + 8);
  return {};
}

}  // namespace lightwell::proto
