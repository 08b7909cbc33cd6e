#include "coordinator/allocation/hardware_class.h"

#include <fmt/core.h>

#include <algorithm>

#include "coordinator/tenancy/tenancy_service.h"

namespace bmf::coordinator {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

bool matches(const HardwareClass& hc, const proto::Inventory& inv) {
  std::uint32_t gpus = 0;
  for (const auto& g : inv.gpus()) {
    if (hc.gpu_model.empty() || lower(g.name()).find(lower(hc.gpu_model)) != std::string::npos) ++gpus;
  }
  if (gpus < hc.min_gpus) return false;
  if (!hc.gpu_model.empty() && gpus == 0) return false;
  if (hc.rdma && inv.rdma_size() == 0) return false;
  const std::uint64_t memory = inv.memory().installed_bytes() ? inv.memory().installed_bytes() : inv.memory().total_bytes();
  if (memory < static_cast<std::uint64_t>(hc.min_memory_gib) << 30) return false;
  if (inv.cpu().threads() < hc.min_cpus) return false;
  return true;
}

std::vector<std::string> classes_of(const std::vector<HardwareClass>& classes, const proto::Inventory& inv) {
  std::vector<std::string> out;
  for (const auto& hc : classes) {
    if (matches(hc, inv)) out.push_back(hc.name);
  }
  return out;
}

Status validate_class(const HardwareClass& hc) {
  BMF_RETURN_IF_ERROR(validate_name("class", hc.name));
  if (hc.min_gpus > 64) return invalid_argument(fmt::format("--gpus {} is more than any node has (at most 64)", hc.min_gpus));
  if (hc.gpu_model.size() > 64) return invalid_argument("--gpu-model is at most 64 characters");
  if (hc.min_memory_gib > 64 * 1024) return invalid_argument("--min-memory-gib is at most 65536");
  if (hc.min_cpus > 4096) return invalid_argument("--min-cpus is at most 4096");
  return ok_status();
}

}  // namespace bmf::coordinator
