# Libraries the portable bundle does NOT carry, as regular expressions on their file names
# (sonames). Everything else the programs and the Qt plugins load is copied into lib/.
#
# The rule: a library is left to the system when every Linux that can run the bundle has it, or
# when it must match the system rather than our build:
#  1. The C library and the dynamic loader (glibc: libc, libm, ld-linux, libpthread, libdl, librt,
#     ...): they are the system's ABI; a copied glibc does not work with the system's loader.
#  2. The compiler runtime, libstdc++ and libgcc_s: the system's graphics drivers (Mesa's
#     llvmpipe is built with the newest GCC of the distribution) load into our process and need
#     the system's, newer libstdc++; a copy from Debian 12 (GCC 12) would shadow it and make the
#     driver fail. Any system with glibc 2.36 (which the bundle needs anyway) has GCC 12's or newer.
#  3. OpenGL, GLX, EGL, GBM and DRM: they belong to the graphics driver of the machine.
#  4. The X11 client core (libX11, libxcb, libXau, libXdmcp, libXext, libXrender): present wherever
#     there is an X server or XWayland, and tied to it. The xcb utility and extension libraries
#     Qt needs (xcb-icccm, xcb-image, xkbcommon, ...) are NOT in this list: they are often missing.
#  5. fontconfig and FreeType: they read the system's font configuration, whose format follows the
#     system's version, so they must be the system's.
#  6. What a Debian "minbase" system (the smallest installable system, see packaging/README.md)
#     already contains, because every distribution has it and a copy would only shadow the
#     system's version for the system's own libraries loaded into our process (Mesa loads zstd,
#     zlib, expat, libffi...): zlib, zstd, lzma, bz2, lz4, libffi, libselinux, pcre2, libcap, acl,
#     attr, systemd and udev, gcrypt and gpg-error, GnuTLS and its nettle/hogweed/gmp/tasn1/
#     p11-kit/idn2/unistring, libcrypt, tinfo, uuid, blkid, mount, audit, seccomp, xxhash, libmd,
#     plus expat (fontconfig's parser).
# This is the same idea as the exclude lists of AppImage tooling, written down for this program.
set(QLIPX_BUNDLE_EXCLUDES
  # 1. glibc and the loader
  "^ld-linux" "^libc\\.so" "^libm\\.so" "^libmvec\\.so" "^libdl\\.so" "^libpthread\\.so" "^librt\\.so"
  "^libresolv\\.so" "^libutil\\.so" "^libanl\\.so" "^libnsl\\.so" "^libBrokenLocale\\.so" "^libthread_db\\.so"
  "^libnss_"
  # 2. compiler runtime
  "^libstdc\\+\\+\\.so" "^libgcc_s\\.so"
  # 3. graphics driver
  "^libGL\\.so" "^libGLX" "^libEGL\\.so" "^libGLdispatch\\.so" "^libOpenGL\\.so" "^libGLESv[12]" "^libgbm\\.so"
  "^libdrm\\.so" "^libdrm_"
  # 4. X11 client core
  "^libX11\\.so" "^libX11-xcb\\.so" "^libxcb\\.so" "^libXau\\.so" "^libXdmcp\\.so" "^libXext\\.so" "^libXrender\\.so"
  # 5. fonts
  "^libfontconfig\\.so" "^libfreetype\\.so" "^libexpat\\.so"
  # 6. base system
  "^libz\\.so" "^libzstd\\.so" "^liblzma\\.so" "^libbz2\\.so" "^liblz4\\.so" "^libffi\\.so" "^libselinux\\.so"
  "^libpcre2-8\\.so" "^libcap\\.so" "^libcap-ng\\.so" "^libacl\\.so" "^libattr\\.so" "^libsystemd\\.so" "^libudev\\.so"
  "^libgcrypt\\.so" "^libgpg-error\\.so" "^libgnutls\\.so" "^libnettle\\.so" "^libhogweed\\.so" "^libgmp\\.so"
  "^libtasn1\\.so" "^libp11-kit\\.so" "^libidn2\\.so" "^libunistring\\.so" "^libcrypt\\.so" "^libtinfo\\.so"
  "^libuuid\\.so" "^libblkid\\.so" "^libmount\\.so" "^libaudit\\.so" "^libseccomp\\.so" "^libxxhash\\.so" "^libmd\\.so"
)
