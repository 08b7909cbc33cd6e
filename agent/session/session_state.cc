#include "agent/session/session_state.h"

#include <fmt/format.h>

#include "common/log/log.h"

namespace bmf::agent {

std::string_view to_string(SessionState s) {
  switch (s) {
    case SessionState::kIdle: return "idle";
    case SessionState::kConnecting: return "connecting";
    case SessionState::kHandshaking: return "handshaking";
    case SessionState::kRegistering: return "registering";
    case SessionState::kRegistered: return "registered";
    case SessionState::kBackoff: return "backoff";
    case SessionState::kStopped: return "stopped";
  }
  return "unknown";
}

bool session_move_allowed(SessionState from, SessionState to) {
  using S = SessionState;
  if (from == S::kStopped) return false;
  if (to == S::kStopped) return true;
  switch (from) {
    case S::kIdle: return to == S::kConnecting;
    case S::kConnecting: return to == S::kHandshaking || to == S::kRegistering || to == S::kBackoff;
    case S::kHandshaking: return to == S::kRegistering || to == S::kBackoff;
    case S::kRegistering: return to == S::kRegistered || to == S::kBackoff;
    case S::kRegistered: return to == S::kBackoff;
    case S::kBackoff: return to == S::kConnecting;
    case S::kStopped: return false;
  }
  return false;
}

Status SessionStateMachine::transition(SessionState to, std::string_view why) {
  const SessionState from = state_;
  if (!session_move_allowed(from, to)) {
    BMF_LOG_ERROR("AGENT_SESSION_ILLEGAL_MOVE {} -> {}: {}", to_string(from), to_string(to), why);
    return failed_precondition(fmt::format("agent session: no move from {} to {} ({})", to_string(from), to_string(to), why));
  }
  state_ = to;
  ++transitions_;
  if (to == SessionState::kRegistered) {
    BMF_LOG_INFO("AGENT_REGISTERED {}", why);
  } else if (to == SessionState::kBackoff) {
    BMF_LOG_WARN("COORDINATOR_CONNECTION_LOST ({}): {}", to_string(from), why);
  } else {
    BMF_LOG_INFO("AGENT_SESSION {} -> {}: {}", to_string(from), to_string(to), why);
  }
  return ok_status();
}

}  // namespace bmf::agent
