// Plain RTSP framing (proto/rtsp.hpp, rtsp.md §2): the host's request parser on TCP 48010 and
// the response parser of our test client, on the same bytes.
// Invariants checked on every accepted message:
//  - consumed_bytes is within the buffer and covers the header block and the body;
//  - every strict prefix of an accepted request is need-more, never an error (the host
//    calls the parser again as bytes arrive: rtsp.hpp "Incomplete input that is still valid
//    so far gives need-more");
//  - the message re-serialises, and the serialisation parses back to the same message;
//  - a response complete before EOF is the same response at EOF.
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/proto/rtsp.hpp"
#include "lightwell/proto/rtsp_replies.hpp"

namespace lp = lightwell::proto;

namespace {

// Serialisation writes "Name: value" where the peer may have written "Name:value", so the
// round trip may need a little more header room than the original.
constexpr lp::RtspLimits kRoundTripLimits{lp::kDefaultRtspLimits.max_header_bytes * 2,
                                          lp::kDefaultRtspLimits.max_header_count,
                                          lp::kDefaultRtspLimits.max_body_bytes};

bool same_headers(const lp::RtspHeaders& a, const lp::RtspHeaders& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a.all()[i].name != b.all()[i].name || a.all()[i].value != b.all()[i].value) return false;
  }
  return true;
}

void check_request(std::string_view buffer) {
  auto parsed = lp::parse_rtsp_request(buffer);
  if (!parsed || parsed->need_more()) {
    if (parsed) FUZZ_CHECK(parsed->consumed_bytes == 0);
    return;
  }
  const lp::RtspRequest& request = *parsed->message;
  FUZZ_CHECK(parsed->consumed_bytes <= buffer.size());
  FUZZ_CHECK(request.body.size() < parsed->consumed_bytes);
  FUZZ_CHECK(request.headers.find("CSeq").has_value());
  // What rtsp_service does next with the request line (rtsp_replies.hpp).
  (void)request.kind();
  (void)lp::rtsp_setup_stream(request.target);
  // Strict prefixes: a few cut points (all of them would make each run quadratic).
  for (std::size_t cut : {parsed->consumed_bytes - 1, parsed->consumed_bytes / 2, std::size_t{1}}) {
    if (cut == 0 || cut >= parsed->consumed_bytes) continue;
    auto prefix = lp::parse_rtsp_request(buffer.substr(0, cut));
    FUZZ_CHECK(prefix.has_value() && prefix->need_more());
  }
  auto text = lp::serialize_rtsp_request(request);
  FUZZ_CHECK(text.has_value());
  auto again = lp::parse_rtsp_request(*text, kRoundTripLimits);
  FUZZ_CHECK(again.has_value() && !again->need_more());
  FUZZ_CHECK(again->consumed_bytes == text->size());
  FUZZ_CHECK(again->message->method == request.method);
  FUZZ_CHECK(again->message->target == request.target);
  FUZZ_CHECK(again->message->cseq == request.cseq);
  FUZZ_CHECK(again->message->body == request.body);
  FUZZ_CHECK(same_headers(again->message->headers, request.headers));
}

void check_response(std::string_view buffer) {
  auto streaming = lp::parse_rtsp_response(buffer, /*at_eof=*/false);
  auto at_eof = lp::parse_rtsp_response(buffer, /*at_eof=*/true);
  if (streaming && !streaming->need_more()) {
    // Complete without EOF (Content-length given): EOF changes nothing.
    FUZZ_CHECK(at_eof.has_value() && !at_eof->need_more());
    FUZZ_CHECK(at_eof->consumed_bytes == streaming->consumed_bytes);
    FUZZ_CHECK(at_eof->message->body == streaming->message->body);
  }
  if (!streaming) FUZZ_CHECK(!at_eof.has_value());  // an error does not go away at EOF
  if (!at_eof) return;
  FUZZ_CHECK(!at_eof->need_more());  // at EOF the answer is a message or an error
  const lp::RtspResponse& response = *at_eof->message;
  FUZZ_CHECK(at_eof->consumed_bytes <= buffer.size());
  FUZZ_CHECK(response.status_code >= 100 && response.status_code <= 999);
  auto text = lp::serialize_rtsp_response(response);
  FUZZ_CHECK(text.has_value());
  auto again = lp::parse_rtsp_response(*text, true, kRoundTripLimits);
  FUZZ_CHECK(again.has_value() && !again->need_more());
  FUZZ_CHECK(again->message->status_code == response.status_code);
  FUZZ_CHECK(again->message->reason == response.reason);
  FUZZ_CHECK(again->message->body == response.body);
  FUZZ_CHECK(same_headers(again->message->headers, response.headers));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view buffer = lightwell::fuzz::as_text(data, size);
  check_request(buffer);
  check_response(buffer);
  return 0;
}
