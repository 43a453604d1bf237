#include "app/studio/training/command_line_training.h"

#include <QCoreApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMainWindow>

#include "app/studio/training/training_dock.h"
#include "app/studio/training/training_panel.h"
#include "app/studio/training/training_workbench.h"
#include "plotting/training_charts_widget.h"

namespace strata::studio {

bool trainFromCommandLine(TrainingWorkbench& bench, int epochs, QString* message, bool wait) {
    if (epochs > 0) {
        TrainingSettings s = bench.trainingDock()->settings();
        s.epochs = epochs;
        bench.trainingDock()->setSettings(s);
    }
    if (QDockWidget* dock = bench.panelDock()) {
        dock->show();
        dock->raise();
        // The charts are what this mode is for: give the run dock half the window.
        if (auto* window = qobject_cast<QMainWindow*>(dock->parentWidget()))
            window->resizeDocks({dock}, {window->height() * 11 / 20}, Qt::Vertical);
    }
    if (!bench.startTraining()) {
        if (message) *message = bench.panel()->messageLabel()->text();
        return false;
    }
    if (!wait) return true;
    bench.session()->waitForFinished();
    // Let the last queued chart and evaluation updates land before anyone grabs the window.
    QCoreApplication::processEvents();
    bench.panel()->charts()->refreshNow();
    QCoreApplication::processEvents();
    const TrainingOutcome& o = bench.session()->lastOutcome();
    if (message) *message = bench.panel()->messageLabel()->text();
    return o.succeeded();
}

}  // namespace strata::studio
