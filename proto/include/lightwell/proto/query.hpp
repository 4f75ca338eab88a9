// nvhttp query strings (`a=b&c=d`). Every nvhttp request is a GET whose parameters are all in
// the query string (shared/protocol/http-pairing.md §1), so this is the only request parser
// the HTTP(S) servers need.
//
// Decisions (see also docs/pairing.md):
//  - Percent-escapes `%XX` are decoded (either hex case); `+` decodes to a space, as in
//    application/x-www-form-urlencoded and as the reference host decodes it. A `%` not
//    followed by two hex digits rejects the whole query.
//  - Keys are matched ASCII case-insensitively (the reference host uses a case-insensitive
//    map), and a key that appears twice (in any case) rejects the whole query. No official
//    client sends a parameter twice; accepting duplicates would let two layers that pick
//    "first" and "last" disagree about the same request (parameter pollution).
//  - Decoded keys and values may not contain ASCII control characters (0x00–0x1F, 0x7F):
//    no client sends them and they would reach logs, XML replies and C strings.
//  - Empty segments (`a=1&&b=2`, a trailing `&`) are skipped; a segment without `=` is a
//    key with an empty value; an empty key is malformed.
// Limits are checked before anything is stored; a rejected query is rejected whole.
//
// Ownership: a Query owns copies of the decoded text; the input view is not retained.
// Thread rules: immutable after parse, safe to read from several threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

struct QueryLimits {
  // Raw (still escaped) query length. The largest legitimate query is pairing phase 1:
  // hex(client certificate PEM) is ~2.3 KiB for RSA-2048 and ~4 KiB for RSA-4096.
  std::size_t max_query_bytes = 16 * 1024;
  // A launch request carries ~20 parameters (http-pairing.md §7).
  std::size_t max_params = 48;
  std::size_t max_key_bytes = 64;              // decoded
  std::size_t max_value_bytes = 12 * 1024;     // decoded
};

struct QueryParam {
  std::string key;    // decoded, original case
  std::string value;  // decoded
};

class Query {
 public:
  // raw: the request target's text after '?' and before any '#', still percent-encoded.
  static Result<Query> parse(std::string_view raw, const QueryLimits& limits = {});

  // The decoded value of key (ASCII case-insensitive), or nullopt when absent.
  std::optional<std::string_view> find(std::string_view key) const noexcept;
  bool has(std::string_view key) const noexcept { return find(key).has_value(); }
  const std::vector<QueryParam>& params() const noexcept { return params_; }

  // --- typed getters; errors name the parameter, never echo its value --------------------

  // Present and at most max_bytes long.
  Result<std::string_view> require(std::string_view key, std::size_t max_bytes = SIZE_MAX) const;
  // Decimal integer (optional leading '-', no '+', no spaces, at most 20 digits) within
  // [min, max]. Missing -> malformed.
  Result<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  // Same, but an absent key yields fallback (a present but bad value is still an error).
  Result<std::int64_t> integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max) const;
  // "0" or "1".
  Result<bool> flag(std::string_view key) const;
  Result<bool> flag_or(std::string_view key, bool fallback) const;
  // Hex (either case) that must decode to exactly n bytes.
  Result<std::vector<std::uint8_t>> hex_exact(std::string_view key, std::size_t n) const;
  template <std::size_t N>
  Result<std::array<std::uint8_t, N>> hex_array(std::string_view key) const {
    auto bytes = hex_exact(key, N);
    if (!bytes) return tl::unexpected(bytes.error());
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
    return out;
  }
  // Hex (either case) decoding to between min_bytes and max_bytes.
  Result<std::vector<std::uint8_t>> hex_range(std::string_view key, std::size_t min_bytes,
                                              std::size_t max_bytes) const;

  // `uniqueid`: the client's self-chosen id (http-pairing.md §1). 1–64 characters of
  // [A-Za-z0-9._:-]. Not an identity: many clients send the constant 0123456789ABCDEF.
  Result<std::string_view> unique_id() const;
  // `uuid`: a per-request cache buster, either 32 hex digits (Qt) or the dashed 8-4-4-4-12
  // form (Android, Embedded). Validated so it can be logged safely; otherwise ignored.
  Result<std::string_view> uuid() const;

 private:
  std::vector<QueryParam> params_;
};

// Percent-decoding of one component with the rules above (exposed for tests and for the
// HTTP layer's path handling). Fails on a bad escape or a control character.
Result<std::string> percent_decode(std::string_view text, std::size_t max_bytes);

// Parses a decimal integer with the rules of Query::integer (no key involved).
Result<std::int64_t> parse_decimal(std::string_view text, std::int64_t min, std::int64_t max);

}  // namespace lightwell::proto
