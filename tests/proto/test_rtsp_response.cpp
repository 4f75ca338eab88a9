// RTSP replies: exact bytes the client parses (rtsp.md §2, §4.3, §6; the captured host reply
// in tests/data/wire/rtsp_encrypted.txt) and the response parser our test client uses.
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/proto/rtsp.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {
std::string captured_host_reply() {
  for (const auto& r : test::read_records("wire/rtsp_encrypted.txt")) {
    if (auto p = r.find("plaintext_hex"); p && r.find("wire")) {
      const auto bytes = test::unhex(*p);
      return std::string(bytes.begin(), bytes.end());
    }
  }
  FAIL("no host reply record in rtsp_encrypted.txt");
  return {};
}
}  // namespace

TEST_CASE("OPTIONS reply is byte-identical to the one the client accepted") {
  const std::string expected = captured_host_reply();
  REQUIRE(expected == "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
  CHECK(serialize_rtsp_response(rtsp_reply(kRtspOk, 1)).value() == expected);
}

TEST_CASE("Error replies use Sunshine's status lines and always carry CSeq") {
  CHECK(serialize_rtsp_response(rtsp_reply(400, 6)).value() ==
        "RTSP/1.0 400 BAD REQUEST\r\nCSeq: 6\r\n\r\n");
  CHECK(serialize_rtsp_response(rtsp_reply(403, 6)).value() ==
        "RTSP/1.0 403 Forbidden\r\nCSeq: 6\r\n\r\n");
  CHECK(serialize_rtsp_response(rtsp_reply(404, 3)).value() ==
        "RTSP/1.0 404 NOT FOUND\r\nCSeq: 3\r\n\r\n");
  CHECK(serialize_rtsp_response(rtsp_reply(500, 6)).value() ==
        "RTSP/1.0 500 Internal Server Error\r\nCSeq: 6\r\n\r\n");
}

TEST_CASE("SETUP replies carry the exact header names and forms the client reads") {
  RtspSetupReply audio;
  audio.server_port = 48000;
  audio.ping_payload = rtsp_ping_payload({0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  CHECK(audio.ping_payload == "0123456789ABCDEF");
  CHECK(serialize_rtsp_response(rtsp_setup_reply(3, RtspStream::audio, audio).value()).value() ==
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: DEADBEEFCAFE;timeout = 90\r\n"
        "Transport: server_port=48000\r\nX-SS-Ping-Payload: 0123456789ABCDEF\r\n\r\n");

  RtspSetupReply control;
  control.server_port = 47999;
  control.connect_data = 3735928559u;
  CHECK(serialize_rtsp_response(rtsp_setup_reply(5, RtspStream::control, control).value())
            .value() ==
        "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: DEADBEEFCAFE;timeout = 90\r\n"
        "Transport: server_port=47999\r\nX-SS-Connect-Data: 3735928559\r\n\r\n");
  CHECK(rtsp_connect_data_value(7) == "7");  // decimal, never a leading 0 the client reads as octal

  RtspSetupReply bad = audio;
  bad.ping_payload = "0123456789ABCDE";  // 15: the client would silently fall back
  CHECK_FALSE(rtsp_setup_reply(4, RtspStream::video, bad));
  bad.ping_payload = "0123456789ABCDE ";
  CHECK_FALSE(rtsp_setup_reply(4, RtspStream::video, bad));
}

TEST_CASE("SETUP stream type is the text between '=' and the next '/'") {
  CHECK(rtsp_setup_stream("streamid=audio/0/0") == RtspStream::audio);
  CHECK(rtsp_setup_stream("streamid=video/0/0") == RtspStream::video);
  CHECK(rtsp_setup_stream("streamid=control/13/0") == RtspStream::control);
  CHECK(rtsp_setup_stream("streamid=control/1/0") == RtspStream::control);
  CHECK(rtsp_setup_stream("streamid=video") == RtspStream::video);
  CHECK_FALSE(rtsp_setup_stream("streamid=mic/0/0"));
  CHECK_FALSE(rtsp_setup_stream("audio"));
  CHECK_FALSE(rtsp_setup_stream("streamid=/audio"));
}

TEST_CASE("DESCRIBE reply has the body after the blank line and no Content-length") {
  const std::string bytes =
      serialize_rtsp_response(rtsp_describe_reply(2, "a=x-ss-general.featureFlags:0\n")).value();
  CHECK(bytes == "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\na=x-ss-general.featureFlags:0\n");

  // The client reads to EOF: need-more until then.
  auto open = parse_rtsp_response(bytes, false);
  REQUIRE(open);
  CHECK(open->need_more());
  auto closed = parse_rtsp_response(bytes, true);
  REQUIRE(closed);
  REQUIRE(closed->message);
  CHECK(closed->message->status_code == 200);
  CHECK(closed->message->reason == "OK");
  CHECK(closed->message->body == "a=x-ss-general.featureFlags:0\n");
  CHECK(closed->consumed_bytes == bytes.size());
}

TEST_CASE("Response parser: reasons with blanks, Content-length, malformed status lines") {
  auto r = parse_rtsp_response("RTSP/1.0 400 BAD REQUEST\r\nCSeq: 6\r\nContent-Length: 2\r\n\r\nab",
                               false);
  REQUIRE(r);
  REQUIRE(r->message);
  CHECK(r->message->status_code == 400);
  CHECK(r->message->reason == "BAD REQUEST");
  CHECK(r->message->body == "ab");

  auto err = [](std::string_view text) {
    auto x = parse_rtsp_response(text, true);
    REQUIRE_FALSE(x);
    return x.error().code;
  };
  CHECK(err("RTSP/1.1 200 OK\r\nCSeq: 1\r\n\r\n") == Errc::malformed);
  CHECK(err("HTTP/1.0 200 OK\r\nCSeq: 1\r\n\r\n") == Errc::malformed);
  CHECK(err("RTSP/1.0 20 OK\r\nCSeq: 1\r\n\r\n") == Errc::malformed);
  CHECK(err("RTSP/1.0 2x0 OK\r\nCSeq: 1\r\n\r\n") == Errc::malformed);
  CHECK(err("RTSP/1.0 099 OK\r\nCSeq: 1\r\n\r\n") == Errc::out_of_range);
  CHECK(err("RTSP/1.0 200\r\nCSeq: 1\r\n\r\n") == Errc::malformed);  // no reason
  CHECK(err("RTSP/1.0 200 OK\r\n\r\n") == Errc::malformed);          // no CSeq (rtsp.md §7)
  CHECK(err("RTSP/1.0 200 OK\r\nCSeq: 1\r\n") == Errc::truncated);   // EOF inside headers
  CHECK(err("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nab") == Errc::truncated);

  RtspLimits small;
  small.max_body_bytes = 4;
  auto big = parse_rtsp_response("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n12345", false, small);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == Errc::too_large);
}

TEST_CASE("Response serializer refuses bad status, reason and header values") {
  RtspResponse r = rtsp_reply(200, 1);
  r.status_code = 42;
  CHECK_FALSE(serialize_rtsp_response(r));
  r = rtsp_reply(200, 1);
  r.reason = "OK\r\nX: y";
  CHECK_FALSE(serialize_rtsp_response(r));
  r = rtsp_reply(200, 1);
  r.headers.add("Session", "a\nb");
  CHECK_FALSE(serialize_rtsp_response(r));
  r = rtsp_reply(200, 1);
  r.headers.add("Bad:Name", "v");
  CHECK_FALSE(serialize_rtsp_response(r));
}
