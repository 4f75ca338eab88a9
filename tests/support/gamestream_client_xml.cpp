// Minimal nvhttp XML reading, the way clients read it (http-pairing.md §1: search by tag
// name, status in the root's attributes). Not a general XML parser: no nesting of equal
// tags, no CDATA, entities limited to the five predefined ones (all our host emits).
#include <cstdlib>

#include "gamestream_client.hpp"

namespace lightwell::test {

namespace {

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [entity, c] : kEntities) {
      if (s.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out += '&';
  }
  return out;
}

std::optional<std::string> attribute(std::string_view tag_text, std::string_view name) {
  const std::string needle = " " + std::string(name) + "=\"";
  const auto at = tag_text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = at + needle.size();
  const auto end = tag_text.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return unescape(tag_text.substr(start, end - start));
}

// Finds <tag> or <tag/> (or <tag attr…>) from pos; returns the text and moves pos past it.
std::optional<std::string> next_element(const std::string& raw, std::string_view tag, std::size_t& pos,
                                        bool unescape_text = true) {
  const std::string open = "<" + std::string(tag);
  for (;;) {
    const auto at = raw.find(open, pos);
    if (at == std::string::npos) return std::nullopt;
    const auto after = at + open.size();
    if (after >= raw.size()) return std::nullopt;
    const char c = raw[after];
    if (c != '>' && c != '/' && c != ' ') {  // a longer tag name with the same prefix
      pos = after;
      continue;
    }
    const auto tag_end = raw.find('>', after);
    if (tag_end == std::string::npos) return std::nullopt;
    if (raw[tag_end - 1] == '/') {
      pos = tag_end + 1;
      return std::string();
    }
    const std::string close = "</" + std::string(tag) + ">";
    const auto close_at = raw.find(close, tag_end + 1);
    if (close_at == std::string::npos) return std::nullopt;
    pos = close_at + close.size();
    const std::string_view inner = std::string_view(raw).substr(tag_end + 1, close_at - tag_end - 1);
    return unescape_text ? unescape(inner) : std::string(inner);
  }
}

}  // namespace

XmlReply parse_xml(std::string body) {
  XmlReply r;
  r.raw = std::move(body);
  const auto root = r.raw.find("<root");
  if (root == std::string::npos) return r;
  const auto root_end = r.raw.find('>', root);
  if (root_end == std::string::npos) return r;
  r.has_root = true;
  const std::string_view root_tag = std::string_view(r.raw).substr(root, root_end - root);
  if (auto code = attribute(root_tag, "status_code")) {
    char* end = nullptr;
    const long long v = std::strtoll(code->c_str(), &end, 10);
    if (!code->empty() && end && *end == '\0') r.status_code = v;
  }
  r.status_message = attribute(root_tag, "status_message").value_or("");
  r.query_attr = attribute(root_tag, "query");
  return r;
}

std::optional<std::string> XmlReply::text(std::string_view tag) const {
  std::size_t pos = 0;
  return next_element(raw, tag, pos);
}

std::vector<std::string> XmlReply::all(std::string_view tag) const {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (auto t = next_element(raw, tag, pos)) out.push_back(std::move(*t));
  return out;
}

std::vector<AppInfo> parse_applist(const XmlReply& reply) {
  std::vector<AppInfo> apps;
  std::size_t pos = 0;
  while (auto inner = next_element(reply.raw, "App", pos, false)) {
    const XmlReply app{*inner, std::nullopt, {}, std::nullopt, false};
    AppInfo info;
    info.title = app.text("AppTitle").value_or("");
    const std::string id = app.text("ID").value_or("");
    char* end = nullptr;
    const long long v = std::strtoll(id.c_str(), &end, 10);
    info.id = (!id.empty() && end && *end == '\0') ? v : -1;
    apps.push_back(std::move(info));
  }
  return apps;
}

}  // namespace lightwell::test
