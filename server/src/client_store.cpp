// Paired clients (format in state_store.hpp).
#include <algorithm>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "lightwell/proto/crypto/hash.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/hex.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"
#include "state_json.hpp"

namespace lightwell::server {
namespace json = boost::json;
namespace crypto = lightwell::proto::crypto;

namespace {

std::optional<std::string> id_of(std::string_view pem) {
  auto cert = crypto::Certificate::from_pem(pem);
  if (!cert) return std::nullopt;
  const auto digest = crypto::sha256({cert->der()});
  return proto::to_hex(std::span(digest).first(8));
}

}  // namespace

std::string client_id_for(std::string_view certificate_pem) {
  auto id = id_of(certificate_pem);
  if (!id) throw StartupError("the client certificate is not a PEM certificate");
  return *id;
}

ClientStore ClientStore::load(const std::filesystem::path& dir) {
  ClientStore store(clients_file(dir));
  const std::optional<std::string> text = state_json::read(store.file_);
  if (!text) return store;
  const json::object root = state_json::parse_object(store.file_, *text);
  state_json::check_format_version(store.file_, root);
  const json::value* list = root.if_contains("clients");
  if (list == nullptr || !list->is_array()) state_json::corrupt(store.file_, "\"clients\" is missing or not an array");
  std::size_t index = 0;
  for (const json::value& v : list->as_array()) {
    const std::string where = fmt::format("clients[{}]: ", index++);
    if (!v.is_object()) state_json::corrupt(store.file_, where + "not an object");
    const json::object& o = v.as_object();
    PairedClient c;
    c.id = state_json::get_string(store.file_, o, "id", where);
    c.name = state_json::get_string(store.file_, o, "name", where);
    c.certificate_pem = state_json::get_string(store.file_, o, "certificate_pem", where);
    c.first_seen_unix_s = state_json::get_int(store.file_, o, "first_seen_unix_s", where);
    c.last_seen_unix_s = state_json::get_int(store.file_, o, "last_seen_unix_s", where);
    const auto expected = id_of(c.certificate_pem);
    if (!expected) state_json::corrupt(store.file_, where + "\"certificate_pem\" is not a PEM certificate");
    if (*expected != c.id) state_json::corrupt(store.file_, where + "\"id\" does not match the certificate");
    store.clients_.push_back(std::move(c));
  }
  return store;
}

void ClientStore::add(PairedClient client) {
  client.id = client_id_for(client.certificate_pem);
  std::vector<PairedClient> next = clients_;
  bool replaced = false;
  for (auto& c : next) {
    if (c.id == client.id) {
      client.first_seen_unix_s = c.first_seen_unix_s;
      c = client;
      replaced = true;
    }
  }
  if (!replaced) next.push_back(std::move(client));
  std::swap(clients_, next);
  try {
    save();
  } catch (...) {
    std::swap(clients_, next);  // memory keeps matching the file
    throw;
  }
}

std::optional<PairedClient> ClientStore::remove(std::string_view name_or_id) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& c) { return c.id == name_or_id; });
  if (it == clients_.end()) {
    std::vector<std::string> ids;
    for (const auto& c : clients_) {
      if (c.name == name_or_id) ids.push_back(c.id);
    }
    if (ids.size() > 1) {
      throw StartupError(fmt::format("{} clients are named \"{}\" (ids {})", ids.size(), name_or_id,
                                     fmt::join(ids, ", ")),
                         "unpair one by its id");
    }
    it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& c) { return c.name == name_or_id; });
  }
  if (it == clients_.end()) return std::nullopt;
  std::vector<PairedClient> next = clients_;
  PairedClient removed = *it;
  next.erase(next.begin() + (it - clients_.begin()));
  std::swap(clients_, next);
  try {
    save();
  } catch (...) {
    std::swap(clients_, next);
    throw;
  }
  return removed;
}

const PairedClient* ClientStore::find_by_certificate_der(std::span<const std::uint8_t> der) const {
  // The id is a prefix of SHA-256(DER): it picks the candidate, the full DER decides.
  const auto digest = crypto::sha256({der});
  const std::string id = proto::to_hex(std::span(digest).first(8));
  for (const auto& c : clients_) {
    if (c.id != id) continue;
    auto cert = crypto::Certificate::from_pem(c.certificate_pem);
    if (cert && cert->der().size() == der.size() && std::equal(der.begin(), der.end(), cert->der().begin())) {
      return &c;
    }
  }
  return nullptr;
}

bool ClientStore::touch(std::string_view id, std::int64_t last_seen_unix_s) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& c) { return c.id == id; });
  if (it == clients_.end()) return false;
  const std::int64_t before = it->last_seen_unix_s;
  it->last_seen_unix_s = last_seen_unix_s;
  try {
    save();
  } catch (...) {
    it->last_seen_unix_s = before;  // memory keeps matching the file
    throw;
  }
  return true;
}

void ClientStore::save() const {
  json::array list;
  for (const auto& c : clients_) {
    list.push_back(json::object{{"id", c.id},
                                {"name", c.name},
                                {"certificate_pem", c.certificate_pem},
                                {"first_seen_unix_s", c.first_seen_unix_s},
                                {"last_seen_unix_s", c.last_seen_unix_s}});
  }
  json::object root;
  root["format_version"] = kStateFormatVersion;
  root["clients"] = std::move(list);
  state_json::write(file_, root);
}

bool ClientStore::rename(std::string_view id, std::string name) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& c) { return c.id == id; });
  if (it == clients_.end()) return false;
  std::string before = std::exchange(it->name, std::move(name));
  try {
    save();
  } catch (...) {
    it->name = std::move(before);  // memory keeps matching the file
    throw;
  }
  return true;
}

}  // namespace lightwell::server
