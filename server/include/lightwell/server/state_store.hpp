// The state directory's contents: the host identity and the paired clients.
//
// identity.json (0600): {"format_version": 1, "uniqueid": "<16 hex>", "certificate_pem": "...",
//   "private_key_pem": "..."}. Created once on first start, in one atomic write so a crash
//   cannot leave half an identity. A new identity would unpair every client, so a file that is
//   present but unreadable, corrupt or of an unknown format stops start-up and is left exactly
//   as it is. If it is group- or world-accessible, start-up is refused (like ssh does for
//   private keys) with the chmod that fixes it.
// clients.json (0600): {"format_version": 1, "clients": [{"id", "name", "certificate_pem",
//   "first_seen_unix_s", "last_seen_unix_s"}]}. A missing file is an empty list; a corrupt
//   one stops start-up, untouched.
// Readers ignore JSON members they do not know, so a later version may add fields without
// bumping format_version; a higher format_version is refused (the message names it).
//
// Thread rules: not thread-safe; the server uses these from its io thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/server/log.hpp"

namespace lightwell::server {

inline constexpr int kStateFormatVersion = 1;

// Creates the directory (and parents) with mode 0700 if missing, checks it is a writable
// directory, warns when it is group/world accessible, and removes leftover temporaries.
// Throws StartupError naming the directory on failure.
void prepare_state_dir(const std::filesystem::path& dir, const Log& log);

struct HostIdentity {
  std::string uniqueid;         // 16 upper-case hex digits; serverinfo <uniqueid>
  std::string certificate_pem;  // self-signed RSA-2048 certificate
  std::string private_key_pem;  // SECRET: never log it
};

// Loads identity.json, or creates it when absent. common_name goes into a new certificate.
HostIdentity load_or_create_identity(const std::filesystem::path& dir, const Log& log);

struct PairedClient {
  std::string id;               // first 16 hex digits of SHA-256(certificate DER), lower case
  std::string name;             // as given when pairing; not necessarily unique
  std::string certificate_pem;
  std::int64_t first_seen_unix_s = 0;
  std::int64_t last_seen_unix_s = 0;
};

// The client id for a PEM certificate; throws StartupError if it does not parse.
std::string client_id_for(std::string_view certificate_pem);

class ClientStore {
 public:
  // Loads clients.json from dir (missing → empty). Throws StartupError if corrupt.
  static ClientStore load(const std::filesystem::path& dir);

  const std::vector<PairedClient>& clients() const noexcept { return clients_; }

  // Adds or, for an already paired certificate (same id), renames and refreshes it; persists.
  void add(PairedClient client);
  // Removes the client whose id equals key, else the one whose name equals key. A name shared
  // by several clients is refused (StartupError listing their ids). Persists. Returns the
  // removed client, nullopt when nothing matched.
  std::optional<PairedClient> remove(std::string_view name_or_id);

  // The client whose stored certificate is byte for byte this DER (the HTTPS peer
  // certificate), else nullptr. No other notion of "same" (public key, subject) counts.
  // The pointer is valid until the next add/remove/touch.
  const PairedClient* find_by_certificate_der(std::span<const std::uint8_t> der) const;
  // Sets last_seen_unix_s of the client with this id and persists; false if no such client.
  // Callers throttle it (the nvhttp service writes at most once a minute per client).
  bool touch(std::string_view id, std::int64_t last_seen_unix_s);
  // Sets the name of the client with this id and persists; false if no such client.
  bool rename(std::string_view id, std::string name);

 private:
  explicit ClientStore(std::filesystem::path file) : file_(std::move(file)) {}
  void save() const;

  std::filesystem::path file_;
  std::vector<PairedClient> clients_;
};

}  // namespace lightwell::server
