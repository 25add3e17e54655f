# Target: 64-bit ARM Linux (Debian arm64), built with Debian's cross compiler
# against the arm64 multiarch libraries (scripts/setup.sh installs both).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Host programs (flatc, qemu) from the host; libraries and packages only for the target.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_SYSTEM_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")

# Test binaries run under user-mode emulation with the target's multiarch loader and
# libraries (libc6:arm64, libstdc++6:arm64). No "-L /usr/<triplet>": that mixes the
# cross-compiler's private glibc loader with the multiarch libc, and a glibc whose
# loader and libc differ corrupts its thread bookkeeping (pthread_create loops forever).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
