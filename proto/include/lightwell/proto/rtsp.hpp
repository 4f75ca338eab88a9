// RTSP/1.0 messages as GameStream uses them (shared/protocol/rtsp.md §2): a message model,
// incremental parsers for requests (host side) and responses (our test client), and
// serializers with the exact CRLF layout moonlight-common-c produces and accepts.
//
// Parsing is stateless: the caller keeps the bytes received so far in its own buffer and calls
// parse_rtsp_request() again whenever more arrived. The answer is need-more, a complete message
// (with the number of bytes it used), or an error naming what was wrong. A rescan costs time
// linear in the buffer, and the limits below bound the buffer, so feeding byte by byte is safe.
//
// Ownership: parsed messages own their strings (no views into the caller's buffer). All
// functions are pure and thread-compatible (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

// Limits on what a peer may make us buffer. rtsp.md §1: the largest request a current client
// sends is the ANNOUNCE (~1.7 KB with headers); Sunshine's 2 KiB buffer is too tight, the doc
// recommends 64 KiB in total. Header block and body are limited separately so a peer cannot
// spend the whole budget on header lines.
struct RtspLimits {
  // Request/status line + header lines + the blank line, in bytes.
  std::size_t max_header_bytes = 8 * 1024;
  // Header lines (the client sends at most 7: rtsp.md §4 table).
  std::size_t max_header_count = 32;
  // Body bytes announced by Content-length (or, for responses read to EOF, received).
  std::size_t max_body_bytes = 56 * 1024;
};
inline constexpr RtspLimits kDefaultRtspLimits{};
// The client accepts replies up to 1 MiB (rtsp.md §1); our test client uses this for bodies.
inline constexpr std::size_t kRtspClientMaxResponseBytes = 1024 * 1024;

struct RtspHeader {
  std::string name;   // original spelling, e.g. "Content-length" (the client's spelling)
  std::string value;  // leading/trailing blanks removed
};

// Headers in wire order. Lookup is case-insensitive (the client writes "Content-type" and
// "Content-length", RFC spelling is "Content-Length"); serialization keeps each name as given.
class RtspHeaders {
 public:
  void add(std::string name, std::string value);
  // First header with this name (ASCII case-insensitive), or nullopt.
  std::optional<std::string_view> find(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  const std::vector<RtspHeader>& all() const noexcept { return headers_; }
  std::size_t size() const noexcept { return headers_.size(); }

 private:
  std::vector<RtspHeader> headers_;
};

enum class RtspMethod { options, describe, setup, announce, play, teardown, unknown };
RtspMethod rtsp_method_from(std::string_view method) noexcept;

struct RtspRequest {
  std::string method;  // as sent ("OPTIONS", ...); see rtsp_method_from()
  std::string target;  // "rtspenc://127.0.0.1:48010", "streamid=audio/0/0", "/"
  RtspHeaders headers;
  std::uint32_t cseq = 0;  // from the required CSeq header
  std::string body;        // Content-length bytes (ANNOUNCE only, in practice)

  RtspMethod kind() const noexcept { return rtsp_method_from(method); }
};

struct RtspResponse {
  int status_code = 200;  // 100..999
  std::string reason;     // "OK", "BAD REQUEST", ...
  RtspHeaders headers;
  std::string body;
};

template <class Message>
struct RtspParsed {
  std::optional<Message> message;  // set once a whole message is in the buffer
  std::size_t consumed_bytes = 0;  // bytes of the buffer that make up `message` (0 if need-more)

  bool need_more() const noexcept { return !message.has_value(); }
};

// Parses the request at the start of `buffer`. Rules (rtsp.md §2, docs/rtsp-sdp.md):
//  - request line `METHOD SP target SP RTSP/1.0 CRLF`; runs of blanks between the three
//    tokens and trailing blanks are tolerated; method is upper-case letters and '_';
//  - header lines `Name: value CRLF`; a bare LF, a control character, a continuation line or
//    a line without ':' is malformed;
//  - the header block ends with an empty line; CSeq is required (decimal u32);
//  - body = exactly Content-length bytes (case-insensitive name, decimal, at most
//    limits.max_body_bytes); without Content-length the body is empty;
//  - bytes after the message are not consumed (the caller decides; one request per TCP
//    connection, rtsp.md §1).
// Errors: malformed (syntax), too_large (a limit), out_of_range (a number too large).
// Incomplete input that is still valid so far gives need-more; a line that is complete and
// bad is rejected at once, before the rest arrives.
Result<RtspParsed<RtspRequest>> parse_rtsp_request(std::string_view buffer,
                                                   const RtspLimits& limits = kDefaultRtspLimits);

// Parses a response as the client would (status line `RTSP/1.0 <3 digits> <reason>`).
// The host sends no Content-length and closes after the reply (rtsp.md §1), so without
// Content-length the body runs to the end of the buffer and the message is complete only
// when at_eof is true. CSeq is required (rtsp.md §7: at least one header, always CSeq).
Result<RtspParsed<RtspResponse>> parse_rtsp_response(std::string_view buffer, bool at_eof,
                                                     const RtspLimits& limits = kDefaultRtspLimits);

// Serializers. Layout (rtsp.md §2, the client's serializeRtspMessage):
//   <first line>\r\n  then  <Name>: <value>\r\n per header in order  then  \r\n  then body.
// Nothing is added: the caller supplies CSeq (and Content-length for a request with a body).
// Fails (malformed) if a name or value contains CR, LF or another control character, a name
// is empty or has ':' or blanks, or the first line's fields do (header injection guard).
Result<std::string> serialize_rtsp_request(const RtspRequest& request);
Result<std::string> serialize_rtsp_response(const RtspResponse& response);

// ASCII case-insensitive equality (header names).
bool rtsp_name_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace lightwell::proto
