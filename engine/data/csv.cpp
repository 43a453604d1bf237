#include "engine/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

#include "engine/core/errors.h"

namespace strata {

namespace {

/// Splits one record; handles quotes ("a,b", "" inside quotes). Returns false on an open quote.
bool splitRecord(const std::string& line, char delim, std::vector<std::string>& out) {
    out.clear();
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < line.size() && line[i + 1] == '"') {
                    cur += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == delim) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return !quoted;
}

std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" \t");
    if (a == std::string::npos) return {};
    size_t b = s.find_last_not_of(" \t");
    return s.substr(a, b - a + 1);
}

}  // namespace

CsvData readCsv(const std::string& path, const CsvOptions& o) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot open CSV file '" + path + "'");
    CsvData d;
    std::string line;
    std::vector<std::string> fields;
    int64_t lineNo = 0;
    auto where = [&](int64_t ln) { return "'" + path + "' line " + std::to_string(ln); };
    auto readLine = [&]() -> bool {
        if (!std::getline(in, line)) return false;
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
    };

    // Header (or the first row, to count the columns).
    bool haveFirst = false;
    while (readLine()) {
        if (trim(line).empty()) continue;
        haveFirst = true;
        break;
    }
    if (!haveFirst) throw IoError("CSV file '" + path + "' is empty");
    if (!splitRecord(line, o.delimiter, fields)) throw IoError(where(lineNo) + ": unterminated quoted field");
    const size_t ncols = fields.size();
    bool firstIsData = !o.header;
    if (o.header) {
        for (auto& f : fields) d.columns.push_back(trim(f));
    } else {
        for (size_t c = 0; c < ncols; ++c) d.columns.push_back(std::to_string(c));
    }

    auto columnIndex = [&](const std::string& spec) -> size_t {
        auto it = std::find(d.columns.begin(), d.columns.end(), spec);
        if (it != d.columns.end()) return size_t(it - d.columns.begin());
        long long idx = 0;
        auto res = std::from_chars(spec.data(), spec.data() + spec.size(), idx);
        if (res.ec == std::errc() && res.ptr == spec.data() + spec.size()) {
            if (idx < 0) idx += static_cast<long long>(ncols);
            if (idx >= 0 && idx < static_cast<long long>(ncols)) return size_t(idx);
        }
        std::string all;
        for (const auto& c : d.columns) all += (all.empty() ? "" : ", ") + c;
        throw IoError("CSV file '" + path + "' has no column '" + spec + "' (columns: " + all + ")");
    };
    std::vector<size_t> labelIdx, featureIdx;
    for (const auto& s : o.labelColumns) labelIdx.push_back(columnIndex(s));
    if (o.featureColumns.empty()) {
        for (size_t c = 0; c < ncols; ++c)
            if (std::find(labelIdx.begin(), labelIdx.end(), c) == labelIdx.end()) featureIdx.push_back(c);
    } else {
        for (const auto& s : o.featureColumns) featureIdx.push_back(columnIndex(s));
    }
    for (size_t c : featureIdx) d.featureNames.push_back(d.columns[c]);
    for (size_t c : labelIdx) d.labelNames.push_back(d.columns[c]);

    std::vector<float> feats, labs;
    int64_t rows = 0;
    std::vector<float> rowValues(ncols);
    auto parseRow = [&]() {
        if (!splitRecord(line, o.delimiter, fields)) throw IoError(where(lineNo) + ": unterminated quoted field");
        if (fields.size() != ncols)
            throw IoError(where(lineNo) + ": expected " + std::to_string(ncols) + " fields, found " +
                          std::to_string(fields.size()));
        auto parse = [&](size_t c) -> float {
            std::string s = trim(fields[c]);
            if (s.empty()) {
                if (o.emptyAsNaN) return NAN;
                throw IoError(where(lineNo) + ", column '" + d.columns[c] + "': empty value");
            }
            float v = 0;
            const char* b = s.data();
            if (*b == '+') ++b;
            auto res = std::from_chars(b, s.data() + s.size(), v);
            if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
                std::string lower = s;
                for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (lower == "nan") return NAN;
                if (lower == "inf" || lower == "+inf") return INFINITY;
                if (lower == "-inf") return -INFINITY;
                throw IoError(where(lineNo) + ", column '" + d.columns[c] + "': cannot read '" + s + "' as a number");
            }
            return v;
        };
        for (size_t c : featureIdx) feats.push_back(parse(c));
        for (size_t c : labelIdx) labs.push_back(parse(c));
        ++rows;
    };
    if (firstIsData && (o.maxRows < 0 || rows < o.maxRows)) parseRow();
    while ((o.maxRows < 0 || rows < o.maxRows) && readLine()) {
        if (trim(line).empty()) continue;
        parseRow();
    }
    d.features = Tensor({rows, int64_t(featureIdx.size())}, std::move(feats));
    if (!labelIdx.empty()) {
        if (labelIdx.size() == 1) d.labels = Tensor({rows}, std::move(labs));
        else d.labels = Tensor({rows, int64_t(labelIdx.size())}, std::move(labs));
    }
    return d;
}

}  // namespace strata
