#include "coordinator/api/allocation_streams.h"

#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/tenancy_proto.h"

namespace bmf::coordinator {

std::string allocation_event(const AllocationRecord& a) {
  return "event: allocation\ndata: " + to_json(to_proto(a)) + "\n\n";
}

bool allocation_final(const AllocationRecord& a) {
  return a.state == "ready" || a.state == "failed" || a.state == "released";
}

void AllocationStreams::subscribe(const AllocationRecord& now, std::shared_ptr<http::ResponseStream> stream) {
  stream->push(allocation_event(now));
  if (allocation_final(now)) return stream->close();
  by_allocation_[now.id].push_back(stream);
}

void AllocationStreams::publish(const AllocationRecord& a) {
  auto it = by_allocation_.find(a.id);
  if (it == by_allocation_.end()) return;
  const std::string event = allocation_event(a);
  const bool last = allocation_final(a);
  std::erase_if(it->second, [&](const std::weak_ptr<http::ResponseStream>& w) {
    auto s = w.lock();
    if (!s || s->finished()) return true;
    s->push(event);
    if (last) s->close();
    return last;
  });
  if (it->second.empty()) by_allocation_.erase(it);
}

std::size_t AllocationStreams::open_streams() const {
  std::size_t n = 0;
  for (const auto& [id, v] : by_allocation_) n += v.size();
  return n;
}

}  // namespace bmf::coordinator
