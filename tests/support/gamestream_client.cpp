// GameStreamClient: the nvhttp endpoints (http-pairing.md §2–§8) and the pairing flow
// (§5.2–§5.6) as a Moonlight client performs them, with a transcript for failure messages.
#include <sstream>

#include "gamestream_client.hpp"
#include "lightwell/proto/hex.hpp"

namespace lightwell::test {

namespace {

std::string random_uuid_hex() {
  // Qt sends 32 hex digits without dashes (§1); a cache buster the host must ignore.
  const Secret16 s = random_secret();
  return proto::to_hex(s);
}

std::string shorten(const std::string& s, std::size_t max = 600) {
  if (s.size() <= max) return s;
  return s.substr(0, max) + "… (" + std::to_string(s.size()) + " bytes)";
}

}  // namespace

GameStreamClient::GameStreamClient(HostAddress address, ClientIdentity identity, std::string uniqueid)
    : address_(std::move(address)), identity_(std::move(identity)), uniqueid_(std::move(uniqueid)) {}

std::string GameStreamClient::target(const std::string& path, const std::string& params) const {
  std::string t = path + "?uniqueid=" + uniqueid_ + "&uuid=" + random_uuid_hex();
  if (!params.empty()) t += "&" + params;
  return t;
}

std::string GameStreamClient::pair_target(const std::string& extra) const {
  return target("/pair", extra.empty() ? "devicename=roth&updateState=1" : "devicename=roth&updateState=1&" + extra);
}

void GameStreamClient::record(const std::string& scheme, const std::string& t, const HttpReply& reply) {
  std::ostringstream line;
  line << scheme << " GET " << shorten(t, 200) << "\n    -> ";
  if (!reply.ok()) {
    line << "transport error: " << reply.transport_error;
  } else {
    line << "HTTP " << reply.http_status << " [" << reply.content_type << "] ";
    line << (reply.content_type.rfind("image/", 0) == 0 ? "<" + std::to_string(reply.body.size()) + " bytes>"
                                                         : shorten(reply.body));
  }
  transcript_ += line.str() + "\n";
}

HttpReply GameStreamClient::http(const std::string& path, const std::string& params, std::chrono::milliseconds timeout,
                                 const SentHook& on_sent) {
  const std::string t = path.find('?') == std::string::npos ? target(path, params) : path;
  HttpReply r = http_get(address_.host, address_.http_port, t, timeout, on_sent);
  record("http ", t, r);
  return r;
}

HttpReply GameStreamClient::https(const std::string& path, const std::string& params, std::chrono::milliseconds timeout,
                                  bool with_certificate) {
  const std::string t = path.find('?') == std::string::npos ? target(path, params) : path;
  TlsClientOptions tls;
  tls.identity = with_certificate ? &identity_ : nullptr;
  tls.pinned_der = pinned_der_ ? &*pinned_der_ : nullptr;
  HttpReply r = https_get(address_.host, address_.https_port, t, tls, timeout);
  record("https", t, r);
  return r;
}

XmlReply GameStreamClient::xml_of(const HttpReply& reply) const {
  XmlReply x = parse_xml(reply.ok() ? reply.body : std::string());
  return x;
}

XmlReply GameStreamClient::serverinfo_http() { return xml_of(http("/serverinfo")); }
XmlReply GameStreamClient::serverinfo_https() { return xml_of(https("/serverinfo")); }
XmlReply GameStreamClient::applist() { return xml_of(https("/applist")); }

HttpReply GameStreamClient::appasset(long long appid) {
  return https("/appasset", "appid=" + std::to_string(appid) + "&AssetType=2&AssetIdx=0");
}

namespace {

// The parameters Moonlight-qt sends (§7), in its order.
std::string launch_params(const LaunchParams& p) {
  std::ostringstream q;
  q << "appid=" << p.appid << "&mode=" << p.mode << "&additionalStates=1&sops=0&rikey=" << proto::to_hex(p.rikey)
    << "&rikeyid=" << p.rikeyid << "&localAudioPlayMode=" << (p.local_audio ? 1 : 0)
    << "&surroundAudioInfo=" << p.surround_audio_info << "&remoteControllersBitmap=1&gcmap=1&gcpersist=0"
    << "&corever=" << p.corever;
  return q.str();
}

}  // namespace

XmlReply GameStreamClient::launch(const LaunchParams& params) {
  return xml_of(https("/launch", launch_params(params), std::chrono::milliseconds(10'000)));
}
XmlReply GameStreamClient::resume(const LaunchParams& params) {
  return xml_of(https("/resume", launch_params(params), std::chrono::milliseconds(10'000)));
}
XmlReply GameStreamClient::cancel() { return xml_of(https("/cancel", {}, std::chrono::milliseconds(10'000))); }

PairResult GameStreamClient::pair(std::string_view pin, const PairingRandomness& rnd, const PairOptions& options) {
  PairResult result;
  auto failed = [&](int phase, std::string why) {
    result.failed_phase = phase;
    result.error = "phase " + std::to_string(phase) + ": " + std::move(why);
    note("pair: " + result.error);
    return result;
  };
  // A phase answered well iff transport ok, status_code 200 and paired=1 (§5).
  auto check_reply = [&](const HttpReply& http_reply) -> std::optional<std::string> {
    if (!http_reply.ok()) return "transport: " + http_reply.transport_error;
    if (http_reply.http_status != 200) return "HTTP status " + std::to_string(http_reply.http_status);
    XmlReply x = parse_xml(http_reply.body);
    result.replies.push_back(x);
    if (x.status_code != 200) return "status_code " + (x.status_code ? std::to_string(*x.status_code) : "missing") +
                                      " (" + x.status_message + ")";
    if (x.text("paired") != "1") return "paired=" + x.text("paired").value_or("(missing)");
    return std::nullopt;
  };

  auto role = ClientPairingRole::create(identity_);
  if (!role) return failed(1, "our identity: " + role.error().message);
  if (auto r = role->begin(rnd.salt, pin); !r) return failed(1, r.error().message);

  // Phase 1 (HTTP): held by the host until the PIN is entered there.
  const HttpReply p1 = http(pair_target("phrase=getservercert&salt=" + proto::to_hex(rnd.salt) +
                                        "&clientcert=" + role->client_cert_hex()),
                            {}, options.phase1_timeout, options.on_phase1_sent);
  if (auto why = check_reply(p1)) return failed(1, *why);
  const auto plaincert_hex = result.replies.back().text("plaincert");
  if (!plaincert_hex || plaincert_hex->empty()) return failed(1, "no plaincert: pairing already in progress (busy)");
  const auto plaincert = text_of_hex(*plaincert_hex);
  if (!plaincert) return failed(1, "plaincert is not hex");
  if (auto r = role->accept_server_certificate(*plaincert); !r) return failed(1, r.error().message);

  // Phase 2.
  auto cc = role->client_challenge(rnd.client_challenge);
  if (!cc) return failed(2, cc.error().message);
  const HttpReply p2 = http(pair_target("clientchallenge=" + proto::to_hex(*cc)), {}, options.phase_timeout);
  if (auto why = check_reply(p2)) return failed(2, *why);
  auto challenge_response = proto::from_hex(result.replies.back().text("challengeresponse").value_or(""), 1024);
  if (!challenge_response) return failed(2, "challengeresponse: " + challenge_response.error().message);

  // Phase 3.
  auto hc = role->server_challenge_resp(*challenge_response, rnd.client_secret);
  if (!hc) return failed(3, hc.error().message);
  const HttpReply p3 = http(pair_target("serverchallengeresp=" + proto::to_hex(*hc)), {}, options.phase_timeout);
  if (auto why = check_reply(p3)) return failed(3, *why);
  auto pairing_secret = proto::from_hex(result.replies.back().text("pairingsecret").value_or(""), 4096);
  if (!pairing_secret) return failed(3, "pairingsecret: " + pairing_secret.error().message);
  auto check = role->verify_pairing_secret(*pairing_secret);
  if (!check) return failed(3, check.error().message);
  result.secret_check = *check;
  if (*check == SecretCheck::bad_signature) return failed(3, to_string(*check));
  if (*check == SecretCheck::hash_mismatch && !options.send_phase4_on_hash_mismatch) {
    return failed(3, to_string(*check));
  }

  // Phase 4.
  auto cs = role->client_pairing_secret();
  if (!cs) return failed(4, cs.error().message);
  const HttpReply p4 = http(pair_target("clientpairingsecret=" + proto::to_hex(*cs)), {}, options.phase_timeout);
  if (auto why = check_reply(p4)) return failed(4, *why);

  // Phase 5 (HTTPS, our certificate, the host certificate pinned from now on).
  pinned_der_ = role->server_certificate()->der();
  const HttpReply p5 = https(pair_target("phrase=pairchallenge"), {}, options.phase_timeout);
  if (auto why = check_reply(p5)) return failed(5, *why);
  result.paired = true;
  note("pair: paired");
  return result;
}

}  // namespace lightwell::test
