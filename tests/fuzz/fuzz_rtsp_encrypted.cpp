// Encrypted RTSP framing (proto/rtsp_encrypted.hpp + crypto/rtsp_cipher.hpp, rtsp.md §3) as
// the host reads it: frame header, AES-GCM open with the session key, then the plaintext
// request parser. The key is fixed (the rikey of tests/data/wire/rtsp_encrypted.txt), so the
// captured frame is a seed that reaches the request parser.
// Every input is used twice:
//  1. as wire bytes: incremental frame parse, whole-message parse, open, parse the request;
//  2. as a plaintext the client seals (sequence = input length): the sealed frame must parse
//     back to exactly that frame, open to exactly the input, and then goes to the request
//     parser - so the fuzzer also explores what lies behind a valid tag.
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/rtsp.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"

namespace lp = lightwell::proto;
namespace lc = lightwell::proto::crypto;

namespace {

constexpr lc::Key128 kKey{0xf8, 0x26, 0xe3, 0x5b, 0xa7, 0xab, 0x9c, 0xbf,
                          0xac, 0x93, 0xcf, 0xff, 0x72, 0x5a, 0x2e, 0x23};

struct Ciphers {
  lc::RtspCipher host = *lc::RtspCipher::create(kKey, lc::RtspRole::host);
  lc::RtspCipher client = *lc::RtspCipher::create(kKey, lc::RtspRole::client);
};

// One pair for the process: RtspCipher is stateless between calls (the sequence is a
// parameter), so reusing it is what the host does for a connection.
Ciphers& ciphers() {
  static Ciphers c;
  return c;
}

void host_reads(lp::Bytes wire) {
  auto frame = lp::parse_encrypted_rtsp_frame(wire);
  auto whole = lp::parse_encrypted_rtsp_message(wire);
  if (whole) {
    // A whole message is also a complete frame with the same fields.
    FUZZ_CHECK(frame.has_value() && frame->has_value());
    FUZZ_CHECK((*frame)->consumed_bytes == wire.size());
  }
  if (!frame || !frame->has_value()) return;
  const lp::EncryptedRtspFrame& f = **frame;
  FUZZ_CHECK(f.consumed_bytes == lp::kEncryptedRtspHeaderBytes + f.ciphertext.size());
  FUZZ_CHECK(f.consumed_bytes <= wire.size());
  FUZZ_CHECK(f.tag.size() == lp::kEncryptedRtspTagBytes);
  FUZZ_CHECK(!f.ciphertext.empty() && f.ciphertext.size() <= lp::kEncryptedRtspMaxCiphertextBytes);
  auto plaintext = ciphers().host.open(f);
  if (!plaintext) return;
  FUZZ_CHECK(plaintext->size() == f.ciphertext.size());
  (void)lp::parse_rtsp_request(*plaintext);
}

void client_seals(std::string_view plaintext) {
  const auto sequence = static_cast<std::uint32_t>(plaintext.size());
  auto sealed = ciphers().client.seal(sequence, plaintext);
  if (plaintext.empty() || plaintext.size() > lp::kEncryptedRtspMaxCiphertextBytes) {
    FUZZ_CHECK(!sealed.has_value());
    return;
  }
  FUZZ_CHECK(sealed.has_value());
  FUZZ_CHECK(sealed->size() == lp::kEncryptedRtspHeaderBytes + plaintext.size());
  auto frame = lp::parse_encrypted_rtsp_message(*sealed);
  FUZZ_CHECK(frame.has_value() && frame->sequence == sequence);
  auto opened = ciphers().host.open(*frame);
  FUZZ_CHECK(opened.has_value() && *opened == plaintext);
  // Sealed for the host -> client direction, the same bytes must not open on the host.
  auto reflected = ciphers().host.seal(sequence, plaintext);
  FUZZ_CHECK(reflected.has_value());
  auto reflected_frame = lp::parse_encrypted_rtsp_message(*reflected);
  FUZZ_CHECK(reflected_frame.has_value());
  FUZZ_CHECK(!ciphers().host.open(*reflected_frame).has_value());
  (void)lp::parse_rtsp_request(*opened);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  host_reads(lp::Bytes(data, size));
  client_seals(lightwell::fuzz::as_text(data, size));
  return 0;
}
