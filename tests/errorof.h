#pragma once
// The message of the qlip::Error that `fn` throws, or "" when it does not throw: for tests that
// check what a refusal says.
#include "qlip/error.h"

#include <string>

template <class Fn>
std::string errorOf(Fn&& fn) {
    try {
        fn();
    } catch (const qlip::Error& e) {
        return e.what();
    }
    return "";
}
