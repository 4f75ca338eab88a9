// See pipewire_capture.hpp. libpipewire is used only in audio/ (linked PRIVATE).
//
// PipeWire facts this relies on (Debian PipeWire 0.3.65 / WirePlumber 0.4.13, checked by
// tests/audio/test_pipewire_*.cpp against a real daemon):
//  - pw_core_create_object("adapter", factory.name=support.null-audio-sink) makes a sink owned
//    by this client: it disappears when the client disconnects (object.linger=false), so a
//    crashed server leaves no sink behind.
//  - The session manager owns the "default" metadata; writing default.configured.audio.sink
//    ({"name":"…"}, type Spa:String:JSON) makes it switch default.audio.sink and move
//    streams that follow the default; deleting the key hands the choice back to it.
//  - A pw_stream with stream.capture.sink=true and target.object=<sink node.name> is linked
//    to that sink's monitor ports by the session manager; without one it stays unlinked.
#include "pipewire_capture.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/utils/dict.h>

namespace lightwell::audio::detail {
namespace {

constexpr const char* kDefaultSinkKey = "default.configured.audio.sink";

// Encoder order (audio.md §2.3) as PipeWire positions.
constexpr spa_audio_channel kPositions[8] = {
    SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC, SPA_AUDIO_CHANNEL_LFE,
    SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR, SPA_AUDIO_CHANNEL_SL, SPA_AUDIO_CHANNEL_SR};
constexpr const char* kPositionNames[8] = {"FL", "FR", "FC", "LFE", "RL", "RR", "SL", "SR"};

std::string position_list(std::uint32_t channels) {
  std::string out = "[";
  for (std::uint32_t i = 0; i < channels; ++i) out += std::string(" ") + kPositionNames[i];
  return out + " ]";
}

std::string layout_name(std::uint32_t channels) {
  return channels == 2 ? "stereo" : channels == 6 ? "5.1" : channels == 8 ? "7.1" : std::to_string(channels) + " channels";
}

}  // namespace

struct PipeWireCapture::State {
  PipeWireSourceOptions options;
  FloatRing& ring;
  std::string description;
  std::string capture_target;  // node.name the stream targets; "" = default sink

  pw_thread_loop* loop = nullptr;
  pw_context* context = nullptr;
  pw_core* core = nullptr;
  pw_registry* registry = nullptr;
  pw_metadata* metadata = nullptr;
  pw_proxy* sink = nullptr;
  pw_stream* stream = nullptr;
  spa_hook core_hook{}, registry_hook{}, metadata_hook{}, sink_hook{}, stream_hook{};
  pw_core_events core_events{};
  pw_registry_events registry_events{};
  pw_metadata_events metadata_events{};
  pw_proxy_events sink_events{};
  pw_stream_events stream_events{};

  // Written on the loop thread under the loop lock; read by the constructor under the lock.
  int done_seq = -1;
  std::uint32_t sink_global_id = SPA_ID_INVALID;     // our sink (bound) or the named target
  bool target_seen = false;                           // a node called capture_target exists
  std::string sink_error;
  pw_stream_state stream_state = PW_STREAM_STATE_UNCONNECTED;
  std::string stream_error;
  // The default before we changed it: nullopt while unknown; value "" = key was unset.
  bool metadata_synced = false;
  std::optional<std::string> previous_default_type, previous_default_value;
  bool default_changed = false;
  bool default_sink_known = false;  // the session manager has published default.audio.sink

  std::atomic<bool> broken{false};

  std::stop_token cancel;

  State(const PipeWireSourceOptions& o, FloatRing& r, std::stop_token c) : options(o), ring(r), cancel(std::move(c)) {}

  void signal() { pw_thread_loop_signal(loop, false); }

  // Under the loop lock: waits until pred() or the step timeout; false on timeout, on a broken
  // connection, or on cancellation (checked every 50 ms: events signal the loop, a stop
  // request does not).
  bool wait(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + options.step_timeout;
    while (!pred()) {
      if (broken.load() || cancel.stop_requested()) return false;
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return pred();
      timespec slice{};
      pw_thread_loop_get_time(
          loop, &slice,
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50))).count());
      pw_thread_loop_timed_wait_full(loop, &slice);
    }
    return true;
  }

  bool roundtrip() {
    const int seq = pw_core_sync(core, PW_ID_CORE, 0);
    return wait([&] { return done_seq >= seq; });
  }

  // --- events (loop thread) ---------------------------------------------------------------
  static void on_core_done(void* data, std::uint32_t id, int seq) {
    auto* s = static_cast<State*>(data);
    if (id == PW_ID_CORE) s->done_seq = seq;
    s->signal();
  }
  static void on_core_error(void* data, std::uint32_t id, int /*seq*/, int res, const char* /*message*/) {
    auto* s = static_cast<State*>(data);
    // EPIPE on the core: the daemon closed the connection (stopped or restarted).
    if (id == PW_ID_CORE && res == -EPIPE) s->broken.store(true);
    s->signal();
  }
  static void on_global(void* data, std::uint32_t id, std::uint32_t /*permissions*/, const char* type,
                        std::uint32_t /*version*/, const spa_dict* props) {
    auto* s = static_cast<State*>(data);
    if (props == nullptr) return;
    if (std::strcmp(type, PW_TYPE_INTERFACE_Metadata) == 0 && s->metadata == nullptr) {
      const char* name = spa_dict_lookup(props, PW_KEY_METADATA_NAME);
      if (name != nullptr && std::strcmp(name, "default") == 0) {
        s->metadata = static_cast<pw_metadata*>(
            pw_registry_bind(s->registry, id, PW_TYPE_INTERFACE_Metadata, PW_VERSION_METADATA, 0));
        if (s->metadata != nullptr) {
          s->metadata_events.version = PW_VERSION_METADATA_EVENTS;
          s->metadata_events.property = &State::on_metadata_property;
          pw_metadata_add_listener(s->metadata, &s->metadata_hook, &s->metadata_events, s);
        }
      }
    } else if (std::strcmp(type, PW_TYPE_INTERFACE_Node) == 0 && !s->capture_target.empty()) {
      const char* name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
      if (name != nullptr && s->capture_target == name) {
        s->target_seen = true;
        if (s->sink == nullptr) s->sink_global_id = id;  // a named existing sink
      }
    }
    s->signal();
  }
  static void on_global_remove(void* data, std::uint32_t id) {
    auto* s = static_cast<State*>(data);
    // The captured sink went away (unloaded, or our virtual sink destroyed by someone else).
    if (id == s->sink_global_id && s->stream_state == PW_STREAM_STATE_STREAMING) s->broken.store(true);
    s->signal();
  }
  static int on_metadata_property(void* data, std::uint32_t subject, const char* key, const char* type,
                                  const char* value) {
    auto* s = static_cast<State*>(data);
    if (subject == PW_ID_CORE && key != nullptr && value != nullptr && std::strcmp(key, "default.audio.sink") == 0) {
      s->default_sink_known = true;
    }
    if (subject == PW_ID_CORE && key != nullptr && std::strcmp(key, kDefaultSinkKey) == 0 &&
        !s->default_changed) {
      s->previous_default_type = type != nullptr ? type : "";
      s->previous_default_value = value != nullptr ? value : "";
      // Our own sink as the "previous" default is a leftover (the session manager persists the
      // key across a PipeWire restart or a crash of ours): restoring it would point at a sink
      // that is about to vanish, so it counts as unset.
      if (s->previous_default_value->find("\"" + s->options.virtual_sink_name + "\"") != std::string::npos) {
        s->previous_default_value = "";
      }
    }
    s->signal();
    return 0;
  }
  static void on_sink_bound(void* data, std::uint32_t global_id) {
    auto* s = static_cast<State*>(data);
    s->sink_global_id = global_id;
    s->signal();
  }
  static void on_sink_error(void* data, int /*seq*/, int res, const char* message) {
    auto* s = static_cast<State*>(data);
    s->sink_error = std::string(message != nullptr ? message : "") + " (" + std::strerror(-res) + ")";
    s->signal();
  }
  static void on_stream_state(void* data, pw_stream_state /*old*/, pw_stream_state state, const char* error) {
    auto* s = static_cast<State*>(data);
    const bool was_streaming = s->stream_state == PW_STREAM_STATE_STREAMING;
    s->stream_state = state;
    if (state == PW_STREAM_STATE_ERROR) {
      s->stream_error = error != nullptr ? error : "unknown error";
      s->broken.store(true);
    } else if (state == PW_STREAM_STATE_UNCONNECTED && was_streaming) {
      s->broken.store(true);
    }
    s->signal();
  }
  // PipeWire's real-time data thread: copy only, no allocation, no lock.
  static void on_process(void* data) {
    auto* s = static_cast<State*>(data);
    pw_buffer* b = pw_stream_dequeue_buffer(s->stream);
    if (b == nullptr) return;
    const spa_data& d = b->buffer->datas[0];
    if (d.data != nullptr && d.chunk != nullptr) {
      const std::uint32_t offset = std::min(d.chunk->offset, d.maxsize);
      const std::uint32_t size = std::min(d.chunk->size, d.maxsize - offset);
      s->ring.push(reinterpret_cast<const float*>(static_cast<const std::uint8_t*>(d.data) + offset),
                   size / sizeof(float));
    }
    pw_stream_queue_buffer(s->stream, b);
  }

  // --- steps (constructor thread, loop locked) ---------------------------------------------
  void connect() {
    core = pw_context_connect(context, nullptr, 0);
    if (core == nullptr) {
      throw std::runtime_error(std::string("not running (cannot connect to the PipeWire daemon: ") +
                               std::strerror(errno) + ")");
    }
    core_events.version = PW_VERSION_CORE_EVENTS;
    core_events.done = &State::on_core_done;
    core_events.error = &State::on_core_error;
    pw_core_add_listener(core, &core_hook, &core_events, this);
    registry = pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
    registry_events.version = PW_VERSION_REGISTRY_EVENTS;
    registry_events.global = &State::on_global;
    registry_events.global_remove = &State::on_global_remove;
    pw_registry_add_listener(registry, &registry_hook, &registry_events, this);
    // Two round trips: the first delivers every global (and binds the metadata), the second
    // the metadata's current properties.
    if (!roundtrip() || !roundtrip()) throw std::runtime_error("the PipeWire daemon did not answer in time");
  }

  void create_virtual_sink() {
    const std::string positions = position_list(options.channels);
    const std::string node_description = "Lightwell stream (" + layout_name(options.channels) + ")";
    pw_properties* props = pw_properties_new(
        "factory.name", "support.null-audio-sink", PW_KEY_NODE_NAME, options.virtual_sink_name.c_str(),
        PW_KEY_NODE_DESCRIPTION, node_description.c_str(), PW_KEY_MEDIA_CLASS, "Audio/Sink", "audio.rate", "48000",
        "audio.position", positions.c_str(), "object.linger", "false",
        // The guest's volume keys act on what the client hears.
        "monitor.channel-volumes", "true", nullptr);
    sink = static_cast<pw_proxy*>(
        pw_core_create_object(core, "adapter", PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, &props->dict, 0));
    pw_properties_free(props);
    if (sink == nullptr) throw std::runtime_error("cannot create the virtual sink");
    sink_events.version = PW_VERSION_PROXY_EVENTS;
    sink_events.bound = &State::on_sink_bound;
    sink_events.error = &State::on_sink_error;
    pw_proxy_add_listener(sink, &sink_hook, &sink_events, this);
    if (!wait([&] { return sink_global_id != SPA_ID_INVALID || !sink_error.empty(); }) || !sink_error.empty()) {
      throw std::runtime_error("the virtual sink was not created: " +
                               (sink_error.empty() ? std::string("timed out") : sink_error));
    }
  }

  void make_default() {
    if (!wait([&] { return metadata != nullptr; })) {
      throw std::runtime_error("no session manager (no \"default\" metadata; is WirePlumber running?)");
    }
    if (!roundtrip()) throw std::runtime_error("the PipeWire daemon did not answer in time");
    // A session manager that has just started (PipeWire restarted) loads its saved defaults
    // and would overwrite ours (seen in tests: WirePlumber 0.4.13 then set the old default
    // back). It publishes default.audio.sink once that is done, and our own sink guarantees
    // there is a sink to publish; so wait for it (at most one step; then go on regardless).
    wait([&] { return default_sink_known; });
    const std::string value = "{ \"name\": \"" + options.virtual_sink_name + "\" }";
    default_changed = true;
    pw_metadata_set_property(metadata, PW_ID_CORE, kDefaultSinkKey, "Spa:String:JSON", value.c_str());
  }

  void restore_default() {
    if (!default_changed || metadata == nullptr || broken.load()) return;
    if (previous_default_value && !previous_default_value->empty()) {
      pw_metadata_set_property(metadata, PW_ID_CORE, kDefaultSinkKey, previous_default_type->c_str(),
                               previous_default_value->c_str());
    } else {
      pw_metadata_set_property(metadata, PW_ID_CORE, kDefaultSinkKey, nullptr, nullptr);
    }
    roundtrip();  // make sure the daemon has it before the sink goes away
  }

  void connect_stream() {
    pw_properties* props = pw_properties_new(
        PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Capture", PW_KEY_MEDIA_ROLE, "Music",
        PW_KEY_STREAM_CAPTURE_SINK, "true", PW_KEY_NODE_NAME, "lightwell-capture",
        // One Opus frame (5 ms): the graph runs at most this quantum while we capture, which is
        // what bounds capture latency (bench/bench_audio_pipewire.cpp).
        PW_KEY_NODE_LATENCY, "240/48000", nullptr);
    if (!capture_target.empty()) {
      pw_properties_set(props, PW_KEY_TARGET_OBJECT, capture_target.c_str());
      // If that sink disappears, do not let the session manager move us to another one; we
      // notice (global_remove) and reconnect.
      pw_properties_set(props, PW_KEY_NODE_DONT_RECONNECT, "true");
    }
    stream = pw_stream_new(core, "lightwell-capture", props);
    if (stream == nullptr) throw std::runtime_error("cannot create the capture stream");
    stream_events.version = PW_VERSION_STREAM_EVENTS;
    stream_events.state_changed = &State::on_stream_state;
    stream_events.process = &State::on_process;
    pw_stream_add_listener(stream, &stream_hook, &stream_events, this);

    std::uint8_t pod_buffer[1024];
    spa_pod_builder builder = SPA_POD_BUILDER_INIT(pod_buffer, sizeof pod_buffer);
    spa_audio_info_raw info{};
    info.format = SPA_AUDIO_FORMAT_F32;
    info.rate = kSampleRateHz;
    info.channels = options.channels;
    for (std::uint32_t i = 0; i < options.channels; ++i) info.position[i] = kPositions[i];
    const spa_pod* params[1] = {spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info)};
    const auto flags = static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
                                                    PW_STREAM_FLAG_RT_PROCESS);
    if (pw_stream_connect(stream, PW_DIRECTION_INPUT, PW_ID_ANY, flags, params, 1) != 0) {
      throw std::runtime_error("cannot connect the capture stream");
    }
    if (!wait([&] { return stream_state == PW_STREAM_STATE_STREAMING || stream_state == PW_STREAM_STATE_ERROR; }) ||
        stream_state != PW_STREAM_STATE_STREAMING) {
      throw std::runtime_error(stream_state == PW_STREAM_STATE_ERROR
                                   ? "the capture stream failed: " + stream_error
                                   : "the capture stream was not linked in time (is WirePlumber running?)");
    }
  }

  // Loop locked. Tears down in reverse order of creation; safe on a partly built state.
  void teardown() {
    // Restoring the default must be acknowledged before we disconnect, even when the session
    // is ending (a stop request): wait out the round trip regardless.
    cancel = std::stop_token{};
    if (stream != nullptr) {
      spa_hook_remove(&stream_hook);
      pw_stream_destroy(stream);
      stream = nullptr;
    }
    if (core != nullptr && !broken.load()) restore_default();
    if (sink != nullptr) {
      spa_hook_remove(&sink_hook);
      pw_proxy_destroy(sink);
      sink = nullptr;
    }
    if (metadata != nullptr) {
      spa_hook_remove(&metadata_hook);
      pw_proxy_destroy(reinterpret_cast<pw_proxy*>(metadata));
      metadata = nullptr;
    }
    if (registry != nullptr) {
      spa_hook_remove(&registry_hook);
      pw_proxy_destroy(reinterpret_cast<pw_proxy*>(registry));
      registry = nullptr;
    }
    if (core != nullptr) {
      spa_hook_remove(&core_hook);
      pw_core_disconnect(core);
      core = nullptr;
    }
  }
};

PipeWireCapture::PipeWireCapture(const PipeWireSourceOptions& options, FloatRing& ring, std::stop_token cancel)
    : state_(std::make_unique<State>(options, ring, std::move(cancel))) {
  State& s = *state_;
  const bool own_sink = options.target_sink.empty() && options.virtual_sink;
  s.capture_target = own_sink ? options.virtual_sink_name : options.target_sink;
  pw_init(nullptr, nullptr);
  s.loop = pw_thread_loop_new("lw-pipewire", nullptr);
  if (s.loop == nullptr) throw std::runtime_error("pipewire: cannot create the thread loop");
  s.context = pw_context_new(pw_thread_loop_get_loop(s.loop), nullptr, 0);
  if (s.context == nullptr || pw_thread_loop_start(s.loop) != 0) {
    if (s.context != nullptr) pw_context_destroy(s.context);
    pw_thread_loop_destroy(s.loop);
    throw std::runtime_error("pipewire: cannot start the thread loop");
  }
  pw_thread_loop_lock(s.loop);
  try {
    s.connect();
    if (own_sink) {
      s.create_virtual_sink();
      s.make_default();
      s.description = "virtual sink " + options.virtual_sink_name + " (" + layout_name(options.channels) +
                      "), the default sink while streaming";
    } else if (!options.target_sink.empty()) {
      if (!s.target_seen) {
        throw std::runtime_error("no sink named \"" + options.target_sink +
                                 "\" (audio.sink; `pw-cli ls Node` lists node.name values)");
      }
      s.description = "sink " + options.target_sink + " (" + layout_name(options.channels) + ")";
    } else {
      s.description = "the default sink (" + layout_name(options.channels) + ")";
    }
    s.connect_stream();
  } catch (const std::exception& e) {
    s.teardown();
    pw_thread_loop_unlock(s.loop);
    pw_thread_loop_stop(s.loop);
    pw_context_destroy(s.context);
    pw_thread_loop_destroy(s.loop);
    throw std::runtime_error(std::string("pipewire: ") + e.what());
  }
  pw_thread_loop_unlock(s.loop);
}

PipeWireCapture::~PipeWireCapture() {
  State& s = *state_;
  pw_thread_loop_lock(s.loop);
  s.teardown();
  pw_thread_loop_unlock(s.loop);
  pw_thread_loop_stop(s.loop);
  pw_context_destroy(s.context);
  pw_thread_loop_destroy(s.loop);
}

bool PipeWireCapture::broken() const noexcept { return state_->broken.load(); }
const std::string& PipeWireCapture::description() const noexcept { return state_->description; }

}  // namespace lightwell::audio::detail
