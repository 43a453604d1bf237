#pragma once
/// Data sources of the Data dock: where training and test arrays come from (the built-in
/// Fashion-MNIST, any IDX image/label pair, NumPy .npy/.npz files, a CSV file with a label column,
/// a folder of images with one sub-folder per class),
/// as a plain description (DataSourceSpec, saved in the project) and the arrays it loads (Dataset).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/json.h"
#include "engine/core/tensor.h"

namespace strata::studio {

struct DataSourceSpec {
    enum class Kind { FashionMnist, Idx, Npy, Npz, Csv, ImageFolder };
    Kind kind = Kind::FashionMnist;

    /// FashionMnist: the folder (empty: the engine's default, /usr/share/datasets/fashion-mnist).
    /// Idx: trainImages/trainLabels and optionally testImages/testLabels.
    /// Npy: trainImages = x file, trainLabels = y file, test* optional.
    std::string dir;
    std::string trainImages, trainLabels, testImages, testLabels;
    /// Npz / Csv: the file.
    std::string path;
    /// Npz: array names inside the archive.
    std::string xTrainKey = "x_train", yTrainKey = "y_train", xTestKey = "x_test", yTestKey = "y_test";
    /// ImageFolder: `dir` holds one sub-folder per class (sorted names = class ids); images are
    /// decoded with Qt's readers and resized to imageHeight x imageWidth, grey or RGB.
    int imageWidth = 28, imageHeight = 28;
    bool imageRgb = false;
    /// Csv: the label column (name or index, "-1" = last); features are the other columns.
    std::string labelColumn = "-1";
    /// Csv (and any source without test arrays): the last fraction of the rows held out as test data.
    double testFraction = 0.0;
    /// Read only the first samples (-1: all).
    int64_t maxTrain = -1, maxTest = -1;
    /// Divide features by 255 when they look like 8-bit pixels (max > 1), giving [0, 1].
    bool scaleTo01 = true;

    bool operator==(const DataSourceSpec&) const = default;

    Json toJson() const;
    static DataSourceSpec fromJson(const Json& json);
    /// "Fashion-MNIST", "IDX train-images.idx3-ubyte", "CSV iris.csv (label: species)".
    std::string describe() const;
};

std::string kindName(DataSourceSpec::Kind kind);                   ///< "fashion_mnist", "idx", ...
DataSourceSpec::Kind parseKind(const std::string& name);            ///< throws ConfigError

/// Arrays loaded from a source. Features keep the source's per-sample shape ((n, 28, 28) for
/// images); DataMapping reshapes them for the model.
struct Dataset {
    std::string name;  ///< describe() of the source
    Tensor xTrain, yTrain, xTest, yTest;
    std::vector<std::string> classNames;  ///< for classification labels (may be empty)
    std::vector<std::string> featureNames;  ///< CSV columns
    /// Per-sample dims are an image (h, w) or (h, w, c): the preview draws them.
    bool images = false;
    bool scaled = false;  ///< features were divided by 255

    int64_t trainCount() const { return xTrain.rank() ? xTrain.dim(0) : 0; }
    int64_t testCount() const { return xTest.rank() ? xTest.dim(0) : 0; }
    bool hasTest() const { return testCount() > 0; }
    /// Per-sample shape of the features ("(28, 28)").
    std::vector<int64_t> sampleShape() const;
};

/// Loads the arrays. Throws strata::Error (IoError, ValueError) naming the file and what is wrong
/// (a missing file, a label count that differs from the image count, ...).
Dataset loadDataset(const DataSourceSpec& spec);

/// The first `n` samples of `x`/`y` (rows), for previews and quick runs.
Dataset firstSamples(const Dataset& data, int64_t trainCount, int64_t testCount = -1);

}  // namespace strata::studio
