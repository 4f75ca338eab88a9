// Internal state of StreamClient shared by its translation units (stream_client.cpp: RTSP and
// lifecycle; stream_client_control.cpp: the ENet thread; stream_client_udp.cpp: pings and the
// media receive thread). Not part of the test-facing API.
//
// Locking: `mutex` guards everything the test thread reads (frames, audio, counters,
// handshake result) and the ENet command queue; `cv` is notified on every change tests wait
// for. Sockets and reassemblers belong to the thread that uses them.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "stream_client.hpp"
#include "stream_client_media.hpp"
#include "stream_client_rtsp.hpp"

namespace lightwell::test {

// Names the calling thread (pthread_setname_np; at most 15 characters).
void name_this_thread(const char* name);

struct ControlCommand {
  enum class Kind { send, disconnect, vanish } kind = Kind::send;
  std::uint16_t type = 0;
  std::vector<std::uint8_t> payload;
  std::uint8_t channel = 0;
};

struct StreamClient::Impl {
  explicit Impl(StreamClientOptions o) : options(std::move(o)) {}

  StreamClientOptions options;
  std::string* transcript = nullptr;

  // RTSP (test thread only).
  std::uint32_t cseq = 0;
  std::uint32_t rtsp_sequence = 0;  // encrypted RTSP: incremented before each request
  std::optional<proto::crypto::RtspCipher> cipher;
  rtsp_client::RequestTarget target;
  rtsp_client::DescribeInfo describe;
  rtsp_client::Negotiation negotiation;
  std::string session_id;
  sockaddr_storage host_address{};  // options.host resolved (port filled per use)
  socklen_t host_address_len = 0;

  // Guarded by mutex.
  mutable std::mutex mutex;
  std::condition_variable cv;
  HandshakeResult handshake;
  std::vector<ReceivedVideoFrame> frames;
  std::vector<ReceivedAudioPacket> audio;
  StreamCounters counters;
  std::deque<ControlCommand> commands;

  // UDP media.
  int audio_socket = -1, video_socket = -1;
  std::string ping_payload;
  bool video_pings_enabled = false;  // guarded by mutex
  std::jthread ping_thread;
  std::jthread media_thread;
  std::jthread control_thread;

  // Steps (implemented across the .cpp files).
  void resolve_host();
  int transact(const proto::RtspRequest& request, proto::RtspResponse* response);
  void open_media_sockets();
  void start_pings();             // audio now, video once video_pings_enabled
  void start_media_receiver();
  void run_media_receiver(std::stop_token stop);
  void run_pings(std::stop_token stop);
  // ENet thread; fulfils `connected` once CONNECT completed (or failed with a message).
  void run_control(std::stop_token stop, std::promise<std::string> connected);
  void queue_command(ControlCommand command);
  void close_media_sockets();
};

}  // namespace lightwell::test
