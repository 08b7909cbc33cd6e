#include "agent/wipe/disk_wipe.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace bmf::agent {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

std::string err(const std::string& device, const std::string& what) {
  return fmt::format("{}: {}: {}", device, what, std::strerror(errno));
}

// Sampled read-back: the first and last MiB and 16 evenly spread MiB-sized windows.
Result<bool> reads_zero(int fd, const std::string& device, std::uint64_t size) {
  std::vector<std::uint64_t> offsets{0, size > kMiB ? size - kMiB : 0};
  for (int i = 1; i <= 16; ++i) offsets.push_back((size / 17) * i / 4096 * 4096);
  std::vector<char> buf(kMiB);
  for (std::uint64_t off : offsets) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kMiB, size - std::min(size, off)));
    if (n == 0) continue;
    ssize_t got = ::pread(fd, buf.data(), n, static_cast<off_t>(off));
    if (got != static_cast<ssize_t>(n)) return unavailable(err(device, fmt::format("read back at {}", off)));
    if (std::any_of(buf.begin(), buf.begin() + got, [](char c) { return c != 0; })) return false;
  }
  return true;
}

Status zero_out(int fd, const std::string& device, std::uint64_t size, std::string& method) {
  std::uint64_t range[2] = {0, size};
  if (::ioctl(fd, BLKZEROOUT, &range) == 0) {
    method = method.empty() ? "zeroout" : method + "+zeroout";
    return ok_status();
  }
  // No BLKZEROOUT: write zeroes ourselves.
  std::vector<char> zeros(4 * kMiB, 0);
  for (std::uint64_t off = 0; off < size;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), size - off));
    ssize_t put = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(off));
    if (put <= 0) return unavailable(err(device, fmt::format("write at {}", off)));
    off += static_cast<std::uint64_t>(put);
  }
  if (::fsync(fd) != 0) return unavailable(err(device, "fsync"));
  method = method.empty() ? "write" : method + "+write";
  return ok_status();
}

}  // namespace

Result<WipeRequest> parse_wipe_request(const std::string& payload) {
  proto::WipeCommand command;
  if (!command.ParseFromString(payload)) return invalid_argument("wipe: the payload is not a WipeCommand");
  return parse_wipe_request(command);
}

Result<WipeRequest> parse_wipe_request(const proto::WipeCommand& command) {
  WipeRequest r;
  if (command.mode() == "discard" || command.mode().empty()) r.mode = WipeMode::kDiscard;
  else if (command.mode() == "zero") r.mode = WipeMode::kZero;
  else return invalid_argument(fmt::format("wipe: mode must be discard or zero, got '{}'", command.mode()));
  if (command.devices().empty()) return invalid_argument("wipe: no devices named");
  for (const auto& path : command.devices()) {
    if (path.rfind("/dev/", 0) != 0 || path.find("..") != std::string::npos) {
      return invalid_argument(fmt::format("wipe: '{}' is not a /dev path", path));
    }
    r.devices.push_back(path);
  }
  return r;
}

Result<DeviceWipe> wipe_device(const std::string& device, WipeMode mode) {
  const auto t0 = std::chrono::steady_clock::now();
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0) return not_found(err(device, "stat"));
  if (!S_ISBLK(st.st_mode)) return invalid_argument(fmt::format("{}: not a block device", device));
  // O_EXCL on a block device: the kernel refuses it while mounted or claimed (RAID, LVM, swap).
  const int fd = ::open(device.c_str(), O_RDWR | O_EXCL | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EBUSY) return failed_precondition(fmt::format("{}: in use (mounted or claimed); not wiped", device));
    return unavailable(err(device, "open"));
  }
  DeviceWipe out{.device = device};
  Status status = ok_status();
  do {
    if (::ioctl(fd, BLKGETSIZE64, &out.bytes) != 0) {
      status = unavailable(err(device, "size"));
      break;
    }
    if (mode == WipeMode::kDiscard) {
      std::uint64_t range[2] = {0, out.bytes};
      if (::ioctl(fd, BLKDISCARD, &range) == 0) {
        out.method = "discard";
        auto zero = reads_zero(fd, device, out.bytes);
        if (!zero.ok()) {
          status = zero.status();
          break;
        }
        if (*zero) {
          out.verified = true;
          break;
        }
        // Discarded blocks that do not read back as zeroes: zero them.
      }
    }
    if (status = zero_out(fd, device, out.bytes, out.method); !status.ok()) break;
    auto zero = reads_zero(fd, device, out.bytes);
    if (!zero.ok()) {
      status = zero.status();
      break;
    }
    if (!*zero) {
      status = data_loss(fmt::format("{}: still reads non-zero after {}", device, out.method));
      break;
    }
    out.verified = true;
  } while (false);
  ::close(fd);
  if (!status.ok()) return status;
  out.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

WipeReport wipe(const WipeRequest& request) {
  WipeReport report;
  for (const auto& device : request.devices) {
    auto done = wipe_device(device, request.mode);
    if (!done.ok()) {
      report.status = done.status();
      return report;
    }
    report.devices.push_back(*done);
  }
  return report;
}

proto::WipeReport WipeReport::to_proto() const {
  proto::WipeReport out;
  for (const auto& d : devices) {
    auto* p = out.add_devices();
    p->set_device(d.device);
    p->set_bytes(d.bytes);
    p->set_method(d.method);
    p->set_verified(d.verified);
    p->set_elapsed_ms(d.elapsed_ms);
  }
  if (!status.ok()) out.set_error(status.to_string());
  return out;
}

std::string WipeReport::summary() const {
  std::uint64_t bytes = 0;
  std::int64_t ms = 0;
  for (const auto& d : devices) {
    bytes += d.bytes;
    ms += d.elapsed_ms;
  }
  std::string head = fmt::format("{} device(s), {:.1f} GiB, verified zero in {} ms", devices.size(),
                                 static_cast<double>(bytes) / (1ull << 30), ms);
  return status.ok() ? head : fmt::format("{} before: {}", head, status.to_string());
}

}  // namespace bmf::agent
