#include "agent/session/session_state.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace bmf::agent {
namespace {

using bmf::testing::IsOk;
using bmf::testing::StatusIs;
using S = SessionState;

TEST(SessionStateMachine, PlainConnectRegisterLoseReconnect_StepByStep) {
  SessionStateMachine m;
  EXPECT_EQ(m.state(), S::kIdle);
  EXPECT_THAT(m.transition(S::kConnecting, "c:7420"), IsOk());
  EXPECT_THAT(m.transition(S::kRegistering, "sending Register"), IsOk());
  EXPECT_FALSE(m.registered());
  EXPECT_THAT(m.transition(S::kRegistered, "node=1"), IsOk());
  EXPECT_TRUE(m.registered());
  EXPECT_THAT(m.transition(S::kBackoff, "connection reset"), IsOk());
  EXPECT_FALSE(m.registered());
  EXPECT_THAT(m.transition(S::kConnecting, "again"), IsOk());
  EXPECT_EQ(m.transitions(), 5u);
}

TEST(SessionStateMachine, TlsHandshakeStep_AndEveryStepMayFailIntoBackoff) {
  for (S failing : {S::kConnecting, S::kHandshaking, S::kRegistering, S::kRegistered}) {
    SessionStateMachine m;
    ASSERT_THAT(m.transition(S::kConnecting, ""), IsOk());
    if (failing != S::kConnecting) ASSERT_THAT(m.transition(S::kHandshaking, "tls"), IsOk());
    if (failing == S::kRegistering || failing == S::kRegistered) ASSERT_THAT(m.transition(S::kRegistering, ""), IsOk());
    if (failing == S::kRegistered) ASSERT_THAT(m.transition(S::kRegistered, ""), IsOk());
    EXPECT_EQ(m.state(), failing);
    EXPECT_THAT(m.transition(S::kBackoff, "lost"), IsOk()) << to_string(failing);
  }
}

TEST(SessionStateMachine, IllegalMovesRefusedAndNothingChanges) {
  SessionStateMachine m;
  EXPECT_THAT(m.transition(S::kRegistered, "a RegisterReply out of nowhere"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(m.transition(S::kRegistering, "before connecting"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(m.transition(S::kBackoff, "nothing to lose yet"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(m.state(), S::kIdle);
  EXPECT_EQ(m.transitions(), 0u);
  ASSERT_THAT(m.transition(S::kConnecting, ""), IsOk());
  EXPECT_THAT(m.transition(S::kRegistered, "skipping Register"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_THAT(m.transition(S::kBackoff, ""), IsOk());
  EXPECT_THAT(m.transition(S::kRegistering, "without reconnecting"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(m.state(), S::kBackoff);
}

TEST(SessionStateMachine, StoppedFromAnywhere_AndFinal) {
  for (S from : {S::kIdle, S::kConnecting, S::kHandshaking, S::kRegistering, S::kRegistered, S::kBackoff}) {
    EXPECT_TRUE(session_move_allowed(from, S::kStopped)) << to_string(from);
  }
  SessionStateMachine m;
  ASSERT_THAT(m.transition(S::kStopped, "SIGTERM"), IsOk());
  for (S to : {S::kIdle, S::kConnecting, S::kBackoff, S::kStopped}) {
    EXPECT_THAT(m.transition(to, "after stop"), StatusIs(StatusCode::kFailedPrecondition)) << to_string(to);
  }
}

}  // namespace
}  // namespace bmf::agent
