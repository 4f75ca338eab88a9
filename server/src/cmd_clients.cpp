// `lightwell clients ...` and `lightwell pair`: thin front ends over the state store and the
// control socket.
#include <ctime>
#include <iomanip>

#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"

namespace lightwell::server {
namespace {

std::string utc(std::int64_t unix_s) {
  if (unix_s <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int run_clients(const Invocation& inv, LogHub& hub, std::ostream& out, std::ostream& err) {
  const Setup setup = load_setup(inv.global, hub);
  // Reading needs no directory; unpairing writes, so it must exist (and will, if anything
  // was ever paired).
  ClientStore store = ClientStore::load(setup.state_dir);
  if (inv.command == Command::clients_list) {
    if (store.clients().empty()) {
      out << "no paired clients (state directory " << setup.state_dir.string() << ")\n";
      return 0;
    }
    out << fmt::format("{:<16}  {:<20}  {:<20}  {}\n", "ID", "FIRST SEEN", "LAST SEEN", "NAME");
    for (const auto& c : store.clients()) {
      out << fmt::format("{:<16}  {:<20}  {:<20}  {}\n", c.id, utc(c.first_seen_unix_s), utc(c.last_seen_unix_s),
                         c.name);
    }
    return 0;
  }
  const auto removed = store.remove(inv.unpair_key);
  if (!removed) {
    err << "lightwell: no paired client with name or id \"" << inv.unpair_key << "\" (see `lightwell clients list`)\n";
    return 1;
  }
  hub.get("state").info("unpaired client \"{}\" (id {})", removed->name, removed->id);
  out << "unpaired \"" << removed->name << "\" (id " << removed->id << ")\n";
  return 0;
}

int run_pair(const Invocation& inv, LogHub& hub, std::ostream& out, std::ostream& err) {
  const Setup setup = load_setup(inv.global, hub);
  const Log log = hub.get("pair");
  const auto socket = control_socket_path(setup.state_dir);
  log.debug("sending the PIN to the server at {}", socket.string());  // never the PIN itself
  const ControlReply reply = send_pair_request(socket, PairRequest{inv.pin, inv.client_name});
  if (reply.ok) {
    out << reply.message << "\n";
    return 0;
  }
  err << "lightwell: " << reply.message << "\n";
  return 1;
}

}  // namespace lightwell::server
