#include "lightwell/proto/crypto/aes.hpp"

#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <string>
#include <utility>

namespace lightwell::proto::crypto {

namespace {

Result<void> check(int rc, const char* what) {
  if (rc != 1) return fail(Errc::crypto_failure, std::string("OpenSSL ") + what + " failed");
  return {};
}

// EVP takes int lengths; our packets are far below INT_MAX, but a caller's span is not trusted.
Result<int> int_length(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) return fail(Errc::too_large, "buffer exceeds INT_MAX bytes");
  return static_cast<int>(n);
}

}  // namespace

CipherContext::CipherContext() : enc_(EVP_CIPHER_CTX_new()), dec_(EVP_CIPHER_CTX_new()) {}
CipherContext::~CipherContext() {
  EVP_CIPHER_CTX_free(enc_);
  EVP_CIPHER_CTX_free(dec_);
}
CipherContext::CipherContext(CipherContext&& other) noexcept
    : enc_(std::exchange(other.enc_, nullptr)), dec_(std::exchange(other.dec_, nullptr)) {}
CipherContext& CipherContext::operator=(CipherContext&& other) noexcept {
  if (this != &other) {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
    enc_ = std::exchange(other.enc_, nullptr);
    dec_ = std::exchange(other.dec_, nullptr);
  }
  return *this;
}

Result<AesGcm> AesGcm::create(const Key128& key) {
  AesGcm ctx;
  if (!ctx.enc_ || !ctx.dec_) return fail(Errc::crypto_failure, "EVP_CIPHER_CTX_new failed");
  // The default GCM IV length is 12 bytes, which is what every GameStream IV is.
  if (auto r = check(EVP_EncryptInit_ex(ctx.enc_, EVP_aes_128_gcm(), nullptr, key.data(), nullptr), "GCM init"); !r)
    return tl::unexpected(r.error());
  if (auto r = check(EVP_DecryptInit_ex(ctx.dec_, EVP_aes_128_gcm(), nullptr, key.data(), nullptr), "GCM init"); !r)
    return tl::unexpected(r.error());
  return ctx;
}

Result<void> AesGcm::seal(Bytes iv, Bytes plaintext, MutableBytes ciphertext_out, MutableBytes tag_out) {
  if (iv.size() != 12) return fail(Errc::out_of_range, "GCM IV must be 12 bytes");
  if (ciphertext_out.size() < plaintext.size() || tag_out.size() < kGcmTagSize)
    return fail(Errc::too_large, "GCM output buffer too small");
  auto len = int_length(plaintext.size());
  if (!len) return tl::unexpected(len.error());
  int out_len = 0;
  if (EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(enc_, ciphertext_out.data(), &out_len, plaintext.data(), *len) != 1 ||
      EVP_EncryptFinal_ex(enc_, ciphertext_out.data() + out_len, &out_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize), tag_out.data()) != 1) {
    return fail(Errc::crypto_failure, "AES-GCM encryption failed");
  }
  return {};
}

Result<void> AesGcm::open(Bytes iv, Bytes ciphertext, Bytes tag, MutableBytes plaintext_out) {
  if (iv.size() != 12) return fail(Errc::out_of_range, "GCM IV must be 12 bytes");
  if (tag.size() != kGcmTagSize) return fail(Errc::out_of_range, "GCM tag must be 16 bytes");
  if (plaintext_out.size() < ciphertext.size()) return fail(Errc::too_large, "GCM output buffer too small");
  auto len = int_length(ciphertext.size());
  if (!len) return tl::unexpected(len.error());
  int out_len = 0;
  if (EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_DecryptUpdate(dec_, plaintext_out.data(), &out_len, ciphertext.data(), *len) != 1 ||
      EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize),
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return fail(Errc::crypto_failure, "AES-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(dec_, plaintext_out.data() + out_len, &out_len) != 1) {
    return fail(Errc::auth_failed, "AES-GCM tag mismatch");
  }
  return {};
}

Result<AesCbc> AesCbc::create(const Key128& key) {
  AesCbc ctx;
  if (!ctx.enc_ || !ctx.dec_) return fail(Errc::crypto_failure, "EVP_CIPHER_CTX_new failed");
  if (auto r = check(EVP_EncryptInit_ex(ctx.enc_, EVP_aes_128_cbc(), nullptr, key.data(), nullptr), "CBC init"); !r)
    return tl::unexpected(r.error());
  if (auto r = check(EVP_DecryptInit_ex(ctx.dec_, EVP_aes_128_cbc(), nullptr, key.data(), nullptr), "CBC init"); !r)
    return tl::unexpected(r.error());
  return ctx;
}

Result<std::size_t> AesCbc::encrypt(Bytes iv, Bytes plaintext, MutableBytes ciphertext_out) {
  if (iv.size() != kAesBlockSize) return fail(Errc::out_of_range, "CBC IV must be 16 bytes");
  if (ciphertext_out.size() < padded_size(plaintext.size())) return fail(Errc::too_large, "CBC output buffer too small");
  auto len = int_length(plaintext.size());
  if (!len) return tl::unexpected(len.error());
  int n1 = 0, n2 = 0;
  if (EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(enc_, ciphertext_out.data(), &n1, plaintext.data(), *len) != 1 ||
      EVP_EncryptFinal_ex(enc_, ciphertext_out.data() + n1, &n2) != 1) {
    return fail(Errc::crypto_failure, "AES-CBC encryption failed");
  }
  return static_cast<std::size_t>(n1 + n2);
}

Result<std::size_t> AesCbc::decrypt(Bytes iv, Bytes ciphertext, MutableBytes plaintext_out) {
  if (iv.size() != kAesBlockSize) return fail(Errc::out_of_range, "CBC IV must be 16 bytes");
  if (ciphertext.empty() || ciphertext.size() % kAesBlockSize != 0)
    return fail(Errc::malformed, "CBC ciphertext is not a whole number of blocks");
  if (plaintext_out.size() < ciphertext.size()) return fail(Errc::too_large, "CBC output buffer too small");
  auto len = int_length(ciphertext.size());
  if (!len) return tl::unexpected(len.error());
  int n1 = 0, n2 = 0;
  if (EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_DecryptUpdate(dec_, plaintext_out.data(), &n1, ciphertext.data(), *len) != 1) {
    return fail(Errc::crypto_failure, "AES-CBC decryption failed");
  }
  if (EVP_DecryptFinal_ex(dec_, plaintext_out.data() + n1, &n2) != 1) {
    return fail(Errc::auth_failed, "AES-CBC padding is invalid");
  }
  return static_cast<std::size_t>(n1 + n2);
}

namespace {
Result<std::vector<std::uint8_t>> ecb(const Key128& key, Bytes in, bool encrypt) {
  if (in.size() % kAesBlockSize != 0) return fail(Errc::malformed, "ECB input is not a whole number of blocks");
  auto len = int_length(in.size());
  if (!len) return tl::unexpected(len.error());
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::vector<std::uint8_t> out(in.size() + kAesBlockSize);
  int n1 = 0, n2 = 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), *len) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
    return fail(Errc::crypto_failure, "AES-ECB failed");
  }
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}
}  // namespace

Result<std::vector<std::uint8_t>> aes_ecb_encrypt(const Key128& key, Bytes plaintext) { return ecb(key, plaintext, true); }
Result<std::vector<std::uint8_t>> aes_ecb_decrypt(const Key128& key, Bytes ciphertext) { return ecb(key, ciphertext, false); }

}  // namespace lightwell::proto::crypto
