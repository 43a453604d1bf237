#pragma once
/// DataMapping: which dataset feeds which model input and which output its labels train, and the
/// check (before a run starts) that the arrays fit: per-sample shape against the Input's shape,
/// reshaping what only differs in layout ((28, 28) -> (784,) or (28, 28, 1)), labels against the
/// output and its loss (class ids below the number of units; one-hot for categorical losses).
#include <string>
#include <vector>

#include "app/studio/training/data_source.h"
#include "engine/core/errors.h"
#include "app/studio/training/training_settings.h"
#include "engine/graph/model.h"
#include "engine/training/trainer.h"

namespace strata::studio {

/// One dataset bound to one model input (its features) and one output (its labels).
struct DataBinding {
    int dataset = 0;         ///< index into the datasets given to prepareTrainingData
    std::string input;       ///< model input name; empty: the first input
    std::string output;      ///< model output name; empty: the first output; "-": no labels
};

/// Arrays ready for fit()/evaluate(), keyed by input / output name.
struct PreparedData {
    NamedArrays x, y, xTest, yTest;
    int64_t trainCount = 0, testCount = 0;
    /// Separate validation data (Keras's validation_data; replaces the validation split), mapped
    /// like the training data. valCount 0: none.
    NamedArrays xVal, yVal;
    int64_t valCount = 0;
    /// What was adapted, for the Data dock ("input 'input_layer': (28, 28) reshaped to (784,)").
    std::vector<std::string> notes;
};

/// Raised when the data does not fit the model. The message names the input or output, the
/// expected and the actual shape.
class DataMismatchError : public ValueError {
public:
    using ValueError::ValueError;
};

/// Checks and adapts `datasets` to `model` under `bindings` (empty: dataset 0 -> first input and
/// first output). `settings` gives the losses (to one-hot labels for categorical losses).
/// Throws DataMismatchError with a message such as
///   "input 'input_layer' expects samples of shape (784,) but 'Fashion-MNIST' has (32, 32, 3)".
PreparedData prepareTrainingData(const Model& model, const std::vector<Dataset>& datasets,
                                 const std::vector<DataBinding>& bindings, const TrainingSettings& settings);

/// Reshapes features with per-sample dims `sample` to the model's per-sample dims `expected`
/// (kNone dims matched by anything). Returns false if they cannot be made to fit.
bool adaptSampleShape(const Tensor& x, const std::vector<int64_t>& expected, Tensor& out);

}  // namespace strata::studio
