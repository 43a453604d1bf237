#include "app/studio/training/training_worker.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "engine/core/errors.h"
#include "engine/core/random.h"
#include "engine/core/thread_rng.h"
#include "engine/training/trainer.h"

namespace strata::studio {

QString endName(TrainingOutcome::End end) {
    switch (end) {
    case TrainingOutcome::End::Finished: return QStringLiteral("finished");
    case TrainingOutcome::End::Stopped: return QStringLiteral("stopped");
    case TrainingOutcome::End::NonFiniteLoss: return QStringLiteral("NaN loss");
    case TrainingOutcome::End::Failed: return QStringLiteral("failed");
    }
    return {};
}

HistoryData historyData(const History& history) {
    HistoryData h;
    h.epochs = history.epoch;
    h.series = history.items();
    return h;
}

TrainingWorker::TrainingWorker(TrainingControl& control, ProgressSink progress, std::vector<CallbackPtr> extra,
                               std::chrono::milliseconds interval)
    : control_(control), progress_(std::move(progress)), extra_(std::move(extra)), interval_(interval) {}

namespace {

std::string lossText(double v) {
    if (std::isnan(v)) return "NaN";
    return v > 0 ? "+inf" : "-inf";
}

}  // namespace

TrainingOutcome TrainingWorker::run(const TrainingJob& job) {
    TrainingOutcome out;
    const auto t0 = std::chrono::steady_clock::now();
    std::ostringstream log;
    auto control = std::make_shared<ControlCallback>(control_, progress_, job.settings.batchSize, interval_);
    // Which phase was running when something threw, for the message.
    std::string phase = "preparing the model";
    // The run's own generator: weight initialisation, shuffling and dropout draw from it, never
    // from the process generator the GUI thread uses when it builds models meanwhile.
    Rng rng(job.settings.seed);
    ThreadRngScope rngScope(rng);
    const std::string optimizerKey = job.settings.optimizerConfig().dump();
    out.initialEpoch = job.initialEpoch;
    out.nextEpoch = job.initialEpoch;
    try {
        ModelPtr model = job.model.build();
        phase = "compiling";
        model->compile(job.settings.compileOptions(model->outputNames()));
        phase = "restoring the optimizer state";
        out.optimizerResumed = job.model.restoreOptimizer(*model, optimizerKey);
        // A continued run goes on with the random sequence where the previous one left it (after
        // building, whose fresh weights the snapshot's replaced).
        if (!job.rngState.empty()) {
            std::istringstream state(job.rngState);
            state >> rng.engine();
            if (!state) throw ValueError("the saved random generator state is not readable");
        }
        if (job.train) {
            FitOptions fo;
            fo.batchSize = job.settings.batchSize;
            fo.epochs = job.settings.epochs;
            fo.verbose = 0;
            fo.validationSplit = job.settings.validationSplit;
            if (job.data.valCount > 0) {  // separate validation data replaces the split
                fo.validationData = ValidationData{ArrayData(job.data.xVal), ArrayData(job.data.yVal)};
                fo.validationSplit = 0;
            }
            fo.shuffle = job.settings.shuffle;
            fo.initialEpoch = job.initialEpoch;
            fo.callbacks.push_back(control);
            for (auto& cb : extra_) fo.callbacks.push_back(cb);
            for (auto& cb : job.settings.makeCallbacks(&log, job.baseDir)) fo.callbacks.push_back(cb);
            phase = "training";
            History h = model->fit(job.data.x, job.data.y, fo);
            out.history = historyData(h);
        }
        out.epochsCompleted = control->epochsCompleted();
        out.lastEpoch = job.train && control->steps() > 0 ? control->currentEpoch() : job.initialEpoch;
        out.steps = control->steps();
        out.nextEpoch = control->stoppedByRequest() ? out.lastEpoch : job.initialEpoch + out.epochsCompleted;
        std::ostringstream rngOut;
        rngOut << rng.engine();
        out.rngState = rngOut.str();
        if (control->sawNonFinite()) {
            out.end = TrainingOutcome::End::NonFiniteLoss;
            out.message = QString::fromStdString(
                "Training stopped: the loss became " + lossText(control->nonFiniteValue()) + " at epoch " +
                std::to_string(control->nonFiniteEpoch()) + ", step " + std::to_string(control->nonFiniteStep()) +
                " (batch " + std::to_string(control->nonFiniteBatch() + 1) + " of the epoch). The model keeps the "
                "weights it had before this run; try a lower learning rate or check the data for NaN values.");
        } else {
            out.end = control->stoppedByRequest() ? TrainingOutcome::End::Stopped : TrainingOutcome::End::Finished;
            out.model = ModelSnapshot::of(*model);
            out.model.captureOptimizer(*model, optimizerKey);
            out.hasWeights = true;
            if (job.evaluateAfter && job.data.testCount > 0 && !job.data.yTest.empty()) {
                phase = "evaluating on the test data";
                EvaluateOptions eo;
                eo.batchSize = std::max<int64_t>(job.settings.batchSize, 256);
                eo.verbose = 0;
                out.evaluation.metrics = model->evaluate(job.data.xTest, job.data.yTest, eo);
                PredictOptions po;
                po.batchSize = eo.batchSize;
                po.verbose = 0;
                std::vector<Tensor> preds = model->predict(ArrayData(job.data.xTest), po);
                if (!preds.empty()) {
                    out.evaluation.predictions = std::move(preds[0]);
                    out.evaluation.outputName = model->outputNames().front();
                }
            }
            if (!job.train)
                out.message = QStringLiteral("Evaluated on %1 test samples.").arg(job.data.testCount);
            else if (out.end == TrainingOutcome::End::Stopped)
                out.message = QStringLiteral("Stopped at epoch %1, step %2; the model has the weights of the last finished step.")
                                  .arg(out.lastEpoch + 1)
                                  .arg(out.steps);
            else
                out.message = QStringLiteral("Finished %1 epochs (%2 steps).").arg(out.epochsCompleted).arg(out.steps);
        }
    } catch (const std::exception& e) {
        out.end = TrainingOutcome::End::Failed;
        out.hasWeights = false;
        std::string where;
        if (phase == "training")
            where = " at epoch " + std::to_string(control->currentEpoch() + 1) + ", step " +
                    std::to_string(control->steps() + 1);
        out.message = QString::fromStdString("Training failed while " + phase + where + ": " + e.what() +
                                             ". The document was not changed.");
        out.epochsCompleted = control->epochsCompleted();
        out.steps = control->steps();
    } catch (...) {
        out.end = TrainingOutcome::End::Failed;
        out.message = QStringLiteral("Training failed while %1 with an unknown error. The document was not changed.")
                          .arg(QString::fromStdString(phase));
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.callbackLog = QString::fromStdString(log.str());
    return out;
}

}  // namespace strata::studio
