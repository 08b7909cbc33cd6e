#pragma once
// One reader per kind of hardware; each takes a RootFs so tests point it at a
// fixture tree. Readers never fail the whole inventory for one odd device: a
// value that cannot be read is reported as unknown ("" / 0 / -1).
#include <vector>

#include "agent/inventory/link_source.h"
#include "agent/inventory/pci_ids.h"
#include "agent/inventory/root_fs.h"
#include "common/proto/inventory.pb.h"

namespace bmf::agent {

proto::SystemInfo read_system(const RootFs& fs);           // system_reader.cc
proto::CpuInfo read_cpu(const RootFs& fs);                 // system_reader.cc
proto::MemoryInfo read_memory(const RootFs& fs);           // system_reader.cc
proto::BmcInfo read_bmc(const RootFs& fs);                 // system_reader.cc
std::vector<proto::Disk> read_disks(const RootFs& fs);     // disk_reader.cc
Result<std::vector<proto::Nic>> read_nics(const RootFs& fs, LinkSource& links);  // nic_reader.cc
std::vector<proto::Gpu> read_gpus(const RootFs& fs, const PciIdTable& ids);      // gpu_reader.cc
std::vector<proto::RdmaDevice> read_rdma(const RootFs& fs);                      // rdma_reader.cc

}  // namespace bmf::agent
