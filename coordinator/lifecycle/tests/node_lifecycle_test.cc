#include "coordinator/lifecycle/node_lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "coordinator/store/sqlite_store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::IsOk;
using bmf::testing::StatusIs;
using S = NodeState;

class NodeLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqliteStore::open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(s).value();
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    lifecycle_->on_transition([this](std::uint64_t node, S from, S to) { seen_.push_back({node, from, to}); });
  }

  std::uint64_t node_in(S state) {
    NodeRecord n;
    n.system_uuid = "uuid-" + std::to_string(++made_);
    n.state = state;
    EXPECT_THAT(store_->save_node(n, {.kind = EventKind::kNodeRegistered}), IsOk());
    return n.id;
  }
  S state_of(std::uint64_t id) { return store_->get_node(id)->state; }

  struct Seen {
    std::uint64_t node;
    S from, to;
  };
  bmf::testing::TempDir dir_;
  ManualClock clock_{5'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  std::vector<Seen> seen_;
  int made_ = 0;
};

// The documented table, written out once more: every pair is either in it or refused.
const std::set<std::pair<S, S>> kLegal = {
    {S::kEnrolling, S::kInspecting},   {S::kEnrolling, S::kUnreachable},  {S::kEnrolling, S::kMaintenance},
    {S::kEnrolling, S::kFailed},       {S::kInspecting, S::kAvailable},   {S::kInspecting, S::kUnreachable},
    {S::kInspecting, S::kMaintenance}, {S::kInspecting, S::kFailed},      {S::kAvailable, S::kAllocated},
    {S::kAvailable, S::kActive},       {S::kAvailable, S::kUnreachable},  {S::kAvailable, S::kMaintenance},
    {S::kAvailable, S::kFailed},       {S::kAvailable, S::kCleaning},     {S::kAllocated, S::kActive},
    {S::kAllocated, S::kReleasing},    {S::kAllocated, S::kMaintenance},  {S::kActive, S::kReleasing},
    {S::kReleasing, S::kCleaning},     {S::kReleasing, S::kMaintenance},  {S::kCleaning, S::kAvailable},
    {S::kCleaning, S::kMaintenance},   {S::kCleaning, S::kFailed},        {S::kMaintenance, S::kAvailable},
    {S::kMaintenance, S::kCleaning},   {S::kMaintenance, S::kFailed},     {S::kFailed, S::kMaintenance},
    {S::kUnreachable, S::kInspecting}, {S::kUnreachable, S::kMaintenance}, {S::kUnreachable, S::kFailed},
};

TEST_F(NodeLifecycleTest, EveryPairOfStates_MovesExactlyWhenTheTableSaysSo) {
  int moves = 0;
  for (S from : kAllNodeStates) {
    for (S to : kAllNodeStates) {
      const std::uint64_t id = node_in(from);
      Status st = lifecycle_->transition(id, to, "test", "admin:test");
      const bool legal = kLegal.count({from, to}) > 0;
      EXPECT_EQ(node_transition_allowed(from, to), legal) << to_string(from) << " -> " << to_string(to);
      if (legal) {
        EXPECT_THAT(st, IsOk()) << to_string(from) << " -> " << to_string(to);
        EXPECT_EQ(state_of(id), to);
        ++moves;
      } else {
        EXPECT_THAT(st, StatusIs(StatusCode::kFailedPrecondition)) << to_string(from) << " -> " << to_string(to);
        EXPECT_EQ(state_of(id), from) << "a refused move changed nothing";
      }
    }
  }
  EXPECT_EQ(moves, static_cast<int>(kLegal.size()));
  EXPECT_EQ(seen_.size(), kLegal.size()) << "listeners hear every move and nothing else";
}

TEST_F(NodeLifecycleTest, Transition_WritesReasonTimeAndEvent) {
  const std::uint64_t id = node_in(S::kAvailable);
  clock_.advance_ms(250);
  ASSERT_THAT(lifecycle_->transition(id, S::kMaintenance, "fan 3 failed", "admin:ops"), IsOk());
  auto n = store_->get_node(id);
  EXPECT_EQ(n->state_reason, "fan 3 failed");
  EXPECT_EQ(n->state_changed_at_ms, 5'250);
  auto events = store_->list_events({.node_id = id});
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->front().kind, EventKind::kNodeMaintenance);
  EXPECT_EQ(events->front().actor, "admin:ops");
  EXPECT_THAT(events->front().message, ::testing::HasSubstr("available -> maintenance: fan 3 failed"));
}

TEST_F(NodeLifecycleTest, ExpectedFromState_IsCompareAndSet) {
  const std::uint64_t id = node_in(S::kAvailable);
  ASSERT_THAT(lifecycle_->transition(id, S::kAllocated, "a", "coordinator", S::kAvailable), IsOk());
  // A second writer that read "available" earlier loses.
  EXPECT_THAT(lifecycle_->transition(id, S::kMaintenance, "b", "coordinator", S::kAvailable),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->set_node_state(id, S::kAvailable, S::kUnreachable, "c", {.kind = EventKind::kNodeUnreachable}),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(state_of(id), S::kAllocated);
}

TEST_F(NodeLifecycleTest, Maintenance_RefusedForLeasedNodes_AndNeedsAReason) {
  const std::uint64_t leased = node_in(S::kActive);
  EXPECT_THAT(lifecycle_->enter_maintenance(leased, "disk", "admin:ops"), StatusIs(StatusCode::kFailedPrecondition));
  const std::uint64_t unreachable = node_in(S::kUnreachable);
  EXPECT_THAT(lifecycle_->enter_maintenance(unreachable, "", "admin:ops"), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_THAT(lifecycle_->enter_maintenance(unreachable, "PSU swap", "admin:ops"), IsOk());
  EXPECT_THAT(lifecycle_->enter_maintenance(unreachable, "again", "admin:ops"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_THAT(lifecycle_->leave_maintenance(unreachable, /*clean=*/true, "admin:ops"), IsOk());
  EXPECT_EQ(state_of(unreachable), S::kCleaning);
  EXPECT_THAT(lifecycle_->leave_maintenance(unreachable, false, "admin:ops"), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(NodeLifecycleTest, LeaseCalls_ApplyTheSameTable) {
  ProjectRecord p{.name = "team-a"};
  ASSERT_THAT(store_->create_project(p, {.kind = EventKind::kProjectCreated}), IsOk());
  const std::uint64_t cleaning = node_in(S::kCleaning);
  LeaseRecord refused{.node_id = cleaning, .project = "team-a", .created_at_ms = 1};
  EXPECT_THAT(store_->create_lease(refused, {.kind = EventKind::kLeaseStarted}), StatusIs(StatusCode::kFailedPrecondition));
  const std::uint64_t free = node_in(S::kAvailable);
  LeaseRecord lease{.node_id = free, .project = "team-a", .created_at_ms = 1};
  ASSERT_THAT(store_->create_lease(lease, {.kind = EventKind::kLeaseStarted}), IsOk());
  EXPECT_EQ(state_of(free), S::kActive);
  ASSERT_TRUE(store_->end_lease(lease.id, 2, {.kind = EventKind::kLeaseEnded}).ok());
  EXPECT_EQ(state_of(free), S::kReleasing);
}

TEST(NodeEventKind, EveryStateHasItsOwnKindNamedAfterIt) {
  EXPECT_EQ(to_string(node_event_kind(S::kAvailable)), "NODE_AVAILABLE");
  EXPECT_EQ(to_string(node_event_kind(S::kMaintenance)), "NODE_MAINTENANCE");
  std::set<EventKind> seen;
  for (auto s : kAllNodeStates) {
    const EventKind k = node_event_kind(s);
    EXPECT_NE(k, EventKind::kUnknown) << to_string(s);
    EXPECT_TRUE(seen.insert(k).second) << to_string(s) << " shares its kind";
    EXPECT_EQ(parse_event_kind(to_string(k)), k) << "the stored string reads back";
  }
}

TEST(EventKinds, EveryKindReadsBackFromItsStoredString_UnknownOnesStayReadable) {
  for (int i = 1; i <= static_cast<int>(EventKind::kSlurmClusterRemoved); ++i) {
    const auto k = static_cast<EventKind>(i);
    EXPECT_NE(to_string(k), "UNKNOWN") << i;
    EXPECT_EQ(parse_event_kind(to_string(k)), k) << to_string(k);
  }
  EXPECT_EQ(parse_event_kind("FROM_A_NEWER_COORDINATOR"), EventKind::kUnknown);
}

}  // namespace
}  // namespace bmf::coordinator
