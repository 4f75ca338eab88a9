// The control socket's clients-list and unpair requests: a real ControlServer on a real UNIX
// socket in a temp directory, wired to a real ClientStore exactly as serve.cpp wires it, and
// the `lightwell clients` commands going through it (or, with no server, to the files).
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <future>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/server/cli.hpp"
#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

namespace {

// Three client certificates, generated once (RSA key generation is slow).
const std::string& cert(int i) {
  static const std::vector<std::string> certs = [] {
    std::vector<std::string> v;
    for (const char* cn : {"c0", "c1", "c2"}) v.push_back(lightwell::proto::crypto::generate_identity(cn)->cert_pem);
    return v;
  }();
  return certs.at(static_cast<std::size_t>(i));
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

// A ControlServer on its own io thread, with the clients handlers over `store` (the wiring the
// lead adds to serve.cpp) unless other handlers are given.
struct RunningServer {
  boost::asio::io_context io;
  std::optional<ControlServer> server;
  std::thread thread;

  RunningServer(const std::filesystem::path& socket, const Log& log, ControlHandlers handlers) {
    server.emplace(io, socket, log, std::move(handlers));
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    boost::asio::post(io, [this] { server->stop(); });
    thread.join();
  }
  // Runs f on the io thread (where the store lives) and returns its result.
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io, [&task] { task(); });
    return result.get();
  }
};

ControlHandlers store_handlers(ClientStore& store, const Log& log) {
  return ControlHandlers{
      [](const PairRequest&) { return ControlReply{false, "no pairing attempt pending"}; },
      [&store] { return handle_clients_list(store); },
      [&store, log](std::string_view key) { return handle_unpair(store, key, log); },
  };
}

// Sends raw bytes and returns everything the server writes back before closing.
std::string raw_exchange(const std::filesystem::path& socket, const std::string& bytes) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close on an oversized request
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

// One-shot fake server: accepts one connection, reads the request line, answers `canned`.
struct FakeServer {
  int listen_fd = -1;
  std::thread thread;
  std::string request;

  FakeServer(const std::filesystem::path& socket, std::string canned) {
    listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(listen_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd, 1) == 0);
    thread = std::thread([this, canned = std::move(canned)] {
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) return;
      char c = 0;
      while (::recv(fd, &c, 1, 0) == 1 && c != '\n') request += c;
      ::send(fd, canned.data(), canned.size(), MSG_NOSIGNAL);
      ::close(fd);
    });
  }
  ~FakeServer() {
    thread.join();
    ::close(listen_fd);
  }
};

struct Cli {
  TempDir tmp;
  std::filesystem::path state = tmp / "state";
  Cli() {
    std::filesystem::create_directory(state);
    lightwell::test::write_text(tmp / "empty.toml", "");
  }
  struct Run {
    int code;
    std::string out, err, log;
  };
  Run run(std::vector<std::string> args) const {
    for (const std::string& g : {std::string("--config"), (tmp / "empty.toml").string(), std::string("--state-dir"),
                                 state.string(), std::string("--log-level"), std::string("trace")}) {
      args.push_back(g);
    }
    std::ostringstream out, err, log;
    const int code = run_cli(args, CliIo{out, err, &log});
    return {code, out.str(), err.str(), log.str()};
  }
};

}  // namespace

TEST_CASE("clients-list over the socket returns the server's store", "[control][clients]") {
  TempDir tmp;
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  ClientStore store = ClientStore::load(tmp.path());
  store.add({"", "Steam Deck", cert(0), 1700000000, 1700000100});
  store.add({"", "Tab\there\nand newline", cert(1), 0, 0});
  RunningServer server(tmp / "control.sock", hub.get("control"), store_handlers(store, hub.get("state")));

  const ClientListReply reply = send_clients_list_request(tmp / "control.sock");
  REQUIRE(reply.ok);
  REQUIRE(reply.clients.size() == 2);
  CHECK(reply.clients[0] == ClientSummary{client_id_for(cert(0)), "Steam Deck", 1700000000, 1700000100});
  // Control characters would break the framing: they arrive as '?'.
  CHECK(reply.clients[1] == ClientSummary{client_id_for(cert(1)), "Tab?here?and newline", 0, 0});

  // The exact bytes on the wire (control_socket.hpp).
  const std::string raw = raw_exchange(tmp / "control.sock", "clients-list\n");
  CHECK(raw == "ok 2\n" + client_id_for(cert(0)) + "\t1700000000\t1700000100\tSteam Deck\n" +
                   client_id_for(cert(1)) + "\t0\t0\tTab?here?and newline\n");
}

TEST_CASE("unpair over the socket changes the server's store in memory and on disk", "[control][clients]") {
  TempDir tmp;
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  ClientStore store = ClientStore::load(tmp.path());
  store.add({"", "Laptop", cert(0), 1, 2});
  store.add({"", "TV", cert(1), 3, 4});
  store.add({"", "TV", cert(2), 5, 6});
  const std::string id0 = client_id_for(cert(0)), id1 = client_id_for(cert(1)), id2 = client_id_for(cert(2));
  const auto sock = tmp / "control.sock";
  RunningServer server(sock, hub.get("control"), store_handlers(store, hub.get("state")));
  const auto ids_in_memory = [&] {
    return server.on_io([&] {
      std::vector<std::string> ids;
      for (const auto& c : store.clients()) ids.push_back(c.id);
      return ids;
    });
  };
  const auto ids_on_disk = [&] {
    std::vector<std::string> ids;
    const ClientStore reloaded = ClientStore::load(tmp.path());
    for (const auto& c : reloaded.clients()) ids.push_back(c.id);
    return ids;
  };

  SECTION("by name") {
    const ControlReply r = send_unpair_request(sock, "Laptop");
    CHECK(r.ok);
    CHECK(r.message == "unpaired \"Laptop\" (id " + id0 + ")");
    CHECK(ids_in_memory() == std::vector<std::string>{id1, id2});
    CHECK(ids_on_disk() == std::vector<std::string>{id1, id2});
    CHECK(contains(lines.str(), "[state] unpaired client \"Laptop\" (id " + id0 + ")"));
  }
  SECTION("by id, even when the name is shared") {
    const ControlReply r = send_unpair_request(sock, id2);
    CHECK(r.ok);
    CHECK(r.message == "unpaired \"TV\" (id " + id2 + ")");
    CHECK(ids_in_memory() == std::vector<std::string>{id0, id1});
    CHECK(ids_on_disk() == std::vector<std::string>{id0, id1});
  }
  SECTION("an id match wins over a client named like that id") {
    // Rename the laptop to TV's id: asking for that id removes TV, not the laptop.
    server.on_io([&] {
      store.add({"", id1, cert(0), 1, 2});
      return 0;
    });
    CHECK(send_unpair_request(sock, id1).message == "unpaired \"TV\" (id " + id1 + ")");
    CHECK(ids_in_memory() == std::vector<std::string>{id0, id2});
  }
  SECTION("an ambiguous name is refused and nothing changes") {
    const ControlReply r = send_unpair_request(sock, "TV");
    CHECK_FALSE(r.ok);
    CHECK(r.message == "2 clients are named \"TV\" (ids " + id1 + ", " + id2 + "); unpair one by its id");
    CHECK(ids_in_memory() == std::vector<std::string>{id0, id1, id2});
    CHECK(ids_on_disk() == std::vector<std::string>{id0, id1, id2});
  }
  SECTION("nothing matched") {
    const ControlReply r = send_unpair_request(sock, "Nobody");
    CHECK_FALSE(r.ok);
    CHECK(r.message == "no paired client with name or id \"Nobody\" (see `lightwell clients list`)");
    CHECK(ids_in_memory().size() == 3);
    // Ids are exact: a prefix or another case is not an id.
    CHECK_FALSE(send_unpair_request(sock, id0.substr(0, 8)).ok);
    std::string upper = id0;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != id0) CHECK_FALSE(send_unpair_request(sock, upper).ok);
    CHECK(ids_on_disk().size() == 3);
  }
  SECTION("a write failure leaves the store as it was") {
    // A directory where clients.json should be: the atomic rename fails, even for root.
    const auto file = clients_file(tmp.path());
    std::filesystem::remove(file);
    std::filesystem::create_directories(file / "blocker");
    const ControlReply r = send_unpair_request(sock, "Laptop");
    CHECK_FALSE(r.ok);
    CHECK(r.message == "could not update the paired clients: rename to " + file.string() + ": Is a directory");
    CHECK(ids_in_memory() == std::vector<std::string>{id0, id1, id2});
    CHECK(contains(lines.str(), "unpair \"Laptop\" refused"));
    std::filesystem::remove_all(file);
  }
}

TEST_CASE("the control server refuses what it does not understand", "[control]") {
  TempDir tmp;
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  int unpair_calls = 0;
  const auto sock = tmp / "control.sock";
  RunningServer server(sock, hub.get("control"),
                       ControlHandlers{{}, {}, [&](std::string_view key) {
                                         if (key == "throw") throw std::runtime_error("boom");
                                         ++unpair_calls;
                                         return ControlReply{true, "done"};
                                       }});

  CHECK(raw_exchange(sock, "reboot now\n") == "error unknown request\n");
  CHECK(raw_exchange(sock, "clients-list extra\n") == "error unknown request\n");
  CHECK(raw_exchange(sock, "unpair\n") == "error unknown request\n");
  CHECK(raw_exchange(sock, "unpair \n") == "error unpair: missing NAME or ID\n");
  // Empty handlers answer without acting.
  CHECK(raw_exchange(sock, "clients-list\n") == "error this server does not handle clients-list\n");
  CHECK(raw_exchange(sock, "pair 1234 x\n") == "error no pairing attempt pending\n");
  // A handler that throws costs an error reply, not the server.
  CHECK(raw_exchange(sock, "unpair throw\n") == "error internal error: boom\n");
  // A line longer than kMaxLineBytes is dropped unanswered and not acted upon.
  CHECK(raw_exchange(sock, "unpair " + std::string(kMaxLineBytes, 'a') + "\n").empty());
  CHECK(raw_exchange(sock, "unpair " + std::string(kMaxLineBytes - 8, 'b') + "\n") == "ok done\n");  // 1024 exactly
  CHECK(unpair_calls == 1);
  // And the server still answers afterwards.
  CHECK(send_unpair_request(sock, "x").message == "done");
  CHECK(contains(lines.str(), "control request dropped"));
  // The client refuses to send what the server would drop.
  CHECK_THROWS_AS(send_unpair_request(sock, std::string(kMaxLineBytes, 'c')), StartupError);
  CHECK_THROWS_AS(send_unpair_request(sock, "two\nlines"), StartupError);
  CHECK(unpair_calls == 2);
}

TEST_CASE("a server built with the pairing-only constructor answers clients requests with an error",
          "[control][clients]") {
  TempDir tmp;
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  boost::asio::io_context io;
  ControlServer server(io, tmp / "control.sock", hub.get("control"),
                       ControlServer::PairHandler([](const PairRequest&) { return ControlReply{false, "nope"}; }));
  std::thread t([&] { io.run(); });
  const ClientListReply list = send_clients_list_request(tmp / "control.sock");
  CHECK_FALSE(list.ok);
  CHECK(list.error == "this server does not handle clients-list");
  CHECK(send_unpair_request(tmp / "control.sock", "x").message == "this server does not handle unpair");
  CHECK(send_pair_request(tmp / "control.sock", {"1234", ""}).message == "nope");
  boost::asio::post(io, [&] { server.stop(); });
  t.join();
}

TEST_CASE("the list reply client checks the framing", "[control][clients]") {
  TempDir tmp;
  const auto sock = tmp / "control.sock";
  const std::string id = "0123456789abcdef";
  SECTION("well formed") {
    FakeServer fake(sock, "ok 2\n" + id + "\t5\t-1\tA\tB\n" + id + "\t0\t0\t\n");
    const ClientListReply r = send_clients_list_request(sock);
    REQUIRE(r.ok);
    REQUIRE(r.clients.size() == 2);
    CHECK(r.clients[0] == ClientSummary{id, "A\tB", 5, -1});  // the name is the rest of the line
    CHECK(r.clients[1] == ClientSummary{id, "", 0, 0});
    CHECK(fake.request == "clients-list");
  }
  SECTION("an error reply") {
    FakeServer fake(sock, "error busy\n");
    const ClientListReply r = send_clients_list_request(sock);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "busy");
  }
  for (const std::string& bad : {std::string("ok 2\n") + id + "\t1\t1\tA\n",  // count lies: one line short
                                std::string("ok -1\n"), std::string("ok +1\n"), std::string("ok x\n"),
                                std::string("ok \n"), std::string("ok 1025\n"),  // over kMaxListedClients
                                std::string("ok 1\n") + std::string(kMaxLineBytes + 10, 'z') + "\n",
                                std::string("ok 1\n") + id + "\t1\tA\n",  // too few fields
                                std::string("ok 1\n") + "0123456789ABCDEF\t1\t1\tA\n",  // upper-case id
                                std::string("ok 1\n") + id + "0\t1\t1\tA\n",            // 17 digits
                                std::string("ok 1\n") + id + "\t1x\t1\tA\n", std::string("ok 1\n") + id + "\t\t1\tA\n",
                                std::string("ok 1\n") + id + "\t99999999999999999999\t1\tA\n",  // int64 overflow
                                std::string("nonsense\n")}) {
    DYNAMIC_SECTION("malformed reply " << bad.substr(0, 40)) {
      FakeServer fake(sock, bad);
      bool refused = false;
      try {
        const ClientListReply r = send_clients_list_request(sock);
        refused = !r.ok;  // "nonsense" parses as a failed reply
      } catch (const StartupError&) {
        refused = true;
      }
      CHECK(refused);
    }
  }
}

TEST_CASE("list lines fit kMaxLineBytes without splitting UTF-8", "[control][clients]") {
  ClientListReply reply{true, {}, {}};
  std::string name;
  while (name.size() < 2 * kMaxLineBytes) name += "\xC3\xA9";  // é
  reply.clients.push_back({"0123456789abcdef", name, 1, 2});
  const std::string wire = encode_client_list_reply(reply);
  const auto first_nl = wire.find('\n');
  const std::string line = wire.substr(first_nl + 1, wire.size() - first_nl - 2);
  CHECK(line.size() + 1 <= kMaxLineBytes);
  CHECK(line.size() + 1 >= kMaxLineBytes - 1);  // cut at most one byte early
  ClientSummary parsed;
  REQUIRE(parse_client_line(line, parsed));
  CHECK(parsed.name.size() % 2 == 0);  // whole é's only
  CHECK(name.compare(0, parsed.name.size(), parsed.name) == 0);

  ClientListReply too_many{true, {}, std::vector<ClientSummary>(kMaxListedClients + 1, reply.clients[0])};
  CHECK(encode_client_list_reply(too_many).rfind("error ", 0) == 0);
  CHECK(encode_client_list_reply({false, "bad\nthing", {}}) == "error bad thing\n");
}

TEST_CASE("`lightwell clients` goes through the running server", "[control][clients][cli]") {
  Cli cli;
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  ClientStore store = ClientStore::load(cli.state);
  store.add({"", "Steam Deck", cert(0), 1700000000, 1700000100});
  store.add({"", "Phone", cert(1), 1700000000, 1700000100});
  const std::string id0 = client_id_for(cert(0));
  RunningServer server(control_socket_path(cli.state), hub.get("control"), store_handlers(store, hub.get("state")));

  // The server's memory is what counts: a client only it knows (not yet on disk) is listed.
  const std::filesystem::path file = clients_file(cli.state);
  const std::string on_disk = lightwell::test::read_text_file(file);
  server.on_io([&] {
    store.add({"", "Only In Memory", cert(2), 1700000000, 1700000100});
    return 0;
  });
  lightwell::test::write_text(file, on_disk);  // disk back to two clients

  auto r = cli.run({"clients", "list"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Only In Memory"));
  CHECK(contains(r.out, id0 + "  2023-11-14 22:13:20Z  2023-11-14 22:15:00Z  Steam Deck\n"));
  CHECK(contains(r.log, "listed by the running server"));

  r = cli.run({"clients", "unpair", "Steam Deck"});
  CHECK(r.code == 0);
  CHECK(r.out == "unpaired \"Steam Deck\" (id " + id0 + ")\n");
  CHECK(server.on_io([&] { return store.clients().size(); }) == 2);
  CHECK(ClientStore::load(cli.state).clients().size() == 2);  // persisted by the server

  r = cli.run({"clients", "unpair", "Steam Deck"});
  CHECK(r.code == 1);
  CHECK(r.err == "lightwell: no paired client with name or id \"Steam Deck\" (see `lightwell clients list`)\n");
}

TEST_CASE("`lightwell clients` falls back to the files when no server listens", "[control][clients][cli]") {
  Cli cli;
  {
    ClientStore store = ClientStore::load(cli.state);
    store.add({"", "Steam Deck", cert(0), 1700000000, 1700000100});
    store.add({"", "TV", cert(1), 1, 1});
    store.add({"", "TV", cert(2), 1, 1});
  }
  const std::string id0 = client_id_for(cert(0));
  SECTION("no socket file") {}
  SECTION("a stale socket file nobody listens on") {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, control_socket_path(cli.state).c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);  // the file stays; connecting gets ECONNREFUSED
    REQUIRE(std::filesystem::exists(control_socket_path(cli.state)));
  }
  auto r = cli.run({"clients", "list"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, id0 + "  2023-11-14 22:13:20Z  2023-11-14 22:15:00Z  Steam Deck\n"));
  CHECK(contains(r.log, "no server running: reading"));

  r = cli.run({"clients", "unpair", "TV"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "2 clients are named \"TV\""));
  CHECK(ClientStore::load(cli.state).clients().size() == 3);

  r = cli.run({"clients", "unpair", id0});
  CHECK(r.code == 0);
  CHECK(r.out == "unpaired \"Steam Deck\" (id " + id0 + ")\n");
  CHECK(contains(r.log, "no server running: editing"));
  CHECK(ClientStore::load(cli.state).clients().size() == 2);
}

TEST_CASE("pairing through the handlers constructor still keeps the PIN out of every log", "[control][pair]") {
  Cli cli;
  std::ostringstream server_lines;
  LogHub hub = LogHub::to_stream(server_lines, LogLevel::trace);
  const std::string pin = "6917";
  std::optional<PairRequest> seen;
  RunningServer server(control_socket_path(cli.state), hub.get("control"),
                       ControlHandlers{[&](const PairRequest& req) {
                                         seen = req;
                                         return ControlReply{true, "paired"};
                                       },
                                       {}, {}});
  auto r = cli.run({"pair", pin, "--name", "Den"});
  CHECK(r.code == 0);
  CHECK(r.out == "paired\n");
  REQUIRE(seen.has_value());
  CHECK(seen->pin == pin);
  CHECK_FALSE(contains(r.log, pin));
  CHECK_FALSE(contains(server_lines.str(), pin));
  CHECK(contains(server_lines.str(), "pair request (name \"Den\")"));
}
