// The test client's transport checked against our nvhttp transport (lightwell::net HttpServer)
// in-process, so a failing integration test points at the server, not at the client: one GET
// per connection, our certificate presented byte for byte, the pinned server certificate
// enforced, bounded waits, oversized requests observed as closed connections.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <thread>

#include "gamestream_client.hpp"
#include "lightwell/net/http_server.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::test;
using namespace std::chrono_literals;

namespace {

struct InProcessServer {
  boost::asio::io_context io;
  std::unique_ptr<net::HttpServer> server;
  std::jthread thread;
  std::vector<net::HttpRequest> seen;  // io thread only until stop()

  InProcessServer(std::optional<net::TlsIdentity> tls, net::HttpHandler handler = {}) {
    net::HttpServerOptions options;
    options.bind_address = "127.0.0.1";
    if (!handler) {
      handler = [this](const net::HttpRequest& req, net::Responder respond) {
        seen.push_back(req);
        respond({200, "application/xml", proto::build_status_reply(200, "OK", std::nullopt, "<paired>1</paired>")});
      };
    }
    server = std::make_unique<net::HttpServer>(io, options, std::move(tls), std::move(handler));
    server->start();
    thread = std::jthread([this] { io.run(); });
  }
  ~InProcessServer() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    boost::asio::post(io, [this] { server->stop(); });
    thread.join();
  }
};

net::TlsIdentity host_identity() {
  return {read_text("pairing/server_cert.pem"), read_text("pairing/server_key.pem")};
}

ClientIdentity vector_client() { return {read_text("pairing/client_cert.pem"), read_text("pairing/client_key.pem")}; }

std::vector<std::uint8_t> der_of(const std::string& pem) { return proto::crypto::Certificate::from_pem(pem).value().der(); }

}  // namespace

TEST_CASE("client transport: HTTP GET with uniqueid and uuid, XML read by tag", "[client][transport]") {
  InProcessServer srv(std::nullopt);
  GameStreamClient c({"127.0.0.1", srv.server->port(), 0}, vector_client(), "0123456789ABCDEF");
  const HttpReply r = c.http("/serverinfo");
  REQUIRE(r.ok());
  CHECK(r.http_status == 200);
  const XmlReply x = parse_xml(r.body);
  CHECK(x.status_code == 200);
  CHECK(x.status_message == "OK");
  CHECK(x.text("paired") == "1");
  CHECK_FALSE(x.text("plaincert"));
  srv.stop();
  REQUIRE(srv.seen.size() == 1);
  CHECK(srv.seen[0].target.rfind("/serverinfo?uniqueid=0123456789ABCDEF&uuid=", 0) == 0);
  CHECK(srv.seen[0].target.size() == std::string("/serverinfo?uniqueid=0123456789ABCDEF&uuid=").size() + 32);
}

TEST_CASE("client transport: HTTPS presents our certificate and enforces the pinned one", "[client][transport]") {
  InProcessServer srv(host_identity());
  const auto port = srv.server->port();
  GameStreamClient c({"127.0.0.1", 0, port}, vector_client());
  const HttpReply unpinned = c.https("/serverinfo");
  REQUIRE(unpinned.ok());
  CHECK(unpinned.server_cert_der == der_of(read_text("pairing/server_cert.pem")));

  c.pin_server_certificate(der_of(read_text("pairing/server_cert.pem")));
  CHECK(c.https("/applist").ok());
  // Another pinned certificate: refused before any request is sent.
  c.pin_server_certificate(der_of(read_text("pairing/client_cert.pem")));
  const HttpReply mismatch = c.https("/launch");
  CHECK_FALSE(mismatch.ok());
  CHECK(mismatch.transport_error.find("pinned") != std::string::npos);
  // No certificate: the server demands one, the handshake fails.
  c.pin_server_certificate(der_of(read_text("pairing/server_cert.pem")));
  CHECK_FALSE(c.https("/serverinfo", {}, 5s, false).ok());

  srv.stop();
  REQUIRE(srv.seen.size() == 2);  // the refused ones never reached the handler
  REQUIRE(srv.seen[0].client_cert_der);
  CHECK(*srv.seen[0].client_cert_der == der_of(read_text("pairing/client_cert.pem")));
  CHECK(srv.seen[1].target.rfind("/applist?", 0) == 0);
}

TEST_CASE("client transport: a held request times out, an answer after the write hook arrives", "[client][transport]") {
  std::vector<net::Responder> held;
  InProcessServer srv(std::nullopt, [&](const net::HttpRequest&, net::Responder respond) { held.push_back(respond); });
  bool hooked = false;
  const auto started = std::chrono::steady_clock::now();
  const HttpReply r = http_get("127.0.0.1", srv.server->port(), "/pair?phrase=getservercert", 300ms,
                               [&] { hooked = true; });
  CHECK(hooked);
  CHECK_FALSE(r.ok());
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("client transport: raw oversized request sees the connection closed", "[client][transport]") {
  InProcessServer srv(std::nullopt);
  const RawReply r = raw_exchange("127.0.0.1", srv.server->port(),
                                  "GET / HTTP/1.1\r\nX-Junk: " + std::string(64 * 1024, 'a') + "\r\n\r\n", 5s);
  CHECK(r.closed_by_server);
  srv.stop();
  CHECK(srv.seen.empty());
}

TEST_CASE("client transport: applist parsing and escaped text", "[client][xml]") {
  const auto xml = proto::build_applist(std::vector<proto::AppEntry>{{881448767, "Desktop", true}, {7, "A <b> & \"c\"", false}});
  REQUIRE(xml);
  const auto apps = parse_applist(parse_xml(*xml));
  REQUIRE(apps.size() == 2);
  CHECK(apps[0].title == "Desktop");
  CHECK(apps[0].id == 881448767);
  CHECK(apps[1].title == "A <b> & \"c\"");
  CHECK(apps[1].id == 7);
  const XmlReply unauthorized = parse_xml(proto::build_unauthorized("/serverinfo"));
  CHECK(unauthorized.status_code == 401);
  CHECK(unauthorized.query_attr == "/serverinfo");
  CHECK(unauthorized.status_message.find("not authorized") != std::string::npos);
  CHECK_FALSE(parse_xml("garbage").has_root);
  CHECK_FALSE(parse_xml("<root status_code=\"x\">").status_code);
  CHECK(parse_xml("<root status_code=\"-1\"><a/></root>").status_code == -1);
  CHECK(parse_xml("<root status_code=\"200\"><a/><ab>1</ab></root>").text("a") == "");
  CHECK(parse_xml("<root status_code=\"200\"><ab>1</ab></root>").text("a") == std::nullopt);
}
