// AES-128 as GameStream uses it (OpenSSL 3 EVP underneath; no OpenSSL type in this header):
//  - GCM, 12-byte IV, 16-byte tag, no AAD: control stream, encrypted RTSP, video
//    (shared/protocol/control.md §3, rtsp.md §3, video.md §9);
//  - CBC with PKCS#7 padding: audio (audio.md §4);
//  - ECB without padding: pairing phases 2–3 (http-pairing.md §5.1).
// Contexts hold the expanded key, so per-packet calls only set the IV. A context is not
// thread-safe: one per thread (the send thread, the ENet thread, ...).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace lightwell::proto::crypto {

using Key128 = std::array<std::uint8_t, 16>;
inline constexpr std::size_t kGcmTagSize = 16;
inline constexpr std::size_t kAesBlockSize = 16;

class CipherContext {
 public:
  CipherContext(const CipherContext&) = delete;
  CipherContext& operator=(const CipherContext&) = delete;
  CipherContext(CipherContext&& other) noexcept;
  CipherContext& operator=(CipherContext&& other) noexcept;
  ~CipherContext();

 protected:
  CipherContext();
  evp_cipher_ctx_st* enc_ = nullptr;  // owned
  evp_cipher_ctx_st* dec_ = nullptr;  // owned
};

class AesGcm : public CipherContext {
 public:
  static Result<AesGcm> create(const Key128& key);

  // Encrypts plaintext into ciphertext_out (same size; may be the same memory) and writes
  // the 16-byte tag. iv must be 12 bytes.
  Result<void> seal(Bytes iv, Bytes plaintext, MutableBytes ciphertext_out, MutableBytes tag_out);
  // Decrypts and verifies; on a bad tag returns auth_failed and plaintext_out is garbage.
  Result<void> open(Bytes iv, Bytes ciphertext, Bytes tag, MutableBytes plaintext_out);

 private:
  AesGcm() = default;
};

class AesCbc : public CipherContext {
 public:
  static Result<AesCbc> create(const Key128& key);
  static std::size_t padded_size(std::size_t plaintext_size) noexcept {
    return (plaintext_size / kAesBlockSize + 1) * kAesBlockSize;  // PKCS#7 always pads
  }
  // iv is 16 bytes. Returns the ciphertext length (padded_size(plaintext.size())).
  Result<std::size_t> encrypt(Bytes iv, Bytes plaintext, MutableBytes ciphertext_out);
  // Returns the plaintext length; bad padding -> auth_failed.
  Result<std::size_t> decrypt(Bytes iv, Bytes ciphertext, MutableBytes plaintext_out);

 private:
  AesCbc() = default;
};

// ECB, no padding; input length must be a multiple of 16. Not on any hot path.
Result<std::vector<std::uint8_t>> aes_ecb_encrypt(const Key128& key, Bytes plaintext);
Result<std::vector<std::uint8_t>> aes_ecb_decrypt(const Key128& key, Bytes ciphertext);

}  // namespace lightwell::proto::crypto
