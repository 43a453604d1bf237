#pragma once
/// ModelSnapshot: a model as plain data (Keras model config JSON + weight values), the only form
/// in which a model crosses from the GUI thread to a training thread and back. The worker builds
/// its own engine Model from it, so the document's model is never shared with training.
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/graph/model.h"

namespace strata::studio {

struct ModelSnapshot {
    std::string configJson;          ///< model.to_json()
    std::vector<Tensor> weights;     ///< model.get_weights(); empty: fresh initial weights
    /// The optimizer's state after training (Keras's optimizer.variables: iterations, learning
    /// rate, slots such as Adam's moments), so that the next run continues as fit() called again
    /// on the same compiled model does. Used only while `optimizerKey` still names the optimizer
    /// settings of the next run; empty: a fresh optimizer.
    std::vector<Tensor> optimizerState;
    std::string optimizerKey;        ///< TrainingSettings::optimizerConfig() the state belongs to
    int64_t optimizerIterations = 0; ///< optimizer.iterations of that state

    bool empty() const { return configJson.empty(); }

    /// Captures `model` (config and current weights).
    static ModelSnapshot of(const Model& model);
    /// A snapshot of a config alone (weights drawn when built).
    static ModelSnapshot ofConfig(std::string configJson);

    /// A new engine model from the config, built, with the weights set. Throws strata::Error naming
    /// what does not fit (config errors, a weight count or shape that differs).
    ModelPtr build() const;

    /// Keeps `model`'s optimizer state (if it is compiled and built) under `key`.
    void captureOptimizer(Model& model, std::string key);
    /// Restores the kept optimizer state into compiled `model` if it was taken under `key`.
    /// True if restored; false (fresh optimizer) if there is none or it belongs to other settings.
    /// Throws strata::Error if the state does not fit the model's optimizer.
    bool restoreOptimizer(Model& model, const std::string& key) const;
};

/// Builds every layer of `model` (creates the weights) by running shape inference on its inputs.
void buildModelWeights(Model& model);

}  // namespace strata::studio
