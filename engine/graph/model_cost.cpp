#include "engine/graph/model_cost.h"

#include <cmath>

#include "engine/graph/model.h"
#include "engine/layers/convolutional/base_conv.h"
#include "engine/layers/convolutional/base_conv_transpose.h"
#include "engine/layers/convolutional/base_depthwise_conv.h"
#include "engine/layers/convolutional/base_separable_conv.h"
#include "engine/layers/recurrent/bidirectional.h"
#include "engine/layers/recurrent/rnn.h"
#include "engine/layers/recurrent/time_distributed.h"

namespace strata {

namespace {

/// The layer's own weight called `name` (not one of a sub-layer), or null.
const Variable* ownWeight(const Layer& layer, const std::string& name) {
    for (const Variable* v : layer.weights())
        if (v->owner == &layer && v->name == name) return v;
    return nullptr;
}

/// Elements per sample (batch dim left out); kNone if a dim is unknown.
int64_t perSample(const Shape& s) { return s.rank() <= 1 ? 1 : s.elements(1); }

/// `positions × size`, where `positions` = elements / channels of the shape the kernel slides over.
int64_t slidingMacs(const Shape& s, int64_t channels, int64_t kernelSize) {
    const int64_t e = perSample(s);
    if (e == kNone || channels <= 0) return kUnknownMacs;
    return e / channels * kernelSize;
}

int64_t timeStepsOf(const Shape& s) { return s.rank() >= 2 ? s[1] : kNone; }

}  // namespace

int64_t callMacs(const Layer& layer, const std::vector<Shape>& in, const std::vector<Shape>& out) {
    if (in.empty() || out.empty()) return 0;
    if (layer.isModel()) {
        ModelCost inner = modelCost(static_cast<const Model&>(layer));
        return inner.macsComplete ? inner.macs : kUnknownMacs;
    }
    const std::string& cls = layer.className();
    if (dynamic_cast<const BaseSeparableConv*>(&layer)) {
        const Variable* dk = ownWeight(layer, "depthwise_kernel");
        const Variable* pk = ownWeight(layer, "pointwise_kernel");
        if (!dk || !pk) return kUnknownMacs;
        return slidingMacs(out[0], pk->value.shape().back(), dk->value.size() + pk->value.size());
    }
    if (dynamic_cast<const BaseDepthwiseConv*>(&layer)) {
        const Variable* k = ownWeight(layer, "kernel");  // (k…, in_channels, depth_multiplier)
        if (!k) return kUnknownMacs;
        const auto& ks = k->value.shape();
        return slidingMacs(out[0], ks[ks.size() - 2] * ks.back(), k->value.size());
    }
    if (dynamic_cast<const BaseConvTranspose*>(&layer)) {
        const Variable* k = ownWeight(layer, "kernel");  // (k…, filters, in_channels)
        if (!k) return kUnknownMacs;
        return slidingMacs(in[0], k->value.shape().back(), k->value.size());
    }
    if (cls == "Dense" || dynamic_cast<const BaseConv*>(&layer)) {
        const Variable* k = ownWeight(layer, "kernel");  // (in, units) / (k…, in_channels/groups, filters)
        if (!k) return kUnknownMacs;
        return slidingMacs(out[0], k->value.shape().back(), k->value.size());
    }
    if (dynamic_cast<const RecurrentBase*>(&layer)) {
        const Variable* k = ownWeight(layer, "kernel");
        const Variable* r = ownWeight(layer, "recurrent_kernel");
        const int64_t steps = timeStepsOf(in[0]);
        if (!k || !r || steps == kNone) return kUnknownMacs;
        return steps * (k->value.size() + r->value.size());
    }
    if (const auto* bi = dynamic_cast<const Bidirectional*>(&layer)) {
        int64_t total = 0;
        for (const Layer* direction : {static_cast<const Layer*>(bi->forwardLayer()), static_cast<const Layer*>(bi->backwardLayer())}) {
            if (!direction) continue;
            const int64_t m = callMacs(*direction, in, direction->computeOutputShape(in));
            if (m == kUnknownMacs) return kUnknownMacs;
            total += m;
        }
        return total;
    }
    if (const auto* td = dynamic_cast<const TimeDistributed*>(&layer)) {
        // The inner layer runs on every time step: (batch, time, …) -> (batch, …) per step.
        const int64_t steps = timeStepsOf(in[0]);
        if (steps == kNone || !td->layer()) return kUnknownMacs;
        std::vector<int64_t> dims{in[0][0]};
        dims.insert(dims.end(), in[0].dims().begin() + 2, in[0].dims().end());
        std::vector<Shape> innerIn{Shape(dims)};
        const int64_t m = callMacs(*td->layer(), innerIn, td->layer()->computeOutputShape(innerIn));
        return m == kUnknownMacs ? kUnknownMacs : steps * m;
    }
    if (cls == "Dot" && in.size() == 2) {
        // Keras's Dot contracts one axis of length d on each side: in0·in1 = out·d², so d is exact.
        const int64_t a = perSample(in[0]), b = perSample(in[1]), o = perSample(out[0]);
        if (a == kNone || b == kNone || o == kNone || o == 0) return kUnknownMacs;
        const auto d = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(a) * static_cast<double>(b) / o)));
        return o * d;
    }
    if (cls == "BatchNormalization" || cls == "LayerNormalization") {
        const int64_t e = perSample(out[0]);
        return e == kNone ? kUnknownMacs : e;
    }
    return 0;
}

ModelCost modelCost(const Model& model) {
    ModelCost total;
    for (const auto& layerPtr : model.layers()) {
        const Layer& layer = *layerPtr;
        LayerCost lc;
        lc.name = layer.name();
        lc.className = layer.summaryTypeName();
        for (const Variable* v : layer.weights()) lc.params += v->value.size();
        for (const Variable* v : layer.trainableWeights()) lc.trainableParams += v->value.size();
        lc.weightBytes = lc.params * static_cast<int64_t>(sizeof(float));  // weights are stored as float32
        for (const auto& node : layer.inboundNodes()) {
            if (!model.containsNode(node.get())) continue;  // a call in another model
            CallCost cc;
            for (const auto& x : node->inputs()) {
                cc.inputs.push_back(x.layer().name());
                cc.inputShapes.push_back(x.shape());
            }
            cc.outputShapes = node->outputShapes();
            cc.macs = layer.built() && !node->isInput() ? callMacs(layer, cc.inputShapes, cc.outputShapes) : 0;
            if (cc.macs == kUnknownMacs) lc.macs = kUnknownMacs;
            else if (lc.macs != kUnknownMacs) lc.macs += cc.macs;
            lc.calls.push_back(std::move(cc));
        }
        if (layer.isModel()) lc.nested = modelCost(static_cast<const Model&>(layer)).layers;
        if (lc.macs == kUnknownMacs) total.macsComplete = false;
        else total.macs += lc.macs;
        total.params += lc.params;
        total.trainableParams += lc.trainableParams;
        total.weightBytes += lc.weightBytes;
        total.layers.push_back(std::move(lc));
    }
    return total;
}

}  // namespace strata
