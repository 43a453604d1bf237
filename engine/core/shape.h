#pragma once
/// Symbolic shapes: dims including the batch dim, with kNone (-1) for unknown sizes, like Keras's
/// `(None, 28, 28, 1)`.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace strata {

constexpr int64_t kNone = -1;

class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
    explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

    int rank() const { return static_cast<int>(dims_.size()); }
    /// Dim i; negative i counts from the end like Python.
    int64_t operator[](int i) const { return dims_.at(i < 0 ? i + rank() : i); }
    int64_t& operator[](int i) { return dims_.at(i < 0 ? i + rank() : i); }
    const std::vector<int64_t>& dims() const { return dims_; }
    std::vector<int64_t>& dims() { return dims_; }
    bool operator==(const Shape& o) const { return dims_ == o.dims_; }
    bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

    /// True if every dim is known.
    bool fullyDefined() const;
    /// Product of known dims from `from` to the end; kNone if any of them is unknown.
    int64_t elements(int from = 0) const;
    /// The shape without its first (batch) dim.
    Shape withoutBatch() const;
    /// `(None,) + dims`.
    static Shape withBatch(const std::vector<int64_t>& dims, int64_t batch = kNone);

    /// Python tuple text as Keras prints it: `(None, 64)`, `(None,)`, `()`.
    std::string toString() const;

private:
    std::vector<int64_t> dims_;
};

/// Two dims agree if equal or if either is unknown.
inline bool dimsCompatible(int64_t a, int64_t b) { return a == kNone || b == kNone || a == b; }

std::string dimToString(int64_t d);

}  // namespace strata
