// GraphSpec, the Studio's editable form of a model: validation through the engine (shapes, wiring
// errors naming the input, unknown downstream, unconnected inputs, cycles, missing outputs), the
// validator's cache (only what an edit affects goes back to the engine; 1,000 nodes in < 5 ms),
// building models (shared layers keep one set of weights) and the round trips model -> spec -> model
// and spec -> JSON -> spec.
#include <QtTest/QtTest>

#include <algorithm>

#include "engine/core/errors.h"
#include "engine/graph/graph_spec.h"
#include "engine/graph/model_config.h"
#include "engine/layers/layer_registry.h"
#include "examples/reference/reference_models.h"

using namespace strata;

static bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

static GraphNode node(std::string id, std::string cls, Json config, std::vector<TensorRef> inbound = {},
                      std::string layerName = "") {
    GraphNode n;
    n.id = id;
    n.className = std::move(cls);
    n.layerName = layerName.empty() ? id : std::move(layerName);
    n.config = std::move(config);
    n.inbound = std::move(inbound);
    return n;
}

/// The reference two-branch model: Input 784 -> Dense 128 relu / Dense 128 tanh -> Concatenate ->
/// Dense 64 relu -> Dense 10 -> Softmax (218,058 params).
static GraphSpec twoBranch() {
    GraphSpec s;
    s.nodes.push_back(node("in", "InputLayer", {{"shape", {784}}}));
    s.nodes.push_back(node("d1", "Dense", {{"units", 128}, {"activation", "relu"}}, {{"in", 0}}));
    s.nodes.push_back(node("d2", "Dense", {{"units", 128}, {"activation", "tanh"}}, {{"in", 0}}));
    s.nodes.push_back(node("cat", "Concatenate", Json::object(), {{"d1", 0}, {"d2", 0}}));
    s.nodes.push_back(node("d3", "Dense", {{"units", 64}, {"activation", "relu"}}, {{"cat", 0}}));
    s.nodes.push_back(node("d4", "Dense", {{"units", 10}}, {{"d3", 0}}));
    s.nodes.push_back(node("sm", "Softmax", Json::object(), {{"d4", 0}}));
    s.outputs = {{"sm", 0}};
    return s;
}

/// Input -> a chain of `n` Dense 8 layers.
static GraphSpec chain(int n) {
    GraphSpec s;
    s.nodes.push_back(node("in", "InputLayer", {{"shape", {8}}}));
    std::string prev = "in";
    for (int i = 0; i < n; ++i) {
        std::string id = "d" + std::to_string(i);
        s.nodes.push_back(node(id, "Dense", {{"units", 8}}, {{prev, 0}}));
        prev = id;
    }
    s.outputs = {{prev, 0}};
    return s;
}

class TestGraphSpec : public QObject {
    Q_OBJECT
private slots:
    void init() { clearSession(); }

    void validGraphHasShapesFromTheEngine() {
        GraphCheck c = validateGraph(twoBranch());
        QVERIFY2(c.ok(), c.problems.empty() ? "" : c.problems[0].message.c_str());
        QCOMPARE(c.node("in")->outputShapes.at(0).toString(), std::string("(None, 784)"));
        QCOMPARE(c.node("cat")->outputShapes.at(0).toString(), std::string("(None, 256)"));
        QCOMPARE(c.node("sm")->outputShapes.at(0).toString(), std::string("(None, 10)"));
        QVERIFY(c.node("sm")->state == NodeState::Ok);
    }

    void buildsTheReferenceModel() {
        ModelPtr m = buildModel(twoBranch());
        QCOMPARE(m->countParams(), int64_t(218058));
        QCOMPARE(int(m->layers().size()), 7);
        QCOMPARE(m->getLayer("d3")->className(), std::string("Dense"));
    }

    void mismatchedShapesNameTheInputAndMarkDownstreamUnknown() {
        GraphSpec s = twoBranch();
        s.find("d2")->config["units"] = 64;
        s.find("cat")->className = "Add";
        GraphCheck c = validateGraph(s);
        QVERIFY(!c.ok());
        const NodeCheck* add = c.node("cat");
        QVERIFY(add->state == NodeState::Error);
        QVERIFY2(contains(add->message, "input 1"), add->message.c_str());
        QVERIFY2(contains(add->message, "(None, 64)") && contains(add->message, "(None, 128)"), add->message.c_str());
        QVERIFY2(contains(add->message, "'cat'"), add->message.c_str());
        // Downstream nodes are unknown, not more errors: one problem only.
        QVERIFY(c.node("d3")->state == NodeState::Unknown);
        QVERIFY(c.node("sm")->state == NodeState::Unknown);
        QCOMPARE(int(c.problems.size()), 1);
        QCOMPARE(c.problems[0].node, std::string("cat"));
    }

    void unconnectedInputsAndMissingOutputsAreProblems() {
        GraphSpec s = twoBranch();
        s.find("d3")->inbound.clear();
        s.outputs.clear();
        GraphCheck c = validateGraph(s);
        QVERIFY(c.node("d3")->state == NodeState::Error);
        QVERIFY2(contains(c.node("d3")->message, "input 0 is not connected"), c.node("d3")->message.c_str());
        QVERIFY(c.node("d4")->state == NodeState::Unknown);
        bool noOutput = false;
        for (const auto& p : c.problems) noOutput |= p.node.empty() && contains(p.message, "no output");
        QVERIFY(noOutput);
        // A hole in the ports of a merge layer is reported with its index.
        GraphSpec t = twoBranch();
        t.find("cat")->inbound = {{"d1", 0}, {}, {"d2", 0}};
        GraphCheck ct = validateGraph(t);
        QVERIFY2(contains(ct.node("cat")->message, "input 1 is not connected"), ct.node("cat")->message.c_str());
    }

    void cyclesAreReported() {
        GraphSpec s = twoBranch();
        s.find("d1")->inbound = {{"d3", 0}};
        s.find("d1")->config["units"] = 64;
        GraphCheck c = validateGraph(s);
        QVERIFY(!c.ok());
        bool cycle = false;
        for (const auto& p : c.problems) cycle |= p.node.empty() && contains(p.message, "cycle");
        QVERIFY(cycle);
        QVERIFY(c.node("d1")->state == NodeState::Error);
        QVERIFY(c.node("in")->state == NodeState::Ok);
        QVERIFY_THROWS_EXCEPTION(GraphError, buildModel(s));
    }

    void badConfigsAndUnknownClassesAreNodeErrors() {
        GraphSpec s = twoBranch();
        s.find("d3")->config["units"] = -3;
        s.find("sm")->className = "NoSuchLayer";
        GraphCheck c = validateGraph(s);
        QVERIFY(c.node("d3")->state == NodeState::Error);
        QVERIFY2(contains(c.node("d3")->message, "units"), c.node("d3")->message.c_str());
        QVERIFY(c.node("d4")->state == NodeState::Unknown);  // downstream of d3
        // A class the registry does not know is the node's own error, whatever its inputs.
        QVERIFY(c.node("sm")->state == NodeState::Error);
        QVERIFY2(contains(c.node("sm")->message, "NoSuchLayer"), c.node("sm")->message.c_str());
        s.find("d3")->config["units"] = 64;
        c = validateGraph(s);
        QVERIFY(c.node("d4")->state == NodeState::Ok);
        QCOMPARE(int(c.problems.size()), 1);
        // Output index out of range of a single-output layer.
        GraphSpec t = twoBranch();
        t.find("d3")->inbound = {{"cat", 1}};
        c = validateGraph(t);
        QVERIFY2(contains(c.node("d3")->message, "output 1"), c.node("d3")->message.c_str());
    }

    void sharedLayerHasOneSetOfWeights() {
        GraphSpec s;
        s.nodes.push_back(node("in", "InputLayer", {{"shape", {16}}}));
        s.nodes.push_back(node("a", "Dense", {{"units", 16}, {"activation", "relu"}}, {{"in", 0}}, "shared"));
        s.nodes.push_back(node("b", "Dense", {{"units", 16}, {"activation", "relu"}}, {{"a", 0}}, "shared"));
        s.outputs = {{"b", 0}};
        GraphCheck c = validateGraph(s);
        QVERIFY(c.ok());
        ModelPtr m = buildModel(s);
        QCOMPARE(m->countParams(), int64_t(16 * 16 + 16));
        QCOMPARE(int(m->getLayer("shared")->inboundNodes().size()), 2);
        // A call on a different input shape cannot share the weights.
        s.nodes.push_back(node("in2", "InputLayer", {{"shape", {4}}}));
        s.find("b")->inbound = {{"in2", 0}};
        c = validateGraph(s);
        QVERIFY(!c.ok());
        bool found = false;
        for (const auto& p : c.problems) found |= contains(p.message, "shared layer 'shared'");
        QVERIFY(found);
        // Calls that disagree on settings are refused.
        s.find("b")->inbound = {{"a", 0}};
        s.find("b")->config["units"] = 8;
        c = validateGraph(s);
        QVERIFY(!c.ok());
    }

    void roundTripThroughModels() {
        for (auto build : {reference::twoBranchConcatenate, reference::toyResNet, reference::sharedDenseThreeTimes,
                           reference::ticketClassifier, reference::autoencoderFromTwoModels}) {
            clearSession();
            ModelPtr m = build();
            GraphSpec s = graphSpecFromModel(*m);
            GraphCheck c = validateGraph(s);
            QVERIFY2(c.ok(), c.problems.empty() ? "" : c.problems[0].message.c_str());
            ModelPtr back = buildModel(s);
            QCOMPARE(back->countParams(), m->countParams());
            QCOMPARE(back->inputNames(), m->inputNames());
            QCOMPARE(back->outputNames(), m->outputNames());
            QCOMPARE(back->summary(), m->summary());
        }
    }

    void sharedCallsGetDistinctIds() {
        ModelPtr m = reference::sharedDenseThreeTimes();
        GraphSpec s = graphSpecFromModel(*m);
        std::string dense = m->layers().at(1)->name();
        QCOMPARE(int(s.callsOf(dense).size()), 3);
        QVERIFY(s.find(dense + "@1") && s.find(dense + "@2"));
        QCOMPARE(s.find(dense + "@2")->inbound.at(0).node, dense + "@1");
    }

    void jsonRoundTrip() {
        GraphSpec s = twoBranch();
        s.find("cat")->inbound.push_back({});  // an unconnected port survives
        GraphSpec back = graphSpecFromJson(graphSpecToJson(s));
        QCOMPARE(graphSpecToJson(back), graphSpecToJson(s));
        QCOMPARE(int(back.find("cat")->inbound.size()), 3);
        QVERIFY(!back.find("cat")->inbound[2].connected());
        try {
            graphSpecFromJson(Json{{"nodes", {{{"id", "x"}}}}});
            QFAIL("a node without class must be refused");
        } catch (const ConfigError& e) {
            QVERIFY2(contains(e.what(), "class_name") && contains(e.what(), "(x)"), e.what());
        }
    }

    void freshNames() {
        GraphSpec s = twoBranch();
        QCOMPARE(freshLayerName(s, "dense"), std::string("dense"));
        s.find("d1")->layerName = "dense";
        s.find("d2")->layerName = "dense_1";
        QCOMPARE(freshLayerName(s, "dense"), std::string("dense_2"));
    }

    void validatorOnlyAsksTheEngineForWhatChanged() {
        GraphValidator v;
        GraphSpec s = twoBranch();
        v.check(s);
        QVERIFY(v.lastEngineCalls() >= 7);
        v.check(s);
        QCOMPARE(v.lastEngineCalls(), 0);
        // Changing d3's units re-creates d3 and re-checks d3 and its consumers whose inputs changed.
        s.find("d3")->config["units"] = 32;
        GraphCheck c = v.check(s);
        QCOMPARE(c.node("d3")->outputShapes.at(0).toString(), std::string("(None, 32)"));
        QCOMPARE(v.lastEngineCalls(), 3);  // d3: create + shapes; d4: shapes, as its input is now (None, 32)
        // ... d4's output is still (None, 10), so softmax is not asked again.
        // A removed node leaves the cache; re-adding works from scratch.
        s.nodes.pop_back();
        s.outputs = {{"d4", 0}};
        QVERIFY(v.check(s).ok());
    }

    // After an edit only the edited node and what its new shape reaches go to the engine; the rest
    // of a 1,000-node graph comes from the cache. (The time this takes is measured by
    // bench/graph_check_bench.cpp, against the 5 ms target, not asserted here.)
    void thousandNodesRecheckOnlyWhatTheEditReaches() {
        GraphSpec s = chain(1000);
        GraphValidator v;
        QVERIFY(v.check(s).ok());
        QCOMPARE(v.lastEngineCalls(), 2002);  // each node: create the layer, then its shapes
        // Near the end, a new width: d990 is re-created and re-shaped, d991 sees a new input shape,
        // and the shapes after it are the same again.
        s.find("d990")->config["units"] = 16;
        GraphCheck c = v.check(s);
        QVERIFY(c.ok());
        QCOMPARE(v.lastEngineCalls(), 3);
        QCOMPARE(c.node("d999")->outputShapes.at(0), (Shape{kNone, 8}));
        // At the very top, a change that keeps every shape: only that node.
        s.find("d0")->config["activation"] = "tanh";
        QVERIFY(v.check(s).ok());
        QCOMPARE(v.lastEngineCalls(), 2);
    }
};

QTEST_APPLESS_MAIN(TestGraphSpec)
#include "test_graph_spec.moc"
