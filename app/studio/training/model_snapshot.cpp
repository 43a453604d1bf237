#include "app/studio/training/model_snapshot.h"

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"

namespace strata::studio {

ModelSnapshot ModelSnapshot::of(const Model& model) {
    ModelSnapshot s;
    s.configJson = modelToJsonString(model, -1);
    s.weights = model.getWeights();
    return s;
}

ModelSnapshot ModelSnapshot::ofConfig(std::string configJson) {
    ModelSnapshot s;
    s.configJson = std::move(configJson);
    return s;
}

void buildModelWeights(Model& model) {
    std::vector<Shape> shapes;
    for (const auto& in : model.inputs()) shapes.push_back(in.shape());
    model.build(shapes);
}

ModelPtr ModelSnapshot::build() const {
    if (configJson.empty()) throw ValueError("there is no model to train (the snapshot holds no model config)");
    ModelPtr model = modelFromJsonString(configJson, "the model being trained");
    buildModelWeights(*model);
    if (!weights.empty()) {
        const auto vars = model->weights();
        if (vars.size() != weights.size())
            throw ValueError("the model has " + std::to_string(vars.size()) + " weights but the snapshot holds " +
                             std::to_string(weights.size()));
        for (size_t i = 0; i < vars.size(); ++i)
            if (vars[i]->value.shape() != weights[i].shape())
                throw ShapeError("weight '" + vars[i]->path() + "' has shape " + vars[i]->value.shapeString() +
                                 " but the snapshot holds " + weights[i].shapeString());
        model->setWeights(weights);
    }
    return model;
}

}  // namespace strata::studio
