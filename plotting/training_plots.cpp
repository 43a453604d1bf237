#include "plotting/training_plots.h"

#include <QApplication>
#include <QDir>
#include <QHeaderView>
#include <cstdlib>
#include <memory>

#include "engine/core/errors.h"
#include "plotting/chart_export.h"
#include "plotting/histogram_grid.h"
#include "plotting/layer_norms_table.h"
#include "plotting/training_charts_widget.h"
#include "plotting/training_metric_chart.h"

namespace strata::plotting {

bool ensureGuiApplication() {
    if (QCoreApplication* app = QCoreApplication::instance()) return qobject_cast<QApplication*>(app) != nullptr;
    // Headless by default: the command line renders files, it never opens windows.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char arg0[] = "strata";
    static char* argv[] = {arg0, nullptr};
    // Never destroyed: tearing a QApplication down among the static destructors at exit crashes
    // in Qt's own globals; the process is ending anyway.
    new QApplication(argc, argv);
    return true;
}

namespace {

void save(QWidget* w, const QString& path, double scale, std::vector<std::string>& written) {
    if (!exportWidgetPng(w, path, scale)) throw IoError("cannot write '" + path.toStdString() + "'");
    written.push_back(path.toStdString());
}

}  // namespace

std::vector<std::string> writeTrainingPlots(const History& history, const std::vector<EpochDiagnostics>& diagnostics,
                                            const std::string& dir, const TrainingPlotOptions& options) {
    if (!ensureGuiApplication())
        throw ValueError("writeTrainingPlots needs a QApplication (the running application is a QCoreApplication)");
    const QString qdir = QString::fromStdString(dir);
    if (!QDir().mkpath(qdir)) throw IoError("cannot create directory '" + dir + "'");
    std::vector<std::string> written;

    // The charts are laid out in a TrainingChartsWidget (same grouping, order and styling as the
    // Studio), then each chart is rendered on its own at the requested size.
    TrainingChartsWidget charts;
    charts.setColumns(1);
    charts.setXAxisMode(XAxisMode::Epoch);
    charts.setTrainGranularity(SeriesKind::TrainEpoch);
    charts.setSmoothing(options.smoothing);
    charts.setLogScale(options.logScale);
    charts.addHistory(history, QStringLiteral("run"));
    charts.refreshNow();
    for (const QString& tag : charts.chartTags()) {
        TrainingMetricChart* chart = charts.chart(tag);
        chart->setParent(nullptr);
        prepareOffscreen(chart, options.width, options.height);
        chart->refresh();  // decimation follows the plot width now that it is known
        QString name = tag;
        for (QChar& c : name)
            if (!c.isLetterOrNumber() && c != '_' && c != '-' && c != '.') c = '_';
        const QString base = QDir(qdir).filePath(name);
        save(chart, base + ".png", options.scale, written);
        if (options.svg) {
            if (!chart->exportSvg(base + ".svg")) throw IoError("cannot write '" + (base + ".svg").toStdString() + "'");
            written.push_back((base + ".svg").toStdString());
        }
        if (options.csv) {
            if (!chart->exportCsv(base + ".csv")) throw IoError("cannot write '" + (base + ".csv").toStdString() + "'");
            written.push_back((base + ".csv").toStdString());
        }
        chart->hide();
        chart->setParent(&charts);
    }

    if (!diagnostics.empty()) {
        HistogramGrid grid;
        grid.setDiagnostics(diagnostics);
        prepareOffscreen(&grid, 380 * grid.columns() + 16, 270 * grid.rows() + 16);
        save(&grid, QDir(qdir).filePath(QStringLiteral("histograms.png")), options.scale, written);

        LayerNormsTable table;
        table.normsModel()->setDiagnostics(diagnostics.back());
        table.setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        table.setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        prepareOffscreen(&table, 900, 200);
        const int rowsH = table.verticalHeader()->defaultSectionSize() * table.model()->rowCount();
        const int width = std::max(900, table.horizontalHeader()->length() + 40);
        table.resize(width, table.horizontalHeader()->height() + rowsH + 4);
        QApplication::processEvents();
        save(&table, QDir(qdir).filePath(QStringLiteral("layer_norms.png")), options.scale, written);
    }
    return written;
}

std::vector<std::string> writeTrainingPlots(const History& history, const std::string& dir,
                                            const TrainingPlotOptions& options) {
    return writeTrainingPlots(history, {}, dir, options);
}

}  // namespace strata::plotting
