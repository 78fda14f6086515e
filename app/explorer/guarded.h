#pragma once
// The engine thread's rule: nothing thrown by the engine escapes a slot. guarded() runs a piece
// of engine work and turns whatever it throws into a message for the user.
#include "qlip/error.h"

#include <QString>

#include <exception>
#include <new>
#include <optional>

namespace qlipx {

template <typename Work>
std::optional<QString> guarded(Work&& work) {
    try {
        work();
        return std::nullopt;
    } catch (const qlip::Error& e) {
        return QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
        return QStringLiteral("out of memory");
    } catch (const std::exception& e) {
        return QStringLiteral("internal error: ") + QString::fromStdString(e.what());
    } catch (...) {
        return QStringLiteral("internal error (unknown exception)");
    }
}

} // namespace qlipx
