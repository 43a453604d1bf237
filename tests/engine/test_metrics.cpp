// Metrics: values against hand-computed numbers and Keras's docstring examples, accumulation over
// several batches, reset, sample weights, "accuracy" resolution from the shapes, subclassing.
#include <QtTest/QtTest>

#include <cmath>

#include "engine/core/errors.h"
#include "engine/training/metrics.h"

using namespace strata;

namespace {
/// A user metric: fraction of predictions above zero.
class PositiveRate : public Metric {
public:
    PositiveRate() : Metric("positive_rate") {}
    void updateState(const Tensor&, const Tensor& yPred, const Tensor* = nullptr) override {
        for (float v : yPred.values()) {
            pos_ += v > 0;
            n_ += 1;
        }
    }
    double result() const override { return n_ ? pos_ / n_ : 0; }
    void resetState() override { pos_ = n_ = 0; }
private:
    double pos_ = 0, n_ = 0;
};
}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void meanAndWrapper() {
        Mean m;
        m.update(1);
        m.update(3, 3);
        QCOMPARE(m.result(), 2.5);  // (1 + 9) / 4
        m.resetState();
        QCOMPARE(m.result(), 0.0);
        MeanMetricWrapper w("first", [](const Tensor&, const Tensor& p, std::vector<float>& out) {
            out.assign({p[0], p[1]});
        });
        w.updateState(Tensor(), Tensor::of({2, 1}, {1, 2}));
        w.updateState(Tensor(), Tensor::of({2, 1}, {3, 6}));
        QCOMPARE(w.result(), 3.0);
    }

    void accuracies() {
        BinaryAccuracy bin;
        bin.updateState(Tensor::of({4, 1}, {1, 0, 1, 0}), Tensor::of({4, 1}, {0.7f, 0.2f, 0.4f, 0.6f}));
        QCOMPARE(bin.result(), 0.5);
        BinaryAccuracy low("binary_accuracy", 0.3);
        low.updateState(Tensor::of({4, 1}, {1, 0, 1, 0}), Tensor::of({4, 1}, {0.7f, 0.2f, 0.4f, 0.6f}));
        QCOMPARE(low.result(), 0.75);
        // Keras docstring: [[1], [1], [0], [0]] vs [[0.98], [1], [0], [0.6]] -> 0.75
        BinaryAccuracy doc;
        doc.updateState(Tensor::of({4, 1}, {1, 1, 0, 0}), Tensor::of({4, 1}, {0.98f, 1, 0, 0.6f}));
        QCOMPARE(doc.result(), 0.75);

        CategoricalAccuracy cat;
        cat.updateState(Tensor::of({2, 3}, {0, 0, 1, 0, 1, 0}), Tensor::of({2, 3}, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0}));
        QCOMPARE(cat.result(), 0.5);  // Keras docstring
        cat.updateState(Tensor::of({2, 3}, {1, 0, 0, 1, 0, 0}), Tensor::of({2, 3}, {0.9f, 0.1f, 0, 0.8f, 0.1f, 0.1f}));
        QCOMPARE(cat.result(), 0.75);  // accumulates over batches
        cat.resetState();
        QCOMPARE(cat.result(), 0.0);

        SparseCategoricalAccuracy sparse;
        sparse.updateState(Tensor::of({2}, {2, 1}), Tensor::of({2, 3}, {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0}));
        QCOMPARE(sparse.result(), 0.5);  // Keras docstring
        SparseCategoricalAccuracy sparse2;
        sparse2.updateState(Tensor::of({2, 1}, {2, 1}), Tensor::of({2, 3}, {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0}));
        QCOMPARE(sparse2.result(), 0.5);
        // Sample weights (Keras docstring: [0.7, 0.3] -> 0.3).
        SparseCategoricalAccuracy weighted;
        Tensor sw = Tensor::of({2}, {0.7f, 0.3f});
        weighted.updateState(Tensor::of({2}, {2, 1}), Tensor::of({2, 3}, {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0}), &sw);
        QVERIFY(std::fabs(weighted.result() - 0.3) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(ShapeError, sparse.updateState(Tensor::of({3}, {0, 1, 2}), Tensor({2, 3})));

        TopKCategoricalAccuracy top2(2), top3(3);
        Tensor yt = Tensor::of({2, 3}, {0, 0, 1, 0, 1, 0});
        Tensor yp = Tensor::of({2, 3}, {0.3f, 0.5f, 0.2f, 0.1f, 0.7f, 0.2f});
        top2.updateState(yt, yp);
        top3.updateState(yt, yp);
        QCOMPARE(top2.result(), 0.5);
        QCOMPARE(top3.result(), 1.0);
        // Keras docstring (k=1): [[0,0,1],[0,1,0]] vs [[0.1,0.9,0.8],[0.05,0.95,0]] -> 0.5
        TopKCategoricalAccuracy top1(1);
        top1.updateState(Tensor::of({2, 3}, {0, 0, 1, 0, 1, 0}), Tensor::of({2, 3}, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0}));
        QCOMPARE(top1.result(), 0.5);
        SparseTopKCategoricalAccuracy stop2(2);
        stop2.updateState(Tensor::of({2}, {2, 1}), yp);
        QCOMPARE(stop2.result(), 0.5);
        QCOMPARE(int(cat.direction()), int(MetricDirection::Up));
    }

    void regression() {
        auto mse = MeanSquaredErrorMetric();
        auto mae = MeanAbsoluteErrorMetric();
        RootMeanSquaredError rmse;
        Tensor yt = Tensor::of({2, 2}, {1, 2, 3, -1});
        Tensor yp = Tensor::of({2, 2}, {1.5f, 1, 2, 0});
        mse->updateState(yt, yp);
        mae->updateState(yt, yp);
        rmse.updateState(yt, yp);
        QCOMPARE(mse->result(), 0.8125);
        QCOMPARE(mae->result(), 0.875);
        QVERIFY(std::fabs(rmse.result() - std::sqrt(0.8125)) < 1e-12);
        // A second batch of one row: means over the three rows.
        mse->updateState(Tensor::of({1, 2}, {0, 0}), Tensor::of({1, 2}, {2, 2}));
        QVERIFY(std::fabs(mse->result() - (0.625 + 1.0 + 4.0) / 3) < 1e-9);
        QCOMPARE(QString::fromStdString(mse->name()), QString("mean_squared_error"));
        QCOMPARE(int(mse->direction()), int(MetricDirection::Down));
        // Keras docstring: RMSE of [[0,1],[0,0]] vs [[1,1],[0,0]] = 0.5
        RootMeanSquaredError doc;
        doc.updateState(Tensor::of({2, 2}, {0, 1, 0, 0}), Tensor::of({2, 2}, {1, 1, 0, 0}));
        QCOMPARE(doc.result(), 0.5);
    }

    void precisionRecall() {
        Precision p;
        Recall r;
        Tensor yt = Tensor::of({4}, {0, 1, 1, 1});
        Tensor yp = Tensor::of({4}, {1, 0, 1, 1});
        p.updateState(yt, yp);
        r.updateState(yt, yp);
        QVERIFY(std::fabs(p.result() - 2.0 / 3.0) < 1e-9);  // Keras docstrings
        QVERIFY(std::fabs(r.result() - 2.0 / 3.0) < 1e-9);
        Precision pw;
        Recall rw;
        Tensor sw = Tensor::of({4}, {0, 0, 1, 0});
        pw.updateState(yt, yp, &sw);
        rw.updateState(yt, yp, &sw);
        QCOMPARE(pw.result(), 1.0);
        QCOMPARE(rw.result(), 1.0);
        // class_id picks one column of one-hot predictions.
        Precision c1(0.5, 1);
        c1.updateState(Tensor::of({3, 2}, {1, 0, 0, 1, 0, 1}), Tensor::of({3, 2}, {0.2f, 0.8f, 0.4f, 0.6f, 0.9f, 0.1f}));
        QVERIFY(std::fabs(c1.result() - 0.5) < 1e-9);  // predicted class 1 for rows 0, 1; right once
        Precision empty;
        QCOMPARE(empty.result(), 0.0);
    }

    void auc() {
        AUC m(3);
        m.updateState(Tensor::of({4}, {0, 0, 1, 1}), Tensor::of({4}, {0, 0.5f, 0.3f, 0.9f}));
        QCOMPARE(m.result(), 0.75);  // Keras docstring
        AUC w(3);
        Tensor sw = Tensor::of({4}, {1, 0, 0, 1});
        w.updateState(Tensor::of({4}, {0, 0, 1, 1}), Tensor::of({4}, {0, 0.5f, 0.3f, 0.9f}), &sw);
        QCOMPARE(w.result(), 1.0);
        // With 200 thresholds a ranking with one swapped pair out of 4 x 4 gives 15/16.
        AUC fine;
        Tensor labels = Tensor::of({8}, {0, 0, 0, 0, 1, 1, 1, 1});
        Tensor scores = Tensor::of({8}, {0.1f, 0.2f, 0.3f, 0.62f, 0.6f, 0.7f, 0.8f, 0.9f});
        fine.updateState(labels, scores);
        QVERIFY(std::fabs(fine.result() - 15.0 / 16.0) < 1e-6);
        // PR curve of a perfect ranking is 1.
        AUC pr(200, AUC::Curve::PR);
        pr.updateState(labels, Tensor::of({8}, {0.1f, 0.2f, 0.3f, 0.4f, 0.6f, 0.7f, 0.8f, 0.9f}));
        QVERIFY(std::fabs(pr.result() - 1.0) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(ValueError, fine.updateState(Tensor::of({1}, {1}), Tensor::of({1}, {1.5f})));
        fine.resetState();
        QCOMPARE(fine.result(), 0.0);
    }

    void resolution() {
        auto bin = makeMetric("accuracy", {32, 1}, {32, 1});
        QCOMPARE(QString::fromStdString(bin->className()), QString("BinaryAccuracy"));
        QCOMPARE(QString::fromStdString(bin->name()), QString("accuracy"));
        auto sparse = makeMetric("acc", {32}, {32, 10});
        QCOMPARE(QString::fromStdString(sparse->className()), QString("SparseCategoricalAccuracy"));
        QCOMPARE(QString::fromStdString(sparse->name()), QString("acc"));
        QCOMPARE(QString::fromStdString(makeMetric("accuracy", {32, 1}, {32, 10})->className()),
                 QString("SparseCategoricalAccuracy"));
        QCOMPARE(QString::fromStdString(makeMetric("accuracy", {32, 10}, {32, 10})->className()),
                 QString("CategoricalAccuracy"));
        QCOMPARE(QString::fromStdString(makeMetric("mae")->name()), QString("mae"));
        QCOMPARE(QString::fromStdString(makeMetric("mae")->className()), QString("MeanAbsoluteError"));
        QCOMPARE(QString::fromStdString(makeMetric("AUC")->name()), QString("auc"));
        QCOMPARE(QString::fromStdString(makeMetric("RootMeanSquaredError")->name()), QString("root_mean_squared_error"));
        QCOMPARE(QString::fromStdString(makeMetric("top_k_categorical_accuracy")->className()),
                 QString("TopKCategoricalAccuracy"));
        auto ce = makeMetric("binary_crossentropy");
        ce->updateState(Tensor::of({2, 2}, {0, 1, 0, 0}), Tensor::of({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f}));
        QVERIFY(std::fabs(ce->result() - 0.8149245) < 1e-5);
        auto cfg = makeMetric(Json{{"class_name", "BinaryAccuracy"}, {"config", {{"name", "acc_03"}, {"threshold", 0.3}}}});
        QCOMPARE(QString::fromStdString(cfg->name()), QString("acc_03"));
        QCOMPARE(cfg->getConfig()["threshold"].get<double>(), double(0.3f));
        QVERIFY_THROWS_EXCEPTION(ValueError, makeMetric("acuracy"));
    }

    void subclass() {
        PositiveRate m;
        m.updateState(Tensor(), Tensor::of({4}, {1, -1, 2, 0}));
        QCOMPARE(m.result(), 0.5);
        m.resetState();
        QCOMPARE(m.result(), 0.0);
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "test_metrics.moc"
