#pragma once
/// Typed errors of the engine. Every message names what it is about (a layer, a file, a config key),
/// what was expected and what came, so the CLI can print it on one line and the Studio can show it
/// next to the node it concerns.
#include <stdexcept>
#include <string>

namespace strata {

/// Base of every error the engine throws on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A tensor shape that does not fit (wrong rank, mismatched dims, a Reshape that changes the size).
class ShapeError : public Error {
public:
    using Error::Error;
};

/// A layer or model config that is malformed: unknown key, wrong type, value out of range.
class ConfigError : public Error {
public:
    using Error::Error;
};

/// A graph that cannot be a model: cycles, disconnected outputs, duplicate names.
class GraphError : public Error {
public:
    using Error::Error;
};

/// A value that is wrong for reasons other than its shape (an unknown activation, a bad argument).
class ValueError : public Error {
public:
    using Error::Error;
};

/// Reading or writing a file failed; the message names the file.
class IoError : public Error {
public:
    using Error::Error;
};

/// A layer class (or setting) that Strata does not implement.
class NotSupportedError : public Error {
public:
    using Error::Error;
};

}  // namespace strata
