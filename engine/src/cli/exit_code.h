// Exit codes of the edgeroute tool, shared by every subcommand so that scripts can
// tell "the input is bad" from "the command line is bad".
#pragma once

namespace edgeroute::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and found a problem
inline constexpr int kExitUsage = 2;    // the command line itself is wrong

}  // namespace edgeroute::cli
