// Result and error types of the wire layer. proto never throws and never logs: every
// fallible function returns Result<T>, whose error names what was wrong in words a log line
// or an RTSP/HTTP error reply can carry as-is.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace lightwell::proto {

enum class Errc {
  truncated,       // input ended before a length or field it announced
  too_large,       // a length or count above the protocol's or our limit
  malformed,       // syntax error (bad number, missing separator, wrong magic)
  out_of_range,    // a well-formed value outside the allowed range
  unsupported,     // valid, but a feature we do not implement
  auth_failed,     // a MAC/tag or signature did not verify
  crypto_failure,  // the crypto library failed (out of memory, bad key size)
};

struct Error {
  Errc code;
  std::string message;  // human-readable, names the field; never contains secret bytes
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

const char* to_string(Errc code) noexcept;

}  // namespace lightwell::proto
