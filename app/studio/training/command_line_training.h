#pragma once
/// `strata-studio FILE --train [--epochs N]`: trains the opened model as if Start had been pressed
/// (with the workbench's settings, `epochs` overriding them when > 0), waits for the run to end
/// with the event loop running (charts update as in the window), and brings the training run
/// into view for a screenshot.
#include <QString>

namespace strata::studio {

class TrainingWorkbench;

/// Returns true if the run finished or was stopped with weights; `message` gets the outcome (or
/// why training could not start).
/// With `wait` false it only starts the run (the interactive window keeps its own event loop).
bool trainFromCommandLine(TrainingWorkbench& bench, int epochs, QString* message, bool wait = true);

}  // namespace strata::studio
