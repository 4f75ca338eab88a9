// Shared by the web_*.cpp route files (internal).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "lightwell/net/web_server.hpp"
#include "lightwell/server/web_service.hpp"

namespace lightwell::server {

struct WebService::Ctx {
  const net::WebRequest& req;
  WebDone done;
  std::string path;
  const WebSession* session = nullptr;
};

namespace web {

inline net::WebResponse json_reply(unsigned status, std::string body) {
  net::WebResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

inline net::WebResponse json_reply(unsigned status, const boost::json::value& v) {
  return json_reply(status, boost::json::serialize(v));
}

inline net::WebResponse error_reply(unsigned status, std::string_view message) {
  return json_reply(status, boost::json::object{{"error", message}});
}

inline net::WebResponse no_content() {
  net::WebResponse r;
  r.status = 204;
  r.content_type = "text/plain";
  return r;
}

// The request body as a JSON object; nullopt after answering 400/415.
std::optional<boost::json::object> json_body(const net::WebRequest& req, const WebDone& done);
// Optional string member: "" when absent; nullopt (after answering 400 naming it) when present
// but not a string.
std::optional<std::string> string_field(const boost::json::object& o, std::string_view key, const WebDone& done);

// "/api/clients/<seg>/rest" → seg; "" when path does not start with prefix.
std::string_view segment_after(std::string_view path, std::string_view prefix);

}  // namespace web
}  // namespace lightwell::server
