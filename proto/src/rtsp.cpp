// RTSP/1.0 message parsing and serialization (shared/protocol/rtsp.md §2).
#include "lightwell/proto/rtsp.hpp"

#include <array>
#include <utility>

namespace lightwell::proto {

namespace {

constexpr std::string_view kProtocol = "RTSP/1.0";

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// A header name is an RFC 7230 token: visible ASCII except separators. This keeps ':' and
// blanks out, which is where the client's parser ends a name (rtsp.md §2).
bool is_token_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  constexpr std::string_view separators = "()<>@,;:\\\"/[]?={}";
  return separators.find(c) == std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool is_method(std::string_view s) noexcept {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if ((c < 'A' || c > 'Z') && c != '_') return false;  // GET_PARAMETER, SET_PARAMETER
  }
  return true;
}

// Visible ASCII or UTF-8 bytes, no blanks (a request target).
bool is_target(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (is_control(c) || is_blank(c)) return false;
  }
  return true;
}

bool has_control(std::string_view s) noexcept {
  for (char c : s) {
    if (is_control(c)) return true;
  }
  return false;
}

// Strict decimal: digits only, no sign, fits in `max`.
Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max, std::string_view what) {
  if (text.empty()) return fail(Errc::malformed, std::string(what) + ": empty value");
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return fail(Errc::malformed, std::string(what) + ": not a decimal number");
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return fail(Errc::out_of_range, std::string(what) + ": value too large");
  }
  return v;
}

// Splits "A B C" on runs of blanks into exactly n tokens (the last keeps inner blanks when
// keep_rest is set, for the reason phrase).
template <std::size_t N>
bool split_fields(std::string_view line, std::array<std::string_view, N>& out, bool keep_rest) {
  std::size_t i = 0;
  for (std::size_t f = 0; f < N; ++f) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) return false;
    if (f + 1 == N && keep_rest) {
      out[f] = trim(line.substr(i));
      return true;
    }
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    out[f] = line.substr(start, i - start);
  }
  while (i < line.size() && is_blank(line[i])) ++i;
  return i == line.size();
}

struct HeaderBlock {
  bool complete = false;
  std::size_t end = 0;  // offset just past the blank line
  std::string_view first_line;
  RtspHeaders headers;
};

// Scans the header block line by line; each complete line is checked as soon as it is there.
Result<HeaderBlock> scan_header_block(std::string_view buffer, const RtspLimits& limits) {
  HeaderBlock block;
  const std::size_t scan = buffer.size() < limits.max_header_bytes ? buffer.size()
                                                                   : limits.max_header_bytes;
  std::size_t line_start = 0;
  bool first = true;
  for (std::size_t i = 0; i < scan; ++i) {
    const char c = buffer[i];
    if (c == '\n') return fail(Errc::malformed, "RTSP header block: line ends with a bare LF");
    if (c != '\r') {
      if (is_control(c)) return fail(Errc::malformed, "RTSP header block: control character");
      continue;
    }
    if (i + 1 == buffer.size()) break;  // CR is the last byte so far: wait for the LF
    if (i + 1 == scan) break;           // the LF would be past the limit: too_large below
    if (buffer[i + 1] != '\n') return fail(Errc::malformed, "RTSP header block: CR without LF");
    const std::string_view line = buffer.substr(line_start, i - line_start);
    line_start = i + 2;
    ++i;  // skip the LF
    if (first) {
      if (line.empty()) return fail(Errc::malformed, "RTSP message starts with an empty line");
      block.first_line = line;
      first = false;
      continue;
    }
    if (line.empty()) {
      block.complete = true;
      block.end = line_start;
      return block;
    }
    if (is_blank(line.front())) {
      return fail(Errc::malformed, "RTSP header continuation lines are not supported");
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return fail(Errc::malformed, "RTSP header line without ':'");
    }
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return fail(Errc::malformed, "RTSP header name is not a token");
    if (block.headers.size() >= limits.max_header_count) {
      return fail(Errc::too_large, "RTSP message has more than " +
                                       std::to_string(limits.max_header_count) + " headers");
    }
    block.headers.add(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
  if (buffer.size() >= limits.max_header_bytes) {
    return fail(Errc::too_large, "RTSP header block longer than " +
                                     std::to_string(limits.max_header_bytes) + " bytes");
  }
  return block;  // incomplete, valid so far
}

// CSeq is required exactly once (rtsp.md §2: on every request; §7: on every reply).
Result<std::uint32_t> required_cseq(const RtspHeaders& headers) {
  const auto n = headers.count("CSeq");
  if (n == 0) return fail(Errc::malformed, "RTSP message has no CSeq header");
  if (n > 1) return fail(Errc::malformed, "RTSP message has more than one CSeq header");
  auto v = parse_decimal(*headers.find("CSeq"), 0xFFFFFFFFu, "CSeq");
  if (!v) return tl::unexpected(v.error());
  return static_cast<std::uint32_t>(*v);
}

// Content-length if present (once, decimal, within the body limit).
Result<std::optional<std::size_t>> content_length(const RtspHeaders& headers,
                                                  const RtspLimits& limits) {
  const auto n = headers.count("Content-length");
  if (n == 0) return std::optional<std::size_t>{};
  if (n > 1) return fail(Errc::malformed, "RTSP message has more than one Content-length");
  auto v = parse_decimal(*headers.find("Content-length"), 0xFFFFFFFFu, "Content-length");
  if (!v) return tl::unexpected(v.error());
  if (*v > limits.max_body_bytes) {
    return fail(Errc::too_large, "RTSP Content-length above the limit of " +
                                     std::to_string(limits.max_body_bytes) + " bytes");
  }
  return std::optional<std::size_t>{static_cast<std::size_t>(*v)};
}

Result<void> check_request_line(std::string_view line, RtspRequest& out) {
  std::array<std::string_view, 3> f;
  if (!split_fields(line, f, false)) {
    return fail(Errc::malformed, "RTSP request line is not 'METHOD target RTSP/1.0'");
  }
  if (!is_method(f[0])) return fail(Errc::malformed, "RTSP method is not an upper-case word");
  if (!is_target(f[1])) return fail(Errc::malformed, "RTSP request target is invalid");
  if (f[2] != kProtocol) return fail(Errc::malformed, "RTSP request protocol is not RTSP/1.0");
  out.method = std::string(f[0]);
  out.target = std::string(f[1]);
  return {};
}

Result<void> check_status_line(std::string_view line, RtspResponse& out) {
  std::array<std::string_view, 3> f;
  if (!split_fields(line, f, true)) {
    return fail(Errc::malformed, "RTSP status line is not 'RTSP/1.0 code reason'");
  }
  if (f[0] != kProtocol) return fail(Errc::malformed, "RTSP status line protocol is not RTSP/1.0");
  if (f[1].size() != 3) return fail(Errc::malformed, "RTSP status code is not three digits");
  auto code = parse_decimal(f[1], 999, "RTSP status code");
  if (!code) return tl::unexpected(code.error());
  if (*code < 100) return fail(Errc::out_of_range, "RTSP status code below 100");
  out.status_code = static_cast<int>(*code);
  out.reason = std::string(f[2]);
  return {};
}

}  // namespace

bool rtsp_name_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void RtspHeaders::add(std::string name, std::string value) {
  headers_.push_back(RtspHeader{std::move(name), std::move(value)});
}

std::optional<std::string_view> RtspHeaders::find(std::string_view name) const {
  for (const auto& h : headers_) {
    if (rtsp_name_equal(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::size_t RtspHeaders::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& h : headers_) {
    if (rtsp_name_equal(h.name, name)) ++n;
  }
  return n;
}

RtspMethod rtsp_method_from(std::string_view method) noexcept {
  if (method == "OPTIONS") return RtspMethod::options;
  if (method == "DESCRIBE") return RtspMethod::describe;
  if (method == "SETUP") return RtspMethod::setup;
  if (method == "ANNOUNCE") return RtspMethod::announce;
  if (method == "PLAY") return RtspMethod::play;
  if (method == "TEARDOWN") return RtspMethod::teardown;
  return RtspMethod::unknown;
}

Result<RtspParsed<RtspRequest>> parse_rtsp_request(std::string_view buffer,
                                                   const RtspLimits& limits) {
  auto block = scan_header_block(buffer, limits);
  if (!block) return tl::unexpected(block.error());
  RtspRequest request;
  // Reject a bad request line as soon as it is complete, before the headers arrive.
  if (!block->first_line.empty()) {
    if (auto ok = check_request_line(block->first_line, request); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (!block->complete) return RtspParsed<RtspRequest>{};
  auto cseq = required_cseq(block->headers);
  if (!cseq) return tl::unexpected(cseq.error());
  auto length = content_length(block->headers, limits);
  if (!length) return tl::unexpected(length.error());
  const std::size_t body_bytes = length->value_or(0);
  if (buffer.size() - block->end < body_bytes) return RtspParsed<RtspRequest>{};
  request.cseq = *cseq;
  request.body = std::string(buffer.substr(block->end, body_bytes));
  request.headers = std::move(block->headers);
  RtspParsed<RtspRequest> out;
  out.message = std::move(request);
  out.consumed_bytes = block->end + body_bytes;
  return out;
}

Result<RtspParsed<RtspResponse>> parse_rtsp_response(std::string_view buffer, bool at_eof,
                                                     const RtspLimits& limits) {
  auto block = scan_header_block(buffer, limits);
  if (!block) return tl::unexpected(block.error());
  RtspResponse response;
  if (!block->first_line.empty()) {
    if (auto ok = check_status_line(block->first_line, response); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (!block->complete) {
    if (at_eof) return fail(Errc::truncated, "RTSP response ended inside the header block");
    return RtspParsed<RtspResponse>{};
  }
  if (auto cseq = required_cseq(block->headers); !cseq) return tl::unexpected(cseq.error());
  auto length = content_length(block->headers, limits);
  if (!length) return tl::unexpected(length.error());
  const std::size_t available = buffer.size() - block->end;
  std::size_t body_bytes = 0;
  if (length->has_value()) {
    body_bytes = **length;
    if (available < body_bytes) {
      if (at_eof) return fail(Errc::truncated, "RTSP response body shorter than Content-length");
      return RtspParsed<RtspResponse>{};
    }
  } else {
    // No Content-length: the body is everything up to the host's close (rtsp.md §1).
    if (available > limits.max_body_bytes) {
      return fail(Errc::too_large, "RTSP response body above the limit of " +
                                       std::to_string(limits.max_body_bytes) + " bytes");
    }
    if (!at_eof) return RtspParsed<RtspResponse>{};
    body_bytes = available;
  }
  response.body = std::string(buffer.substr(block->end, body_bytes));
  response.headers = std::move(block->headers);
  RtspParsed<RtspResponse> out;
  out.message = std::move(response);
  out.consumed_bytes = block->end + body_bytes;
  return out;
}

namespace {

Result<void> append_headers(std::string& out, const RtspHeaders& headers) {
  for (const auto& h : headers.all()) {
    if (!is_token(h.name)) return fail(Errc::malformed, "RTSP header name is not a token");
    if (has_control(h.value)) {
      return fail(Errc::malformed, "RTSP header " + h.name + ": value has a control character");
    }
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  out.append("\r\n");
  return {};
}

}  // namespace

Result<std::string> serialize_rtsp_request(const RtspRequest& request) {
  if (!is_method(request.method)) return fail(Errc::malformed, "RTSP method is invalid");
  if (!is_target(request.target)) return fail(Errc::malformed, "RTSP request target is invalid");
  std::string out;
  out.reserve(64 + request.body.size() + 48 * request.headers.size());
  out.append(request.method).append(" ").append(request.target).append(" RTSP/1.0\r\n");
  if (auto ok = append_headers(out, request.headers); !ok) return tl::unexpected(ok.error());
  out.append(request.body);
  return out;
}

Result<std::string> serialize_rtsp_response(const RtspResponse& response) {
  if (response.status_code < 100 || response.status_code > 999) {
    return fail(Errc::out_of_range, "RTSP status code outside 100..999");
  }
  if (trim(response.reason).empty() || has_control(response.reason)) {
    return fail(Errc::malformed, "RTSP reason phrase is empty or has a control character");
  }
  std::string out;
  out.reserve(64 + response.body.size() + 48 * response.headers.size());
  out.append("RTSP/1.0 ")
      .append(std::to_string(response.status_code))
      .append(" ")
      .append(response.reason)
      .append("\r\n");
  if (auto ok = append_headers(out, response.headers); !ok) return tl::unexpected(ok.error());
  out.append(response.body);
  return out;
}

}  // namespace lightwell::proto
