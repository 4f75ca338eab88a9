// clients.json (server/state_store.hpp ClientStore::load): the paired clients, whose
// certificates decide who may stream. A corrupt file must stop start-up with a StartupError,
// untouched; no other exception, no crash. The seed holds tests/data/pairing/client_cert.pem.
// Invariants: every loaded client's id is the hash prefix of its certificate, and exactly
// that certificate's DER finds it again (find_by_certificate_der: byte-for-byte identity is
// the only notion of "same client"); a rejected file is not modified.
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_store.hpp"
#include "state_dir.hpp"

namespace ls = lightwell::server;
namespace lc = lightwell::proto::crypto;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const lightwell::fuzz::StateDir dir;
  const std::string original(reinterpret_cast<const char*>(data), size);
  dir.write("clients.json", data, size);
  try {
    const ls::ClientStore store = ls::ClientStore::load(dir.path());
    for (const auto& client : store.clients()) {
      FUZZ_CHECK(client.id == ls::client_id_for(client.certificate_pem));
      auto cert = lc::Certificate::from_pem(client.certificate_pem);
      FUZZ_CHECK(cert.has_value());
      const ls::PairedClient* found = store.find_by_certificate_der(cert->der());
      FUZZ_CHECK(found != nullptr && found->id == client.id);
      // A one-byte change of the DER is another certificate.
      auto der = cert->der();
      der.back() ^= 1;
      FUZZ_CHECK(store.find_by_certificate_der(der) == nullptr);
    }
  } catch (const ls::StartupError&) {
  }
  FUZZ_CHECK(read_file(dir.path() / "clients.json") == original);
  return 0;
}
