// Web page sessions, the login rate limit, the peer filter and the CSRF/Origin rule
// (docs/web.md "Security model"). Time comes from a ServiceClock and randomness from a
// RandomFill, so tests move time by hand.
//
// Thread rules: io thread only (not thread-safe). Session ids and CSRF tokens are SECRET:
// never logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "lightwell/net/web_server.hpp"
#include "lightwell/server/pairing_service.hpp"  // ServiceClock, RandomFill

namespace lightwell::server {

struct WebSession {
  std::string id;          // 256 random bits, hex: the lw_session cookie
  std::string user;
  std::string csrf_token;  // 256 random bits, hex: X-CSRF-Token
  std::chrono::steady_clock::time_point created;
  std::chrono::steady_clock::time_point last_used;
  std::int64_t expires_unix_s = 0;  // absolute expiry, for the page
};

struct SessionOptions {
  std::chrono::seconds idle_timeout{30 * 60};     // unused this long → gone
  std::chrono::seconds absolute_timeout{12 * 3600};  // gone this long after login regardless
  std::size_t max_sessions = 64;                   // the oldest goes when a new one would exceed it
};

class SessionTable {
 public:
  SessionTable(ServiceClock clock, RandomFill random, SessionOptions options = {})
      : clock_(std::move(clock)), random_(std::move(random)), options_(options) {}

  const WebSession& create(std::string_view user);
  // The live session with this id (touching it), nullptr when unknown or expired (then removed).
  const WebSession* find(std::string_view id);
  void destroy(std::string_view id);
  std::size_t size() const noexcept { return sessions_.size(); }
  const SessionOptions& options() const noexcept { return options_; }

 private:
  std::string random_hex();
  ServiceClock clock_;
  RandomFill random_;
  SessionOptions options_;
  std::unordered_map<std::string, WebSession> sessions_;
};

struct LoginLimitOptions {
  int free_failures = 3;                 // failures before the first wait
  std::chrono::seconds first_wait{2};    // doubles with each further failure
  std::chrono::seconds max_wait{900};
  std::chrono::seconds forget_after{3600};  // an address quiet this long starts afresh
  std::size_t max_tracked = 4096;        // addresses remembered (bounded memory)
};

// Failed logins per source address with exponential back-off. While an address must wait,
// its login attempts are not even checked (429 + Retry-After).
class LoginLimiter {
 public:
  explicit LoginLimiter(ServiceClock clock, LoginLimitOptions options = {})
      : clock_(std::move(clock)), options_(options) {}
  // Seconds to wait before the next attempt (≥ 1), nullopt when allowed now.
  std::optional<std::int64_t> wait_s(const boost::asio::ip::address& peer);
  void failed(const boost::asio::ip::address& peer);
  void succeeded(const boost::asio::ip::address& peer);

 private:
  struct Entry {
    int failures = 0;
    std::chrono::steady_clock::time_point last_failure;
    std::chrono::steady_clock::time_point blocked_until;
  };
  ServiceClock clock_;
  LoginLimitOptions options_;
  std::unordered_map<std::string, Entry> entries_;
};

// A parsed CIDR list ([security] web_ui_allowed_networks). An IPv4-mapped IPv6 peer is
// matched as IPv4.
class NetworkFilter {
 public:
  // Throws std::invalid_argument naming the entry that does not parse.
  explicit NetworkFilter(const std::vector<std::string>& cidrs);
  bool allows(const boost::asio::ip::address& peer) const;

 private:
  struct Net {
    boost::asio::ip::address base;
    unsigned prefix = 0;
  };
  std::vector<Net> nets_;
};

// The value of cookie `name` in a Cookie header, nullopt when absent.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);
// "" when a state-changing request passes the Origin rule: Origin present and exactly
// "https://" + Host. Else the reason (for the 403 body).
std::string origin_problem(const net::WebRequest& request);
// Constant-time comparison of two tokens (length leaks, contents do not).
bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace lightwell::server
