# Target: 32-bit ARM Linux, hard-float ABI (Debian armhf), built with Debian's cross
# compiler against the armhf multiarch libraries
# (EDGEROUTE_CROSS="arm64 armhf" scripts/setup.sh installs both).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)

set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_SYSTEM_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig")

# Test binaries run under user-mode emulation with the target's multiarch loader and
# libraries (libc6:armhf, libstdc++6:armhf). No "-L /usr/<triplet>": that mixes the
# cross-compiler's private glibc loader with the multiarch libc, and a glibc whose
# loader and libc differ corrupts its thread bookkeeping (pthread_create loops forever).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
