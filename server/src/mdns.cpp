// MdnsPublisher over libavahi-client (threading and behaviour in mdns.hpp).
//
// Avahi's client state machine, as used here (avahi-client/client.h):
//   avahi_client_new(NO_FAIL) fails outright only when the D-Bus system bus is unreachable:
//     then we warn once and retry on a timer.
//   CONNECTING   the bus answers but avahi-daemon does not: warn once; avahi reports the
//                daemon's arrival by itself (RUNNING).
//   RUNNING      add the service to an entry group and commit it.
//   COLLISION / REGISTERING  the host name changes: reset the group; RUNNING follows.
//   FAILURE      the daemon or the bus went away (the client is dead): warn once, make a new
//                client on the retry timer (a client cannot be freed inside its own callback).
// Entry group: ESTABLISHED = published; COLLISION = the instance name is taken on the network,
// so pick avahi_alternative_service_name() and register again.
#include "lightwell/server/mdns.hpp"

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>
#include <avahi-common/timeval.h>

#include <mutex>

#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {

struct MdnsPublisher::Impl {
  Impl(Log log_, std::string name_, std::uint16_t port_, MdnsOptions options_)
      : log(std::move(log_)), wanted_name(std::move(name_)), port(port_), options(options_) {}

  // --- owner thread ---
  void start();
  void stop();

  // --- avahi thread (callbacks run with the threaded poll's lock held) ---
  void connect();
  void on_client(AvahiClient* c, AvahiClientState state);
  void on_group(AvahiEntryGroup* g, AvahiEntryGroupState state);
  void register_service(AvahiClient* c);
  void take_alternative_name();
  void unreachable(const std::string& reason);
  void retry_later();
  void set_state(State s);

  static void client_cb(AvahiClient* c, AvahiClientState state, void* self) {
    static_cast<Impl*>(self)->on_client(c, state);
  }
  static void group_cb(AvahiEntryGroup* g, AvahiEntryGroupState state, void* self) {
    static_cast<Impl*>(self)->on_group(g, state);
  }
  static void retry_cb(AvahiTimeout*, void* self) { static_cast<Impl*>(self)->connect(); }

  const Log log;
  const std::string wanted_name;
  const std::uint16_t port;
  const MdnsOptions options;

  AvahiThreadedPoll* poll = nullptr;
  AvahiTimeout* retry = nullptr;
  AvahiClient* client = nullptr;
  AvahiEntryGroup* group = nullptr;  // owned by client: freed with it
  bool warned = false;               // the current outage has been reported

  mutable std::mutex status_mutex;  // guards status (read by any thread)
  Status status{State::stopped, {}};
};

namespace {

constexpr int kMaxAlternativeNames = 50;  // "Name #2" ... "Name #51": then give up, logged

std::string fix_text() {
  return "install and start avahi-daemon (Debian: apt install avahi-daemon; systemctl enable --now avahi-daemon)";
}

}  // namespace

void MdnsPublisher::Impl::set_state(State s) {
  std::lock_guard lock(status_mutex);
  status.state = s;
}

void MdnsPublisher::Impl::start() {
  if (poll != nullptr) return;
  {
    std::lock_guard lock(status_mutex);
    status = {State::starting, wanted_name};
  }
  if (!avahi_is_valid_service_name(wanted_name.c_str())) {
    log.warn("not publishing: \"{}\" is not a valid DNS-SD instance name (1..63 bytes)", wanted_name);
    set_state(State::failed);
    return;
  }
  poll = avahi_threaded_poll_new();
  if (poll == nullptr) throw StartupError("mDNS: cannot create avahi's event loop (out of memory)");
  const AvahiPoll* api = avahi_threaded_poll_get(poll);
  timeval now{};
  retry = api->timeout_new(api, avahi_elapse_time(&now, 0, 0), retry_cb, this);  // connect at once
  if (retry == nullptr || avahi_threaded_poll_start(poll) < 0) {
    avahi_threaded_poll_free(poll);  // frees the timeout too
    poll = nullptr;
    retry = nullptr;
    throw StartupError("mDNS: cannot start avahi's event loop thread");
  }
  log.debug("publishing \"{}\" ({}, port {}) through avahi-daemon", wanted_name, kMdnsServiceType, port);
}

void MdnsPublisher::Impl::stop() {
  if (poll == nullptr) {
    set_state(State::stopped);
    return;
  }
  avahi_threaded_poll_stop(poll);  // joins the avahi thread: from here on only this thread
  bool was_published = false;
  std::string name;
  {
    std::lock_guard lock(status_mutex);
    was_published = status.state == State::published;
    name = status.name;
  }
  // Freeing the client frees its entry group, which tells avahi-daemon to withdraw the
  // service (it sends goodbye packets, so browsers drop the host at once).
  if (client != nullptr) avahi_client_free(client);
  client = nullptr;
  group = nullptr;
  avahi_threaded_poll_get(poll)->timeout_free(retry);
  retry = nullptr;
  avahi_threaded_poll_free(poll);
  poll = nullptr;
  warned = false;
  set_state(State::stopped);
  if (was_published) log.info("withdrew \"{}\" ({})", name, kMdnsServiceType);
}

void MdnsPublisher::Impl::retry_later() {
  timeval tv{};
  avahi_threaded_poll_get(poll)->timeout_update(
      retry, avahi_elapse_time(&tv, static_cast<unsigned>(options.retry_interval.count()), 0));
}

void MdnsPublisher::Impl::unreachable(const std::string& reason) {
  set_state(State::waiting);
  if (warned) {
    log.debug("avahi-daemon still unreachable: {}", reason);
    return;
  }
  warned = true;
  std::string name;
  {
    std::lock_guard lock(status_mutex);
    name = status.name;
  }
  log.warn("not publishing \"{}\" ({}, port {}) for discovery: {}. Moonlight will not find this host by "
           "itself (it can still be added by address). Fix: {}; lightwell publishes as soon as it is reachable",
           name, kMdnsServiceType, port, reason, fix_text());
}

void MdnsPublisher::Impl::connect() {
  // Runs on the retry timer: first at start(), then after a bus failure or a dead client.
  if (client != nullptr) avahi_client_free(client);
  client = nullptr;
  group = nullptr;
  int error = 0;
  AvahiClient* c = avahi_client_new(avahi_threaded_poll_get(poll), AVAHI_CLIENT_NO_FAIL, client_cb, this, &error);
  if (c == nullptr) {
    client = nullptr;  // in case a callback saw the client that avahi then freed
    group = nullptr;
    // NO_DAEMON here means the bus socket itself is missing (libdbus FILE_NOT_FOUND).
    const bool no_bus = error == AVAHI_ERR_NO_DAEMON || error == AVAHI_ERR_DBUS_ERROR;
    unreachable(std::string(no_bus ? "the D-Bus system bus is not reachable" : "cannot connect to avahi-daemon") +
                " (avahi: " + avahi_strerror(error) + ")");
    retry_later();
    return;
  }
  client = c;
}

void MdnsPublisher::Impl::on_client(AvahiClient* c, AvahiClientState state) {
  client = c;  // the first callbacks arrive inside avahi_client_new, before it returns
  switch (state) {
    case AVAHI_CLIENT_S_RUNNING:
      if (warned) log.info("avahi-daemon is reachable now");
      warned = false;
      register_service(c);
      break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      // The daemon is (re)registering its host name; our records follow on RUNNING.
      if (group != nullptr) avahi_entry_group_reset(group);
      set_state(State::registering);
      break;
    case AVAHI_CLIENT_CONNECTING:
      unreachable("avahi-daemon is not running (the D-Bus system bus answers, avahi-daemon does not)");
      break;
    case AVAHI_CLIENT_FAILURE: {
      const int error = avahi_client_errno(c);
      bool was_published = false;
      {
        std::lock_guard lock(status_mutex);
        was_published = status.state == State::published;
      }
      if (was_published) {
        warned = false;  // a new outage: say so once
        unreachable(std::string("lost the connection to avahi-daemon (avahi: ") + avahi_strerror(error) + ")");
      } else {
        unreachable(std::string("avahi-daemon is not reachable (avahi: ") + avahi_strerror(error) + ")");
      }
      retry_later();  // the client is dead; connect() replaces it
      break;
    }
  }
}

void MdnsPublisher::Impl::take_alternative_name() {
  std::lock_guard lock(status_mutex);
  char* alt = avahi_alternative_service_name(status.name.c_str());
  const std::string next = alt != nullptr ? alt : status.name + " #2";
  avahi_free(alt);
  log.info("the mDNS name \"{}\" is already taken on the network; using \"{}\"", status.name, next);
  status.name = next;
}

void MdnsPublisher::Impl::register_service(AvahiClient* c) {
  if (group == nullptr) {
    group = avahi_entry_group_new(c, group_cb, this);
    if (group == nullptr) {
      log.warn("avahi-daemon refused an entry group: {}", avahi_strerror(avahi_client_errno(c)));
      set_state(State::failed);
      return;
    }
  }
  if (!avahi_entry_group_is_empty(group)) return;  // already handed over
  for (int attempt = 0;; ++attempt) {
    std::string name;
    {
      std::lock_guard lock(status_mutex);
      name = status.name;
    }
    // No TXT records (protocol/README.md "Discovery"): the NULL ends an empty TXT list.
    const int r = avahi_entry_group_add_service(group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, AvahiPublishFlags{},
                                                name.c_str(), kMdnsServiceType.data(), nullptr, nullptr, port,
                                                static_cast<const char*>(nullptr));
    if (r == AVAHI_ERR_COLLISION && attempt < kMaxAlternativeNames) {
      take_alternative_name();  // taken by another service on this very daemon
      avahi_entry_group_reset(group);
      continue;
    }
    if (r < 0) {
      log.warn("avahi-daemon refused the service \"{}\": {}", name, avahi_strerror(r));
      set_state(State::failed);
      return;
    }
    break;
  }
  if (const int r = avahi_entry_group_commit(group); r < 0) {
    log.warn("avahi-daemon refused to publish: {}", avahi_strerror(r));
    set_state(State::failed);
    return;
  }
  set_state(State::registering);
}

void MdnsPublisher::Impl::on_group(AvahiEntryGroup* g, AvahiEntryGroupState state) {
  group = g;
  switch (state) {
    case AVAHI_ENTRY_GROUP_ESTABLISHED: {
      std::string name;
      {
        std::lock_guard lock(status_mutex);
        status.state = State::published;
        name = status.name;
      }
      log.info("published \"{}\" as {} on port {}", name, kMdnsServiceType, port);
      break;
    }
    case AVAHI_ENTRY_GROUP_COLLISION:
      // Another host announces the same instance name: take the next one and try again.
      take_alternative_name();
      avahi_entry_group_reset(g);
      register_service(avahi_entry_group_get_client(g));
      break;
    case AVAHI_ENTRY_GROUP_FAILURE:
      log.warn("publishing failed: {}", avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
      set_state(State::failed);
      break;
    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
      break;
  }
}

MdnsPublisher::MdnsPublisher(Log log, std::string instance_name, std::uint16_t port, MdnsOptions options)
    : impl_(std::make_unique<Impl>(std::move(log), std::move(instance_name), port, options)) {}

MdnsPublisher::~MdnsPublisher() { impl_->stop(); }

void MdnsPublisher::start() { impl_->start(); }

void MdnsPublisher::stop() { impl_->stop(); }

MdnsPublisher::Status MdnsPublisher::status() const {
  std::lock_guard lock(impl_->status_mutex);
  return impl_->status;
}

std::string_view to_string(MdnsPublisher::State state) noexcept {
  switch (state) {
    case MdnsPublisher::State::stopped: return "stopped";
    case MdnsPublisher::State::starting: return "starting";
    case MdnsPublisher::State::waiting: return "waiting";
    case MdnsPublisher::State::registering: return "registering";
    case MdnsPublisher::State::published: return "published";
    case MdnsPublisher::State::failed: return "failed";
  }
  return "?";
}

}  // namespace lightwell::server
