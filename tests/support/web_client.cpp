#include "web_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace lightwell::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Blocking socket reads/writes give up after timeout (SO_RCVTIMEO/SO_SNDTIMEO, socket(7)).
void set_timeouts(tcp::socket& s, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

struct Connection {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  std::optional<beast::ssl_stream<tcp::socket>> stream;

  std::string open(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
    ctx.set_verify_mode(ssl::verify_none);  // the host certificate is self-signed
    stream.emplace(io, ctx);
    beast::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(host, ec), port);
    if (ec) return "bad address";
    stream->next_layer().connect(ep, ec);
    if (ec) return "connect: " + ec.message();
    set_timeouts(stream->next_layer(), timeout);
    SSL_set_tlsext_host_name(stream->native_handle(), host.c_str());
    stream->handshake(ssl::stream_base::client, ec);
    if (ec) return "TLS handshake: " + ec.message();
    return {};
  }
};

}  // namespace

std::optional<std::string> WebResult::header(std::string_view name) const {
  const std::string n = lower(std::string(name));
  for (const auto& [k, v] : headers) {
    if (k == n) return v;
  }
  return std::nullopt;
}

std::vector<std::string> WebResult::all(std::string_view name) const {
  const std::string n = lower(std::string(name));
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k == n) out.push_back(v);
  }
  return out;
}

std::string WebResult::describe() const {
  std::string s = error.empty() ? "HTTP " + std::to_string(status) + "\n" : "no response: " + error + "\n";
  for (const auto& [k, v] : headers) s += k + ": " + v + "\n";
  return s + body.substr(0, 300);
}

WebResult WebClient::raw(const WebCall& call, std::chrono::milliseconds timeout) const {
  WebResult result;
  Connection c;
  if (auto e = c.open(host_, port_, timeout); !e.empty()) {
    result.error = e;
    return result;
  }
  http::request<http::string_body> req(http::string_to_verb(call.method), call.target, 11);
  req.set(http::field::host, host_header());
  for (const auto& [k, v] : call.headers) req.insert(k, v);
  if (!call.content_type.empty()) req.set(http::field::content_type, call.content_type);
  req.keep_alive(false);
  req.body() = call.body;
  req.prepare_payload();
  beast::error_code ec;
  http::write(*c.stream, req, ec);
  if (ec) {
    result.error = "write: " + ec.message();
    return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(*c.stream, buffer, parser, ec);
  if (ec) {
    result.error = "read: " + ec.message();
    return result;
  }
  const auto& res = parser.get();
  result.status = static_cast<int>(res.result_int());
  for (const auto& f : res) result.headers.emplace_back(lower(std::string(f.name_string())), std::string(f.value()));
  result.body = res.body();
  c.stream->shutdown(ec);
  return result;
}

WebResult WebClient::get(const std::string& target) const {
  WebCall call;
  call.target = target;
  if (!cookie_.empty()) call.headers.emplace_back("Cookie", cookie_);
  return raw(call);
}

WebResult WebClient::post(const std::string& target, const std::string& json_body) const {
  WebCall call;
  call.method = "POST";
  call.target = target;
  if (!cookie_.empty()) call.headers.emplace_back("Cookie", cookie_);
  if (!csrf_.empty()) call.headers.emplace_back("X-CSRF-Token", csrf_);
  call.headers.emplace_back("Origin", origin());
  call.body = json_body;
  call.content_type = "application/json";
  return raw(call);
}

WebResult WebClient::login(const std::string& user, const std::string& password) {
  WebCall call;
  call.method = "POST";
  call.target = "/api/login";
  call.headers.emplace_back("Origin", origin());
  call.content_type = "application/json";
  call.body = "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}";
  WebResult r = raw(call, std::chrono::seconds(30));
  if (r.status == 200) {
    const auto set_cookie = r.header("set-cookie").value_or("");
    cookie_ = set_cookie.substr(0, set_cookie.find(';'));
    csrf_ = json_string(r.body, "csrf_token").value_or("");
  }
  return r;
}

std::string WebClient::read_events_until(const std::string& needle, std::chrono::milliseconds timeout) const {
  Connection c;
  if (auto e = c.open(host_, port_, std::chrono::milliseconds(3000)); !e.empty()) return "(" + e + ")";
  std::string request = "GET /api/events HTTP/1.1\r\nHost: " + host_header() + "\r\nAccept: text/event-stream\r\n";
  if (!cookie_.empty()) request += "Cookie: " + cookie_ + "\r\n";
  request += "\r\n";
  beast::error_code ec;
  asio::write(*c.stream, asio::buffer(request), ec);
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (!ec && std::chrono::steady_clock::now() < deadline && got.find(needle) == std::string::npos) {
    const std::size_t n = c.stream->read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    // SO_RCVTIMEO (3 s) turns into an error; go on until the deadline.
    if (ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::timed_out) ec = {};
  }
  return got;
}

std::optional<std::string> json_string(const std::string& body, const std::string& key) {
  const std::string pattern = "\"" + key + "\":\"";
  const auto at = body.find(pattern);
  if (at == std::string::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = at + pattern.size(); i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      out += body[++i];
    } else if (body[i] == '"') {
      return out;
    } else {
      out += body[i];
    }
  }
  return std::nullopt;
}

}  // namespace lightwell::test
