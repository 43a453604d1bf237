// Live training charts: TensorBoard smoothing against a hand computation, min/max decimation,
// TrainingFeed delivering a real fit() from a training thread to TrainingChartsWidget,
// HistogramWidget and LayerNormsModel through queued signals (coalesced), multi-output grouping,
// x-axis / log-scale / legend / hover behaviour, multi-run overlay, PNG/SVG/CSV export, health
// flags, and writeTrainingPlots' PNG files. Example images of a Fashion-MNIST run go to
// build-*/plot-examples/ (training_charts.png, histograms.png; docs/images has copies).
#include <QtTest/QtTest>

#include <QImage>
#include <QTemporaryDir>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QValueAxis>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/core/random.h"
#include "engine/data/idx.h"
#include "engine/graph/input_layer.h"
#include "engine/graph/model.h"
#include "engine/layers/core/dense.h"
#include "engine/layers/layer_factory.h"
#include "engine/training/trainer.h"
#include "plotting/chart_decimation.h"
#include "plotting/chart_export.h"
#include "plotting/chart_series.h"
#include "plotting/chart_smoothing.h"
#include "plotting/chart_view.h"
#include "plotting/histogram_grid.h"
#include "plotting/histogram_widget.h"
#include "plotting/layer_norms_model.h"
#include "plotting/layer_norms_table.h"
#include "plotting/training_charts_widget.h"
#include "plotting/training_feed.h"
#include "plotting/training_metric_chart.h"
#include "plotting/training_plots.h"
#include "plotting/training_run.h"

using namespace strata;
using namespace strata::plotting;

namespace {

LayerRef<Layer> L(const std::string& cls, Json kw = Json::object()) { return makeLayer(cls, std::move(kw)); }

/// Three Gaussian blobs in 2-D, sparse labels.
void blobs(int64_t n, Tensor& x, Tensor& y, uint64_t seed = 2) {
    Rng rng(seed);
    const float cx[3] = {-2, 2, 0}, cy[3] = {-1, -1, 2};
    x = Tensor({n, 2});
    y = Tensor({n});
    for (int64_t i = 0; i < n; ++i) {
        int k = int(i % 3);
        x[2 * i] = cx[k] + 0.5f * rng.normal();
        x[2 * i + 1] = cy[k] + 0.5f * rng.normal();
        y[i] = float(k);
    }
}

ModelPtr classifier(int64_t in, int64_t hidden, int64_t classes) {
    auto x = Input({in}, "features");
    KerasTensor h = L("Dense", {{"units", hidden}, {"activation", "relu"}, {"name", "hidden"}})(x);
    KerasTensor o = L("Dense", {{"units", classes}, {"activation", "softmax"}, {"name", "classes"}})(h);
    auto m = makeModel(x, o);
    m->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    return m;
}

std::string readFile(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Pixels of `image` close to `color` (anti-aliasing tolerated).
int countColor(const QImage& image, const QColor& color, int tolerance = 40) {
    int n = 0;
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            if (std::abs(c.red() - color.red()) + std::abs(c.green() - color.green()) + std::abs(c.blue() - color.blue()) <
                tolerance)
                ++n;
        }
    return n;
}

const QColor kTrainOrange(0xf5, 0x7c, 0x00);
const QColor kValidationBlue(0x19, 0x76, 0xd2);

History smallHistory() {
    History h;
    Logs l0{{"accuracy", 0.5}, {"loss", 1.5}, {"val_accuracy", 0.45}, {"val_loss", 1.6}};
    Logs l1{{"accuracy", 0.75}, {"loss", 0.75}, {"val_accuracy", 0.7}, {"val_loss", 0.9}};
    Logs l2{{"accuracy", 0.875}, {"loss", 0.5}, {"val_accuracy", 0.8}, {"val_loss", 0.625}};
    h.onEpochEnd(0, l0);
    h.onEpochEnd(1, l1);
    h.onEpochEnd(2, l2);
    return h;
}

QList<QPointF> points(QLineSeries* s) { return s ? s->points() : QList<QPointF>{}; }

}  // namespace

class TestTrainingCharts : public QObject {
    Q_OBJECT
private slots:
    void init() {
        clearSession();
        setSeed(7);
    }

    // ---- smoothing ----------------------------------------------------------------------------
    void smoothingMatchesHandComputation() {
        // w = 0.6, values 1, 2, 3, NaN, 5 (TensorBoard's debiased EMA; NaN passes through):
        //   1: last = 0.4            / (1 - 0.6)    = 1
        //   2: last = 0.24 + 0.8 = 1.04   / (1 - 0.36)   = 1.625
        //   3: last = 0.624 + 1.2 = 1.824 / (1 - 0.216)  = 2.3265306...
        //   5: last = 1.0944 + 2 = 3.0944 / (1 - 0.1296) = 3.5551470...
        const std::vector<double> v{1, 2, 3, std::nan(""), 5};
        const auto s = smoothEma(v, 0.6);
        QCOMPARE(s.size(), size_t(5));
        QVERIFY(std::abs(s[0] - 1.0) < 1e-12);
        QVERIFY(std::abs(s[1] - 1.625) < 1e-12);
        QVERIFY(std::abs(s[2] - 1.824 / 0.784) < 1e-12);
        QVERIFY(std::isnan(s[3]));
        QVERIFY(std::abs(s[4] - 3.0944 / 0.8704) < 1e-12);
        // Weight 0 is the identity.
        const auto none = smoothEma({3, 1, 4}, 0.0);
        QCOMPARE(none, (std::vector<double>{3, 1, 4}));

        // ChartSeries keeps the smoothed values up to date on append and on a new weight.
        ChartSeries series;
        series.setSmoothing(0.6);
        for (size_t i = 0; i < v.size(); ++i) series.append(double(i + 1), double(i + 1) / 5, v[i]);
        QVERIFY(std::abs(series.smoothed()[2] - s[2]) < 1e-12);
        QVERIFY(std::abs(series.smoothed()[4] - s[4]) < 1e-12);
        series.setSmoothing(0.0);
        QCOMPARE(series.smoothed()[1], 2.0);
    }

    // ---- decimation ---------------------------------------------------------------------------
    void decimationKeepsMinMax() {
        const size_t n = 100000;
        std::vector<double> x(n), y(n);
        for (size_t i = 0; i < n; ++i) {
            x[i] = double(i + 1);
            y[i] = std::sin(double(i) * 0.001) + 0.01 * double(i % 7);
        }
        // One-sample spikes (a diverging batch) must survive decimation.
        const size_t spikes[] = {12345, 54321, 99998};
        y[spikes[0]] = 50.0;
        y[spikes[1]] = -40.0;
        y[spikes[2]] = 30.0;
        y[777] = std::nan("");
        const QList<QPointF> d = decimateMinMax(x.data(), y.data(), n, {.buckets = 500});
        QVERIFY(d.size() <= 4 * 500);
        QVERIFY(d.size() >= 2 * 500);
        double lo = 1e300, hi = -1e300;
        for (qsizetype i = 0; i < d.size(); ++i) {
            lo = std::min(lo, d[i].y());
            hi = std::max(hi, d[i].y());
            QVERIFY(std::isfinite(d[i].y()));
            if (i > 0) QVERIFY(d[i].x() >= d[i - 1].x());
        }
        QCOMPARE(hi, 50.0);
        QCOMPARE(lo, -40.0);
        for (size_t s : spikes) {
            bool found = false;
            for (const auto& p : d) found = found || (p.x() == x[s] && p.y() == y[s]);
            QVERIFY2(found, qPrintable(QString("spike at %1 dropped").arg(s)));
        }
        QCOMPARE(d.front().x(), 1.0);
        QCOMPARE(d.back().x(), double(n));
        // Min and max of every bucket are kept: the bucket holding x = 30001 has its own extremes.
        const double bucketWidth = double(n - 1) / 500;
        const int b = int((30001.0 - 1.0) / bucketWidth);
        double blo = 1e300, bhi = -1e300;
        for (size_t i = 0; i < n; ++i)
            if (std::min(499, int((x[i] - 1.0) / bucketWidth)) == b && std::isfinite(y[i])) {
                blo = std::min(blo, y[i]);
                bhi = std::max(bhi, y[i]);
            }
        bool haveLo = false, haveHi = false;
        for (const auto& p : d) {
            haveLo = haveLo || p.y() == blo;
            haveHi = haveHi || p.y() == bhi;
        }
        QVERIFY(haveLo && haveHi);

        // Mean decimation (for smoothed curves): one point per bucket, at the bucket's averages.
        QList<QPointF> m = decimateMean(x.data(), y.data(), n, {.buckets = 100});
        QCOMPARE(m.size(), qsizetype(102));  // and the first and last points
        QCOMPARE(m.front(), QPointF(x[0], y[0]));
        QCOMPARE(m.back(), QPointF(x[n - 1], y[n - 1]));
        m.removeFirst();
        {
            const double w = double(n - 1) / 100;
            double sx = 0, sy = 0;
            int count = 0;
            for (size_t i = 0; i < n; ++i)
                if (int((x[i] - 1.0) / w) == 0 && std::isfinite(y[i])) sx += x[i], sy += y[i], ++count;
            QVERIFY(std::abs(m[0].x() - sx / count) < 1e-9);
            QVERIFY(std::abs(m[0].y() - sy / count) < 1e-9);
        }

        // Short series come back whole; log axes drop non-positive values.
        std::vector<double> sx{1, 2, 3, 4}, sy{0.5, -1, 0, 2};
        QCOMPARE(decimateMinMax(sx.data(), sy.data(), 4, {.buckets = 100}).size(), qsizetype(4));
        const auto pos = decimateMinMax(sx.data(), sy.data(), 4, {.buckets = 100, .positiveOnly = true});
        QCOMPARE(pos.size(), qsizetype(2));
        QCOMPARE(pos[1], QPointF(4, 2));
    }

    // ---- live feed from a training thread ----------------------------------------------------
    void chartsReceivePointsFromTrainingThread() {
        Tensor x, y;
        blobs(300, x, y);
        auto model = classifier(2, 16, 3);
        auto feed = std::make_shared<TrainingFeed>();
        feed->setActivationProbe({x.slice0(0, 64)});

        TrainingChartsWidget charts;
        HistogramWidget histograms;
        LayerNormsModel norms;
        charts.connectFeed(feed.get(), "blobs");
        histograms.connectFeed(feed.get());
        norms.connectFeed(feed.get());

        // Where and how often the slots run.
        std::atomic<int> wrongThread{0};
        int batchSignals = 0, epochSignals = 0, finished = 0;
        std::vector<int64_t> steps;
        QThread* gui = QThread::currentThread();
        connect(feed.get(), &TrainingFeed::batchesReady, &charts, [&](const QVector<BatchRecord>& b) {
            if (QThread::currentThread() != gui) ++wrongThread;
            ++batchSignals;
            for (const auto& r : b) steps.push_back(r.step);
        });
        connect(feed.get(), &TrainingFeed::epochEnded, &charts, [&](const EpochRecord&) { ++epochSignals; });
        connect(feed.get(), &TrainingFeed::trainingFinished, &charts, [&] { ++finished; });

        const int epochs = 4;
        const int64_t batchSize = 16;
        History history;
        std::thread::id trainingThread;
        std::thread worker([&] {
            trainingThread = std::this_thread::get_id();
            history = model->fit(x, y,
                                 {.batchSize = batchSize, .epochs = epochs, .verbose = 0, .callbacks = {feed},
                                  .validationSplit = 0.2});
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished, 1, 60000);
        worker.join();
        QVERIFY(trainingThread != std::this_thread::get_id());
        charts.refreshNow();

        const int64_t stepsPerEpoch = (240 + batchSize - 1) / batchSize;  // 240 training samples
        const int64_t totalSteps = epochs * stepsPerEpoch;
        QCOMPARE(wrongThread.load(), 0);
        QCOMPARE(epochSignals, epochs);
        QCOMPARE(int64_t(steps.size()), totalSteps);
        for (size_t i = 0; i < steps.size(); ++i) QCOMPARE(steps[i], int64_t(i + 1));
        QVERIFY(batchSignals >= 1 && batchSignals <= totalSteps);

        QCOMPARE(charts.chartTags(), (QStringList{"loss", "accuracy"}));
        TrainingMetricChart* loss = charts.chart("loss");
        QVERIFY(loss);
        QCOMPARE(int(loss->lines().size()), 2);
        QCOMPARE(loss->lines()[0].kind, SeriesKind::TrainBatch);
        QCOMPARE(loss->lines()[1].kind, SeriesKind::Validation);
        // Laid out at a real size, few points are drawn as they are: one per batch and per epoch.
        prepareOffscreen(&charts, 1100, 500);
        QTRY_COMPARE(loss->drawBuckets(), int(loss->chart()->plotArea().width()));
        QCOMPARE(points(loss->drawnSeries(0)).size(), qsizetype(totalSteps));
        QCOMPARE(points(loss->drawnSeries(1)).size(), qsizetype(epochs));
        // Raw curves equal the logs (smoothing 0.6 by default: the faint raw series holds them).
        const auto rawVal = points(loss->rawSeries(1));
        QCOMPARE(rawVal.size(), qsizetype(epochs));
        for (int e = 0; e < epochs; ++e) {
            QCOMPARE(rawVal[e].x(), double((e + 1) * stepsPerEpoch));
            QVERIFY(std::abs(rawVal[e].y() - history["val_loss"][size_t(e)]) < 1e-9);
        }
        const TrainingRun& run = charts.run(0);
        const ChartSeries* trainEpoch = run.series("loss", SeriesKind::TrainEpoch);
        QVERIFY(trainEpoch);
        QVERIFY(std::abs(trainEpoch->values().back() - history["loss"].back()) < 1e-9);
        // The last batch's running loss is the epoch's loss (Keras's epoch-to-date averages).
        QVERIFY(std::abs(run.series("loss", SeriesKind::TrainBatch)->values().back() - history["loss"].back()) < 1e-6);

        // Rendered: the orange train and blue validation curves are on the image.
        const QImage image = charts.grab().toImage();
        QVERIFY(!image.isNull());
        QVERIFY(countColor(image, kTrainOrange) > 50);
        QVERIFY(countColor(image, kValidationBlue) > 20);

        // Histograms: one slice per epoch for both Dense layers; activations from the probe.
        QCOMPARE(histograms.layers(), (QStringList{"hidden", "classes"}));
        QCOMPARE(int(histograms.diagnostics().size()), epochs);
        QCOMPARE(int(histograms.view()->slices().size()), epochs);
        histograms.setLayer("hidden");
        histograms.setKind(HistogramKind::Activations);
        QCOMPARE(int(histograms.view()->slices().size()), epochs);
        QCOMPARE(histograms.view()->slices()[0].histogram.total, int64_t(64 * 16));
        histograms.setKind(HistogramKind::Gradients);
        QCOMPARE(int(histograms.view()->slices().size()), epochs);
        QCOMPARE(histograms.view()->slices()[0].histogram.total, int64_t(2 * 16 + 16));

        // Norms of the last epoch: real numbers for both layers, no flags on this healthy model.
        QCOMPARE(norms.rowCount(), 2);
        const EpochDiagnostics& last = norms.diagnostics();
        QCOMPARE(last.epoch, epochs - 1);
        QCOMPARE(last.step, totalSteps);
        for (const auto& l : last.layers) {
            QVERIFY(l.weightNorm > 0);
            QVERIFY(l.gradNorm > 0 && std::isfinite(l.gradNorm));
            QVERIFY(std::isfinite(l.updateRatio) && l.updateRatio > 0 && l.updateRatio < 1);
        }
        QVERIFY(last.layers[0].isRelu);
        QVERIFY(std::isfinite(last.layers[0].zeroActivationFraction));
        QVERIFY(!last.layers[1].isRelu);
        // The weight norm is that of the layer's kernel and bias.
        auto* hidden = dynamic_cast<Dense*>(model->getLayer("hidden").get());
        double w2 = 0;
        for (float v : hidden->kernel()->value.values()) w2 += double(v) * v;
        for (float v : hidden->bias()->value.values()) w2 += double(v) * v;
        QVERIFY(std::abs(last.layers[0].weightNorm - std::sqrt(w2)) < 1e-9 * std::sqrt(w2) + 1e-12);
        QCOMPARE(norms.data(norms.index(0, LayerNormsModel::Status)).toString(), QString("ok"));
    }

    void batchesAreCoalesced() {
        Tensor x, y;
        blobs(1200, x, y);
        auto model = classifier(2, 4, 3);
        auto countSignals = [&](std::chrono::milliseconds interval) {
            auto feed = std::make_shared<TrainingFeed>();
            feed->setBatchInterval(interval);
            feed->setDiagnosticsEnabled(false);
            int emitted = 0, records = 0;
            connect(feed.get(), &TrainingFeed::batchesReady, feed.get(),
                    [&](const QVector<BatchRecord>& b) { ++emitted, records += int(b.size()); });
            model->fit(x, y, {.batchSize = 4, .epochs = 2, .verbose = 0, .callbacks = {feed}});
            QCoreApplication::processEvents();
            return std::pair{emitted, records};
        };
        // 300 fast batches per epoch take far less than 40 ms each: a handful of signals.
        const auto [coalesced, all] = countSignals(std::chrono::milliseconds(40));
        QCOMPARE(all, 600);
        QVERIFY2(coalesced <= 600 / 4, qPrintable(QString::number(coalesced)));
        // Without an interval every batch is its own signal.
        const auto [each, all2] = countSignals(std::chrono::milliseconds(0));
        QCOMPARE(all2, 600);
        QCOMPARE(each, 600);
    }

    // ---- grouping, axes, legend, hover ------------------------------------------------------
    void multiOutputGroupsChartsByOutput() {
        QCOMPARE(outputGroupOf("department_loss", {"department", "priority"}), std::string("department"));
        QCOMPARE(outputGroupOf("loss", {"department", "priority"}), std::string());
        QCOMPARE(outputGroupOf("dense_1_accuracy", {"dense", "dense_1"}), std::string("dense_1"));
        QCOMPARE(outputGroupOf("accuracy", {"dense"}), std::string());

        TrainingChartsWidget charts;
        const int run = charts.addRun("tickets");
        charts.startRun(run, TrainingStart{{"department", "priority"}, 2, 10});
        for (int e = 0; e < 2; ++e) {
            EpochRecord r;
            r.epoch = e;
            r.step = 10 * (e + 1);
            r.logs = Logs{{"department_accuracy", 0.5}, {"department_loss", 1.0}, {"loss", 2.0}, {"priority_loss", 1.0},
                          {"val_department_accuracy", 0.4}, {"val_department_loss", 1.1}, {"val_loss", 2.2},
                          {"val_priority_loss", 1.1}};
            charts.addEpoch(run, r);
        }
        charts.refreshNow();
        QCOMPARE(charts.sections(), (QStringList{"", "department", "priority"}));
        QCOMPARE(charts.chartTags(), (QStringList{"loss", "department_loss", "department_accuracy", "priority_loss"}));
        for (const QString& t : charts.chartTags()) QCOMPARE(int(charts.chart(t)->lines().size()), 2);
    }

    void multiOutputFitGetsOneSectionPerOutput() {
        // A real two-output model: the feed's output names are the log prefixes the trainer uses.
        auto in = Input({4}, "features");
        KerasTensor h = L("Dense", {{"units", 8}, {"activation", "relu"}})(in);
        KerasTensor priority = L("Dense", {{"units", 1}, {"activation", "sigmoid"}, {"name", "priority"}})(h);
        KerasTensor department = L("Dense", {{"units", 3}, {"activation", "softmax"}, {"name", "department"}})(h);
        auto model = makeModel(std::vector<KerasTensor>{in}, std::vector<KerasTensor>{priority, department});
        model->compile({.optimizer = "adam",
                        .loss = LossMap{{"priority", "binary_crossentropy"}, {"department", "categorical_crossentropy"}},
                        .metrics = MetricMap{{"department", {"accuracy"}}}});
        Rng rng(3);
        const int64_t n = 64;
        Tensor x({n, 4}), yp({n, 1}), yd({n, 3}, 0.0f);
        for (auto& v : x.values()) v = rng.uniform(-1, 1);
        for (int64_t i = 0; i < n; ++i) {
            yp[i] = x[4 * i] > 0 ? 1.0f : 0.0f;
            yd[3 * i + (x[4 * i + 1] > 0 ? 0 : 1)] = 1.0f;
        }
        auto feed = std::make_shared<TrainingFeed>();
        TrainingChartsWidget charts;
        charts.connectFeed(feed.get(), "tickets");
        model->fit(x, NamedArrays{{"priority", yp}, {"department", yd}},
                   {.batchSize = 16, .epochs = 2, .verbose = 0, .callbacks = {feed}, .validationSplit = 0.25});
        QCoreApplication::processEvents();
        charts.refreshNow();
        QCOMPARE(charts.run(0).outputNames(), (std::vector<std::string>{"priority", "department"}));
        QCOMPARE(charts.sections(), (QStringList{"", "priority", "department"}));
        QCOMPARE(charts.chartTags(), (QStringList{"loss", "priority_loss", "department_loss", "department_accuracy"}));
        for (const QString& t : charts.chartTags()) QCOMPARE(int(charts.chart(t)->lines().size()), 2);
        // Example image (build-*/plot-examples/): sections per output, log scale.
        charts.setLogScale(true);
        charts.setXAxisMode(XAxisMode::Epoch);
        prepareOffscreen(&charts, 1100, 1120);
        QDir().mkpath(QStringLiteral(STRATA_BINARY_DIR "/plot-examples"));
        QVERIFY(exportWidgetPng(&charts, QStringLiteral(STRATA_BINARY_DIR "/plot-examples/multi_output_charts.png")));
    }

    void xAxisModesAndLogScale() {
        TrainingChartsWidget charts;
        charts.setSmoothing(0.0);
        const int run = charts.addRun("r");
        charts.startRun(run, TrainingStart{{"out"}, 2, 4});
        QVector<BatchRecord> batches;
        for (int e = 0; e < 2; ++e)
            for (int b = 0; b < 4; ++b) {
                BatchRecord r;
                r.epoch = e;
                r.batch = b;
                r.step = e * 4 + b + 1;
                r.epochPos = e + (b + 1) / 4.0;
                r.logs = Logs{{"loss", b == 1 ? 0.0 : 1.0 / double(r.step)}};
                batches.push_back(r);
            }
        charts.addBatches(run, batches);
        charts.refreshNow();
        TrainingMetricChart* loss = charts.chart("loss");
        QVERIFY(loss);
        auto pts = points(loss->drawnSeries(0));
        QCOMPARE(pts.size(), qsizetype(8));
        QCOMPARE(pts[2].x(), 3.0);
        charts.setXAxisMode(XAxisMode::Epoch);
        pts = points(loss->drawnSeries(0));
        QCOMPARE(pts[2].x(), 0.75);
        QCOMPARE(pts[7].x(), 2.0);
        QVERIFY(qobject_cast<QValueAxis*>(loss->chart()->axes(Qt::Vertical).front()));
        charts.setLogScale(true);
        auto* logAxis = qobject_cast<QCategoryAxis*>(loss->chart()->axes(Qt::Vertical).front());
        QVERIFY(logAxis);
        // Zero losses cannot be drawn on a log axis: two batches (b == 1) dropped; the others are
        // drawn at log10(loss) = -log10(step), labelled at the values.
        pts = points(loss->drawnSeries(0));
        QCOMPARE(pts.size(), qsizetype(6));
        QVERIFY(std::abs(pts[1].y() - std::log10(1.0 / 3.0)) < 1e-12);
        QVERIFY(logAxis->categoriesLabels().contains("1"));
        QVERIFY(logAxis->categoriesLabels().contains("0.2"));
        QCOMPARE(logTicks(std::log10(0.03), std::log10(2.0)), (std::vector<double>{0.05, 0.1, 0.2, 0.5, 1, 2}));
        QCOMPARE(logTicks(std::log10(0.3), std::log10(0.6)), (std::vector<double>{0.3, 0.4, 0.5, 0.6}));
        charts.setLogScale(false);
        QCOMPARE(points(loss->drawnSeries(0)).size(), qsizetype(8));
        // Per-epoch granularity switches the train curve to the epoch logs (none here: no line).
        charts.setTrainGranularity(SeriesKind::TrainEpoch);
        QCOMPARE(int(loss->lines().size()), 0);
        charts.setTrainGranularity(SeriesKind::TrainBatch);
        QCOMPARE(int(loss->lines().size()), 1);
    }

    void hoverReadoutAndLegendToggle() {
        TrainingChartsWidget charts;
        charts.setSmoothing(0.5);
        charts.addHistory(smallHistory(), "run");
        charts.refreshNow();
        TrainingMetricChart* loss = charts.chart("loss");
        QVERIFY(loss);
        prepareOffscreen(loss, 600, 400);
        loss->refresh();
        // Epoch 2 sits at step 2 (no steps per epoch known). Smoothed train loss with w = 0.5:
        // last1 = 0.5 * 1.5 = 0.75, last2 = 0.5 * 0.75 + 0.5 * 0.75 = 0.75, / (1 - 0.25) = 1.
        const QString text = loss->hoverAt(2.2);
        QVERIFY2(text.startsWith("step 2"), qPrintable(text));
        QVERIFY2(text.contains("train 1 (raw 0.75)"), qPrintable(text));
        QVERIFY2(text.contains("validation"), qPrintable(text));
        QVERIFY(loss->readoutText().contains("train 1 (raw 0.75)"));

        // The mouse over the plot area produces the same read-out.
        loss->clearHover();
        QVERIFY(loss->readoutText().isEmpty());
        QChart* c = loss->chart();
        const QPointF scene = c->mapToScene(c->mapToPosition(QPointF(3.0, 1.0), c->series().front()));
        const QPoint pos = loss->view()->mapFromScene(scene);
        QWidget* viewport = loss->view()->viewport();
        QMouseEvent move(QEvent::MouseMove, QPointF(pos), viewport->mapToGlobal(QPointF(pos)), Qt::NoButton,
                         Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &move);
        QVERIFY2(loss->readoutText().startsWith("step 3"), qPrintable(loss->readoutText()));

        // Clicking a legend entry hides the line and keeps the entry (dimmed) to bring it back.
        QLegendMarker* marker = c->legend()->markers(loss->drawnSeries(1)).front();
        emit marker->clicked();
        QVERIFY(!loss->lineVisible(1));
        QVERIFY(!loss->drawnSeries(1)->isVisible());
        QVERIFY(marker->isVisible());
        QVERIFY(!loss->hoverAt(3).contains("validation"));
        emit marker->clicked();
        QVERIFY(loss->lineVisible(1));
        QVERIFY(loss->drawnSeries(1)->isVisible());
        // Raw-series legend entries are hidden (one entry per line).
        int shown = 0;
        for (auto* m : c->legend()->markers()) shown += m->isVisible() ? 1 : 0;
        QCOMPARE(shown, 2);
    }

    void overlaysSeveralRuns() {
        TrainingChartsWidget charts;
        charts.addHistory(smallHistory(), "adam");
        History h2 = smallHistory();
        charts.addHistory(h2, "sgd");
        charts.refreshNow();
        TrainingMetricChart* loss = charts.chart("loss");
        QCOMPARE(int(loss->lines().size()), 4);
        QCOMPARE(loss->lines()[0].label, QString("adam · train"));
        QCOMPARE(loss->lines()[3].label, QString("sgd · validation"));
        QVERIFY(loss->lines()[0].color != loss->lines()[2].color);
        QVERIFY(loss->lines()[3].dashed);
        QCOMPARE(loss->chart()->series().size(), qsizetype(8));  // smoothed + raw per line

        // Clearing disconnects feeds: a feed still running no longer writes into the widget.
        TrainingFeed feed;
        charts.connectFeed(&feed, "live");
        charts.clearRuns();
        QCOMPARE(charts.runCount(), 0);
        QVERIFY(charts.chartTags().isEmpty());
        emit feed.epochEnded(EpochRecord{0, 1, Logs{{"loss", 1.0}}});
        charts.refreshNow();
        QVERIFY(charts.chartTags().isEmpty());
        charts.addHistory(smallHistory(), "again");
        charts.refreshNow();
        QCOMPARE(charts.chartTags(), (QStringList{"loss", "accuracy"}));
    }

    // ---- export -----------------------------------------------------------------------------
    void exportsCsvPngSvg() {
        TrainingChartsWidget charts;
        charts.setSmoothing(0.0);
        charts.addHistory(smallHistory(), "run,1");
        charts.refreshNow();
        TrainingMetricChart* loss = charts.chart("loss");
        QCOMPARE(loss->csv(), QString("run,series,step,epoch,value,smoothed\n"
                                      "\"run,1\",train,1,1,1.5,1.5\n"
                                      "\"run,1\",train,2,2,0.75,0.75\n"
                                      "\"run,1\",train,3,3,0.5,0.5\n"
                                      "\"run,1\",validation,1,1,1.6,1.6\n"
                                      "\"run,1\",validation,2,2,0.9,0.9\n"
                                      "\"run,1\",validation,3,3,0.625,0.625\n"));
        QTemporaryDir dir;
        const QString csv = dir.filePath("loss.csv"), png = dir.filePath("loss.png"), svg = dir.filePath("loss.svg");
        QVERIFY(loss->exportCsv(csv));
        QCOMPARE(QString::fromStdString(readFile(csv)), loss->csv());
        prepareOffscreen(loss, 640, 400);
        QVERIFY(loss->exportPng(png, 2.0));
        QImage img(png);
        QCOMPARE(img.size(), QSize(1280, 800));
        QVERIFY(countColor(img, kTrainOrange) > 100);
        QVERIFY(countColor(img, kValidationBlue) > 50);
        QVERIFY(loss->exportSvg(svg));
        const std::string s = readFile(svg);
        QVERIFY(s.find("<svg") != std::string::npos);
        QVERIFY(s.find("<path") != std::string::npos || s.find("<polyline") != std::string::npos);
        QVERIFY(s.find("loss") != std::string::npos);  // the title is text, not pixels
        QVERIFY(!loss->exportPng(dir.filePath("missing/dir/loss.png")));
    }

    // ---- diagnostics and health flags ------------------------------------------------------
    void histogramsCountEveryValue() {
        std::vector<float> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, std::nanf("")};
        const Histogram h = makeHistogram(v, 10);
        QCOMPARE(h.total, int64_t(10));
        QCOMPARE(h.nonFinite, int64_t(1));
        QCOMPARE(h.min, 0.0);
        QCOMPARE(h.max, 9.0);
        double sum = 0;
        for (double c : h.counts) sum += c;
        QCOMPARE(sum, 10.0);
        // Bins of width 0.9: one value each, the maximum in the last bin (not past it).
        for (double c : h.counts) QCOMPARE(c, 1.0);
        const Histogram zeros = makeHistogram(std::vector<float>(5, 0.0f));
        QCOMPARE(zeros.total, int64_t(5));
        QVERIFY(zeros.max > zeros.min);
    }

    void deadReluAndVanishingGradientsAreFlagged() {
        // A ReLU layer whose bias is hugely negative never fires: every unit is dead and no
        // gradient reaches its weights.
        Tensor x, y;
        blobs(120, x, y);
        auto model = classifier(2, 8, 3);
        model->predict(x.slice0(0, 2));
        auto* hidden = dynamic_cast<Dense*>(model->getLayer("hidden").get());
        hidden->bias()->value.fill(-100.0f);
        auto recorder = std::make_shared<DiagnosticsRecorder>();
        recorder->setActivationProbe({x.slice0(0, 50)});
        model->fit(x, y, {.batchSize = 20, .epochs = 2, .verbose = 0, .callbacks = {recorder}});
        QCOMPARE(int(recorder->epochs().size()), 2);
        const LayerDiagnostics* h = recorder->epochs().back().find("hidden");
        QVERIFY(h);
        QCOMPARE(h->deadUnitFraction, 1.0);
        QCOMPARE(h->zeroActivationFraction, 1.0);
        QCOMPARE(h->gradNorm, 0.0);
        QVERIFY(h->deadRelu());
        QVERIFY(h->vanishing());

        LayerNormsModel norms;
        norms.setDiagnostics(recorder->epochs().back());
        QCOMPARE(norms.flags(0), (QStringList{"vanishing gradients", "dead ReLUs"}));
        QCOMPARE(norms.data(norms.index(0, LayerNormsModel::DeadUnits)).toString(), QString("100.0%"));
        QVERIFY(norms.data(norms.index(0, 0), Qt::BackgroundRole).isValid());
        QVERIFY(norms.flags(1).isEmpty());
        QVERIFY(!norms.data(norms.index(1, 0), Qt::BackgroundRole).isValid());

        // Exploding: large or non-finite gradient norms.
        EpochDiagnostics d;
        LayerDiagnostics big;
        big.layer = "big";
        big.gradNorm = 5e3;
        LayerDiagnostics nan;
        nan.layer = "nan";
        nan.gradNorm = std::nan("");
        nan.gradFinite = false;
        LayerDiagnostics fine;
        fine.layer = "fine";
        fine.gradNorm = 0.5;
        fine.isRelu = true;  // no probe: dead-ReLU check skipped
        d.layers = {big, nan, fine};
        norms.setDiagnostics(d);
        QCOMPARE(norms.rowCount(), 3);
        QCOMPARE(norms.flags(0), QStringList{"exploding gradients"});
        QCOMPARE(norms.flags(1), QStringList{"exploding gradients"});
        QCOMPARE(norms.data(norms.index(1, LayerNormsModel::GradNorm)).toString(), QString("non-finite"));
        QVERIFY(norms.flags(2).isEmpty());
        QCOMPARE(norms.data(norms.index(2, LayerNormsModel::DeadUnits)).toString(), QString("—"));
    }

    void histogramViewDrawsEverySlice() {
        std::vector<HistogramSlice> slices;
        for (int e = 0; e < 5; ++e) {
            std::vector<float> v;
            Rng rng(uint64_t(e + 1));
            for (int i = 0; i < 2000; ++i) v.push_back(float(e) * 0.3f + (1.0f + 0.2f * e) * rng.normal());
            slices.push_back({e, makeHistogram(v)});
        }
        HistogramOffsetView view;
        view.setTitle("dense · weights");
        view.setSlices(slices);
        prepareOffscreen(&view, 520, 360);
        const QImage img = view.grab().toImage();
        // The newest slice (front) is dark orange, the oldest (back) light orange.
        QVERIFY(countColor(img, QColor(0xe6, 0x51, 0x00), 30) > 200);
        QVERIFY(countColor(img, QColor(0xff, 0xe0, 0xb2), 20) > 50);
        HistogramOffsetView empty;
        prepareOffscreen(&empty, 300, 200);
        QCOMPARE(countColor(empty.grab().toImage(), QColor(0xe6, 0x51, 0x00), 30), 0);
    }

    // ---- offscreen files ----------------------------------------------------------------------
    void writeTrainingPlotsWritesPngs() {
        Tensor x, y;
        blobs(200, x, y);
        auto model = classifier(2, 8, 3);
        auto recorder = std::make_shared<DiagnosticsRecorder>();
        History h = model->fit(x, y, {.batchSize = 20, .epochs = 3, .verbose = 0, .callbacks = {recorder},
                                      .validationSplit = 0.25});
        QTemporaryDir dir;
        const std::string out = dir.filePath("plots/run1").toStdString();
        const auto files = writeTrainingPlots(h, recorder->epochs(), out, {.svg = true});
        namespace fs = std::filesystem;
        for (const char* name : {"loss.png", "accuracy.png", "loss.svg", "histograms.png", "layer_norms.png"})
            QVERIFY2(fs::exists(fs::path(out) / name), name);
        QVERIFY(!fs::exists(fs::path(out) / "val_loss.png"));
        QCOMPARE(files.size(), size_t(6));
        QImage loss(QString::fromStdString((fs::path(out) / "loss.png").string()));
        QCOMPARE(loss.size(), QSize(720, 440));
        QVERIFY(countColor(loss, kTrainOrange) > 100);
        QVERIFY(countColor(loss, kValidationBlue) > 50);
        QImage hist(QString::fromStdString((fs::path(out) / "histograms.png").string()));
        QVERIFY(hist.width() >= 3 * 380 && hist.height() >= 2 * 270);
        QVERIFY(countColor(hist, QColor(0xe6, 0x51, 0x00), 30) > 200);

        // Without diagnostics: only the curves.
        const std::string out2 = dir.filePath("plain").toStdString();
        QCOMPARE(writeTrainingPlots(h, out2).size(), size_t(2));
        QVERIFY(!fs::exists(fs::path(out2) / "histograms.png"));
    }

    // ---- example images (docs/images) -------------------------------------------------------
    void fashionMnistExampleImages() {
        const std::string dataDir = defaultFashionMnistDir();
        if (!std::filesystem::exists(dataDir)) QSKIP("Fashion-MNIST not installed");
        FashionMnist data = loadFashionMnist(dataDir, 6000, 0);
        Tensor xs = data.xTrain.reshaped({data.xTrain.dim(0), 784});
        for (auto& v : xs.values()) v /= 255.0f;
        auto in = Input({784}, "pixels");
        KerasTensor h1 = L("Dense", {{"units", 128}, {"activation", "relu"}, {"name", "dense"}})(in);
        KerasTensor h2 = L("Dense", {{"units", 64}, {"activation", "relu"}, {"name", "dense_1"}})(h1);
        KerasTensor o = L("Dense", {{"units", 10}, {"activation", "softmax"}, {"name", "predictions"}})(h2);
        auto model = makeModel(in, o, "fashion_mlp");
        model->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});

        auto feed = std::make_shared<TrainingFeed>();
        feed->setActivationProbe({xs.slice0(0, 256)});
        TrainingChartsWidget charts;
        HistogramGrid grid;
        std::vector<EpochDiagnostics> diags;
        charts.connectFeed(feed.get(), "fashion_mlp");
        connect(feed.get(), &TrainingFeed::diagnosticsReady, &charts,
                [&](const EpochDiagnostics& d) { diags.push_back(d); });
        bool done = false;
        connect(feed.get(), &TrainingFeed::trainingFinished, &charts, [&] { done = true; });
        History history;
        std::thread worker([&] {
            history = model->fit(xs, data.yTrain,
                       {.batchSize = 64, .epochs = 8, .verbose = 0, .callbacks = {feed}, .validationSplit = 0.2});
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 300000);
        worker.join();
        QCOMPARE(int(diags.size()), 8);

        const QString outDir = QStringLiteral(STRATA_BINARY_DIR "/plot-examples");
        QDir().mkpath(outDir);
        prepareOffscreen(&charts, 1200, 440);
        charts.refreshNow();
        QVERIFY(exportWidgetPng(&charts, outDir + "/training_charts.png"));
        grid.setDiagnostics(diags);
        prepareOffscreen(&grid, 380 * grid.columns() + 16, 270 * grid.rows() + 16);
        QVERIFY(exportWidgetPng(&grid, outDir + "/histograms.png"));
        QVERIFY(QImage(outDir + "/training_charts.png").width() == 1200);
        // What `strata train --plot-dir` writes for the same run.
        const auto files = writeTrainingPlots(history, diags, (outDir + "/plot-dir").toStdString());
        QCOMPARE(files.size(), size_t(4));
    }
};

QTEST_MAIN(TestTrainingCharts)
#include "test_training_charts.moc"
