#pragma once
/// Numeric CSV files: a header row (optional), feature and label columns chosen by name or index.
/// Quoted fields ("1,5") and CRLF line ends are accepted. Errors (IoError) name the file, the line
/// and the column.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace strata {

struct CsvOptions {
    bool header = true;
    char delimiter = ',';
    /// Label columns by name (needs a header) or by index ("0", "-1" for the last); empty: none.
    std::vector<std::string> labelColumns;
    /// Feature columns likewise; empty: every column that is not a label.
    std::vector<std::string> featureColumns;
    /// Empty fields become NaN instead of an error.
    bool emptyAsNaN = false;
    int64_t maxRows = -1;
};

struct CsvData {
    std::vector<std::string> columns;        ///< header names (or "0", "1", ... without a header)
    std::vector<std::string> featureNames;
    std::vector<std::string> labelNames;
    Tensor features;  ///< (rows, features)
    Tensor labels;    ///< (rows, labels), or (rows,) for a single label column; empty if none
};

CsvData readCsv(const std::string& path, const CsvOptions& options = {});

}  // namespace strata
