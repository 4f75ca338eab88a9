// Where one RTSP message ends (rtsp_server.hpp RtspFramer; shared/protocol/rtsp.md §1, §3).
// Framing only: the request line and headers are judged later by proto's parser in the
// service; here we read just enough (the first byte, the 24-byte header, Content-length) to
// know how many bytes to wait for.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "lightwell/net/rtsp_server.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"

namespace lightwell::net {

namespace {

constexpr std::string_view kHeaderEnd = "\r\n\r\n";
constexpr std::string_view kContentLength = "content-length";

RtspFrameScan error_scan(RtspFraming framing, RtspFramingErrorKind kind, std::string reason) {
  RtspFrameScan s;
  s.state = RtspFrameScan::State::error;
  s.framing = framing;
  s.error = RtspFramingError{kind, std::move(reason)};
  return s;
}

RtspFrameScan complete_scan(RtspFraming framing, std::size_t bytes) {
  RtspFrameScan s;
  s.state = RtspFrameScan::State::complete;
  s.framing = framing;
  s.message_bytes = bytes;
  return s;
}

bool name_is_content_length(std::string_view name) noexcept {
  if (name.size() != kContentLength.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kContentLength[i]) return false;
  }
  return true;
}

std::string_view trim_blanks(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Content-length of a complete header block (rtsp.md §2: the client sends it with ANNOUNCE).
// Returns the body length, or an error scan. The rest of the header syntax is the parser's
// business (server/rtsp_service); here only a length we cannot trust is fatal.
struct BodyLength {
  std::size_t bytes = 0;
  std::optional<RtspFrameScan> error;
};

BodyLength body_length(std::string_view block) {
  BodyLength out;
  bool seen = false;
  std::size_t pos = block.find("\r\n");  // skip the request line
  while (pos != std::string_view::npos && pos + 2 < block.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = block.find("\r\n", start);
    if (end == std::string_view::npos || end == start) break;  // the blank line
    const std::string_view line = block.substr(start, end - start);
    pos = end;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !name_is_content_length(line.substr(0, colon))) continue;
    if (seen) {
      out.error = error_scan(RtspFraming::plaintext, RtspFramingErrorKind::malformed, "Content-length repeated");
      return out;
    }
    seen = true;
    const std::string_view value = trim_blanks(line.substr(colon + 1));
    // Plain decimal only; 10 digits bound the value far above any limit without overflow.
    if (value.empty() || value.size() > 10 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.error = error_scan(RtspFraming::plaintext, RtspFramingErrorKind::malformed,
                             "Content-length is not a decimal number");
      return out;
    }
    std::size_t n = 0;
    for (const char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
    out.bytes = n;
  }
  return out;
}

}  // namespace

RtspFrameScan RtspFramer::scan(std::span<const std::uint8_t> buffer) {
  if (buffer.empty()) return RtspFrameScan{};
  if (!proto::starts_encrypted_rtsp(buffer)) return scan_plaintext(buffer);

  // rtsp.md §3: 24-byte header, then exactly N bytes. The limit is checked from the length
  // word alone, before the ciphertext is buffered.
  const std::size_t max_ciphertext =
      max_message_bytes_ > proto::kEncryptedRtspHeaderBytes ? max_message_bytes_ - proto::kEncryptedRtspHeaderBytes : 0;
  auto frame = proto::parse_encrypted_rtsp_frame(buffer, max_ciphertext);
  if (!frame) {
    const auto kind = frame.error().code == proto::Errc::too_large ? RtspFramingErrorKind::too_large
                                                                    : RtspFramingErrorKind::malformed;
    const std::string reason = kind == RtspFramingErrorKind::too_large
                                   ? "encrypted request larger than " + std::to_string(max_message_bytes_) + " bytes"
                                   : frame.error().message;
    return error_scan(RtspFraming::encrypted, kind, reason);
  }
  if (!frame->has_value()) {
    RtspFrameScan s;
    s.framing = RtspFraming::encrypted;
    return s;
  }
  return complete_scan(RtspFraming::encrypted, (*frame)->consumed_bytes);
}

RtspFrameScan RtspFramer::scan_plaintext(std::span<const std::uint8_t> buffer) {
  const std::string_view text(reinterpret_cast<const char*>(buffer.data()), buffer.size());
  if (total_bytes_ != 0) {  // header block already judged: only the body is awaited
    if (text.size() < total_bytes_) return RtspFrameScan{};
    return complete_scan(RtspFraming::plaintext, total_bytes_);
  }
  // Resume the search a few bytes back: the terminator may straddle two reads.
  const std::size_t from = searched_bytes_ >= kHeaderEnd.size() - 1 ? searched_bytes_ - (kHeaderEnd.size() - 1) : 0;
  const std::size_t at = text.find(kHeaderEnd, from);
  if (at == std::string_view::npos) {
    searched_bytes_ = text.size();
    if (text.size() >= max_message_bytes_) {
      return error_scan(RtspFraming::plaintext, RtspFramingErrorKind::too_large,
                        "request header larger than " + std::to_string(max_message_bytes_) + " bytes");
    }
    return RtspFrameScan{};
  }
  const std::size_t header_bytes = at + kHeaderEnd.size();
  searched_bytes_ = header_bytes;
  const BodyLength body = body_length(text.substr(0, header_bytes));
  if (body.error) return *body.error;
  if (body.bytes > max_message_bytes_ || header_bytes + body.bytes > max_message_bytes_) {
    return error_scan(RtspFraming::plaintext, RtspFramingErrorKind::too_large,
                      "request larger than " + std::to_string(max_message_bytes_) + " bytes (Content-length " +
                          std::to_string(body.bytes) + ")");
  }
  total_bytes_ = header_bytes + body.bytes;
  if (text.size() < total_bytes_) return RtspFrameScan{};
  return complete_scan(RtspFraming::plaintext, header_bytes + body.bytes);
}

}  // namespace lightwell::net
