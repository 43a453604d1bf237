// Registration of the pooling layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/pooling/average_pooling1d.h"
#include "engine/layers/pooling/average_pooling2d.h"
#include "engine/layers/pooling/global_average_pooling1d.h"
#include "engine/layers/pooling/global_average_pooling2d.h"
#include "engine/layers/pooling/global_max_pooling1d.h"
#include "engine/layers/pooling/global_max_pooling2d.h"
#include "engine/layers/pooling/max_pooling1d.h"
#include "engine/layers/pooling/max_pooling2d.h"

namespace strata {

void registerPoolingLayers(LayerRegistry& r) {
    r.add(MaxPooling1D::spec());
    r.add(MaxPooling2D::spec());
    r.add(AveragePooling1D::spec());
    r.add(AveragePooling2D::spec());
    r.add(GlobalMaxPooling1D::spec());
    r.add(GlobalMaxPooling2D::spec());
    r.add(GlobalAveragePooling1D::spec());
    r.add(GlobalAveragePooling2D::spec());
    // Keras's exported short names (keras.layers.MaxPool2D, ...)
    r.addAlias("MaxPool1D", "MaxPooling1D");
    r.addAlias("MaxPool2D", "MaxPooling2D");
    r.addAlias("AvgPool1D", "AveragePooling1D");
    r.addAlias("AvgPool2D", "AveragePooling2D");
    r.addAlias("GlobalMaxPool1D", "GlobalMaxPooling1D");
    r.addAlias("GlobalMaxPool2D", "GlobalMaxPooling2D");
    r.addAlias("GlobalAvgPool1D", "GlobalAveragePooling1D");
    r.addAlias("GlobalAvgPool2D", "GlobalAveragePooling2D");
}

}  // namespace strata
