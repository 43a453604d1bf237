// Models as layer classes: nested "Functional"/"Model"/"Sequential" entries in configs and the
// "Models & blocks" group of the palette.
#include "engine/graph/model_config.h"
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"

namespace strata {

void registerModelLayers(LayerRegistry& r) {
    for (const char* cls : {"Functional", "Sequential"}) {
        LayerSpec s;
        s.className = cls;
        s.category = LayerCategory::ModelsBlocks;
        s.doc = std::string(cls) == "Functional" ? "A model built from a graph of layers, used as a layer."
                                                 : "A stack of layers, used as a layer.";
        s.arity = {1, -1};
        s.params = {param::json("layers", Json::array(), "The layers of the model.")};
        std::string c = cls;
        s.factory = [c](const Json& cfg) -> std::shared_ptr<Layer> {
            return layerFromJson(Json{{"class_name", c}, {"config", cfg}});
        };
        r.add(s);
    }
    r.addAlias("Model", "Functional");
}

}  // namespace strata
