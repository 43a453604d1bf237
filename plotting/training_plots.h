#pragma once
/// writeTrainingPlots: the charts of a finished training run as PNG files, drawn by the same
/// widgets the Studio shows live (TrainingChartsWidget, HistogramOffsetView, LayerNormsTable),
/// rendered offscreen. This is what `strata train ... --plot-dir DIR` writes at the end of
/// training.
///
/// Files written into `dir` (created if missing):
///   <tag>.png        one chart per log tag: loss.png, accuracy.png, ... and for multi-output
///                    models department_loss.png, department_accuracy.png, ...; train solid,
///                    validation dashed, x axis in epochs. Characters other than letters, digits,
///                    '_', '-' and '.' in a tag become '_'.
///   histograms.png   (with diagnostics) one row per layer, columns weights / biases / gradients
///                    (/ activations with a probe), one distribution per epoch (offset view).
///   layer_norms.png  (with diagnostics) the per-layer norms table of the last epoch, with flags.
///   <tag>.svg, <tag>.csv when TrainingPlotOptions asks for them.
///
/// Command-line use, which has no event loop: record diagnostics with a DiagnosticsRecorder
/// callback (training_diagnostics.h) next to the History, then call
///   auto rec = std::make_shared<strata::plotting::DiagnosticsRecorder>();
///   options.callbacks.push_back(rec);
///   History h = model->fit(x, y, options);
///   strata::plotting::writeTrainingPlots(h, rec->epochs(), plotDir);
///
/// Qt: if no QApplication exists one is created (and kept until exit) on the "offscreen" platform
/// unless QT_QPA_PLATFORM says otherwise, so it works on headless machines. Must be called from
/// the thread that owns (or will own) the QApplication. A bare QCoreApplication is not enough
/// (ValueError). Throws IoError naming the path if a directory or file cannot be written.
#include <string>
#include <vector>

#include "engine/training/callbacks.h"
#include "plotting/training_diagnostics.h"

namespace strata::plotting {

struct TrainingPlotOptions {
    int width = 720;   ///< size of one metric chart, in pixels (before `scale`)
    int height = 440;
    double scale = 1.0;       ///< device pixels per pixel (2 for high-dpi documents)
    double smoothing = 0.0;   ///< epoch curves have few points; TensorBoard-like 0.6 suits batch curves
    bool logScale = false;
    bool svg = false;  ///< also <tag>.svg
    bool csv = false;  ///< also <tag>.csv
};

/// Returns the paths written, in order.
std::vector<std::string> writeTrainingPlots(const History& history, const std::vector<EpochDiagnostics>& diagnostics,
                                            const std::string& dir, const TrainingPlotOptions& options = {});
std::vector<std::string> writeTrainingPlots(const History& history, const std::string& dir,
                                            const TrainingPlotOptions& options = {});

/// Makes sure a QApplication exists (see above); returns false if only a QCoreApplication does.
bool ensureGuiApplication();

}  // namespace strata::plotting
