#pragma once
// The agent session's protocol state, explicit: one transition function checks every move
// against the table below and logs it, so "where is this agent" is a value, not a guess from
// a zero interval.
//
//   idle -> connecting -> [handshaking (TLS)] -> registering -> registered
//   connecting | handshaking | registering | registered -> backoff -> connecting
//   any -> stopped (final)
#include <cstdint>
#include <string_view>

#include "common/status/status.h"

namespace bmf::agent {

enum class SessionState { kIdle, kConnecting, kHandshaking, kRegistering, kRegistered, kBackoff, kStopped };

std::string_view to_string(SessionState s);
bool session_move_allowed(SessionState from, SessionState to);

class SessionStateMachine {
 public:
  SessionState state() const { return state_; }
  bool registered() const { return state_ == SessionState::kRegistered; }
  // The only way the state changes: FAILED_PRECONDITION (and nothing changes) for a move the
  // table does not have; logged otherwise (AGENT_REGISTERED, COORDINATOR_CONNECTION_LOST on the
  // moves an operator looks for, AGENT_SESSION for the others).
  Status transition(SessionState to, std::string_view why);
  std::uint64_t transitions() const { return transitions_; }

 private:
  SessionState state_ = SessionState::kIdle;
  std::uint64_t transitions_ = 0;
};

}  // namespace bmf::agent
