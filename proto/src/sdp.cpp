// Generic SDP line parsing (shared/protocol/rtsp.md §4.2, §4.4).
#include "lightwell/proto/sdp.hpp"

#include <string>

namespace lightwell::proto {

namespace {

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

Result<void> parse_line(std::string_view line, std::size_t number, SdpDocument& doc) {
  const std::string where = "SDP line " + std::to_string(number);
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return fail(Errc::malformed, where + ": control character");
    }
  }
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return fail(Errc::malformed, where + ": no '='");
  const std::string_view key = line.substr(0, eq);
  if (key.empty()) return fail(Errc::malformed, where + ": empty type before '='");
  for (char c : key) {
    if (is_blank(c)) return fail(Errc::malformed, where + ": blank in the type before '='");
  }
  const std::string_view value = line.substr(eq + 1);
  doc.lines.push_back(SdpLine{key, value});
  if (key != "a") return {};
  const auto colon = value.find(':');
  const std::string_view name = trim(value.substr(0, colon));
  if (name.empty()) return fail(Errc::malformed, where + ": attribute without a name");
  const std::string_view attr_value =
      colon == std::string_view::npos ? std::string_view{} : trim(value.substr(colon + 1));
  doc.attributes.push_back(SdpAttribute{name, attr_value});
  return {};
}

}  // namespace

std::optional<std::string_view> SdpDocument::line(std::string_view key) const {
  for (const auto& l : lines) {
    if (l.key == key) return l.value;
  }
  return std::nullopt;
}

std::optional<std::string_view> SdpDocument::attribute(std::string_view name) const {
  for (const auto& a : attributes) {
    if (a.name == name) return a.value;
  }
  return std::nullopt;
}

std::size_t SdpDocument::attribute_count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& a : attributes) {
    if (a.name == name) ++n;
  }
  return n;
}

Result<SdpDocument> parse_sdp(std::string_view text, const SdpLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(Errc::too_large,
                "SDP body larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  SdpDocument doc;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    if (line.size() > limits.max_line_bytes) {
      return fail(Errc::too_large, "SDP line " + std::to_string(number) + " longer than " +
                                       std::to_string(limits.max_line_bytes) + " bytes");
    }
    if (line.empty()) continue;
    if (doc.lines.size() >= limits.max_lines) {
      return fail(Errc::too_large,
                  "SDP body has more than " + std::to_string(limits.max_lines) + " lines");
    }
    if (auto ok = parse_line(line, number, doc); !ok) return tl::unexpected(ok.error());
  }
  return doc;
}

}  // namespace lightwell::proto
