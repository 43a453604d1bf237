// Thread safety of the trainer: the training thread draws weights, shuffles and dropout masks from
// a generator of its own (seeded from the Seed setting), never from the process generator the GUI
// thread uses when it builds models (saving, the summary, diagrams) — so a run is the same whether
// or not the GUI draws random numbers meanwhile, and the GUI's sequence is not moved by the run.
// The model crosses threads only as a snapshot (config text and weight copies).
#include <QCoreApplication>
#include <QtTest>

#include "app/studio/training/data_mapping.h"
#include "app/studio/training/data_source.h"
#include "app/studio/training/training_session.h"
#include "engine/core/random.h"
#include "engine/core/thread_rng.h"
#include "engine/graph/model_config.h"
#include "engine/io/model_io.h"

using namespace strata;
using namespace strata::studio;

class TestTrainingThreads : public QObject {
    Q_OBJECT

    std::string config_;
    Dataset data_;

    TrainingJob job() {
        TrainingJob j;
        j.model = ModelSnapshot::ofConfig(config_);  // fresh weights, drawn in the training thread
        j.settings.epochs = 3;
        j.settings.batchSize = 32;
        j.settings.shuffle = true;
        j.settings.seed = 7;
        j.settings.validationSplit = 0.1;
        ModelPtr m = j.model.build();
        j.data = prepareTrainingData(*m, {data_}, {}, j.settings);
        return j;
    }

    /// Runs `j`; while it runs, `meanwhile` is called in the GUI thread between events.
    TrainingOutcome run(TrainingJob j, const std::function<void()>& meanwhile) {
        TrainingSession session;
        session.start(std::move(j));
        while (session.isActive()) {
            if (meanwhile) meanwhile();
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        }
        return session.lastOutcome();
    }

    static void sameCurve(const std::vector<double>& got, const std::vector<double>& want, const char* key) {
        QCOMPARE(got.size(), want.size());
        for (size_t e = 0; e < got.size(); ++e)
            QVERIFY2(std::fabs(got[e] - want[e]) <= 1e-5 * std::max(1.0, std::fabs(want[e])),
                     qPrintable(QString("%1 at epoch %2: %3 vs %4").arg(key).arg(e + 1).arg(got[e], 0, 'g', 10).arg(want[e], 0, 'g', 10)));
    }

private slots:
    void initTestCase() {
        config_ = readTextFile(STRATA_SOURCE_DIR "/examples/models/09_fashion_mnist_mlp.json");  // has Dropout
        DataSourceSpec spec;
        spec.maxTrain = 1500;
        spec.maxTest = 10;
        data_ = loadDataset(spec);
    }

    void threadRngScopeIsPerThread() {
        setSeed(5);
        const uint64_t first = Rng(5).next();
        Rng own(99);
        {
            ThreadRngScope scope(own);
            setSeed(1);  // reseeds the thread's own generator only
            QCOMPARE(globalRng().next(), Rng(1).next());
        }
        QCOMPARE(globalRng().next(), first);  // the process generator did not move
    }

    void aRunIsTheSameWhateverTheGuiThreadDraws() {
        const TrainingOutcome quiet = run(job(), {});
        QCOMPARE(quiet.end, TrainingOutcome::End::Finished);

        // The GUI thread reseeds and draws, and builds models (fresh weights) the whole time.
        int draws = 0;
        const TrainingOutcome busy = run(job(), [&] {
            setSeed(123);
            for (int i = 0; i < 200; ++i) globalRng().next();
            ModelPtr m = modelFromJsonString(config_);
            buildModelWeights(*m);
            ++draws;
        });
        QCOMPARE(busy.end, TrainingOutcome::End::Finished);
        QVERIFY(draws > 3);
        // Equal up to the summation order of the parallel GEMM (which depends on the load); a
        // reseeded shuffle or other dropout masks would differ in the second or third digit.
        for (const char* key : {"loss", "val_loss", "accuracy"}) sameCurve(*busy.history.find(key), *quiet.history.find(key), key);
        // The same model: the same predictions (weights themselves are not compared element by
        // element: Adam turns rounding-level differences in near-zero gradients into full steps).
        const Tensor x = data_.xTrain.slice0(0, 50).reshaped({50, 784});
        QVERIFY(allClose(busy.model.build()->predict(x), quiet.model.build()->predict(x), 1e-3, 1e-4));

        // And a run leaves the GUI thread's generator where it was.
        TrainingJob next = job();  // (preparing it builds a model here, drawing weights)
        setSeed(11);
        const TrainingOutcome again = run(std::move(next), {});
        QCOMPARE(again.end, TrainingOutcome::End::Finished);
        QCOMPARE(globalRng().next(), Rng(11).next());
        sameCurve(*again.history.find("loss"), *quiet.history.find("loss"), "loss");
    }
};

QTEST_MAIN(TestTrainingThreads)
#include "test_training_threads.moc"
