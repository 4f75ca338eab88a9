// admin.json and scrypt (web_credentials.hpp).
#include "lightwell/server/web_credentials.hpp"

#include <sys/stat.h>

#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "lightwell/proto/hex.hpp"
#include "lightwell/server/startup_error.hpp"
#include "state_json.hpp"

namespace lightwell::server {
namespace json = boost::json;

std::vector<std::uint8_t> scrypt(std::string_view password, std::span<const std::uint8_t> salt,
                                 const ScryptParams& params) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
  if (kdf == nullptr) throw std::runtime_error("OpenSSL has no SCRYPT KDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) throw std::runtime_error("EVP_KDF_CTX_new failed");
  std::uint64_t n = params.n;
  std::uint32_t r = params.r;
  std::uint32_t p = params.p;
  // An empty octet string still needs a valid pointer for OpenSSL's parameter parser.
  static const unsigned char kEmpty[1] = {0};
  OSSL_PARAM list[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        password.empty() ? const_cast<unsigned char*>(kEmpty)
                                                         : reinterpret_cast<unsigned char*>(const_cast<char*>(password.data())),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                        salt.empty() ? const_cast<unsigned char*>(kEmpty) : const_cast<std::uint8_t*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_end()};
  std::vector<std::uint8_t> out(params.length_bytes);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), list);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) throw std::runtime_error("scrypt failed (parameters refused by OpenSSL)");
  return out;
}

std::string check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return "the user name must be 1 to 64 characters";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return "the user name may contain only letters, digits, '.', '_' and '-'";
  }
  return {};
}

std::string check_password(std::string_view password) {
  if (password.size() < kMinPasswordLength) return fmt::format("the password must have at least {} characters", kMinPasswordLength);
  if (password.size() > kMaxPasswordLength) return fmt::format("the password must have at most {} characters", kMaxPasswordLength);
  if (password.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos) {
    return "the password must be one line";
  }
  return {};
}

namespace {

std::vector<std::uint8_t> get_hex(const std::filesystem::path& file, const json::object& o, std::string_view key,
                                  const std::string& where) {
  auto bytes = proto::from_hex(state_json::get_string(file, o, key, where), 64);
  if (!bytes || bytes->empty()) state_json::corrupt(file, fmt::format("{}\"{}\" is not hex", where, key));
  return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
}

}  // namespace

std::vector<AdminUser> CredentialStore::users() const {
  struct stat st{};
  if (::stat(file_.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    throw StartupError(fmt::format("{}: holds the web password hash but is accessible by group or others (mode {:o})",
                                   file_.string(), st.st_mode & 0777),
                       fmt::format("chmod 600 {}", file_.string()));
  }
  const std::optional<std::string> text = state_json::read(file_);
  if (!text) return {};
  const json::object root = state_json::parse_object(file_, *text);
  state_json::check_format_version(file_, root);
  const json::value* list = root.if_contains("users");
  if (list == nullptr || !list->is_array()) state_json::corrupt(file_, "\"users\" is missing or not an array");
  std::vector<AdminUser> out;
  for (const json::value& v : list->as_array()) {
    const std::string where = fmt::format("users[{}]: ", out.size());
    if (!v.is_object()) state_json::corrupt(file_, where + "not an object");
    const json::object& o = v.as_object();
    AdminUser u;
    u.name = state_json::get_string(file_, o, "name", where);
    if (state_json::get_string(file_, o, "kdf", where) != "scrypt") state_json::corrupt(file_, where + "unknown kdf");
    const std::int64_t n = state_json::get_int(file_, o, "n", where);
    const std::int64_t r = state_json::get_int(file_, o, "r", where);
    const std::int64_t p = state_json::get_int(file_, o, "p", where);
    // Bounds keep a tampered file from making each login cost gigabytes.
    if (n < 2 || n > (1 << 22) || (n & (n - 1)) != 0 || r < 1 || r > 32 || p < 1 || p > 16) {
      state_json::corrupt(file_, where + "scrypt parameters out of range");
    }
    u.params.n = static_cast<std::uint64_t>(n);
    u.params.r = static_cast<std::uint32_t>(r);
    u.params.p = static_cast<std::uint32_t>(p);
    u.salt = get_hex(file_, o, "salt_hex", where);
    u.hash = get_hex(file_, o, "hash_hex", where);
    if (u.hash.size() < 16 || u.hash.size() > 64) state_json::corrupt(file_, where + "hash length out of range");
    u.params.length_bytes = u.hash.size();
    out.push_back(std::move(u));
  }
  return out;
}

bool CredentialStore::verify(std::string_view user, std::string_view password) const {
  const std::vector<AdminUser> all = users();
  const AdminUser* match = nullptr;
  for (const auto& u : all) {
    if (u.name == user) match = &u;
  }
  if (password.size() > kMaxPasswordLength) password = password.substr(0, kMaxPasswordLength);
  if (match == nullptr) {
    static const std::uint8_t kSalt[16] = {};
    (void)scrypt(password, kSalt, params_);  // same cost as a real check
    return false;
  }
  const std::vector<std::uint8_t> got = scrypt(password, match->salt, match->params);
  return got.size() == match->hash.size() && CRYPTO_memcmp(got.data(), match->hash.data(), got.size()) == 0;
}

void CredentialStore::set_password(std::string_view user, std::string_view password, const RandomFill& random) const {
  std::vector<AdminUser> all = users();
  AdminUser fresh;
  fresh.name = std::string(user);
  fresh.params = params_;
  fresh.salt.resize(16);
  random(fresh.salt);
  fresh.hash = scrypt(password, fresh.salt, fresh.params);
  bool replaced = false;
  for (auto& u : all) {
    if (u.name == user) {
      u = fresh;
      replaced = true;
    }
  }
  if (!replaced) all.push_back(std::move(fresh));
  json::array list;
  for (const auto& u : all) {
    list.push_back(json::object{{"name", u.name},
                                {"kdf", "scrypt"},
                                {"n", static_cast<std::int64_t>(u.params.n)},
                                {"r", static_cast<std::int64_t>(u.params.r)},
                                {"p", static_cast<std::int64_t>(u.params.p)},
                                {"salt_hex", proto::to_hex(u.salt)},
                                {"hash_hex", proto::to_hex(u.hash)}});
  }
  state_json::write(file_, json::object{{"format_version", kStateFormatVersion}, {"users", std::move(list)}});
}

}  // namespace lightwell::server
