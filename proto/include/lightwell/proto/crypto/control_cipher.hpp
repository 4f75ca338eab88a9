// AES-128-GCM for the encrypted control stream (shared/protocol/control.md §3): one object per
// session direction, keyed with the session's rikey.
//
//   ControlSealer  seals messages of one direction with that direction's own counter
//                  (host: 0, 1, 2 ... for every message it sends, IV 'H''C').
//   ControlOpener  opens the other direction's packets (host: the client's, IV 'C''C') and
//                  enforces the replay policy of ControlReplayWindow (control_replay.hpp):
//                  a seq already accepted or older than the window is refused.
//
// The framing (envelope header, IV) is the pure part in control_envelope.hpp. Each object owns
// its own AesGcm context, so the thread that sends and the ENet thread that receives do not
// share one; neither object is thread-safe by itself. Movable, not copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/control_envelope.hpp"
#include "lightwell/proto/control_replay.hpp"
#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto::crypto {

class ControlSealer {
 public:
  // direction = who sends what this object seals (host_to_client for the host).
  // first_seq is 0 for a new session (control.md §3); other values exist for tests.
  static Result<ControlSealer> create(const Key128& rikey,
                                      ControlDirection direction = ControlDirection::host_to_client,
                                      std::uint32_t first_seq = 0);

  // Seals one plaintext V2 message into packet_out (needs plaintext.size() + 24 bytes) with the
  // next sequence number and returns the packet size. Errors: plaintext outside
  // [4, kControlMaxPlaintextBytes], buffer too small, or the 2^32 sequence numbers of this
  // direction used up (out_of_range: an IV must never repeat under one key). A failed call
  // does not consume a sequence number.
  Result<std::size_t> seal(Bytes plaintext, MutableBytes packet_out);

  // The seq the next seal() will use; false once exhausted.
  bool can_seal() const noexcept { return next_seq_ <= 0xFFFFFFFFULL; }
  std::uint64_t next_seq() const noexcept { return next_seq_; }

 private:
  ControlSealer(AesGcm gcm, ControlDirection direction, std::uint32_t first_seq) noexcept
      : gcm_(std::move(gcm)), direction_(direction), next_seq_(first_seq) {}
  AesGcm gcm_;
  ControlDirection direction_;
  std::uint64_t next_seq_;
};

struct OpenedControlMessage {
  std::uint32_t seq = 0;
  Bytes plaintext;  // borrows the caller's plaintext_out
};

class ControlOpener {
 public:
  // direction = who sent the packets this object opens (client_to_host for the host).
  static Result<ControlOpener> create(const Key128& rikey,
                                      ControlDirection direction = ControlDirection::client_to_host);

  // Opens one whole ENet packet payload into plaintext_out (needs packet.size() - 24 bytes).
  // Order of checks: envelope framing (parse_control_envelope errors), replay window
  // (out_of_range: replayed or too old; nothing is decrypted), GCM tag (auth_failed), then
  // the seq is recorded. On any error the window is unchanged; after a failed tag the
  // plaintext bytes are zeroed so no unauthenticated data is left for a careless caller.
  // The plaintext is returned unparsed: feed it to parse_client_message().
  Result<OpenedControlMessage> open(Bytes packet, MutableBytes plaintext_out);

  const ControlReplayWindow& replay_window() const noexcept { return window_; }

 private:
  ControlOpener(AesGcm gcm, ControlDirection direction) noexcept
      : gcm_(std::move(gcm)), direction_(direction) {}
  AesGcm gcm_;
  ControlDirection direction_;
  ControlReplayWindow window_;
};

}  // namespace lightwell::proto::crypto
