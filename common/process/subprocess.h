#pragma once
// Running a program and reading what it printed, with a time limit: for the agent's
// handovers (munged, slurmd, scontrol). posix_spawn, no shell: arguments are never
// re-parsed. Blocking: call it on a worker thread.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace bmf::process {

struct Output {
  int exit_code = -1;       // -1 when killed (signal or time limit)
  std::string text;         // stdout and stderr, interleaved, at most 64 KiB
};

// Runs argv[0] (searched in PATH when it has no '/'); kills it after `limit`.
// UNAVAILABLE when it cannot be started; its failure is the caller's to judge.
Result<Output> run(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                   const std::vector<std::string>& extra_env = {});

// Starts a long-running child with stdout/stderr to `log_file` (appended); returns its pid.
Result<pid_t> start(const std::vector<std::string>& argv, const std::string& log_file,
                    const std::vector<std::string>& extra_env = {});

// TERM, then KILL after `grace`; reaps it. True when it was running.
bool stop(pid_t pid, std::chrono::milliseconds grace);

// Whether the child is still running (reaps it when it has exited).
bool running(pid_t pid);

}  // namespace bmf::process
