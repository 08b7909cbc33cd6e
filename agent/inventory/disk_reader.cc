// Block devices under /sys/block, without the virtual ones.
#include <array>
#include <charconv>

#include "agent/inventory/readers.h"

namespace bmf::agent {
namespace {

bool is_virtual(const std::string& name) {
  static constexpr std::array<std::string_view, 7> kPrefixes = {"loop", "ram", "zram", "dm-", "sr", "fd", "nbd"};
  for (auto p : kPrefixes) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

std::string transport_of(const std::string& name, const std::string& device_path) {
  if (name.rfind("nvme", 0) == 0) return "nvme";
  if (device_path.find("/virtio") != std::string::npos) return "virtio";
  if (device_path.find("/usb") != std::string::npos) return "usb";
  if (device_path.find("/ata") != std::string::npos) return "sata";
  if (device_path.find("/end_device-") != std::string::npos || device_path.find("/port-") != std::string::npos) {
    return "sas";
  }
  if (device_path.find("/host") != std::string::npos) return "scsi";
  return "unknown";
}

}  // namespace

std::vector<proto::Disk> read_disks(const RootFs& fs) {
  std::vector<proto::Disk> disks;
  for (const auto& name : fs.list("/sys/block")) {
    if (is_virtual(name)) continue;
    const std::string base = "/sys/block/" + name;
    proto::Disk d;
    d.set_name(name);
    std::string sectors = fs.read_line(base + "/size");
    std::uint64_t n = 0;
    std::from_chars(sectors.data(), sectors.data() + sectors.size(), n);
    d.set_size_bytes(n * 512);  // the size file counts 512-byte sectors whatever the logical block size
    d.set_rotational(fs.read_line(base + "/queue/rotational") == "1");
    d.set_model(fs.read_line(base + "/device/model"));
    d.set_serial(fs.read_line(base + "/device/serial"));
    std::string wwn = fs.read_line(base + "/wwid");
    if (wwn.empty()) wwn = fs.read_line(base + "/device/wwid");
    d.set_wwn(wwn);
    d.set_transport(transport_of(name, fs.resolve(base)));
    disks.push_back(std::move(d));
  }
  return disks;
}

}  // namespace bmf::agent
