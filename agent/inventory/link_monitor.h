#pragma once
// LinkMonitor: an rtnetlink socket subscribed to link notifications
// (RTMGRP_LINK), so the agent re-reports its inventory when a NIC goes up or
// down. Non-blocking; the caller polls fd() (the agent's Asio loop does).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace bmf::agent {

struct LinkEvent {
  std::string name;
  bool removed = false;
  bool up = false;  // IFF_UP and IFF_RUNNING (operationally up)
};

// Decodes a buffer of netlink messages; ignores anything that is not a link message.
std::vector<LinkEvent> parse_link_events(std::span<const std::uint8_t> buffer);

class LinkMonitor {
 public:
  static Result<LinkMonitor> open();
  LinkMonitor(LinkMonitor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  LinkMonitor& operator=(LinkMonitor&&) = delete;
  ~LinkMonitor();

  int fd() const { return fd_; }
  // Everything queued on the socket right now, decoded.
  std::vector<LinkEvent> drain();

 private:
  explicit LinkMonitor(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace bmf::agent
