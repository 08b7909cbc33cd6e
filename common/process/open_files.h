#pragma once
// Servers that hold one connection per agent or BMC need more descriptors than
// the default soft limit: raise it to the hard limit (children inherit it).
#include <sys/resource.h>

namespace bmf {

inline void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace bmf
