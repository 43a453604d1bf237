// Autosave: changes reach the recovery file within the interval, only when there are changes,
// atomically; the file reads back as the same graph; discarding removes it; bad files are refused.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "editor/document/autosave.h"
#include "editor/document/graph_document.h"

using namespace strata;
using namespace strata::editor;

class TestAutosave : public QObject {
    Q_OBJECT
private slots:
    void writesChangesWithinTheInterval() {
        QTemporaryDir dir;
        const QString file = dir.filePath("recovery/autosave.json");
        GraphDocument doc;
        Autosave autosave(&doc, file, 50);
        QSignalSpy written(&autosave, &Autosave::written);
        QTest::qWait(120);
        QCOMPARE(written.count(), 0);  // nothing changed: nothing written
        QVERIFY(!QFile::exists(file));
        QString in = doc.addLayer("InputLayer", {10, 20});
        QString dense = doc.addLayer("Dense", {10, 140});
        doc.connectPorts(in, 0, dense, 0);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(file), 2000);
        QCOMPARE(written.count(), 1);
        GraphSpec spec;
        QHash<QString, QPointF> pos;
        QString why;
        QVERIFY2(Autosave::read(file, &spec, &pos, &why), qPrintable(why));
        QCOMPARE(graphSpecToJson(spec), graphSpecToJson(doc.spec()));
        QCOMPARE(pos.value(dense), QPointF(10, 140));
        // Undo is a change too.
        doc.undoStack()->undo();
        QTRY_COMPARE_WITH_TIMEOUT(written.count(), 2, 2000);
        QVERIFY(Autosave::read(file, &spec, &pos, &why));
        QVERIFY(spec.find(dense.toStdString())->inbound.empty());
        autosave.discard();
        QVERIFY(!QFile::exists(file));
    }

    void badRecoveryFilesAreRefused() {
        QTemporaryDir dir;
        GraphSpec spec;
        QHash<QString, QPointF> pos;
        QString why;
        QVERIFY(!Autosave::read(dir.filePath("none.json"), &spec, &pos, &why));
        QVERIFY(why.contains("none.json"));
        QFile f(dir.filePath("bad.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"something else\"}");
        f.close();
        QVERIFY(!Autosave::read(dir.filePath("bad.json"), &spec, &pos, &why));
        QVERIFY(why.contains("not a Strata autosave"));
    }
};

QTEST_MAIN(TestAutosave)
#include "test_autosave.moc"
