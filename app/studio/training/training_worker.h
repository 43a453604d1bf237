#pragma once
/// TrainingWorker: runs one TrainingJob to its end in the calling thread (the session calls it from
/// its training thread). It builds its own Model from the job's snapshot, compiles it, fits it with
/// the control callback and the chart feed, evaluates on the test data, and turns every way of
/// ending (finished, stopped, NaN loss, an exception) into a TrainingOutcome. It never throws and
/// never touches a QObject other than through the callbacks it is given.
#include <chrono>
#include <functional>
#include <vector>

#include "app/studio/training/training_control.h"
#include "app/studio/training/training_job.h"
#include "engine/training/callbacks.h"

namespace strata::studio {

class TrainingWorker {
public:
    using ProgressSink = ControlCallback::ProgressSink;

    /// `extraCallbacks` (the chart feed) are added after the control callback.
    TrainingWorker(TrainingControl& control, ProgressSink progress, std::vector<CallbackPtr> extraCallbacks = {},
                   std::chrono::milliseconds progressInterval = std::chrono::milliseconds(50));

    TrainingOutcome run(const TrainingJob& job);

private:
    TrainingControl& control_;
    ProgressSink progress_;
    std::vector<CallbackPtr> extra_;
    std::chrono::milliseconds interval_;
};

/// History as plain data.
HistoryData historyData(const History& history);

}  // namespace strata::studio
