#include "app/studio/training/model_snapshot.h"

#include "engine/core/errors.h"
#include "engine/graph/model_config.h"
#include "engine/training/trainer.h"

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

void ModelSnapshot::captureOptimizer(Model& model, std::string key) {
    optimizerState.clear();
    optimizerKey.clear();
    optimizerIterations = 0;
    if (!model.compiled() || !model.trainer().optimizer().built()) return;
    optimizerState = model.trainer().optimizer().getWeights();
    optimizerIterations = model.trainer().optimizer().iterations();
    optimizerKey = std::move(key);
}

bool ModelSnapshot::restoreOptimizer(Model& model, const std::string& key) const {
    if (optimizerState.empty() || optimizerKey != key || !model.compiled()) return false;
    // As keras.models.load_model does for a compiled archive: build the slots, then set them.
    Trainer& t = model.trainer();
    t.optimizer().build(t.tape().trainableWeights());
    t.optimizer().setWeights(optimizerState);
    return true;
}

}  // namespace strata::studio
