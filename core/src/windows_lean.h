#pragma once
// <windows.h> without the parts that break portable code: no min/max macros (std::min, numeric
// limits) and no rarely used APIs (winsock 1 clashes). Include this instead of <windows.h>.
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif
