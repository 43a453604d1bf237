#include "engine/core/shape.h"

namespace strata {

bool Shape::fullyDefined() const {
    for (auto d : dims_)
        if (d == kNone) return false;
    return true;
}

int64_t Shape::elements(int from) const {
    int64_t n = 1;
    for (int i = from; i < rank(); ++i) {
        if (dims_[i] == kNone) return kNone;
        n *= dims_[i];
    }
    return n;
}

Shape Shape::withoutBatch() const {
    if (dims_.empty()) return {};
    return Shape(std::vector<int64_t>(dims_.begin() + 1, dims_.end()));
}

Shape Shape::withBatch(const std::vector<int64_t>& dims, int64_t batch) {
    std::vector<int64_t> d;
    d.reserve(dims.size() + 1);
    d.push_back(batch);
    d.insert(d.end(), dims.begin(), dims.end());
    return Shape(std::move(d));
}

std::string dimToString(int64_t d) { return d == kNone ? "None" : std::to_string(d); }

std::string Shape::toString() const {
    std::string s = "(";
    for (int i = 0; i < rank(); ++i) {
        if (i) s += ", ";
        s += dimToString(dims_[i]);
    }
    if (rank() == 1) s += ",";
    return s + ")";
}

}  // namespace strata
