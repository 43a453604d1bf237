#include "editor/widgets/summary_widget.h"

#include <QFontDatabase>

#include "editor/document/graph_document.h"
#include "engine/graph/graph_spec.h"

namespace strata::editor {

SummaryWidget::SummaryWidget(GraphDocument* doc, QWidget* parent) : QPlainTextEdit(parent), doc_(doc) {
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    timer_.setSingleShot(true);
    timer_.setInterval(150);
    connect(&timer_, &QTimer::timeout, this, &SummaryWidget::refreshNow);
    connect(doc_, &GraphDocument::validated, &timer_, qOverload<>(&QTimer::start));
    refreshNow();
}

void SummaryWidget::setDocument(GraphDocument* doc) {
    if (doc == doc_) return;
    disconnect(doc_, nullptr, &timer_, nullptr);
    doc_ = doc;
    connect(doc_, &GraphDocument::validated, &timer_, qOverload<>(&QTimer::start));
    refreshNow();
}

void SummaryWidget::refreshNow() {
    timer_.stop();
    model_.reset();
    const GraphCheck& check = doc_->check();
    if (!check.ok()) {
        QString text = tr("The graph is not a model yet:\n");
        for (const auto& p : check.problems) text += QStringLiteral("  • ") + qs(p.message) + '\n';
        setPlainText(text);
        emit modelRebuilt(model_);
        return;
    }
    try {
        model_ = buildModel(doc_->spec());
        setPlainText(qs(model_->summary()));
    } catch (const std::exception& e) {
        // The engine can refuse what the per-node checks accept (e.g. an Input no output uses).
        setPlainText(tr("The engine could not build the model:\n  %1").arg(qs(e.what())));
    }
    emit modelRebuilt(model_);
}

}  // namespace strata::editor
