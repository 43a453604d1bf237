#include "engine/layers/recurrent/bidirectional.h"

#include <cstring>

#include "engine/core/errors.h"
#include "engine/layers/recurrent/wrapper.h"

namespace strata {

namespace {

struct BidirectionalCache : LayerCache {
    std::unique_ptr<LayerCache> fSlot, bSlot;  // the inner layers' caches
    Tensors fOut, bOut;
    Tensor fGrad, bGrad;                        // gradients of the inner main outputs
    Tensors fInGrads, bInGrads;
};

void innerContext(CallContext& inner, CallContext& outer, std::unique_ptr<LayerCache>* slot) {
    inner.training = outer.training;
    inner.rng = &outer.random();
    inner.masks = {outer.mask(0)};
    inner.cacheSlot = slot;
    inner.losses = outer.losses;
    inner.recordForBackward = outer.recordForBackward;
}

std::string removePrefix(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s;
}

bool boolKey(const Json& cfg, const char* key) {
    return cfg.contains(key) && cfg[key].is_boolean() && cfg[key].get<bool>();
}

}  // namespace

LayerSpec Bidirectional::spec() {
    LayerSpec s;
    s.className = "Bidirectional";
    s.category = LayerCategory::Recurrent;
    s.doc = "Runs a recurrent layer forwards and backwards over the sequence and merges both outputs.";
    s.arity = {1, 5};
    s.params = {
        param::json("layer", Json{{"class_name", "LSTM"}, {"config", {{"units", 32}}}},
                    "The recurrent layer to run in both directions (a nested layer config)."),
        param::nullable(param::choice("merge_mode", "concat", {"sum", "mul", "ave", "concat"},
                                      "How forward and backward outputs are combined (None: both returned).")),
        param::advanced(param::json("backward_layer", nullptr,
                                    "Optional layer config for the backward direction (default: a copy of layer).")),
    };
    s.factory = [](const Json& c) { return std::make_shared<Bidirectional>(c); };
    s.brief = [](const Json& c) {
        std::string inner = c.contains("layer") && c["layer"].is_object() ? c["layer"].value("class_name", "") : "";
        std::string m = c.contains("merge_mode") && c["merge_mode"].is_string() ? c["merge_mode"].get<std::string>() : "none";
        return inner + " · " + m;
    };
    return s;
}

Bidirectional::Bidirectional(const Json& config) : Layer("Bidirectional", config) {
    const Json& c = this->config();
    const std::string who = "Bidirectional '" + name() + "'";
    mergeMode_ = c.contains("merge_mode") && c["merge_mode"].is_string() ? c["merge_mode"].get<std::string>() : "";

    auto [cls, cfg] = nestedLayerConfig(c.contains("layer") ? c["layer"] : Json(), who + " argument 'layer'");
    std::string innerName = cfg.contains("name") && cfg["name"].is_string() ? cfg["name"].get<std::string>() : "";
    if (innerName.empty()) innerName = uniqueName(toSnakeCase(cls));

    auto asRecurrent = [&](const std::shared_ptr<Layer>& l, const std::string& arg) {
        auto r = std::dynamic_pointer_cast<RecurrentBase>(l);
        if (!r)
            throw ConfigError(who + " argument '" + arg + "': expected a recurrent layer (SimpleRNN, LSTM, GRU), got " +
                              l->className());
        return r;
    };

    Json fcfg = cfg;
    fcfg["name"] = "forward_" + removePrefix(innerName, "forward_");
    fcfg["zero_output_for_mask"] = boolKey(cfg, "return_sequences");
    fwd_ = asRecurrent(createNestedLayer(cls, fcfg, who + " argument 'layer'"), "layer");

    const Json& bspec = c.contains("backward_layer") ? c["backward_layer"] : Json();
    if (bspec.is_null()) {
        Json bcfg = cfg;
        bcfg["name"] = "backward_" + removePrefix(innerName, "backward_");
        bcfg["go_backwards"] = !boolKey(cfg, "go_backwards");
        bcfg["zero_output_for_mask"] = boolKey(cfg, "return_sequences");
        bwd_ = asRecurrent(createNestedLayer(cls, bcfg, who + " argument 'layer'"), "layer");
    } else {
        auto [bcls, bcfg] = nestedLayerConfig(bspec, who + " argument 'backward_layer'");
        bcfg["zero_output_for_mask"] = boolKey(bcfg, "return_sequences");
        bwd_ = asRecurrent(createNestedLayer(bcls, bcfg, who + " argument 'backward_layer'"), "backward_layer");
    }

    if (fwd_->goBackwards() == bwd_->goBackwards())
        throw ConfigError(who + ": the forward and backward layers must have different go_backwards values, got " +
                          std::string(fwd_->goBackwards() ? "True" : "False") + " for both");
    auto same = [&](const char* what, bool f, bool b) {
        if (f != b)
            throw ConfigError(who + ": the forward and backward layers must have the same " + what + ", got " +
                              (f ? "True" : "False") + " and " + (b ? "True" : "False"));
    };
    same("stateful", fwd_->stateful(), bwd_->stateful());
    same("return_sequences", fwd_->returnSequences(), bwd_->returnSequences());
    same("return_state", fwd_->returnState(), bwd_->returnState());
    if (fwd_->numStates() != bwd_->numStates())
        throw ConfigError(who + ": the forward and backward layers must have the same kind of states, got " +
                          fwd_->className() + " and " + bwd_->className());

    trackLayer(fwd_);
    trackLayer(bwd_);
    if (!trainable()) setTrainable(false);
}

Json Bidirectional::getConfig() const {
    Json j = Layer::getConfig();
    j["merge_mode"] = mergeMode_.empty() ? Json(nullptr) : Json(mergeMode_);
    j["layer"] = serializeNestedLayer(*fwd_);
    j["backward_layer"] = serializeNestedLayer(*bwd_);
    return j;
}

void Bidirectional::setKeras2HardSigmoid(bool on) {
    fwd_->setKeras2HardSigmoid(on);
    bwd_->setKeras2HardSigmoid(on);
}

void Bidirectional::splitInputs(const ConstTensorPtrs& inputs, ConstTensorPtrs& f, ConstTensorPtrs& b) const {
    const size_t nStates = inputs.size() - 1;
    if (nStates % 2 != 0)
        throw ShapeError("Layer '" + name() + "' (Bidirectional): initial states must come in two equal halves " +
                         "(forward then backward), got " + std::to_string(nStates));
    f = {inputs[0]};
    b = {inputs[0]};
    for (size_t i = 0; i < nStates / 2; ++i) f.push_back(inputs[1 + i]);
    for (size_t i = nStates / 2; i < nStates; ++i) b.push_back(inputs[1 + i]);
}

std::vector<Shape> Bidirectional::computeOutputShape(const std::vector<Shape>& in) const {
    const size_t nStates = in.size() - 1;
    if (nStates % 2 != 0)
        throw ShapeError("initial states must come in two equal halves (forward then backward), got " +
                         std::to_string(nStates));
    std::vector<Shape> fin{in[0]}, bin{in[0]};
    for (size_t i = 0; i < nStates / 2; ++i) fin.push_back(in[1 + i]);
    for (size_t i = nStates / 2; i < nStates; ++i) bin.push_back(in[1 + i]);
    auto fo = fwd_->outputShapesFor(fin);
    auto bo = bwd_->outputShapesFor(bin);
    std::vector<Shape> out;
    if (mergeMode_.empty()) {
        out.push_back(fo[0]);
        out.push_back(bo[0]);
    } else if (mergeMode_ == "concat") {
        Shape s = fo[0];
        s[-1] = fo[0][-1] + bo[0][-1];
        out.push_back(s);
    } else {
        if (fo[0] != bo[0])
            throw ShapeError("merge_mode '" + mergeMode_ + "' needs equal forward and backward outputs, got " +
                             fo[0].toString() + " and " + bo[0].toString());
        out.push_back(fo[0]);
    }
    for (size_t i = 1; i < fo.size(); ++i) out.push_back(fo[i]);
    for (size_t i = 1; i < bo.size(); ++i) out.push_back(bo[i]);
    return out;
}

void Bidirectional::buildImpl(const std::vector<Shape>& in) {
    fwd_->build({in[0]});
    bwd_->build({in[0]});
}

std::optional<Tensor> Bidirectional::computeMask(const ConstTensorPtrs& inputs, const ConstTensorPtrs& masks) const {
    if (returnSequences() && !masks.empty() && masks[0]) return *masks[0];
    return std::nullopt;
}

void Bidirectional::forward(const ConstTensorPtrs& inputs, Tensors& outputs, CallContext& ctx) {
    auto& k = ctx.cache<BidirectionalCache>();
    ConstTensorPtrs fin, bin;
    splitInputs(inputs, fin, bin);
    {
        CallContext fctx;
        innerContext(fctx, ctx, &k.fSlot);
        fwd_->call(fin, k.fOut, fctx);
        CallContext bctx;
        innerContext(bctx, ctx, &k.bSlot);
        bwd_->call(bin, k.bOut, bctx);
    }
    const Tensor& yf = k.fOut[0];
    const Tensor& yb = k.bOut[0];
    const bool seq = returnSequences();
    const int64_t B = yf.dim(0), Tn = seq ? yf.dim(1) : 1, uf = yf.dim(-1), ub = yb.dim(-1);
    auto rev = [&](int64_t r) { return (r / Tn) * Tn + (Tn - 1 - r % Tn); };
    const int64_t rows = B * Tn;

    const size_t nMain = mergeMode_.empty() ? 2 : 1;
    outputs.resize(nMain + (k.fOut.size() - 1) + (k.bOut.size() - 1));
    if (mergeMode_.empty()) {
        outputs[0] = yf;
        outputs[1].resize(yb.shape());
        for (int64_t r = 0; r < rows; ++r)
            std::memcpy(outputs[1].data() + r * ub, yb.data() + rev(r) * ub, sizeof(float) * ub);
    } else if (mergeMode_ == "concat") {
        auto shape = yf.shape();
        shape.back() = uf + ub;
        outputs[0].resize(shape);
        for (int64_t r = 0; r < rows; ++r) {
            float* d = outputs[0].data() + r * (uf + ub);
            std::memcpy(d, yf.data() + r * uf, sizeof(float) * uf);
            std::memcpy(d + uf, yb.data() + rev(r) * ub, sizeof(float) * ub);
        }
    } else {
        if (uf != ub)
            throw ShapeError("Layer '" + name() + "' (Bidirectional): merge_mode '" + mergeMode_ +
                             "' needs equal forward and backward units, got " + std::to_string(uf) + " and " +
                             std::to_string(ub));
        outputs[0].resize(yf.shape());
        for (int64_t r = 0; r < rows; ++r) {
            const float* a = yf.data() + r * uf;
            const float* b = yb.data() + rev(r) * uf;
            float* d = outputs[0].data() + r * uf;
            if (mergeMode_ == "sum") for (int64_t j = 0; j < uf; ++j) d[j] = a[j] + b[j];
            else if (mergeMode_ == "ave") for (int64_t j = 0; j < uf; ++j) d[j] = (a[j] + b[j]) / 2.0f;
            else for (int64_t j = 0; j < uf; ++j) d[j] = a[j] * b[j];
        }
    }
    size_t o = nMain;
    for (size_t i = 1; i < k.fOut.size(); ++i) outputs[o++] = k.fOut[i];
    for (size_t i = 1; i < k.bOut.size(); ++i) outputs[o++] = k.bOut[i];
}

void Bidirectional::backward(const ConstTensorPtrs& inputs, const Tensors& outputs, const ConstTensorPtrs& outputGrads,
                             Tensors& inputGrads, CallContext& ctx) {
    auto& k = ctx.cache<BidirectionalCache>();
    if (k.fOut.empty() || k.bOut.empty())
        throw ValueError("Layer '" + name() + "' (Bidirectional): backward needs the forward pass of the same call");
    ConstTensorPtrs fin, bin;
    splitInputs(inputs, fin, bin);
    auto gradAt = [&](size_t i) -> const Tensor* { return i < outputGrads.size() ? outputGrads[i] : nullptr; };
    const Tensor& yf = k.fOut[0];
    const Tensor& yb = k.bOut[0];
    const bool seq = returnSequences();
    const int64_t B = yf.dim(0), Tn = seq ? yf.dim(1) : 1, uf = yf.dim(-1), ub = yb.dim(-1);
    auto rev = [&](int64_t r) { return (r / Tn) * Tn + (Tn - 1 - r % Tn); };
    const int64_t rows = B * Tn;
    const size_t nMain = mergeMode_.empty() ? 2 : 1;

    const Tensor* gF = nullptr;
    const Tensor* gB = nullptr;
    if (mergeMode_.empty()) {
        gF = gradAt(0);
        if (const Tensor* g = gradAt(1)) {
            k.bGrad.resize(yb.shape());
            for (int64_t r = 0; r < rows; ++r)
                std::memcpy(k.bGrad.data() + rev(r) * ub, g->data() + r * ub, sizeof(float) * ub);
            gB = &k.bGrad;
        }
    } else if (const Tensor* g = gradAt(0)) {
        k.fGrad.resize(yf.shape());
        k.bGrad.resize(yb.shape());
        for (int64_t r = 0; r < rows; ++r) {
            float* df = k.fGrad.data() + r * uf;
            float* db = k.bGrad.data() + rev(r) * ub;
            if (mergeMode_ == "concat") {
                const float* gr = g->data() + r * (uf + ub);
                std::memcpy(df, gr, sizeof(float) * uf);
                std::memcpy(db, gr + uf, sizeof(float) * ub);
                continue;
            }
            const float* gr = g->data() + r * uf;
            const float* a = yf.data() + r * uf;
            const float* b = yb.data() + rev(r) * uf;
            for (int64_t j = 0; j < uf; ++j) {
                if (mergeMode_ == "sum") df[j] = db[j] = gr[j];
                else if (mergeMode_ == "ave") df[j] = db[j] = gr[j] / 2.0f;
                else { df[j] = gr[j] * b[j]; db[j] = gr[j] * a[j]; }
            }
        }
        gF = &k.fGrad;
        gB = &k.bGrad;
    }
    ConstTensorPtrs fg{gF}, bg{gB};
    size_t o = nMain;
    for (size_t i = 1; i < k.fOut.size(); ++i) fg.push_back(gradAt(o++));
    for (size_t i = 1; i < k.bOut.size(); ++i) bg.push_back(gradAt(o++));

    CallContext fctx;
    innerContext(fctx, ctx, &k.fSlot);
    fwd_->backward(fin, k.fOut, fg, k.fInGrads, fctx);
    CallContext bctx;
    innerContext(bctx, ctx, &k.bSlot);
    bwd_->backward(bin, k.bOut, bg, k.bInGrads, bctx);

    inputGrads.resize(inputs.size());
    inputGrads[0] = k.fInGrads[0];
    inputGrads[0].vector() += k.bInGrads[0].vector();
    size_t i = 1;
    for (size_t j = 1; j < k.fInGrads.size(); ++j) inputGrads[i++] = k.fInGrads[j];
    for (size_t j = 1; j < k.bInGrads.size(); ++j) inputGrads[i++] = k.bInGrads[j];
}

}  // namespace strata
