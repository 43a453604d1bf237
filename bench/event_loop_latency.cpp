// Event-loop latency while training (issue 5): with a worker thread training the Fashion-MNIST MLP
// and the charts, progress and histograms updating, the Studio's event loop answers a zero-delay
// timer within 50 ms (99th percentile). Measured offscreen (QT_QPA_PLATFORM=offscreen unless set)
// as round trips of QTimer::singleShot(0) through a nested QEventLoop, with 2 ms of ordinary event
// processing (redraws) between probes. The probes spanning the start and the end of the run are
// transitions and are reported apart. This is a timing, so it lives here and not in the tests:
// on a loaded machine (a parallel build, CI) the scheduler alone can exceed 50 ms.
// Usage: bench_event_loop_latency [epochs] [samples]. Exit status 1 if the p99 is 50 ms or more.
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QMainWindow>
#include <QTimer>
#include <QtTest>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/studio/training/data_dock.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_session.h"
#include "app/studio/training/training_workbench.h"
#include "engine/graph/model_config.h"

using namespace strata;
using namespace strata::studio;

int main(int argc, char** argv) {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int epochs = argc > 1 ? std::atoi(argv[1]) : 3;
    const int64_t samples = argc > 2 ? std::atoll(argv[2]) : 12000;

    const std::string config = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");
    DataSourceSpec spec;
    spec.maxTrain = samples;
    spec.maxTest = 1000;
    const Dataset data = loadDataset(spec);

    QMainWindow window;
    TrainingWorkbench bench([&] { return modelFromJsonString(config); });
    bench.install(&window);
    bench.documentReset();
    bench.dataDock()->setDataset(data);
    TrainingSettings s = bench.trainingDock()->settings();
    s.epochs = epochs;
    s.batchSize = 32;
    bench.trainingDock()->setSettings(s);
    window.resize(1400, 900);
    window.show();
    if (!bench.startTraining()) {
        std::fprintf(stderr, "training did not start\n");
        return 2;
    }
    std::vector<double> steady, transitions;
    QElapsedTimer round;
    while (bench.session()->isActive()) {
        const int64_t stepBefore = bench.session()->lastProgress().step;
        QEventLoop loop;
        round.start();
        QTimer::singleShot(0, &loop, &QEventLoop::quit);
        loop.exec();
        const double ms = double(round.nsecsElapsed()) / 1e6;
        (stepBefore > 0 && bench.session()->isActive() ? steady : transitions).push_back(ms);
        QTest::qWait(2);
    }
    if (steady.size() < 10) {
        std::fprintf(stderr, "only %zu probes during training\n", steady.size());
        return 2;
    }
    std::sort(steady.begin(), steady.end());
    const double median = steady[steady.size() / 2], p99 = steady[steady.size() * 99 / 100];
    const auto over = std::count_if(steady.begin(), steady.end(), [](double v) { return v >= 50.0; });
    std::printf("event loop round trips while training (%d epochs, %lld samples): %zu probes, median %.2f ms, "
                "p99 %.2f ms, max %.2f ms, %lld over 50 ms; start/end transitions: max %.2f ms\n",
                epochs, (long long)samples, steady.size(), median, p99, steady.back(), (long long)over,
                transitions.empty() ? 0.0 : *std::max_element(transitions.begin(), transitions.end()));
    return p99 < 50.0 ? 0 : 1;
}
