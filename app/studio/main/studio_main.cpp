// strata-studio [FILE] [--train [--epochs N]] [--screenshot OUT.png [--size WIDTHxHEIGHT]
//               [--open-nested LAYER] [--dock NAME]...]
//
// With --screenshot it opens FILE, lays it out, renders the whole window offscreen (QWidget::grab)
// to OUT.png and quits: the README's pictures and the checks use it.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QMessageBox>
#include <QTimer>
#include <cstdio>

#include "app/studio/main_window.h"
#include "app/studio/training/command_line_training.h"
#include "editor/document/graph_document.h"
#include "editor/widgets/diagram_widget.h"
#include "editor/widgets/model_tabs.h"
#include "editor/widgets/summary_widget.h"

int main(int argc, char** argv) {
    // Screenshots need no display; choose the offscreen platform unless the caller chose one.
    bool screenshot = false;
    for (int i = 1; i < argc; ++i) screenshot |= QByteArray(argv[i]) == "--screenshot";
    if (screenshot && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setApplicationName("Strata Studio");
    QApplication::setOrganizationName("Strata");
    QApplication::setApplicationVersion("0.1");

    QCommandLineParser parser;
    parser.setApplicationDescription("Strata Studio: draw, wire and check Keras models.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("file", "Project or model file to open (.keras, .h5, .json).", "[FILE]");
    QCommandLineOption shotOpt("screenshot", "Render the window to OUT.png and quit.", "OUT.png");
    QCommandLineOption sizeOpt("size", "Window size for --screenshot (default 1600x1000).", "WxH", "1600x1000");
    QCommandLineOption trainOpt("train", "Train FILE's model as if Start was pressed (before --screenshot).");
    QCommandLineOption epochsOpt("epochs", "Epochs for --train (default: the Training settings).", "N", "0");
    parser.addOption(shotOpt);
    parser.addOption(sizeOpt);
    parser.addOption(trainOpt);
    parser.addOption(epochsOpt);
    QCommandLineOption nestedOpt("open-nested", "For --screenshot: open nested model LAYER in its tab.", "LAYER");
    QCommandLineOption dockOpt("dock", "For --screenshot: bring dock NAME (its title, e.g. Diagram) to the front.", "NAME");
    parser.addOption(nestedOpt);
    parser.addOption(dockOpt);
    parser.process(app);

    strata::studio::MainWindow window;
    const QStringList files = parser.positionalArguments();
    if (parser.isSet(shotOpt)) {
        // No dialogs in batch mode: errors go to stderr and the exit code.
        bool failed = false;
        window.setErrorReporter([&](const QString& title, const QString& text) {
            std::fprintf(stderr, "strata-studio: %s: %s\n", qPrintable(title), qPrintable(text));
            failed = true;
        });
        QStringList wh = parser.value(sizeOpt).split('x');
        int w = wh.size() == 2 ? wh[0].toInt() : 0, h = wh.size() == 2 ? wh[1].toInt() : 0;
        if (w < 200 || h < 200) {
            std::fprintf(stderr, "strata-studio: --size expects WIDTHxHEIGHT (at least 200x200), got %s\n",
                         qPrintable(parser.value(sizeOpt)));
            return 2;
        }
        window.resize(w, h);
        window.show();
        if (!files.isEmpty() && !window.openFile(files[0])) return 1;
        QApplication::processEvents();
        window.fitView();
        QApplication::processEvents();
        if (parser.isSet(trainOpt)) {
            QString message;
            const bool trained = strata::studio::trainFromCommandLine(*window.trainer(), parser.value(epochsOpt).toInt(), &message);
            std::fprintf(trained ? stdout : stderr, "strata-studio: %s\n", qPrintable(message));
            failed |= !trained;
            // The run dock took half the window: fit the graph again into what the canvas kept.
            QApplication::processEvents();
            window.fitView();
        }
        if (parser.isSet(nestedOpt)) {
            const QString id = window.document()->nodeOfLayer(parser.value(nestedOpt));
            QString why;
            if (id.isEmpty() || !window.tabs()->openSubModel(window.document(), id, &why)) {
                std::fprintf(stderr, "strata-studio: cannot open nested model %s %s\n", qPrintable(parser.value(nestedOpt)),
                             qPrintable(why));
                failed = true;
            }
        }
        window.summary()->refreshNow();
        for (const QString& name : parser.values(dockOpt))
            for (QDockWidget* d : window.findChildren<QDockWidget*>())
                if (d->windowTitle().startsWith(name, Qt::CaseInsensitive)) {
                    d->show();
                    d->raise();
                }
        QApplication::processEvents();
        if (auto* diagram = window.diagram(); diagram->isVisible()) diagram->refreshNow();  // not after its delay
        QApplication::processEvents();
        const QString out = parser.value(shotOpt);
        if (!window.grab().save(out)) {
            std::fprintf(stderr, "strata-studio: cannot write %s\n", qPrintable(out));
            return 1;
        }
        return failed ? 1 : 0;
    }
    window.show();
    // A session that crashed left its autosave behind: offer it before anything else.
    const QStringList orphans = strata::studio::MainWindow::orphanedAutosaves();
    if (!orphans.isEmpty()) {
        auto answer = QMessageBox::question(&window, QObject::tr("Recover unsaved work"),
                                            QObject::tr("Strata Studio did not close normally last time. Recover the "
                                                        "unsaved work it autosaved?"),
                                            QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
        if (answer == QMessageBox::Yes && window.recoverFrom(orphans.first())) {
            for (int i = 1; i < orphans.size(); ++i) QFile::remove(orphans[i]);
            return app.exec();
        }
        for (const QString& f : orphans) QFile::remove(f);
    }
    if (!files.isEmpty()) {
        QTimer::singleShot(0, &window, [&] {
            if (window.openFile(files[0]) && parser.isSet(trainOpt)) {
                strata::studio::trainFromCommandLine(*window.trainer(), parser.value(epochsOpt).toInt(), nullptr, false);
            }
        });
    }
    return app.exec();
}
