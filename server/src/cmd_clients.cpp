// `lightwell clients ...` and `lightwell pair`: thin front ends over the control socket and,
// for clients when no server runs, the state store.
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

// Through the running server when one listens on the control socket (it answers from, and
// changes, its own in-memory store, so an unpair takes effect at once); otherwise on the state
// files directly. Both paths use the same handlers (control_socket.hpp), so they answer alike.
int run_clients(const Invocation& inv, LogHub& hub, std::ostream& out, std::ostream& err) {
  const Setup setup = load_setup(inv.global, hub);
  const Log log = hub.get("clients");
  const auto socket = control_socket_path(setup.state_dir);
  if (inv.command == Command::clients_list) {
    ClientListReply list;
    try {
      list = send_clients_list_request(socket);
      log.debug("listed by the running server ({})", socket.string());
    } catch (const ServerNotRunning&) {
      // Reading needs no directory and creates nothing.
      log.debug("no server running: reading {}", clients_file(setup.state_dir).string());
      list = handle_clients_list(ClientStore::load(setup.state_dir));
    }
    if (!list.ok) {
      err << "lightwell: " << list.error << "\n";
      return 1;
    }
    if (list.clients.empty()) {
      out << "no paired clients (state directory " << setup.state_dir.string() << ")\n";
      return 0;
    }
    out << fmt::format("{:<16}  {:<20}  {:<20}  {}\n", "ID", "FIRST SEEN", "LAST SEEN", "NAME");
    for (const auto& c : list.clients) {
      out << fmt::format("{:<16}  {:<20}  {:<20}  {}\n", c.id, utc(c.first_seen_unix_s), utc(c.last_seen_unix_s),
                         c.name);
    }
    return 0;
  }
  ControlReply reply;
  try {
    reply = send_unpair_request(socket, inv.unpair_key);
    log.debug("unpair handled by the running server ({})", socket.string());
  } catch (const ServerNotRunning&) {
    log.debug("no server running: editing {}", clients_file(setup.state_dir).string());
    ClientStore store = ClientStore::load(setup.state_dir);
    reply = handle_unpair(store, inv.unpair_key, hub.get("state"));
  }
  if (!reply.ok) {
    err << "lightwell: " << reply.message << "\n";
    return 1;
  }
  out << reply.message << "\n";
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
