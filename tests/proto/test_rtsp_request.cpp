// RTSP request parsing against the bytes the real client sent (tests/data/wire/
// announce_request_headers.txt + announce_example.sdp, the OPTIONS plaintext in
// rtsp_encrypted.txt), plus malformed input: truncated, oversized, lying lengths, bad syntax.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "lightwell/proto/rtsp.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

std::string captured_announce() {
  return test::read_text("wire/announce_request_headers.txt") +
         test::read_text("wire/announce_example.sdp");
}

std::string captured_options() {
  const auto records = test::read_records("wire/rtsp_encrypted.txt");
  for (const auto& r : records) {
    if (auto p = r.find("plaintext_hex"); p && r.find("ciphertext")) {
      const auto bytes = test::unhex(*p);
      return std::string(bytes.begin(), bytes.end());
    }
  }
  FAIL("no client OPTIONS record in rtsp_encrypted.txt");
  return {};
}

Error request_error(std::string_view text) {
  auto r = parse_rtsp_request(text);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("The captured ANNOUNCE parses with Content-length honoured and spellings kept") {
  const std::string wire = captured_announce();
  const std::string body = test::read_text("wire/announce_example.sdp");
  REQUIRE(body.size() == 1497);

  auto parsed = parse_rtsp_request(wire);
  REQUIRE(parsed);
  REQUIRE_FALSE(parsed->need_more());
  CHECK(parsed->consumed_bytes == wire.size());
  const RtspRequest& req = *parsed->message;
  CHECK(req.method == "ANNOUNCE");
  CHECK(req.kind() == RtspMethod::announce);
  CHECK(req.target == "streamid=control/13/0");
  CHECK(req.cseq == 6);
  REQUIRE(req.headers.size() == 6);
  CHECK(req.headers.all()[4].name == "Content-type");    // the client's spelling
  CHECK(req.headers.all()[5].name == "Content-length");
  CHECK(req.headers.find("content-length") == std::optional<std::string_view>("1497"));
  CHECK(req.headers.find("CONTENT-TYPE") == std::optional<std::string_view>("application/sdp"));
  CHECK(req.headers.find("Session") == std::optional<std::string_view>("DEADBEEFCAFE"));
  CHECK(req.headers.find("Host") == std::optional<std::string_view>("127.0.0.1"));
  CHECK(req.headers.find("X-GS-ClientVersion") == std::optional<std::string_view>("14"));
  CHECK(req.body == body);  // byte for byte, trailing spaces included

  // Serializing the parsed request gives the captured bytes back.
  CHECK(serialize_rtsp_request(req).value() == wire);
}

TEST_CASE("Our client-side builders reproduce the captured ANNOUNCE and OPTIONS bytes") {
  RtspRequest announce = rtsp_client_request("ANNOUNCE", "streamid=control/13/0", 6, "127.0.0.1");
  announce.headers.add("Session", std::string(kRtspSessionId));
  rtsp_attach_sdp(announce, test::read_text("wire/announce_example.sdp"));
  CHECK(serialize_rtsp_request(announce).value() == captured_announce());

  const RtspRequest options =
      rtsp_client_request("OPTIONS", "rtspenc://127.0.0.1:48010", 1, "127.0.0.1");
  CHECK(serialize_rtsp_request(options).value() == captured_options());
}

TEST_CASE("The captured OPTIONS parses") {
  auto parsed = parse_rtsp_request(captured_options());
  REQUIRE(parsed);
  REQUIRE(parsed->message);
  CHECK(parsed->message->kind() == RtspMethod::options);
  CHECK(parsed->message->target == "rtspenc://127.0.0.1:48010");
  CHECK(parsed->message->cseq == 1);
  CHECK(parsed->message->body.empty());
}

TEST_CASE("Fed one byte at a time, the ANNOUNCE is need-more until its last body byte") {
  const std::string wire = captured_announce();
  for (std::size_t n = 0; n < wire.size(); ++n) {
    auto r = parse_rtsp_request(std::string_view(wire).substr(0, n));
    REQUIRE(r);
    REQUIRE(r->need_more());
  }
  auto done = parse_rtsp_request(wire);
  REQUIRE(done);
  CHECK(done->consumed_bytes == wire.size());

  // Bytes after the message are not consumed (one request per connection; caller decides).
  auto extra = parse_rtsp_request(wire + "OPTIONS");
  REQUIRE(extra);
  CHECK(extra->consumed_bytes == wire.size());
}

TEST_CASE("Blank runs and trailing blanks in the request line and headers are tolerated") {
  auto r = parse_rtsp_request("PLAY  /   RTSP/1.0  \r\nCSeq:7  \r\nSession:  DEADBEEFCAFE \r\n\r\n");
  REQUIRE(r);
  REQUIRE(r->message);
  CHECK(r->message->target == "/");
  CHECK(r->message->cseq == 7);
  CHECK(r->message->headers.find("session") == std::optional<std::string_view>("DEADBEEFCAFE"));
  CHECK(r->message->kind() == RtspMethod::play);

  auto unknown = parse_rtsp_request("GET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  REQUIRE(unknown);
  CHECK(unknown->message->kind() == RtspMethod::unknown);  // the server answers 404
}

TEST_CASE("Bad request lines are rejected, as soon as the line is complete") {
  CHECK(request_error("OPTIONS rtsp://x RTSP/2.0\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS rtsp://x HTTP/1.1\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("options rtsp://x RTSP/1.0\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS RTSP/1.0\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS a b RTSP/1.0\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("\r\nOPTIONS / RTSP/1.0\r\nCSeq: 1\r\n\r\n").code == Errc::malformed);
  // Early: the headers have not arrived yet.
  CHECK(request_error("GARBAGE\r\n").code == Errc::malformed);
  CHECK(request_error("\x16\x03\x01").code == Errc::malformed);  // a TLS hello on the RTSP port
}

TEST_CASE("Bad header syntax is rejected") {
  CHECK(request_error("OPTIONS / RTSP/1.0\nCSeq: 1\n\n").code == Errc::malformed);  // bare LF
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\n: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nBad Name: 1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\n folded\r\n\r\n").code ==
        Errc::malformed);
  CHECK(request_error(std::string("OPTIONS / RTSP/1.0\r\nCSeq: 1\0\r\n\r\n", 32)).code ==
        Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq: 1\rX\n\r\n").code == Errc::malformed);
}

TEST_CASE("CSeq is required, decimal and single") {
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nHost: a\r\n\r\n").message.find("CSeq") !=
        std::string::npos);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq: one\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq: -1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq:\r\n\r\n").code == Errc::malformed);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq: 4294967296\r\n\r\n").code ==
        Errc::out_of_range);
  CHECK(request_error("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\ncseq: 2\r\n\r\n").code ==
        Errc::malformed);
  auto max = parse_rtsp_request("OPTIONS / RTSP/1.0\r\nCSeq: 4294967295\r\n\r\n");
  REQUIRE(max);
  CHECK(max->message->cseq == 4294967295u);
}

TEST_CASE("Content-length that lies or is too large is handled") {
  const std::string head = "ANNOUNCE streamid=control/13/0 RTSP/1.0\r\nCSeq: 6\r\n";
  // Announces more than arrives: need-more (the network layer turns EOF into an error).
  auto short_body = parse_rtsp_request(head + "Content-length: 10\r\n\r\n12345");
  REQUIRE(short_body);
  CHECK(short_body->need_more());
  // Announces less than arrives: only the announced bytes are the body.
  const std::string with_length = head + "Content-length: 3\r\n\r\n";
  auto long_body = parse_rtsp_request(with_length + "12345");
  REQUIRE(long_body);
  REQUIRE(long_body->message);
  CHECK(long_body->message->body == "123");
  CHECK(long_body->consumed_bytes == with_length.size() + 3);

  CHECK(request_error(head + "Content-length: 57345\r\n\r\n").code == Errc::too_large);
  CHECK(request_error(head + "Content-length: 99999999999999\r\n\r\n").code == Errc::out_of_range);
  CHECK(request_error(head + "Content-length: 12abc\r\n\r\n").code == Errc::malformed);
  CHECK(request_error(head + "Content-length: -1\r\n\r\n").code == Errc::malformed);
  CHECK(request_error(head + "Content-length: 0x10\r\n\r\n").code == Errc::malformed);
  CHECK(request_error(head + "Content-length: 3\r\nContent-Length: 3\r\n\r\n123").code ==
        Errc::malformed);
}

TEST_CASE("Header block and header count limits") {
  std::string huge = "OPTIONS / RTSP/1.0\r\nCSeq: 1\r\nX-Pad: " + std::string(9000, 'a');
  CHECK(request_error(huge).code == Errc::too_large);  // rejected before the block ends
  CHECK(request_error(huge + "\r\n\r\n").code == Errc::too_large);

  std::string many = "OPTIONS / RTSP/1.0\r\nCSeq: 1\r\n";
  for (int i = 0; i < 40; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  CHECK(request_error(many + "\r\n").code == Errc::too_large);

  // Exactly at the limits still parses.
  RtspLimits limits;
  limits.max_header_count = 2;
  auto ok = parse_rtsp_request("OPTIONS / RTSP/1.0\r\nCSeq: 1\r\nHost: a\r\n\r\n", limits);
  REQUIRE(ok);
  CHECK(ok->message);
  const std::string exact = "OPTIONS / RTSP/1.0\r\nCSeq: 1\r\n\r\n";
  limits.max_header_bytes = exact.size();
  CHECK(parse_rtsp_request(exact, limits).value().message);
  limits.max_header_bytes = exact.size() - 1;
  CHECK(parse_rtsp_request(exact, limits).error().code == Errc::too_large);
}

TEST_CASE("Request serializer refuses header injection") {
  RtspRequest r = rtsp_client_request("OPTIONS", "/", 1, "a\r\nEvil: 1");
  CHECK(serialize_rtsp_request(r).error().code == Errc::malformed);
  RtspRequest bad_target = rtsp_client_request("OPTIONS", "a b", 1, "h");
  CHECK_FALSE(serialize_rtsp_request(bad_target));
  RtspRequest bad_method = rtsp_client_request("OPT IONS", "/", 1, "h");
  CHECK_FALSE(serialize_rtsp_request(bad_method));
}

TEST_CASE("Every request of the gen-7 handshake (rtsp.md §4 table) parses") {
  struct Step {
    const char* method;
    const char* target;
    std::vector<std::pair<const char*, const char*>> extra;
    RtspMethod kind;
  };
  const char* ims = "Thu, 01 Jan 1970 00:00:00 GMT";
  const char* transport = "unicast;X-GS-ClientPort=50000-50001";
  const std::vector<Step> steps = {
      {"OPTIONS", "rtspenc://127.0.0.1:48010", {}, RtspMethod::options},
      {"DESCRIBE", "rtspenc://127.0.0.1:48010",
       {{"Accept", "application/sdp"}, {"If-Modified-Since", ims}}, RtspMethod::describe},
      {"SETUP", "streamid=audio/0/0", {{"Transport", transport}, {"If-Modified-Since", ims}},
       RtspMethod::setup},
      {"SETUP", "streamid=video/0/0",
       {{"Session", "DEADBEEFCAFE"}, {"Transport", transport}, {"If-Modified-Since", ims}},
       RtspMethod::setup},
      {"SETUP", "streamid=control/13/0",
       {{"Session", "DEADBEEFCAFE"}, {"Transport", transport}, {"If-Modified-Since", ims}},
       RtspMethod::setup},
      {"PLAY", "/", {{"Session", "DEADBEEFCAFE"}}, RtspMethod::play},
  };
  std::uint32_t cseq = 1;
  for (const auto& step : steps) {
    RtspRequest r = rtsp_client_request(step.method, step.target, cseq, "127.0.0.1");
    for (const auto& [name, value] : step.extra) r.headers.add(name, value);
    const std::string wire = serialize_rtsp_request(r).value();
    auto parsed = parse_rtsp_request(wire);
    REQUIRE(parsed);
    REQUIRE(parsed->message);
    CHECK(parsed->message->kind() == step.kind);
    CHECK(parsed->message->cseq == cseq);
    CHECK(parsed->message->headers.size() == 3 + step.extra.size());
    for (const auto& [name, value] : step.extra) {
      CHECK(parsed->message->headers.find(name) == std::optional<std::string_view>(value));
    }
    ++cseq;
  }
  // Hosts older than gen 6 get a Transport of a single space: an empty value is fine.
  auto blank = parse_rtsp_request("SETUP streamid=audio RTSP/1.0\r\nCSeq: 3\r\nTransport:  \r\n\r\n");
  REQUIRE(blank);
  CHECK(blank->message->headers.find("Transport") == std::optional<std::string_view>(""));
}
