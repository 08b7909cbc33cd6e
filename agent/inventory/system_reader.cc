// System identity (DMI), CPU, memory and BMC address.
#include <algorithm>

#include "agent/inventory/parse.h"
#include "agent/inventory/ipmi_lan.h"
#include "agent/inventory/readers.h"

namespace bmf::agent {
namespace {

std::string dmi(const RootFs& fs, const char* name) {
  // product_serial and product_uuid are root-only: unreadable means unknown here.
  auto v = fs.read(std::string("/sys/class/dmi/id/") + name);
  return v.ok() ? clean_dmi_value(*v) : std::string();
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

proto::SystemInfo read_system(const RootFs& fs) {
  proto::SystemInfo s;
  s.set_vendor(dmi(fs, "sys_vendor"));
  s.set_product(dmi(fs, "product_name"));
  s.set_serial(dmi(fs, "product_serial"));
  std::string uuid = dmi(fs, "product_uuid");
  std::transform(uuid.begin(), uuid.end(), uuid.begin(), [](unsigned char c) { return std::tolower(c); });
  s.set_system_uuid(uuid);
  s.set_bios_vendor(dmi(fs, "bios_vendor"));
  s.set_bios_version(dmi(fs, "bios_version"));
  s.set_bios_date(dmi(fs, "bios_date"));
  s.set_chassis_type(chassis_type_name(fs.read_line("/sys/class/dmi/id/chassis_type")));
  return s;
}

proto::CpuInfo read_cpu(const RootFs& fs) {
  proto::CpuInfo c;
  CpuSummary summary;
  if (auto text = fs.read("/proc/cpuinfo"); text.ok()) summary = parse_cpuinfo(*text);
  c.set_model(summary.model);
  c.set_sockets(summary.sockets);
  c.set_cores(summary.cores);
  auto online = count_cpu_list(fs.read_line("/sys/devices/system/cpu/online"));
  c.set_threads(online.ok() ? *online : summary.logical);
  for (auto& f : summary.flags_of_interest) c.add_flags(f);
  auto nodes = count_cpu_list(fs.read_line("/sys/devices/system/node/online"));
  c.set_numa_nodes(nodes.ok() ? *nodes : 1);
  return c;
}

proto::MemoryInfo read_memory(const RootFs& fs) {
  proto::MemoryInfo m;
  if (auto text = fs.read("/proc/meminfo"); text.ok()) {
    if (auto total = parse_meminfo_total(*text); total.ok()) m.set_total_bytes(*total);
  }
  std::uint64_t installed = 0;
  for (const auto& entry : fs.list("/sys/firmware/dmi/entries")) {
    if (entry.rfind("17-", 0) != 0) continue;
    auto raw = fs.read("/sys/firmware/dmi/entries/" + entry + "/raw");
    if (!raw.ok()) continue;
    auto bytes = bytes_of(*raw);
    auto dev = parse_smbios_memory_device(bytes);
    if (!dev.ok() || dev->size_bytes == 0) continue;  // empty slot or unparseable entry
    auto* d = m.add_devices();
    d->set_locator(dev->locator);
    d->set_size_bytes(dev->size_bytes);
    installed += dev->size_bytes;
  }
  // list() sorts "17-10" before "17-2"; order by locator for a stable, readable list.
  std::sort(m.mutable_devices()->begin(), m.mutable_devices()->end(),
            [](const auto& a, const auto& b) { return a.locator() < b.locator(); });
  m.set_installed_bytes(installed);
  return m;
}

proto::BmcInfo read_bmc(const RootFs& fs) {
  proto::BmcInfo b;
  for (const auto& entry : fs.list("/sys/firmware/dmi/entries")) {
    if (entry.rfind("42-", 0) != 0) continue;
    auto raw = fs.read("/sys/firmware/dmi/entries/" + entry + "/raw");
    if (!raw.ok()) continue;
    auto bytes = bytes_of(*raw);
    auto address = parse_smbios_redfish_address(bytes);
    if (address.ok() && address->has_value()) {
      b.set_address(**address);
      b.set_source("smbios-type42");
      return b;
    }
  }
  // No Redfish host interface: ask the BMC itself over IPMI (only on a live host).
  if (!fs.is_live()) return b;
  auto ipmi = DevIpmiChannel::open();
  if (!ipmi.ok()) return b;  // no BMC visible to the OS: unknown
  auto lan = read_bmc_lan(**ipmi);
  if (lan.ok() && lan->has_value()) {
    b.set_address((*lan)->address);
    b.set_mac((*lan)->mac);
    b.set_source("ipmi");
  }
  return b;
}

}  // namespace bmf::agent
