// Sessions, login limiter, peer filter, CSRF helpers (web_sessions.hpp).
#include "lightwell/server/web_sessions.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "lightwell/proto/hex.hpp"

namespace lightwell::server {

std::string SessionTable::random_hex() {
  std::uint8_t bytes[32];
  random_(bytes);
  return proto::to_hex(bytes);
}

const WebSession& SessionTable::create(std::string_view user) {
  if (sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
    sessions_.erase(oldest);
  }
  WebSession s;
  s.id = random_hex();
  s.user = std::string(user);
  s.csrf_token = random_hex();
  s.created = s.last_used = clock_.steady();
  s.expires_unix_s = clock_.unix_s() + options_.absolute_timeout.count();
  auto [it, inserted] = sessions_.emplace(s.id, std::move(s));
  (void)inserted;
  return it->second;
}

const WebSession* SessionTable::find(std::string_view id) {
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return nullptr;
  const auto now = clock_.steady();
  WebSession& s = it->second;
  if (now - s.last_used >= options_.idle_timeout || now - s.created >= options_.absolute_timeout) {
    sessions_.erase(it);
    return nullptr;
  }
  s.last_used = now;
  return &s;
}

void SessionTable::destroy(std::string_view id) { sessions_.erase(std::string(id)); }

std::optional<std::int64_t> LoginLimiter::wait_s(const boost::asio::ip::address& peer) {
  auto it = entries_.find(peer.to_string());
  if (it == entries_.end()) return std::nullopt;
  const auto now = clock_.steady();
  if (now - it->second.last_failure >= options_.forget_after) {
    entries_.erase(it);
    return std::nullopt;
  }
  if (now >= it->second.blocked_until) return std::nullopt;
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.blocked_until - now).count();
  return std::max<std::int64_t>(left, 1);
}

void LoginLimiter::failed(const boost::asio::ip::address& peer) {
  const auto now = clock_.steady();
  if (entries_.size() >= options_.max_tracked && !entries_.contains(peer.to_string())) {
    // Forget the address quiet the longest; an attacker rotating addresses inside the allowed
    // networks gains little, each address still starts at the free failures.
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_failure < b.second.last_failure;
    });
    entries_.erase(oldest);
  }
  Entry& e = entries_[peer.to_string()];
  if (e.failures > 0 && now - e.last_failure >= options_.forget_after) e = Entry{};
  ++e.failures;
  e.last_failure = now;
  if (e.failures >= options_.free_failures) {
    const int doublings = std::min(e.failures - options_.free_failures, 20);
    const auto wait = std::min<std::chrono::seconds>(options_.first_wait * (std::int64_t{1} << doublings), options_.max_wait);
    e.blocked_until = now + wait;
  }
}

void LoginLimiter::succeeded(const boost::asio::ip::address& peer) { entries_.erase(peer.to_string()); }

namespace {

boost::asio::ip::address plain(boost::asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

template <std::size_t N>
bool prefix_match(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b, unsigned prefix) {
  for (std::size_t i = 0; i < N && prefix > 0; ++i) {
    const unsigned bits = std::min(prefix, 8u);
    const auto mask = static_cast<unsigned char>(0xFFu << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    prefix -= bits;
  }
  return true;
}

}  // namespace

NetworkFilter::NetworkFilter(const std::vector<std::string>& cidrs) {
  for (const auto& text : cidrs) {
    const auto slash = text.find('/');
    boost::system::error_code ec;
    Net net;
    net.base = boost::asio::ip::make_address(text.substr(0, slash), ec);
    const unsigned max = net.base.is_v4() ? 32 : 128;
    net.prefix = max;
    if (!ec && slash != std::string::npos) {
      const char* first = text.data() + slash + 1;
      const char* last = text.data() + text.size();
      auto [ptr, err] = std::from_chars(first, last, net.prefix);
      if (err != std::errc() || ptr != last || first == last || net.prefix > max) ec = make_error_code(boost::system::errc::invalid_argument);
    }
    if (ec) throw std::invalid_argument("not a network in CIDR notation: \"" + text + "\"");
    nets_.push_back(net);
  }
}

bool NetworkFilter::allows(const boost::asio::ip::address& peer) const {
  const auto p = plain(peer);
  for (const auto& n : nets_) {
    if (n.base.is_v4() && p.is_v4() && prefix_match(n.base.to_v4().to_bytes(), p.to_v4().to_bytes(), n.prefix)) return true;
    if (n.base.is_v6() && p.is_v6() && prefix_match(n.base.to_v6().to_bytes(), p.to_v6().to_bytes(), n.prefix)) return true;
  }
  return false;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string origin_problem(const net::WebRequest& request) {
  const auto origin = request.header("origin");
  const auto host = request.header("host");
  if (!origin) return "the request has no Origin header";
  if (!host || host->empty()) return "the request has no Host header";
  // Exact match: scheme, host and port as the browser reached us; "null" and any other site fail.
  if (*origin != "https://" + std::string(*host)) return "the request comes from another site (Origin does not match)";
  return {};
}

bool tokens_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace lightwell::server
