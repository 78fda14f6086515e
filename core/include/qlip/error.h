#pragma once
// Every failure the engine reports is a qlip::Error: a message written for the user that names
// the file (or input) and the problem. Nothing in core aborts or returns silently on bad input.
#include <stdexcept>
#include <string>

namespace qlip {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown when a cancellable job was cancelled; callers show it as "cancelled", not as a failure.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace qlip
