#pragma once
// AllocationStreams: the server-sent-events side of GET /api/v1/allocations/{id}/events.
// Each stream first gets the allocation as it is, then one event per change (the whole
// Allocation document, so a client never has to merge), and ends once the allocation is
// ready, failed or released. bmfctl and the web console both follow allocations this way.
//
//   event: allocation
//   data: {"id":"7","state":"running","stage":"assigned","stages":[...]}
#include <map>
#include <memory>
#include <vector>

#include "common/http/http_message.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

class AllocationStreams {
 public:
  // Sends `now` at once; keeps the stream unless `now` is already final.
  void subscribe(const AllocationRecord& now, std::shared_ptr<http::ResponseStream> stream);
  // After every stage change.
  void publish(const AllocationRecord& allocation);
  std::size_t open_streams() const;

 private:
  std::map<std::uint64_t, std::vector<std::weak_ptr<http::ResponseStream>>> by_allocation_;
};

// One SSE event carrying the allocation's JSON.
std::string allocation_event(const AllocationRecord& allocation);
// ready | failed | released: nothing follows.
bool allocation_final(const AllocationRecord& allocation);

}  // namespace bmf::coordinator
