// State directory, host identity. Client store in client_store.cpp.
#include "lightwell/server/state_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <random>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/hex.hpp"
#include "lightwell/server/atomic_file.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_paths.hpp"
#include "state_json.hpp"

namespace lightwell::server {
namespace fs = std::filesystem;
namespace json = boost::json;
namespace crypto = lightwell::proto::crypto;

void prepare_state_dir(const fs::path& dir, const Log& log) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    // Parents get the usual modes (e.g. ~/.local/state on a fresh account); the last
    // component is created 0700 itself, because it is what protects the identity.
    if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
    if (ec || (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)) {
      if (!ec) ec = std::error_code(errno, std::generic_category());
      throw StartupError(fmt::format("{}: cannot create the state directory: {}", dir.string(), ec.message()),
                         "create it by hand or choose another with --state-dir");
    }
    if (::chmod(dir.c_str(), 0700) != 0) {
      throw StartupError(fmt::format("{}: cannot set mode 0700 on the state directory", dir.string()));
    }
    log.info("created state directory {}", dir.string());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw StartupError(fmt::format("{}: the state directory is not a directory", dir.string()),
                       "remove it or choose another with --state-dir");
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    throw StartupError(fmt::format("{}: the state directory is not writable by this user", dir.string()),
                       "fix its owner/permissions or choose another with --state-dir");
  }
  if ((st.st_mode & 077) != 0) {
    log.warn("state directory {} is accessible to group/others (mode {:04o}); run: chmod 700 {}",
             dir.string(), st.st_mode & 07777, dir.string());
  }
  for (const auto& name : remove_stale_temp_files(dir)) {
    log.info("removed leftover temporary file {} (an earlier write was interrupted)", name);
  }
}

namespace {

std::string new_uniqueid() {
  // Not a secret, only stable and unlikely to collide: 64 bits from the OS entropy source.
  std::random_device rd;
  std::array<std::uint8_t, 8> bytes{};
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rd());
  return proto::to_hex(bytes, /*upper_case=*/true);
}

HostIdentity parse_identity(const fs::path& file, const std::string& text) {
  const json::object root = state_json::parse_object(file, text);
  state_json::check_format_version(file, root);
  HostIdentity id;
  id.uniqueid = state_json::get_string(file, root, "uniqueid");
  id.certificate_pem = state_json::get_string(file, root, "certificate_pem");
  id.private_key_pem = state_json::get_string(file, root, "private_key_pem");
  if (id.uniqueid.size() != 16 || id.uniqueid.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos) {
    state_json::corrupt(file, "\"uniqueid\" is not 16 hex digits");
  }
  auto cert = crypto::Certificate::from_pem(id.certificate_pem);
  if (!cert) state_json::corrupt(file, "\"certificate_pem\" is not a PEM certificate: " + cert.error().message);
  auto key = crypto::PrivateKey::from_pem(id.private_key_pem);
  // The parser's message is about the structure, never the key bytes.
  if (!key) state_json::corrupt(file, "\"private_key_pem\" is not a PEM private key: " + key.error().message);
  static constexpr std::array<std::uint8_t, 4> kProbe{'l', 'w', 'i', 'd'};
  auto signature = key->sign_sha256(kProbe);
  if (!signature || !cert->verify_sha256(kProbe, *signature)) {
    state_json::corrupt(file, "the private key does not belong to the certificate");
  }
  return id;
}

}  // namespace

HostIdentity load_or_create_identity(const fs::path& dir, const Log& log) {
  const fs::path file = identity_file(dir);
  const std::optional<std::string> text = state_json::read(file);
  if (text) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      throw StartupError(fmt::format("{}: the host private key is accessible to group/others (mode {:04o})",
                                     file.string(), st.st_mode & 07777),
                         fmt::format("run `chmod 600 {}` (and consider whether the key leaked)", file.string()));
    }
    HostIdentity id = parse_identity(file, *text);
    log.debug("loaded host identity from {}", file.string());
    return id;
  }
  log.info("no host identity yet: generating an RSA-2048 key and certificate in {}", file.string());
  auto generated = crypto::generate_identity("Lightwell GameStream Host");
  if (!generated) {
    throw StartupError("cannot generate the host identity: " + generated.error().message);
  }
  HostIdentity id{new_uniqueid(), generated->cert_pem, generated->key_pem};
  json::object root;
  root["format_version"] = kStateFormatVersion;
  root["uniqueid"] = id.uniqueid;
  root["certificate_pem"] = id.certificate_pem;
  root["private_key_pem"] = id.private_key_pem;
  state_json::write(file, root);
  log.info("created host identity (uniqueid {})", id.uniqueid);
  return id;
}

}  // namespace lightwell::server
