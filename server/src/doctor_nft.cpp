// Reading `nft list ruleset` for `lightwell doctor` (doctor.hpp assess_nft_ruleset). The text
// format is nft(8)'s: "table <family> <name> {", "chain <name> {", a base chain's
// "type filter hook input priority …; policy drop;", one rule per line.
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "lightwell/server/doctor.hpp"

namespace lightwell::server {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(trim(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

std::optional<int> number(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The ports a rule's "dport X" names: a number, a range a-b, or a set { a, b-c }. A named set
// (@name) or a service name names nothing we can read: it adds nothing (conservative).
bool dport_names(std::string_view rule, std::string_view proto, std::uint16_t port) {
  for (const std::string& key : {std::string("th dport "), std::string(proto) + " dport "}) {
    const std::size_t at = rule.find(key);
    if (at == std::string_view::npos) continue;
    std::string_view rest = rule.substr(at + key.size());
    std::string_view items;
    if (!rest.empty() && rest.front() == '{') {
      const std::size_t close = rest.find('}');
      if (close == std::string_view::npos) continue;
      items = rest.substr(1, close - 1);
    } else {
      items = rest.substr(0, rest.find(' '));
    }
    std::size_t start = 0;
    while (start <= items.size()) {
      std::size_t end = items.find(',', start);
      if (end == std::string_view::npos) end = items.size();
      const std::string_view item = trim(items.substr(start, end - start));
      start = end + 1;
      const std::size_t dash = item.find('-');
      if (dash == std::string_view::npos) {
        if (number(item) == port) return true;
      } else {
        const auto lo = number(item.substr(0, dash));
        const auto hi = number(item.substr(dash + 1));
        if (lo && hi && *lo <= port && port <= *hi) return true;
      }
    }
  }
  return false;
}

bool is_accept_rule(std::string_view rule) {
  return rule == "accept" || rule.ends_with(" accept") || rule.find(" accept ") != std::string_view::npos;
}

struct Chain {
  std::string name;  // "inet filter input"
  bool input_hook = false;
  bool policy_drop = false;
  std::vector<std::string_view> rules;
};

std::vector<Chain> chains_of(std::string_view ruleset) {
  std::vector<Chain> chains;
  std::string table;
  Chain* current = nullptr;
  for (const std::string_view line : lines_of(ruleset)) {
    if (line.starts_with("table ") && line.ends_with("{")) {
      table = std::string(trim(line.substr(6, line.size() - 7)));
    } else if (line.starts_with("chain ") && line.ends_with("{")) {
      chains.push_back(Chain{table + " " + std::string(trim(line.substr(6, line.size() - 7))), false, false, {}});
      current = &chains.back();
    } else if (line == "}") {
      current = nullptr;  // end of a chain (or of the table, outside any chain)
    } else if (current != nullptr) {
      if (line.starts_with("type filter hook input ")) {
        current->input_hook = true;
        current->policy_drop = line.find("policy drop;") != std::string_view::npos;
      } else if (!line.empty()) {
        current->rules.push_back(line);
      }
    }
  }
  return chains;
}

}  // namespace

CheckResult assess_nft_ruleset(std::string_view ruleset, const std::vector<PortUse>& ports) {
  CheckResult r;
  r.name = "firewall";
  std::vector<std::string> unknown;  // "chain: ports"
  std::set<std::uint16_t> unaccepted;
  std::string first_chain;  // "inet filter input": the fix's nft arguments
  int dropping = 0;
  for (const Chain& chain : chains_of(ruleset)) {
    if (!chain.input_hook || !chain.policy_drop) continue;
    ++dropping;
    std::vector<std::string> missing;
    for (const PortUse& p : ports) {
      bool accepted = false;
      for (const std::string_view rule : chain.rules) {
        if (is_accept_rule(rule) && dport_names(rule, p.tcp ? "tcp" : "udp", p.port)) accepted = true;
      }
      if (!accepted) {
        missing.push_back(fmt::format("{}/{}", p.port, p.tcp ? "tcp" : "udp"));
        unaccepted.insert(p.port);
      }
    }
    if (!missing.empty() && first_chain.empty()) first_chain = chain.name;
    if (!missing.empty()) unknown.push_back(fmt::format("chain {}: {}", chain.name, fmt::join(missing, ", ")));
  }
  if (dropping == 0) {
    r.status = CheckStatus::ok;
    r.detail = "nft: no input chain drops by default";
    return r;
  }
  if (unknown.empty()) {
    r.status = CheckStatus::ok;
    r.detail = fmt::format("nft: {} input chain(s) drop by default and accept every port by rule", dropping);
    return r;
  }
  // A rule on an interface, a source address, a jump or a named set may accept these: do not
  // guess. Say what was seen and how to open them if clients cannot connect.
  r.status = CheckStatus::skipped;
  r.detail = fmt::format("cannot tell: an input chain drops by default and none of its rules names these ports "
                         "(a rule on an interface, address, named set or jump may still accept them):\n{}",
                         fmt::join(unknown, "\n"));
  std::vector<PortUse> missing;
  for (const PortUse& p : ports) {
    if (unaccepted.count(p.port) != 0) missing.push_back(p);
  }
  std::string tcp;
  std::string udp;
  for (const auto& p : missing) (p.tcp ? tcp : udp) += (((p.tcp ? tcp : udp).empty()) ? "" : ", ") + std::to_string(p.port);
  r.fix = "if clients cannot connect, accept them in that chain:";
  if (!tcp.empty()) r.fix += fmt::format("\nnft add rule {} tcp dport {{ {} }} accept", first_chain, tcp);
  if (!udp.empty()) r.fix += fmt::format("\nnft add rule {} udp dport {{ {} }} accept", first_chain, udp);
  r.fix += "\n(and the same lines in /etc/nftables.conf to keep them after a reboot)";
  return r;
}

}  // namespace lightwell::server
