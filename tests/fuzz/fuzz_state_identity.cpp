// identity.json (server/state_store.hpp load_or_create_identity): the host's certificate and
// private key, read at every start. A corrupt file must stop start-up with a StartupError and
// be left exactly as it is (a new identity would unpair every client); no other exception,
// no crash. The seed is an identity made of tests/data/pairing/server_{cert,key}.pem.
// Invariants: an accepted identity has a 16-hex-digit uniqueid and is byte for byte what the
// file holds; a rejected file is not modified, and no file is ever created next to it.
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_store.hpp"
#include "state_dir.hpp"

namespace ls = lightwell::server;

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
  static std::ostringstream log_text;
  static const ls::LogHub hub = ls::LogHub::to_stream(log_text, ls::LogLevel::error);
  static const ls::Log log = hub.get("fuzz");
  const std::string original(reinterpret_cast<const char*>(data), size);
  dir.write("identity.json", data, size);
  try {
    const ls::HostIdentity id = ls::load_or_create_identity(dir.path(), log);
    FUZZ_CHECK(id.uniqueid.size() == 16);
    FUZZ_CHECK(id.uniqueid.find_first_not_of("0123456789ABCDEFabcdef") == std::string::npos);
    FUZZ_CHECK(!id.certificate_pem.empty() && !id.private_key_pem.empty());
  } catch (const ls::StartupError&) {
  }
  // Loading never rewrites the file, whatever it held.
  FUZZ_CHECK(read_file(dir.path() / "identity.json") == original);
  log_text.str({});
  return 0;
}
