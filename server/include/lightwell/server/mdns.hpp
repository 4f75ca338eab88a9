// MdnsPublisher: announces this host to Moonlight clients on the local network as the DNS-SD
// service `_nvstream._tcp` (protocol/README.md "Discovery"): the instance name given (see
// mdns_instance_name() in config.hpp), the nvhttp HTTP port (Ports::http) as the SRV port, and
// no TXT records, through the system's avahi-daemon (libavahi-client over the D-Bus system
// bus). docs/discovery.md explains the behaviour for users.
//
// Discovery is a convenience, never a start-up requirement: when no avahi-daemon is reachable
// the publisher logs ONE warning (the reason and the fix: install/start avahi-daemon), keeps
// retrying quietly, and publishes as soon as the daemon appears. If the daemon goes away later
// it warns once more and again publishes when it is back. A name already taken on the network
// is replaced by avahi's alternative ("Name #2", ...), logged.
//
// Threads: start() runs one avahi threaded poll thread owned by this object; every avahi call
// and callback runs on it. stop() (and the destructor) ends and joins that thread, then
// withdraws the service; start() and stop() are symmetric and must be called from the same
// owner thread (for serve: the main/io thread), never from inside the publisher. status() may
// be called from any thread. No detached threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lightwell/server/log.hpp"

namespace lightwell::server {

inline constexpr std::string_view kMdnsServiceType = "_nvstream._tcp";  // Sunshine SERVICE_TYPE

struct MdnsOptions {
  // How often to try again while neither the D-Bus system bus nor avahi-daemon answers (once
  // the bus answers, avahi itself reports the daemon's arrival at once).
  std::chrono::milliseconds retry_interval{5000};
};

class MdnsPublisher {
 public:
  enum class State {
    stopped,      // before start(), after stop()
    starting,     // start() returned, the first attempt to reach avahi-daemon is under way
    waiting,      // no avahi-daemon reachable yet (warned once)
    registering,  // handed to avahi-daemon, probing the name
    published,    // announced on the network under status().name
    failed,       // avahi-daemon refused the service (logged); retried when the daemon restarts
  };
  struct Status {
    State state = State::stopped;
    std::string name;  // the instance name in use (after collisions: avahi's alternative)
  };

  // instance_name: a valid DNS-SD instance name (1..63 bytes), normally
  // mdns_instance_name(config name); port: the HTTP port (Ports::http). Starts nothing.
  MdnsPublisher(Log log, std::string instance_name, std::uint16_t port, MdnsOptions options = {});
  ~MdnsPublisher();  // stop()
  MdnsPublisher(const MdnsPublisher&) = delete;
  MdnsPublisher& operator=(const MdnsPublisher&) = delete;

  // Starts the avahi thread and publishing in the background; returns at once. Throws
  // StartupError only when the thread cannot be created; a missing daemon is not an error.
  // Calling it while started does nothing.
  void start();
  // Joins the avahi thread and withdraws the service (avahi-daemon sends the goodbye
  // records). Idempotent; start() may be called again afterwards.
  void stop();

  Status status() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

std::string_view to_string(MdnsPublisher::State state) noexcept;

}  // namespace lightwell::server
