// The web page's administrator credentials: <state dir>/admin.json (docs/web.md).
//
// {"format_version": 1, "users": [{"name": "admin", "kdf": "scrypt", "n": 32768, "r": 8,
//   "p": 1, "salt_hex": "<16 random bytes>", "hash_hex": "<32 bytes>"}]}
//
// Nothing exists until the operator runs `lightwell admin set-password` (no first visitor can
// claim the page). scrypt (RFC 7914) is memory-hard: 2^15 × r=8 costs 32 MiB and ~0.1 s per
// guess, and a per-user random salt makes every stored hash a separate target. The file is
// written atomically with mode 0600; a file that is group/world accessible or corrupt is
// refused with a clear error and left untouched (like identity.json).
//
// Thread rules: plain functions and a stateless store; the server calls them on its io thread.
// The password is SECRET: it is never logged, stored or copied beyond the call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/server/pairing_service.hpp"  // RandomFill

namespace lightwell::server {

struct ScryptParams {
  std::uint64_t n = 1u << 15;  // CPU/memory cost, power of two (RFC 7914 §2)
  std::uint32_t r = 8;         // block size
  std::uint32_t p = 1;         // parallelism
  std::size_t length_bytes = 32;
};

// scrypt through OpenSSL 3's EVP_KDF "SCRYPT". Throws std::runtime_error when OpenSSL refuses
// (e.g. parameters beyond its memory limit).
std::vector<std::uint8_t> scrypt(std::string_view password, std::span<const std::uint8_t> salt,
                                 const ScryptParams& params);

struct AdminUser {
  std::string name;
  ScryptParams params;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

inline std::filesystem::path admin_file(const std::filesystem::path& state_dir) { return state_dir / "admin.json"; }

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 1024;
inline constexpr std::string_view kDefaultAdminUser = "admin";

// "" when the name is acceptable (1..64 of [A-Za-z0-9._-]), else why not.
std::string check_user_name(std::string_view name);
// "" when the password is acceptable (8..1024 bytes, no NUL or line break), else why not.
std::string check_password(std::string_view password);

class CredentialStore {
 public:
  explicit CredentialStore(std::filesystem::path state_dir, ScryptParams params = {})
      : file_(admin_file(state_dir)), params_(params) {}

  // Reads admin.json now (the running server reads it per login, so a password set while it
  // runs counts at once). Empty when the file is absent. Throws StartupError when it is
  // unreadable, corrupt, of a newer format or group/world accessible; the file is untouched.
  std::vector<AdminUser> users() const;
  bool password_set() const { return !users().empty(); }
  // True when user exists and the password matches (constant-time compare). An unknown
  // user costs the same scrypt run, so timing does not tell names apart.
  bool verify(std::string_view user, std::string_view password) const;
  // Adds or replaces user with a fresh salt; writes the file atomically (0600).
  void set_password(std::string_view user, std::string_view password, const RandomFill& random) const;

  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  std::filesystem::path file_;
  ScryptParams params_;
};

}  // namespace lightwell::server
