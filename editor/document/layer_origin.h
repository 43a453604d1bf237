#pragma once
/// LayerOrigin: where a layer of the document came from when it was dropped from the model
/// library (the file) and the weights that file held for it. The document keeps one per layer
/// name, beside the graph (a Keras config has no place for either): the origin tells a second drop
/// of the same file which layer instance it may share, and the weights go into every model built
/// from the document for saving, exporting and "Add Model to Library".
#include <QString>
#include <memory>
#include <vector>

#include "engine/core/tensor.h"

namespace strata {
class Model;
}

namespace strata::editor {

struct LayerOrigin {
    QString file;  ///< absolute path of the library file the layer was made from
    QString className;  ///< the layer's class: the model's in the file ("Functional", "Sequential")
    /// For a layer of a library model that was expanded (inlined): that model's layer name; empty
    /// for a library model itself. Only whole models are offered for sharing on a second drop.
    QString expandedFrom;
    /// The layer's weights as the file held them (Keras get_weights order); null: the file had
    /// none (a model-config JSON), the layer starts from fresh initial values.
    std::shared_ptr<const std::vector<Tensor>> weights;

    bool operator==(const LayerOrigin& o) const {
        return file == o.file && className == o.className && expandedFrom == o.expandedFrom && weights == o.weights;
    }
};

}  // namespace strata::editor
