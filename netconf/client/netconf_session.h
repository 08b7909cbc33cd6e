#pragma once
// NetconfSession: one NETCONF session (RFC 6241) over a ByteChannel: hello and
// capability exchange, base:1.1 chunked framing when both sides offer it,
// message-id matching, and the operations bmf needs. XML is built and parsed
// with pugixml. A server <rpc-error> becomes a Status (with retry meaning, see
// status_for) and the typed errors stay available in last_errors().
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "netconf/framing/framing.h"
#include "netconf/transport/byte_channel.h"

namespace bmf::netconf {

inline constexpr const char* kBaseNs = "urn:ietf:params:xml:ns:netconf:base:1.0";

enum class Datastore { kRunning, kCandidate, kStartup };
std::string_view to_string(Datastore d);

struct RpcError {
  std::string type;      // transport, rpc, protocol, application
  std::string tag;       // e.g. lock-denied, invalid-value, in-use
  std::string severity;  // error, warning
  std::string app_tag;
  std::string path;
  std::string message;
  std::string info;      // error-info children as "name=value" pairs
  std::string to_string() const;
};

// lock-denied / in-use / resource-denied -> UNAVAILABLE (retry later);
// invalid-value / unknown-element / missing-* / bad-* -> INVALID_ARGUMENT;
// anything else -> ABORTED.
Status status_for(const std::vector<RpcError>& errors, std::string_view operation);

struct EditOptions {
  std::string default_operation = "merge";   // merge, replace, none
  std::string error_option = "rollback-on-error";
};

struct CommitOptions {
  bool confirmed = false;
  std::chrono::seconds confirm_timeout{600};
  std::string persist;      // make the confirmed commit survive this session (token)
  std::string persist_id;   // confirm a persisted confirmed commit from another session
};

class NetconfSession {
 public:
  static Result<std::unique_ptr<NetconfSession>> open(std::unique_ptr<ByteChannel> channel);

  std::uint32_t session_id() const { return session_id_; }
  Framing framing() const { return decoder_.framing(); }
  const std::vector<std::string>& server_capabilities() const { return capabilities_; }
  bool has_capability(std::string_view prefix) const;
  const std::vector<RpcError>& last_errors() const { return last_errors_; }

  // Sends <rpc> wrapping `operation` (one XML element, built by the caller with
  // pugixml) and returns the <rpc-reply> text. rpc-errors become a Status.
  Result<std::string> rpc(std::string_view operation_xml, std::string_view name);

  // The children of <data> as XML text.
  Result<std::string> get_config(Datastore source, std::string_view subtree_filter = {});
  Result<std::string> get(std::string_view subtree_filter = {});
  // `config` is the content of <config> (one or more top-level elements).
  Status edit_config(Datastore target, std::string_view config, const EditOptions& options = {});
  Status lock(Datastore target);
  Status unlock(Datastore target);
  Status discard_changes();
  Status validate(Datastore source);
  Status commit(const CommitOptions& options = {});
  Status cancel_commit(std::string_view persist_id = {});
  Status close_session();
  Status keepalive() { return channel_->keepalive(); }

 private:
  explicit NetconfSession(std::unique_ptr<ByteChannel> channel) : channel_(std::move(channel)) {}
  Status hello();
  // Probes until the server answers (see the .cc for netconfd's framing race).
  Status await_ready();
  Result<std::string> read_message();
  Status simple(std::string_view operation_xml, std::string_view name);

  std::unique_ptr<ByteChannel> channel_;
  MessageDecoder decoder_;
  std::vector<std::string> capabilities_;
  std::uint32_t session_id_ = 0;
  std::uint64_t next_message_id_ = 1;
  std::vector<RpcError> last_errors_;
};

}  // namespace bmf::netconf
