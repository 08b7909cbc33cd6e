// bmf-bmc-proxy: the tenant-safe Redfish proxy. Its implementation lands with
// its own issue (docs/architecture.md); until then the binary builds and says so.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  const bool help = argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
  std::fprintf(help ? stdout : stderr,
               "usage: bmf-bmc-proxy [--help]\n"
               "The Redfish proxy (tenant credentials, per-lease access, southbound Redfish over libcurl)\n"
               "is not implemented in this build yet.\n");
  return help ? 0 : 2;
}
