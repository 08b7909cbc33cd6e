#pragma once
// Disk wiping for the "wipe" command (a released node, booted into the discovery
// image, erases what its tenant left). Per device:
//   discard: BLKDISCARD over the whole device, then verified; a device that does not
//            discard, or reads back non-zero after it, is zeroed instead;
//   zero:    BLKZEROOUT (the kernel offloads WRITE ZEROES where it can), or writes;
// and verified: sampled reads (first and last MiB and 16 spread through it) must be zero.
// The device is opened O_EXCL, so a mounted or otherwise claimed device is refused by
// the kernel itself. Blocking: runs on the agent's worker thread, never its io thread.
#include <cstdint>
#include <string>
#include <vector>

#include "common/proto/agent.pb.h"
#include "common/status/status.h"

namespace bmf::agent {

enum class WipeMode { kDiscard, kZero };

struct WipeRequest {
  WipeMode mode = WipeMode::kDiscard;
  std::vector<std::string> devices;  // /dev/... block devices
};

struct DeviceWipe {
  std::string device;
  std::uint64_t bytes = 0;
  std::string method;  // "discard" | "zeroout" | "write" | "discard+zeroout"
  bool verified = false;
  std::int64_t elapsed_ms = 0;
};

// Checks the command payload (a serialized proto::WipeCommand).
Result<WipeRequest> parse_wipe_request(const std::string& payload);
Result<WipeRequest> parse_wipe_request(const proto::WipeCommand& command);

// Wipes one block device; an error names the device and what failed.
Result<DeviceWipe> wipe_device(const std::string& device, WipeMode mode);

// Every device of the request; stops at the first failure. The JSON report lists each device.
struct WipeReport {
  Status status;
  std::vector<DeviceWipe> devices;
  proto::WipeReport to_proto() const;
  std::string summary() const;  // "2 device(s), 2.0 GiB, verified zero in 812 ms"
};
WipeReport wipe(const WipeRequest& request);

}  // namespace bmf::agent
