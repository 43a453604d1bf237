// Model's Keras training API (declared in engine/graph/model.h), forwarding to the Trainer.
#include "engine/core/errors.h"
#include "engine/graph/model.h"
#include "engine/training/trainer.h"

namespace strata {

void Model::compile(const CompileOptions& options) {
    trainer_ = std::make_shared<Trainer>(*this, options);
    stopTraining = false;
}

Trainer& Model::trainer() {
    if (!trainer_)
        throw ValueError("You must call compile() before training or evaluating model '" + name() + "'");
    return *trainer_;
}

History Model::fit(const ArrayData& x, const ArrayData& y, const FitOptions& options) {
    return trainer().fit(x, y, options);
}
History Model::fit(const ArrayData& x, const ArrayData& y) { return fit(x, y, FitOptions{}); }

Logs Model::evaluate(const ArrayData& x, const ArrayData& y, const EvaluateOptions& options) {
    return trainer().evaluate(x, y, options);
}
Logs Model::evaluate(const ArrayData& x, const ArrayData& y) { return evaluate(x, y, EvaluateOptions{}); }

std::vector<Tensor> Model::predict(const ArrayData& x, const PredictOptions& options) {
    return Trainer::predict(*this, x, options);
}

Logs Model::trainOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight) {
    return trainer().trainOnBatch(x, y, sampleWeight);
}

Logs Model::testOnBatch(const ArrayData& x, const ArrayData& y, const Tensor* sampleWeight) {
    return trainer().testOnBatch(x, y, sampleWeight);
}

std::vector<Tensor> Model::predictOnBatch(const ArrayData& x) { return Trainer::predictOnBatch(*this, x); }

void Model::trainStep(const StepData& data, Logs& logs) { trainer().defaultTrainStep(data, logs); }

void Model::testStep(const StepData& data, Logs& logs) { trainer().defaultTestStep(data, logs); }

}  // namespace strata
