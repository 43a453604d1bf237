#pragma once
/// Model weights in Keras's HDF5 layouts.
///
/// Legacy layout (Keras 2 `model.save("x.h5")` / `save_weights("x.h5")`, and Keras 3's legacy h5
/// writer): a group (the file's `model_weights`, or the root of a weights-only file) with the
/// attribute `layer_names`; one sub-group per layer with the attribute `weight_names`, and one
/// dataset per listed name, relative to the layer's group ("dense/kernel:0", "seq/dense/kernel").
/// Weights are matched to `layer.weights()` by name when every name matches one weight, else in
/// Keras's legacy order (trainable weights first; Keras 2 and Keras 3 differ for nested models, the
/// file's keras_version picks which, the other is tried if shapes disagree).
///
/// Keras 3 layout (`model.weights.h5` in .keras archives, `save_weights("x.weights.h5")`), as
/// keras/src/saving/saving_lib.py writes it: `vars/` for the model's own variables and
/// `layers/<key>/vars/0..n` per layer, where <key> is the snake_case class name made unique in the
/// container (`dense`, `dense_1`, ...; Sequential omits its InputLayer); nested models recurse
/// (`layers/functional/layers/conv2d/vars`); recurrent layers keep their variables in `cell/vars`,
/// Bidirectional in `forward_layer/cell/vars` and `backward_layer/cell/vars`, TimeDistributed in
/// `layer/vars`.
///
/// Every mismatch (a layer without weights in the file, weights the model does not have, a count or
/// shape that differs, NaN/inf values) throws IoError naming the file, the layer, the weight, and
/// the expected vs actual shape.
#include <functional>
#include <string>

#include "engine/graph/model.h"
#include "engine/io/hdf5.h"

namespace strata {

struct WeightsLoadOptions {
    /// keras_version of the writer ("2.2.4-tf", "3.10.0"); decides the legacy weight order.
    std::string kerasVersion;
    /// Accept NaN/inf weight values (by default they are an error: a broken file).
    bool allowNonFinite = false;
};

/// Legacy layout from `group` (model_weights, or a weights-only file's root).
void loadLegacyWeights(Model& model, const h5::Group& group, const WeightsLoadOptions& options = {});
/// Writes the legacy layout into `group` (layer_names, per-layer weight_names and datasets).
void saveLegacyWeights(const Model& model, h5::Group& group);

/// Keras 3 layout from a model.weights.h5 root.
void loadKeras3Weights(Model& model, const h5::Group& root, const WeightsLoadOptions& options = {});
/// Writes the Keras 3 layout into a file's root.
void saveKeras3Weights(const Model& model, h5::Group& root);

/// True if the group looks like the Keras 3 layout (has `layers` or `vars`) / the legacy layout
/// (has a `layer_names` attribute or its chunks).
bool isKeras3WeightsGroup(const h5::Group& g);
bool isLegacyWeightsGroup(const h5::Group& g);

/// Weights of `model` from a weights file of either layout (by content).
void loadWeightsFile(Model& model, const std::string& path, bool allowNonFinite = false);
/// `save_weights`: the Keras 3 layout for names ending in ".weights.h5", else the legacy layout
/// (weights-only .h5 with layer_names at the root). Atomic.
void saveWeightsFile(const Model& model, const std::string& path);

/// Keras 2 and older files use hard_sigmoid = clip(0.2x + 0.5); switches every recurrent layer of
/// the model (nested included) to that formula.
void applyKeras2Semantics(Model& model);
/// "2.2.4-tf" -> 2; "" -> 0.
int kerasMajorVersion(const std::string& version);

/// Writes an HDF5 file through `writer` to a temporary file, then renames it over `path`.
void writeHdf5Atomic(const std::string& path, const std::function<void(h5::File&)>& writer);

}  // namespace strata
