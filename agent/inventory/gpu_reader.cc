// GPUs and accelerators: PCI display (0x03) and processing-accelerator (0x12)
// class devices from accelerator vendors. A BMC's VGA chip is display class
// too, which is why the vendor table decides.
#include <charconv>

#include "agent/inventory/readers.h"

namespace bmf::agent {
namespace {

std::string hex_id(std::string text) {  // "0x10de" -> "10de"
  if (text.rfind("0x", 0) == 0) text = text.substr(2);
  return text;
}

}  // namespace

std::vector<proto::Gpu> read_gpus(const RootFs& fs, const PciIdTable& ids) {
  std::vector<proto::Gpu> gpus;
  for (const auto& addr : fs.list("/sys/bus/pci/devices")) {
    const std::string base = "/sys/bus/pci/devices/" + addr;
    std::string cls = hex_id(fs.read_line(base + "/class"));  // "030200"
    if (cls.size() < 4 || !(cls.rfind("03", 0) == 0 || cls.rfind("12", 0) == 0)) continue;
    std::string vendor = hex_id(fs.read_line(base + "/vendor"));
    std::string device = hex_id(fs.read_line(base + "/device"));
    auto name = ids.lookup(vendor, device);
    if (!name) continue;
    proto::Gpu g;
    g.set_pci_address(addr);
    g.set_vendor_id(vendor);
    g.set_device_id(device);
    g.set_vendor(name->vendor);
    g.set_name(name->device);
    g.set_pci_class(cls.substr(0, 4));
    std::string numa = fs.read_line(base + "/numa_node");
    int node = -1;
    std::from_chars(numa.data(), numa.data() + numa.size(), node);
    g.set_numa_node(node);
    gpus.push_back(std::move(g));
  }
  return gpus;
}

}  // namespace bmf::agent
