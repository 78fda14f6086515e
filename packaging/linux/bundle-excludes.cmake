# Libraries the portable bundle does NOT carry, as regular expressions on their file names
# (sonames). Everything else the programs and the Qt plugins load is copied into lib/, the X11,
# OpenGL (libglvnd), fontconfig, GnuTLS and multimedia libraries included: Debian's LibTorch links
# OpenCV's GUI module (Qt 5, X11, GL) and FFmpeg, so even the headless qlipx cannot start without
# them, and a bundle must run on a machine without a desktop.
#
# Left to the system, because they must be the system's or every Linux has them:
#  1. The C library and the dynamic loader (glibc: libc, libm, ld-linux, libpthread, libdl, librt,
#     ...): they are the system's ABI; a copied glibc does not work with the system's loader.
#  2. The compiler runtime, libstdc++ and libgcc_s: the system's graphics driver (Mesa's llvmpipe
#     is built with the distribution's newest GCC) loads into our process and needs the system's,
#     newer libstdc++; a copy from Debian 12 (GCC 12) would shadow it and the driver would fail.
#     A system with the glibc the bundle needs (2.34 or newer) has GCC 12's libstdc++ or newer.
#  3. The base every distribution installs: the libraries in BOTH Debian 12's and Debian 13's
#     smallest installable system (debootstrap --variant=minbase; packaging/README.md has the
#     lists): zlib, zstd, lzma, bz2, lz4, pcre2, selinux, systemd, udev, cap, acl, attr, audit,
#     blkid, mount, uuid, crypt, tinfo, seccomp, xxhash, libmd, gmp, nettle/hogweed. A copy would
#     only shadow the system's version for the system's own libraries in our process (the graphics
#     driver loads zlib, zstd, ...).
#  4. The graphics driver itself (Mesa's or a vendor's libGLX_*/libEGL_*, gallium, DRI): never
#     linked by the programs; libglvnd's dispatchers (libGL, libGLX, libEGL, libOpenGL) are bundled
#     and find the system's driver.
# This is the idea of the exclude lists of AppImage tooling, worked out for this program; the
# bundle test (packaging/test-bundle.sh) checks it on Debian 13, whose Mesa is much newer.
set(QLIPX_BUNDLE_EXCLUDES
  # 1. glibc and the loader
  "^ld-linux" "^libc\\.so" "^libm\\.so" "^libmvec\\.so" "^libdl\\.so" "^libpthread\\.so" "^librt\\.so"
  "^libresolv\\.so" "^libutil\\.so" "^libanl\\.so" "^libnsl\\.so" "^libBrokenLocale\\.so" "^libthread_db\\.so"
  "^libnss_"
  # 2. compiler runtime
  "^libstdc\\+\\+\\.so" "^libgcc_s\\.so"
  # 3. base system (in both minbase roots)
  "^libz\\.so" "^libzstd\\.so" "^liblzma\\.so" "^libbz2\\.so" "^liblz4\\.so" "^libpcre2-8\\.so" "^libselinux\\.so"
  "^libsystemd\\.so" "^libudev\\.so" "^libcap\\.so" "^libcap-ng\\.so" "^libacl\\.so" "^libattr\\.so" "^libaudit\\.so"
  "^libblkid\\.so" "^libmount\\.so" "^libuuid\\.so" "^libcrypt\\.so" "^libtinfo\\.so" "^libseccomp\\.so"
  "^libxxhash\\.so" "^libmd\\.so" "^libgmp\\.so" "^libnettle\\.so" "^libhogweed\\.so"
  # 4. graphics driver
  "^libGLX_" "^libEGL_" "^libgallium" "^libvulkan_"
)
