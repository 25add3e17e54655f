# cmake -P script behind the edgeroute CLI tests: runs a command and checks its exit
# code and, optionally, regular expressions on its stdout and stderr. ctest alone can
# check either the exit code or the output of a test, not both.
#
#   -DCOMMAND=<program|arg|...>   the command, '|'-separated (it may start with the
#                                 cross-compiling emulator)
#   -DEXPECTED_EXIT=<n>
#   -DEXPECTED_STDOUT=<regex>     optional
#   -DEXPECTED_STDERR=<regex>     optional
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command}
  RESULT_VARIABLE exit_code
  OUTPUT_VARIABLE stdout
  ERROR_VARIABLE stderr)

set(report "command: ${command}\nexit code: ${exit_code}\nstdout:\n${stdout}\nstderr:\n${stderr}")
if(NOT exit_code STREQUAL "${EXPECTED_EXIT}")
  message(FATAL_ERROR "expected exit code ${EXPECTED_EXIT}\n${report}")
endif()
if(NOT "${EXPECTED_STDOUT}" STREQUAL "" AND NOT stdout MATCHES "${EXPECTED_STDOUT}")
  message(FATAL_ERROR "stdout does not match '${EXPECTED_STDOUT}'\n${report}")
endif()
if(NOT "${EXPECTED_STDERR}" STREQUAL "" AND NOT stderr MATCHES "${EXPECTED_STDERR}")
  message(FATAL_ERROR "stderr does not match '${EXPECTED_STDERR}'\n${report}")
endif()
