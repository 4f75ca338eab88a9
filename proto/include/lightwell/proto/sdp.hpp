// The SDP-like text GameStream carries in RTSP bodies (shared/protocol/rtsp.md §4.2, §4.4):
// lines `<type>=<value>`, the interesting ones being attributes `a=<name>:<value>`.
// This is the generic line layer; sdp_announce.hpp turns the client's ANNOUNCE into
// StreamParams and sdp_describe.hpp builds the host's DESCRIBE body.
//
// Line rules (tolerant of what the client and Sunshine write):
//  - lines end with CRLF or LF (the client writes CRLF, Sunshine's DESCRIBE LF); empty lines
//    are skipped;
//  - a line is `<key>=<value>`; key = non-empty run of visible characters before the first
//    '=' (normally one letter; Sunshine's DESCRIBE also has `sprop-parameter-sets=AAAAAU`);
//  - `a=` lines: name = text up to the first ':', value = the rest; both trimmed of blanks
//    (the client puts one space after every value, rtsp.md §4.4); `a=flag` has an empty value;
//  - a control character (other than tab), a line without '=' or an empty key is malformed.
// Views point into the parsed text: keep it alive while using the document.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

struct SdpLimits {
  std::size_t max_bytes = 16 * 1024;    // the client's ANNOUNCE is ~1.5 KB (rtsp.md §4.4)
  std::size_t max_lines = 256;          // it has 42 lines
  std::size_t max_line_bytes = 1024;    // its longest is < 60 bytes
};
inline constexpr SdpLimits kDefaultSdpLimits{};

struct SdpLine {
  std::string_view key;    // "v", "o", "a", "sprop-parameter-sets", ...
  std::string_view value;  // untrimmed text after '='
};

struct SdpAttribute {
  std::string_view name;   // "x-nv-video[0].maxFPS"
  std::string_view value;  // "60" (blanks trimmed)
};

struct SdpDocument {
  std::vector<SdpLine> lines;            // every line in order (including a= lines)
  std::vector<SdpAttribute> attributes;  // the a= lines, in order; names may repeat

  // First line with this key.
  std::optional<std::string_view> line(std::string_view key) const;
  // First attribute with this name / number of attributes with it.
  std::optional<std::string_view> attribute(std::string_view name) const;
  std::size_t attribute_count(std::string_view name) const;
};

// Errors: too_large (a limit), malformed (line syntax). Never partial: either the whole text
// parses or nothing is returned.
Result<SdpDocument> parse_sdp(std::string_view text, const SdpLimits& limits = kDefaultSdpLimits);

}  // namespace lightwell::proto
