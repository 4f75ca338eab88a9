// The clients-list and unpair requests: the handlers over a ClientStore and the list reply's
// wire format (control_socket.hpp).
#include <charconv>
#include <exception>

#include <fmt/format.h>

#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_store.hpp"

namespace lightwell::server {
namespace {

bool is_client_id(std::string_view s) {
  if (s.size() != 16) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The name as one wire line can carry it: control characters (tab and newline would break
// the framing) become '?', and it is cut to `room` bytes without splitting a UTF-8 sequence.
std::string wire_name(std::string_view name, std::size_t room) {
  std::string out;
  for (const char ch : name) {
    const auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? '?' : ch;
  }
  if (out.size() > room) {
    std::size_t cut = room;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
    out.resize(cut);
  }
  return out;
}

}  // namespace

std::string encode_client_list_reply(const ClientListReply& reply) {
  if (!reply.ok) {
    std::string msg = reply.error.substr(0, kMaxLineBytes - 8);
    for (char& c : msg) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return "error " + msg + "\n";
  }
  if (reply.clients.size() > kMaxListedClients) {
    return fmt::format("error {} paired clients are more than the control socket lists ({})\n", reply.clients.size(),
                       kMaxListedClients);
  }
  std::string out = fmt::format("ok {}\n", reply.clients.size());
  for (const auto& c : reply.clients) {
    std::string line = fmt::format("{}\t{}\t{}\t", c.id, c.first_seen_unix_s, c.last_seen_unix_s);
    // line + name + '\n' <= kMaxLineBytes; ids and times are short, so room is always > 900.
    line += wire_name(c.name, kMaxLineBytes - 1 - line.size());
    out += line;
    out += '\n';
  }
  return out;
}

bool parse_client_line(std::string_view line, ClientSummary& out) {
  if (line.size() + 1 > kMaxLineBytes) return false;
  std::string_view fields[3];
  for (auto& f : fields) {
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos) return false;
    f = line.substr(0, tab);
    line.remove_prefix(tab + 1);
  }
  ClientSummary c;
  if (!is_client_id(fields[0])) return false;
  if (!parse_int(fields[1], c.first_seen_unix_s) || !parse_int(fields[2], c.last_seen_unix_s)) return false;
  for (const char ch : line) {
    if (ch == '\n' || ch == '\r') return false;
  }
  c.id = std::string(fields[0]);
  c.name = std::string(line);
  out = std::move(c);
  return true;
}

ClientListReply handle_clients_list(const ClientStore& store) {
  const auto& all = store.clients();
  if (all.size() > kMaxListedClients) {
    return {false, fmt::format("{} paired clients are more than the control socket lists ({})", all.size(),
                               kMaxListedClients), {}};
  }
  ClientListReply reply{true, {}, {}};
  reply.clients.reserve(all.size());
  for (const auto& c : all) reply.clients.push_back({c.id, c.name, c.first_seen_unix_s, c.last_seen_unix_s});
  return reply;
}

ControlReply handle_unpair(ClientStore& store, std::string_view name_or_id, const Log& log) {
  try {
    const auto removed = store.remove(name_or_id);
    if (!removed) {
      return {false, fmt::format("no paired client with name or id \"{}\" (see `lightwell clients list`)", name_or_id)};
    }
    log.info("unpaired client \"{}\" (id {})", removed->name, removed->id);
    return {true, fmt::format("unpaired \"{}\" (id {})", removed->name, removed->id)};
  } catch (const StartupError& e) {
    // An ambiguous name (the message lists the ids).
    log.warn("unpair \"{}\" refused: {}", name_or_id.substr(0, 64), e.what());
    return {false, e.fix().empty() ? std::string(e.what()) : fmt::format("{}; {}", e.what(), e.fix())};
  } catch (const std::exception& e) {
    // clients.json could not be written (std::system_error naming the file); the store kept
    // its clients, so memory still matches the file.
    log.warn("unpair \"{}\" refused: {}", name_or_id.substr(0, 64), e.what());
    return {false, fmt::format("could not update the paired clients: {}", e.what())};
  }
}

}  // namespace lightwell::server
