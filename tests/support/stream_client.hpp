// The streaming half of our GameStream test client (issue 4): after /launch (gamestream_client
// .hpp) it runs the RTSP handshake (plain or rtspenc), connects the ENet control stream with
// the connect data, sends start A/B and periodic pings, pings the video and audio ports,
// receives video and audio, undoes encryption, reassembles frames with Reed–Solomon FEC
// (optionally after dropping packets on purpose) and hands whole frames / Opus packets to the
// test. Written from the protocol documents (rtsp.md, control.md, video.md, audio.md, fec.md)
// as the real client behaves, so a test passing here means the bytes are what Moonlight reads.
//
// What it does as moonlight-common-c does (facts from the docs; no code copied):
//  - RTSP (rtsp.md): one TCP connection per request, read to EOF; CSeq from 1;
//    X-GS-ClientVersion 14; Host; OPTIONS/DESCRIBE target = sessionUrl0 verbatim when
//    bitrate >= 15000 kbps and high-quality audio is wanted, else rtsp://0.0.0.0:<port> with
//    Host 0.0.0.0 (§2); SETUP audio/0/0, video/0/0, control/13/0, ANNOUNCE (client attribute
//    order, trailing space per line), PLAY; every message sealed with AES-GCM when the session
//    URL is rtspenc:// (client sequence counter from 1, §3); x-ss-general.encryptionEnabled
//    computed from the DESCRIBE masks and the options (§4.4); audio pings start right after
//    the audio SETUP reply (§4.3). Refused connections are retried every 500 ms (§1).
//  - Control (control.md): ENet client host with 1 peer and 0x30 channels, CONNECT data =
//    X-SS-Connect-Data; after CONNECT sends 0x0302 (start A) and 0x0307 (start B) on channel 0,
//    then a 0x0200 ping every 100 ms; all messages in the encrypted envelope (client seq from
//    0); host messages opened and counted, 0x0109 termination HRESULT (big-endian) recorded,
//    after which the peer is reset without a DISCONNECT (§5); request_idr() = 0x0302 on
//    channel 1, sent automatically whenever a video frame is lost.
//  - Media (video.md, audio.md, fec.md): one UDP socket per stream, 20-byte v2 pings every
//    500 ms (BE32 counter from 1); video reassembly and audio FEC as in
//    stream_client_media.hpp.
// What it does NOT do: RTSP over ENet (rtspru://), legacy PING or unencrypted V1 control,
// RFI, FEC status messages (0x5502), the mouse wake-up input after start, LTR ACKs, audio
// concealment or jitter buffering, IPv6 control (the system libenet 1.3 is IPv4 only), remote
// (WAN) bitrate/packet-size rules, HDR / 4:4:4 / surround decoding. Codec choice: AV1 or HEVC
// only when the option allows it and DESCRIBE advertises it, else H.264.
//
// Thread rules: the object is driven by the test thread; it owns a ping thread (from the
// audio SETUP), a receive thread for media and an ENet thread for control while streaming
// (all joined by stop()/vanish()/destructor). counters(), take_*() and wait_*() may be called
// from the test thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lightwell::test {

struct StreamClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t rtsp_port = 48010;
  std::string session_url;            // sessionUrl0 from /launch: rtspenc://… or rtsp://…
  std::array<std::uint8_t, 16> rikey{};  // the /launch rikey
  std::int32_t rikeyid = 0;
  // ANNOUNCE values (rtsp.md §4.4), as moonlight-common-c would send them.
  std::uint32_t width_px = 1280;
  std::uint32_t height_px = 720;
  std::uint32_t fps = 60;
  std::uint32_t bitrate_kbps = 10000;    // x-ml-video.configuredBitrateKbps and the bw values
  std::uint32_t packet_size_bytes = 1392;  // before the −32 for video encryption
  bool video_encryption = true;          // ENCFLG_VIDEO: opt in when the host supports it
  bool audio_encryption = true;
  std::uint32_t audio_channels = 2;      // 2, 6, 8
  bool high_quality_audio = true;        // Host header without 0.0.0.0 / AudioQuality 1
  std::uint32_t slices_per_frame = 1;
  bool supports_hevc = false;            // client decoder can do HEVC (negotiated if DESCRIBE offers it)
  bool supports_av1 = false;             // client decoder can do AV1 (idem)
  // Test knobs.
  bool drop_one_packet_per_fec_block = false;  // drop one data packet of every FEC block
  std::chrono::milliseconds io_timeout{5000};
};

// What the handshake learnt (for assertions).
struct HandshakeResult {
  std::string describe_body;
  std::string ping_payload;      // X-SS-Ping-Payload
  std::uint32_t connect_data = 0;
  std::uint16_t audio_port = 0, video_port = 0, control_port = 0;
  std::vector<int> statuses;     // RTSP status of each request, in order
  std::string announce_body;     // the SDP we sent
  std::uint32_t encryption_enabled = 0;  // x-ss-general.encryptionEnabled we announced
  bool video_encrypted = false, audio_encrypted = false;
  std::uint32_t packet_size_bytes = 0;   // negotiated x-nv-video[0].packetSize
  std::uint32_t bit_stream_format = 0;   // 0 H.264, 1 HEVC, 2 AV1
};

struct ReceivedVideoFrame {
  std::uint32_t frame_index = 0;
  std::uint8_t frame_type = 0;             // video.md §4.1 (1 P, 2 IDR, 4 intra refresh, 5 after RFI)
  std::uint16_t host_latency_100us = 0;
  std::vector<std::uint8_t> bitstream;     // frame header removed, padding trimmed by lastPayloadLen
  bool recovered_with_fec = false;         // at least one shard came from parity
};

struct ReceivedAudioPacket {
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp_ms = 0;
  std::vector<std::uint8_t> opus;          // decrypted Opus packet
  bool recovered_with_fec = false;
};

struct StreamCounters {
  std::uint64_t video_datagrams = 0, video_dropped_on_purpose = 0, video_frames_complete = 0,
                video_frames_lost = 0, video_fec_recoveries = 0;
  std::uint64_t audio_datagrams = 0, audio_fec_datagrams = 0, audio_dropped_on_purpose = 0,
                audio_fec_recoveries = 0, audio_packets_lost = 0;
  std::uint64_t video_malformed = 0, audio_malformed = 0;  // datagrams rejected by the reassembly
  std::uint64_t idr_requests = 0;        // 0x0302 on channel 1 (manual + automatic after loss)
  std::uint64_t control_messages = 0;
  std::uint64_t control_rejected = 0;    // host packets that failed to open or parse
  std::uint64_t video_pings = 0, audio_pings = 0;  // pings sent
  bool control_connected = false;        // ENet CONNECT completed (and not yet ended)
  bool control_disconnected_by_host = false;  // ENet DISCONNECT event from the host
  std::optional<std::uint32_t> termination_hresult;  // 0x0109 received
};

class StreamClient {
 public:
  explicit StreamClient(StreamClientOptions options);
  ~StreamClient();  // = stop()
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  // OPTIONS, DESCRIBE, SETUP audio/video/control, ANNOUNCE, PLAY. Throws std::runtime_error
  // with the transcript when a step fails (status ≠ 200 is reported in the result instead
  // when allow_failure is set: the handshake stops at the first failure).
  HandshakeResult handshake(bool allow_failure = false);
  // Sends one raw RTSP request on its own connection (sealed when the session URL is
  // rtspenc) and returns the reply's status (or −1 when the server closed without one).
  int rtsp_request(const std::string& method, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body = {});

  // Connects ENet (connect data), sends start A (0x0302) and start B (0x0307), starts the
  // 100 ms periodic ping, then the UDP pings (500 ms) and the media receive thread.
  void start_streaming();
  void request_idr();      // 0x0302 on channel 1
  void send_input(const std::vector<std::uint8_t>& input_packet);  // wrapped in 0x0206
  // Graceful ENet disconnect (as the client does on quit), stop pings and receiving.
  void disconnect();
  // Stops everything WITHOUT telling the server (a vanished client: no DISCONNECT, no pings).
  void vanish();
  void stop();

  // Blocks until at least `count` complete video frames are waiting to be taken (or the
  // timeout); returns how many are waiting. take_video_frames() empties the buffer.
  std::size_t wait_for_frames(std::size_t count, std::chrono::milliseconds timeout);
  // Same for delivered audio packets (take_audio_packets()).
  std::size_t wait_for_audio_packets(std::size_t count, std::chrono::milliseconds timeout);
  // Waits until the host ends the ENet connection (DISCONNECT event); true if it did.
  bool wait_for_control_disconnect(std::chrono::milliseconds timeout);
  // The last handshake's result (empty before handshake()).
  const HandshakeResult& handshake_result() const noexcept;
  std::vector<ReceivedVideoFrame> take_video_frames();
  std::vector<ReceivedAudioPacket> take_audio_packets();
  StreamCounters counters() const;
  // Waits for a termination message; returns its HRESULT.
  std::optional<std::uint32_t> wait_for_termination(std::chrono::milliseconds timeout);
  const std::string& transcript() const noexcept { return transcript_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::string transcript_;
};

}  // namespace lightwell::test
