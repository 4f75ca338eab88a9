#include "lightwell/proto/query.hpp"

#include <algorithm>
#include <limits>

#include "lightwell/proto/hex.hpp"

namespace lightwell::proto {

namespace {

int hex_nibble(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7F; }

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

Error missing(std::string_view key) { return Error{Errc::malformed, "missing parameter " + quoted(key)}; }

bool is_hex_digit(char c) noexcept { return hex_nibble(c) >= 0; }

}  // namespace

Result<std::string> percent_decode(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return fail(Errc::malformed, "truncated percent-escape");
      }
      const int hi = hex_nibble(text[i + 1]);
      const int lo = hex_nibble(text[i + 2]);
      if (hi < 0 || lo < 0) return fail(Errc::malformed, "bad percent-escape");
      c = static_cast<char>((hi << 4) | lo);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (is_control(static_cast<unsigned char>(c))) return fail(Errc::malformed, "control character in query");
    if (out.size() >= max_bytes) return fail(Errc::too_large, "query component too long");
    out.push_back(c);
  }
  return out;
}

Result<std::int64_t> parse_decimal(std::string_view text, std::int64_t min, std::int64_t max) {
  if (text.empty()) return fail(Errc::malformed, "empty number");
  bool negative = false;
  std::size_t pos = 0;
  if (text[0] == '-') {
    negative = true;
    pos = 1;
  }
  const std::size_t digits = text.size() - pos;
  if (digits == 0) return fail(Errc::malformed, "not a decimal number");
  if (digits > 20) return fail(Errc::out_of_range, "number too long");
  // Accumulate the magnitude in unsigned 64 bits; 20 digits can overflow, so check each step.
  std::uint64_t magnitude = 0;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return fail(Errc::malformed, "not a decimal number");
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      return fail(Errc::out_of_range, "number out of range");
    }
    magnitude = magnitude * 10 + d;
  }
  constexpr auto kMaxPositive = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::int64_t value = 0;
  if (negative) {
    if (magnitude > kMaxPositive + 1) return fail(Errc::out_of_range, "number out of range");
    value = magnitude == kMaxPositive + 1 ? std::numeric_limits<std::int64_t>::min()
                                          : -static_cast<std::int64_t>(magnitude);
  } else {
    if (magnitude > kMaxPositive) return fail(Errc::out_of_range, "number out of range");
    value = static_cast<std::int64_t>(magnitude);
  }
  if (value < min || value > max) {
    return fail(Errc::out_of_range,
                "number outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

Result<Query> Query::parse(std::string_view raw, const QueryLimits& limits) {
  if (raw.size() > limits.max_query_bytes) return fail(Errc::too_large, "query string too long");
  Query q;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view segment = raw.substr(start, end - start);
    start = end + 1;
    if (segment.empty()) continue;
    if (q.params_.size() >= limits.max_params) return fail(Errc::too_large, "too many query parameters");

    const std::size_t eq = segment.find('=');
    const std::string_view raw_key = segment.substr(0, eq);
    const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : segment.substr(eq + 1);
    auto key = percent_decode(raw_key, limits.max_key_bytes);
    if (!key) return fail(key.error().code, "query key: " + key.error().message);
    if (key->empty()) return fail(Errc::malformed, "empty query key");
    auto value = percent_decode(raw_value, limits.max_value_bytes);
    if (!value) return fail(value.error().code, "value of " + quoted(*key) + ": " + value.error().message);
    if (q.find(*key)) return fail(Errc::malformed, "duplicate parameter " + quoted(*key));
    q.params_.push_back(QueryParam{std::move(*key), std::move(*value)});
  }
  return q;
}

std::optional<std::string_view> Query::find(std::string_view key) const noexcept {
  for (const auto& p : params_) {
    if (equal_ignore_case(p.key, key)) return std::string_view(p.value);
  }
  return std::nullopt;
}

Result<std::string_view> Query::require(std::string_view key, std::size_t max_bytes) const {
  const auto v = find(key);
  if (!v) return tl::unexpected(missing(key));
  if (v->size() > max_bytes) return fail(Errc::too_large, "parameter " + quoted(key) + " too long");
  return *v;
}

Result<std::int64_t> Query::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  const auto v = find(key);
  if (!v) return tl::unexpected(missing(key));
  auto n = parse_decimal(*v, min, max);
  if (!n) return fail(n.error().code, "parameter " + quoted(key) + ": " + n.error().message);
  return *n;
}

Result<std::int64_t> Query::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                       std::int64_t max) const {
  if (!has(key)) return fallback;
  return integer(key, min, max);
}

Result<bool> Query::flag(std::string_view key) const {
  auto n = integer(key, 0, 1);
  if (!n) return tl::unexpected(n.error());
  return *n == 1;
}

Result<bool> Query::flag_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  return flag(key);
}

Result<std::vector<std::uint8_t>> Query::hex_range(std::string_view key, std::size_t min_bytes,
                                                   std::size_t max_bytes) const {
  const auto v = find(key);
  if (!v) return tl::unexpected(missing(key));
  auto bytes = from_hex(*v, max_bytes);
  if (!bytes) return fail(bytes.error().code, "parameter " + quoted(key) + ": " + bytes.error().message);
  if (bytes->size() < min_bytes) {
    return fail(Errc::truncated, "parameter " + quoted(key) + " shorter than " + std::to_string(min_bytes) + " bytes");
  }
  return bytes;
}

Result<std::vector<std::uint8_t>> Query::hex_exact(std::string_view key, std::size_t n) const {
  const auto v = find(key);
  if (!v) return tl::unexpected(missing(key));
  if (v->size() != 2 * n) {
    return fail(v->size() < 2 * n ? Errc::truncated : Errc::too_large,
                "parameter " + quoted(key) + " must be " + std::to_string(2 * n) + " hex digits");
  }
  return hex_range(key, n, n);
}

Result<std::string_view> Query::unique_id() const {
  const auto v = find("uniqueid");
  if (!v) return tl::unexpected(missing("uniqueid"));
  if (v->empty() || v->size() > 64) return fail(Errc::out_of_range, "parameter 'uniqueid' must be 1-64 characters");
  for (char c : *v) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return fail(Errc::malformed, "parameter 'uniqueid' has a character outside [A-Za-z0-9._:-]");
  }
  return *v;
}

Result<std::string_view> Query::uuid() const {
  const auto v = find("uuid");
  if (!v) return tl::unexpected(missing("uuid"));
  bool ok = false;
  if (v->size() == 32) {
    ok = true;
    for (char c : *v) ok = ok && is_hex_digit(c);
  } else if (v->size() == 36) {
    ok = true;
    for (std::size_t i = 0; i < v->size(); ++i) {
      const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
      ok = ok && (dash_position ? (*v)[i] == '-' : is_hex_digit((*v)[i]));
    }
  }
  if (!ok) return fail(Errc::malformed, "parameter 'uuid' is not a UUID");
  return *v;
}

}  // namespace lightwell::proto
