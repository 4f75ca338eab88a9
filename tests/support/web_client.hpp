// A small HTTPS client for the web admin page's tests (docs/web.md): real TLS through
// Boost.Beast/OpenSSL against `lightwell serve`, one connection per request unless asked
// otherwise, every read bounded by a timeout. Remembers the session cookie and CSRF token
// after login() so post() sends them (and a matching Origin) like the page does.
//
// Thread rules: one object per thread. Test-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lightwell::test {

struct WebResult {
  int status = 0;                   // 0: no response (error says why)
  std::string error;                // transport error, empty when a response arrived
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::optional<std::string> header(std::string_view name) const;  // first value
  std::vector<std::string> all(std::string_view name) const;
  std::string describe() const;  // status, headers and the first 300 bytes of body
};

struct WebCall {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given
  std::string body;
  std::string content_type;  // added as Content-Type when non-empty
};

class WebClient {
 public:
  WebClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}

  // Sends exactly what call says (plus Host and Content-Length), nothing implicit.
  WebResult raw(const WebCall& call, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // GET with the session cookie (if any).
  WebResult get(const std::string& target) const;
  // POST with cookie, X-CSRF-Token and Origin https://<host>:<port>, JSON body.
  WebResult post(const std::string& target, const std::string& json_body) const;
  // POST /api/login; on 200 keeps the cookie and CSRF token.
  WebResult login(const std::string& user, const std::string& password);

  // Opens GET /api/events with the cookie and reads until `needle` appears in the stream or
  // the timeout passes; returns everything read (the status line and headers first).
  std::string read_events_until(const std::string& needle, std::chrono::milliseconds timeout) const;

  std::string origin() const { return "https://" + host_ + ":" + std::to_string(port_); }
  std::string host_header() const { return host_ + ":" + std::to_string(port_); }
  const std::string& cookie() const noexcept { return cookie_; }  // "lw_session=..."
  const std::string& csrf() const noexcept { return csrf_; }
  void set_session(std::string cookie, std::string csrf) {
    cookie_ = std::move(cookie);
    csrf_ = std::move(csrf);
  }

 private:
  std::string host_;
  std::uint16_t port_;
  std::string cookie_;
  std::string csrf_;
};

// The value of a JSON string member "key" in a flat-enough body (test helper, not a parser:
// the server's JSON is Boost.JSON's compact form).
std::optional<std::string> json_string(const std::string& body, const std::string& key);

}  // namespace lightwell::test
