// Fair sharing of a TCP listener's connection slots (net/src, private): used by HttpServer and
// RtspServer so that a flood of idle or slowloris connections from one peer cannot lock the
// others out (issue 10 "Load and abuse"; docs/security.md "Load").
//
// Connections are counted per PEER GROUP: an IPv4 address (v4-mapped IPv6 counts as IPv4), or
// the /64 prefix of an IPv6 address (one host usually owns a whole /64, so counting single
// IPv6 addresses would let it take every slot). A new connection from group G is
//  - refused when G already holds max_per_group connections;
//  - accepted when fewer than max_total are open;
//  - otherwise accepted after EVICTING the oldest still-evictable connection (one that has not
//    delivered a complete request yet: an idle or trickling peer) of the group holding the
//    most connections, if that group holds at least two more than G; else refused.
// So a peer that has no connection open always gets one, however many peers flood, and the
// flooders only displace each other down to an equal share (no churn among equals).
//
// Thread: not thread-safe; the owning server uses it on its io thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace lightwell::net::detail {

// The key a peer is counted under (see above), e.g. "v4 192.0.2.7" or "v6 2001:db8:0:1::/64".
inline std::string peer_group(const boost::asio::ip::address& address) {
  if (address.is_v4()) return "v4 " + address.to_v4().to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return "v4 " + boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return "v6 " + boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

template <class Connection>
class ConnectionSlots {
 public:
  ConnectionSlots(std::size_t max_total, std::size_t max_per_group) noexcept
      : max_total_(max_total), max_per_group_(max_per_group) {}

  struct Admission {
    bool admit = false;
    std::shared_ptr<Connection> evicted;  // admit and close this one first (already forgotten)
  };

  // Decides for a new connection from `group`; an evicted connection is removed from the
  // books at once (the caller closes it), so the count is right before the new one is added.
  Admission admit(const std::string& group) {
    const std::size_t mine = count_of(group);
    if (mine >= max_per_group_) return {};
    if (entries_.size() < max_total_) return {true, nullptr};
    // The group holding the most connections that still has an evictable one.
    const Entry* victim = nullptr;
    std::size_t victim_group_count = 0;
    for (const auto& [key, e] : entries_) {
      if (!e.evictable) continue;
      const std::size_t n = count_of(e.group);
      if (n > victim_group_count || (n == victim_group_count && victim && e.order < victim->order)) {
        victim = &e;
        victim_group_count = n;
      }
    }
    if (victim == nullptr || victim_group_count < mine + 2) return {};
    Admission a{true, victim->connection.lock()};
    remove(victim->key);
    return a;
  }

  void add(Connection* key, std::weak_ptr<Connection> connection, std::string group) {
    ++per_group_[group];
    entries_.emplace(key, Entry{key, std::move(connection), std::move(group), next_order_++, true});
  }
  // The connection delivered a complete request: from now on it is never evicted (its
  // handler may legitimately hold it, e.g. pairing phase 1 waiting for the PIN).
  void set_busy(Connection* key) {
    if (const auto it = entries_.find(key); it != entries_.end()) it->second.evictable = false;
  }
  void remove(Connection* key) {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return;
    if (const auto g = per_group_.find(it->second.group); g != per_group_.end() && --g->second == 0) per_group_.erase(g);
    entries_.erase(it);
  }
  std::size_t size() const noexcept { return entries_.size(); }
  std::vector<std::shared_ptr<Connection>> all() const {
    std::vector<std::shared_ptr<Connection>> out;
    for (const auto& [key, e] : entries_) {
      if (auto c = e.connection.lock()) out.push_back(std::move(c));
    }
    return out;
  }

 private:
  struct Entry {
    Connection* key;
    std::weak_ptr<Connection> connection;
    std::string group;
    std::uint64_t order;  // accept order: lower is older
    bool evictable;
  };
  std::size_t count_of(const std::string& group) const {
    const auto it = per_group_.find(group);
    return it == per_group_.end() ? 0 : it->second;
  }

  std::size_t max_total_;
  std::size_t max_per_group_;
  std::unordered_map<Connection*, Entry> entries_;
  std::map<std::string, std::size_t> per_group_;
  std::uint64_t next_order_ = 0;
};

}  // namespace lightwell::net::detail
