#pragma once
// When an agent asks its coordinator for a HeartbeatAck, and when it gives the coordinator up.
//
// Every heartbeat tells the coordinator the node is alive; the ack only tells the agent the
// coordinator is. One ack every few heartbeats is enough for that, and at site scale (19,000
// agents) each ack not sent spares the coordinator an encrypted write and a wake-up of the
// agent. The coordinator chooses how many heartbeats go per ack (RegisterReply.heartbeats_per_ack);
// the agent marks a heartbeat `quiet` (no ack wanted) while it heard from the coordinator less than
// (N - 1/2) intervals ago, so with N = 3 it asks on every third beat. Anything the coordinator sends
// (an ack, a command) counts as hearing from it. The agent gives up after N + 2 intervals of silence
// (at least 4, as before sparse acks): the asked-for ack, then two more asks, had their chance.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace bmf::agent {

struct HeartbeatPolicy {
  std::chrono::milliseconds interval{5000};
  std::uint32_t heartbeats_per_ack = 1;  // 0 or 1: ask on every heartbeat

  std::uint32_t per_ack() const { return std::max<std::uint32_t>(heartbeats_per_ack, 1); }
  // `silence`: time since the agent last heard anything from the coordinator.
  bool wants_ack(std::chrono::milliseconds silence) const {
    return per_ack() == 1 || silence * 2 >= interval * (2 * per_ack() - 1);
  }
  std::chrono::milliseconds silence_limit() const { return interval * std::max<std::uint32_t>(4, per_ack() + 2); }
};

}  // namespace bmf::agent
