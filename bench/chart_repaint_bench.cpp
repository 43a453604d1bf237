// Chart repaint benchmark (issue 5): a training chart holding 100,000 batch points must repaint in
// under 16 ms (one frame at 60 Hz). Measured offscreen (QT_QPA_PLATFORM=offscreen unless set), as
// the median of many repaints of a TrainingMetricChart's view at 900x500:
//   repaint          – paint only (what a resize or an expose costs),
//   append+refresh   – one new point, re-smoothing, min/max decimation, QXYSeries::replace and
//                      the repaint (what every coalesced live update costs),
//   undecimated      – for reference: the same 100,000 points handed to a bare QLineSeries.
// Usage: bench_chart_repaint [points] [repeats]. Exit status 1 if a decimated median is over 16 ms.
#include <QApplication>
#include <QElapsedTimer>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "plotting/chart_export.h"
#include "plotting/chart_view.h"
#include "plotting/training_metric_chart.h"
#include "plotting/training_run.h"

using namespace strata;
using namespace strata::plotting;

namespace {

template <class F>
double medianMs(int repeats, F&& f) {
    std::vector<double> t;
    for (int i = 0; i < repeats; ++i) {
        QElapsedTimer timer;
        timer.start();
        f(i);
        t.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

QVector<BatchRecord> syntheticBatches(int64_t n, int64_t stepsPerEpoch) {
    std::mt19937 rng(42);
    std::normal_distribution<double> noise(0.0, 0.05);
    QVector<BatchRecord> out;
    out.reserve(n);
    for (int64_t s = 1; s <= n; ++s) {
        BatchRecord r;
        r.step = s;
        r.epoch = int((s - 1) / stepsPerEpoch);
        r.batch = (s - 1) % stepsPerEpoch;
        r.epochPos = r.epoch + double(r.batch + 1) / double(stepsPerEpoch);
        r.logs = Logs{{"loss", 2.0 * std::exp(-double(s) / 20000.0) + 0.3 + noise(rng)}};
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 100000;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 60;
    const int64_t stepsPerEpoch = 1000;

    TrainingRun run("bench");
    run.setSmoothing(0.6);
    run.start(TrainingStart{{"output"}, int(n / stepsPerEpoch), stepsPerEpoch});
    run.addBatches(syntheticBatches(n, stepsPerEpoch));
    for (int e = 0; e < n / stepsPerEpoch; ++e)
        run.addEpoch(EpochRecord{e, (e + 1) * stepsPerEpoch, Logs{{"val_loss", 0.5 + 1.0 / (e + 1)}}});

    TrainingMetricChart chart("loss");
    chart.setLines({{&run, "loss", SeriesKind::TrainBatch, "train", QColor(0xf5, 0x7c, 0x00), false},
                    {&run, "loss", SeriesKind::Validation, "validation", QColor(0x19, 0x76, 0xd2), true}});
    prepareOffscreen(&chart, 900, 500);
    chart.refresh();
    QWidget* viewport = chart.view()->viewport();
    viewport->repaint();  // warm-up: fonts, caches

    const qsizetype drawn = chart.drawnSeries(0)->count() + chart.rawSeries(0)->count();
    const double repaint = medianMs(repeats, [&](int) { viewport->repaint(); });

    int64_t step = n;
    QVector<BatchRecord> one(1);
    const double update = medianMs(repeats, [&](int) {
        ++step;
        one[0].step = step;
        one[0].epochPos = double(step) / double(stepsPerEpoch);
        one[0].logs = Logs{{"loss", 0.3}};
        run.addBatches(one);
        chart.refresh();
        viewport->repaint();
    });

    // Reference: what drawing every point would cost.
    QLineSeries* raw = new QLineSeries;
    QList<QPointF> all;
    const ChartSeries* s = run.series("loss", SeriesKind::TrainBatch);
    all.reserve(qsizetype(s->size()));
    for (size_t i = 0; i < s->size(); ++i) all.append(QPointF(s->x(XAxisMode::Step)[i], s->smoothed()[i]));
    raw->replace(all);
    QChart* plain = new QChart;
    plain->addSeries(raw);
    plain->createDefaultAxes();
    plain->legend()->hide();
    QChartView plainView(plain);
    plainView.setRenderHint(QPainter::Antialiasing);
    prepareOffscreen(&plainView, 900, 500);
    plainView.viewport()->repaint();
    const double undecimated = medianMs(std::max(5, repeats / 6), [&](int) { plainView.viewport()->repaint(); });

    // STRATA_BENCH_PNG=file.png: look at what was measured.
    if (qEnvironmentVariableIsSet("STRATA_BENCH_PNG")) chart.exportPng(qEnvironmentVariable("STRATA_BENCH_PNG"));
    std::printf("chart repaint benchmark: %lld points, 900x500, %d repeats, median\n", (long long)n, repeats);
    std::printf("  drawn after decimation:      %lld points (smoothed + raw)\n", (long long)drawn);
    std::printf("  repaint:                     %.2f ms\n", repaint);
    std::printf("  append + refresh + repaint:  %.2f ms\n", update);
    std::printf("  undecimated QLineSeries:     %.2f ms (reference)\n", undecimated);
    const bool ok = repaint < 16.0 && update < 16.0;
    std::printf("%s: budget 16 ms\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
