// Every registered layer spec, read the way the editor reads it: the node text ("brief") comes
// from raw configs that may be partial or hold wrong types while the user edits. A brief must
// never read out of bounds; at worst it throws a std::exception that the caller reports.
#include <QtTest/QtTest>

#include "engine/core/json.h"
#include "engine/layers/layer_registry.h"

using namespace strata;

class TestLayerSpecs : public QObject {
    Q_OBJECT
private slots:
    void briefReadsAnEmptyConfig() {
        int checked = 0;
        for (const LayerSpec* s : LayerRegistry::instance().all()) {
            if (!s->brief) continue;
            try {
                (void)s->brief(Json::object());
            } catch (const std::exception& e) {
                QFAIL(qPrintable(QString::fromStdString(s->className + ": brief of {} threw: " + e.what())));
            }
            ++checked;
        }
        QVERIFY(checked > 20);
    }

    void briefReadsTheDefaultConfig() {
        for (const LayerSpec* s : LayerRegistry::instance().all()) {
            if (!s->brief) continue;
            Json cfg;
            try {
                cfg = LayerRegistry::instance().normalize(s->className, Json::object(), /*strict=*/false);
            } catch (const std::exception&) {
                continue;  // required parameters (Dense.units) — covered by the empty-config case
            }
            try {
                (void)s->brief(cfg);
            } catch (const std::exception& e) {
                QFAIL(qPrintable(QString::fromStdString(s->className + ": brief of defaults threw: " + e.what())));
            }
        }
    }

    void briefSurvivesWrongTypes() {
        // Every parameter set to a value of the wrong kind: briefs may throw, never crash.
        for (const LayerSpec* s : LayerRegistry::instance().all()) {
            if (!s->brief) continue;
            for (const Json& wrong : {Json::array({Json::object()}), Json("x"), Json(nullptr), Json(-3)}) {
                Json cfg = Json::object();
                for (const auto& p : s->params) cfg[p.name] = wrong;
                try {
                    (void)s->brief(cfg);
                } catch (const std::exception&) {
                }
            }
        }
    }

    void constMissingKeyThrowsInsteadOfUndefinedBehaviour() {
        // The guard in engine/core/json.h: what was UB under NDEBUG is now an exception.
        const Json c = Json::object();
        QVERIFY_THROWS_EXCEPTION(std::logic_error, (void)c["activation"]);
    }
};

QTEST_APPLESS_MAIN(TestLayerSpecs)
#include "test_layer_specs.moc"
