// Every model in ../shared/keras-files (saved by real Keras releases): load it, check the
// architecture against case.json, predict on in_*.npy and compare with expected_*.npy using
// |strata - expected| <= 1e-5 + 1e-4 |expected|. Cases marked "must be refused" must fail with an
// error naming the unsupported layer and the file. A summary table is printed at the end.
#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <map>

#include "engine/core/errors.h"
#include "engine/data/npy.h"
#include "engine/graph/model_config.h"
#include "engine/io/hdf5.h"
#include "engine/io/model_io.h"
#include "engine/io/zip_archive.h"

using namespace strata;

namespace {

const QString kRoot = QString(STRATA_SHARED_DIR) + "/keras-files";
constexpr float kAtol = 1e-5f, kRtol = 1e-4f;

struct Comparison {
    float maxAbs = 0;       ///< max |a - e|
    float worstRatio = 0;   ///< max |a - e| / (atol + rtol |e|): > 1 fails
    int64_t worstIndex = -1;
    float got = 0, want = 0;
    bool shapeOk = true;
};

Comparison compare(const Tensor& got, const Tensor& want) {
    Comparison c;
    if (got.shape() != want.shape()) {
        c.shapeOk = false;
        c.maxAbs = INFINITY;
        c.worstRatio = INFINITY;
        return c;
    }
    for (int64_t i = 0; i < got.size(); ++i) {
        float d = std::fabs(got[i] - want[i]);
        if (std::isnan(got[i]) != std::isnan(want[i])) d = INFINITY;
        else if (std::isnan(got[i])) d = 0;
        float r = d / (kAtol + kRtol * std::fabs(want[i]));
        c.maxAbs = std::max(c.maxAbs, d);
        if (r > c.worstRatio || c.worstIndex < 0) {
            c.worstRatio = r;
            c.worstIndex = i;
            c.got = got[i];
            c.want = want[i];
        }
    }
    return c;
}

std::string layerHistogram(const Model& m) {
    std::map<std::string, int> counts;
    std::function<void(const Model&)> walk = [&](const Model& mm) {
        for (const auto& l : mm.layers()) {
            counts[l->className()]++;
            if (l->isModel()) walk(static_cast<const Model&>(*l));
        }
    };
    walk(m);
    std::string s;
    for (const auto& [k, v] : counts) s += (s.empty() ? "" : ", ") + k + " x" + std::to_string(v);
    return s;
}

struct Row {
    std::string name, result, detail;
};
std::vector<Row>& summary() {
    static std::vector<Row> rows;
    return rows;
}

}  // namespace

class TestKerasFiles : public QObject {
    Q_OBJECT
private slots:
    void sharedFolderExists() {
        QVERIFY2(QDir(kRoot).exists(), qPrintable("missing " + kRoot));
        QVERIFY(QDir(kRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size() >= 14);
    }

    void cases_data() {
        QTest::addColumn<QString>("dir");
        for (const auto& d : QDir(kRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
            QTest::newRow(qPrintable(d)) << (kRoot + "/" + d);
    }

    void cases() {
        QFETCH(QString, dir);
        const std::string name = QFileInfo(dir).fileName().toStdString();
        Json c = Json::parse(readTextFile((dir + "/case.json").toStdString()));
        const std::string status = c.value("status", "");
        const Json& files = c["files"];
        const std::string modelFile = (dir + "/").toStdString() + files["model"]["file"].get<std::string>();
        LoadOptions lo;
        if (files.contains("config")) lo.configPath = (dir + "/").toStdString() + files["config"]["file"].get<std::string>();

        if (status.rfind("must be refused", 0) == 0) {
            try {
                loadModel(modelFile, lo);
            } catch (const NotSupportedError& e) {
                QString msg = e.what();
                qInfo("%s: refused: %s", name.c_str(), e.what());
                summary().push_back({name, "refused (as required)", msg.left(160).toStdString()});
                QVERIFY2(msg.contains(QString::fromStdString(files["model"]["file"].get<std::string>())), qPrintable(msg));
                if (name.find("lambda") != std::string::npos) QVERIFY2(msg.contains("Lambda"), qPrintable(msg));
                return;
            } catch (const Error& e) {
                summary().push_back({name, "FAIL", std::string("wrong error type: ") + e.what()});
                QFAIL(qPrintable(QString("expected NotSupportedError, got: ") + e.what()));
            }
            summary().push_back({name, "FAIL", "loaded although it must be refused"});
            QFAIL("the model loaded although it must be refused");
        }

        // ---- load ----
        ModelPtr m;
        std::string loadError;
        try {
            m = loadModel(modelFile, lo);
        } catch (const Error& e) {
            loadError = e.what();
        }
        if (!m) {
            summary().push_back({name, "FAIL (load)", loadError});
            QFAIL(qPrintable(QString::fromStdString(name + ": loading failed: " + loadError)));
        }

        // ---- architecture ----
        std::string arch;
        const Json& mi = c["model_inputs"];
        auto inNames = m->inputNames();
        if (m->inputs().size() != mi.size()) {
            arch += "model has " + std::to_string(m->inputs().size()) + " inputs, case.json " + std::to_string(mi.size()) + "; ";
        } else {
            for (size_t i = 0; i < mi.size(); ++i) {
                std::string wantName = mi[i]["name"].get<std::string>();
                if (inNames[i] != wantName) arch += "input " + std::to_string(i) + " is '" + inNames[i] + "', expected '" + wantName + "'; ";
                std::vector<int64_t> want;
                for (const auto& d : mi[i]["shape"]) want.push_back(d.is_null() ? kNone : d.get<int64_t>());
                auto got = m->inputs()[i].shape().dims();
                if (got != want)
                    arch += "input " + std::to_string(i) + " shape " + shapeToString(got) + ", expected " + shapeToString(want) + "; ";
            }
        }
        const Json& mo = c["model_outputs"];
        auto outNames = m->outputNames();
        if (m->outputs().size() != mo.size()) {
            arch += "model has " + std::to_string(m->outputs().size()) + " outputs, case.json " + std::to_string(mo.size()) + "; ";
        } else {
            for (size_t i = 0; i < mo.size(); ++i) {
                std::string n = mo[i]["name"].get<std::string>();
                n = n.substr(0, n.find('/'));
                if (outNames[i] != n) arch += "output " + std::to_string(i) + " is '" + outNames[i] + "', expected '" + n + "'; ";
            }
        }
        if (!arch.empty()) {
            summary().push_back({name, "FAIL (architecture)", arch});
            QFAIL(qPrintable(QString::fromStdString(name + ": " + arch)));
        }

        // ---- predict ----
        std::vector<Tensor> inputs;
        for (const auto& f : c["inputs"]) {
            Tensor t = loadNpy((dir + "/").toStdString() + f.get<std::string>());
            size_t i = inputs.size();
            if (i < m->inputs().size() && m->inputs()[i].dtype() == DType::Int32) t.setDType(DType::Int32);
            inputs.push_back(std::move(t));
        }
        auto fail = [](const std::string& msg) {
            QTest::qFail(msg.c_str(), __FILE__, __LINE__);
            return false;
        };
        auto runAndCompare = [&](ModelPtr model, const std::string& which, const Json& expectedFiles) -> bool {
            std::vector<Tensor> outs;
            try {
                outs = model->predict(inputs, 32);
            } catch (const Error& e) {
                summary().push_back({name, "FAIL (predict)", which + ": " + e.what()});
                return fail(name + " " + which + ": predict failed: " + e.what());
            }
            if (outs.size() != expectedFiles.size())
                return fail(name + ": " + std::to_string(outs.size()) + " outputs, expected " +
                            std::to_string(expectedFiles.size()));
            float worstAbs = 0;
            bool ok = true;
            std::string detail;
            for (size_t j = 0; j < expectedFiles.size(); ++j) {
                Tensor want = loadNpy((dir + "/").toStdString() + expectedFiles[j].get<std::string>());
                Comparison cmp = compare(outs[j], want);
                worstAbs = std::max(worstAbs, cmp.maxAbs);
                char line[400];
                if (!cmp.shapeOk) {
                    std::snprintf(line, sizeof line, "output %zu: shape %s, expected %s", j,
                                  outs[j].shapeString().c_str(), want.shapeString().c_str());
                    ok = false;
                } else {
                    std::snprintf(line, sizeof line, "output %zu: max|diff| %.3g (worst at flat index %lld: %.8g vs %.8g, %.2fx tolerance)",
                                  j, double(cmp.maxAbs), static_cast<long long>(cmp.worstIndex), double(cmp.got),
                                  double(cmp.want), double(cmp.worstRatio));
                    if (cmp.worstRatio > 1) ok = false;
                }
                detail += (detail.empty() ? "" : "; ") + std::string(line);
            }
            qInfo("%s [%s] %s: %s", name.c_str(), which.c_str(), ok ? "PASS" : "FAIL", detail.c_str());
            char head[64];
            std::snprintf(head, sizeof head, "%s max|diff| %.3g", ok ? "pass" : "FAIL", double(worstAbs));
            summary().push_back({name + (which == "model" ? "" : " [" + which + "]"), head,
                                 ok ? "" : detail + " | layers: " + layerHistogram(*model)});
            if (!ok) return fail(name + " [" + which + "] " + detail + " | layers: " + layerHistogram(*model));
            return true;
        };
        if (!runAndCompare(m, "model", c["expected_outputs"])) return;
        if (c.contains("keras_predictions") && !c["keras_predictions"].empty())
            if (!runAndCompare(m, "vs keras predictions", c["keras_predictions"])) return;
        if (files.contains("twin")) {
            ModelPtr twin;
            std::string twinFile = (dir + "/").toStdString() + files["twin"]["file"].get<std::string>();
            try {
                twin = loadModel(twinFile, lo);
            } catch (const Error& e) {
                summary().push_back({name + " [twin]", "FAIL (load)", e.what()});
                QFAIL(qPrintable(QString("twin: ") + e.what()));
            }
            if (!runAndCompare(twin, "twin " + files["twin"]["file"].get<std::string>(), c["expected_outputs"])) return;
        }
    }

    void cleanupTestCase() {
        std::string s = "\n==== keras-files summary ====\n";
        for (const auto& r : summary()) {
            s += r.name + std::string(r.name.size() < 48 ? 48 - r.name.size() : 1, ' ') + r.result;
            if (!r.detail.empty()) s += "\n    " + r.detail;
            s += "\n";
        }
        qInfo("%s", s.c_str());
    }
};

QTEST_APPLESS_MAIN(TestKerasFiles)
#include "test_keras_files.moc"
