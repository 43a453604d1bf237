#pragma once
/// `--data` of train and evaluate, `--input` of predict: where arrays come from and how they are
/// fitted to the model's inputs.
///
///   fashion_mnist               the built-in dataset (train: 60,000 images; test: 10,000), pixels / 255
///   X.npy,Y.npy                 inputs and targets; several inputs or targets joined with '+'
///                               (a.npy+b.npy,y.npy), in the model's input/output order
///   DATA.npz                    arrays x and y, or x_train/y_train and x_test/y_test by split
///   FILE.csv:label=COL          features are the other columns; label=a;b for several label
///                               columns, features=c;d to choose the features, noheader
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/graph/model.h"

namespace strata::cli {

enum class Split { Train, Test };

struct Dataset {
    std::vector<Tensor> x;  ///< inputs, in model input order
    std::vector<Tensor> y;  ///< targets, in model output order (empty for predict inputs)
    std::string source;     ///< "fashion_mnist (train)", "x.npy" ... for messages
    int64_t samples() const { return x.empty() ? 0 : (x[0].rank() ? x[0].dim(0) : 0); }
};

/// Reads `spec`. `maxSamples` >= 0 keeps only the first samples. Errors name the file.
Dataset loadDataset(const std::string& spec, Split split, int64_t maxSamples = -1);

/// predict's `--input` files (.npy each, or fashion_mnist for its test images), one per model input.
Dataset loadInputs(const std::vector<std::string>& files, int64_t maxSamples = -1);

/// Fits each array to the model input of the same position: kept if its sample shape matches
/// (unknown dims match anything), reshaped when the model's sample shape is fully known and holds
/// the same number of values (28x28 images for a (784,) or (28, 28, 1) input). Otherwise throws
/// ShapeError naming the input, the expected and the actual shape. Also checks the number of
/// arrays and that inputs and targets have the same number of samples.
void fitToModel(const Model& model, Dataset& data, bool needTargets);

/// `--rescale F`: multiplies the arrays that feed float inputs by F (Keras's Rescaling layer, done
/// on the data: "1/255" for uint8 images saved with numpy; fashion_mnist is already in [0, 1]).
/// Arrays feeding integer inputs (token ids) are left alone. F is a number or "A/B".
double parseRescale(const std::string& text);
void rescaleInputs(const Model& model, Dataset& data, double factor);
/// Adds `--rescale` to `cmd`.
CLI::Option* addRescaleOption(CLI::App* cmd, std::string& value);

}  // namespace strata::cli
