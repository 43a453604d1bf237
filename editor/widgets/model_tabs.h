#pragma once
/// ModelTabs: the canvas area as tabs — the model being edited first, then one tab per nested
/// model opened from it (double-click a Functional node). A nested model's tab has a breadcrumb
/// ("ticket_model › encoder › block") whose parts go back to the tabs of the models above, and a
/// line saying whether its edits are applied to the parent (SubModelLink). Nested models inside
/// nested models open the same way. The tab bar hides while only the main model is open.
#include <QTabWidget>
#include <QVector>

#include "editor/scene/editor_style.h"
#include "editor/scene/graph_scene.h"

class QLabel;
class QToolButton;

namespace strata::editor {

class GraphDocument;
class GraphView;
class SubModelLink;

class ModelTabs : public QTabWidget {
    Q_OBJECT
public:
    /// `root*`: the main model's document, scene and view (owned by the caller).
    ModelTabs(GraphDocument* root, GraphScene* rootScene, GraphView* rootView, QWidget* parent = nullptr);
    ~ModelTabs() override;

    void setFamilyStyle(FamilyStyleFunction style) { style_ = std::move(style); }
    /// Lays out a nested model's canvas when it opens (its config has no positions).
    void setLayoutFunction(LayoutFunction layout) { layout_ = std::move(layout); }
    /// Makes every canvas (and those opened later) editable or read-only (while training).
    void setInteractive(bool on);
    /// Tab title of the main model.
    void setRootTitle(const QString& title);

    /// Opens the nested model node `id` of `doc` (the main document or one of an open tab) in its
    /// tab, or shows the tab if it is open already. Returns the tab's document, or null with `why`.
    GraphDocument* openSubModel(GraphDocument* doc, const QString& id, QString* why = nullptr);

    GraphDocument* currentDocument() const;
    GraphScene* currentScene() const;
    GraphView* currentView() const;
    /// The tab of document `doc` (-1 if none).
    int tabOf(const GraphDocument* doc) const;
    /// The link of tab `index` (null for the main model's tab).
    SubModelLink* linkAt(int index) const;
    /// Breadcrumb buttons of tab `index`, from the main model down to the model above it.
    QList<QToolButton*> breadcrumb(int index) const;
    /// The sync line of tab `index` ("" for the main tab).
    QString syncText(int index) const;

signals:
    /// The tab in front changed: the docks should show this document.
    void currentCanvasChanged(strata::editor::GraphDocument* doc, strata::editor::GraphScene* scene,
                              strata::editor::GraphView* view);
    /// A scene of a tab was created (the window connects its context menu and selection).
    void sceneAdded(strata::editor::GraphScene* scene);
    void statusMessage(const QString& text);

private:
    struct Page {
        QWidget* widget = nullptr;
        GraphDocument* doc = nullptr;
        GraphScene* scene = nullptr;
        GraphView* view = nullptr;
        SubModelLink* link = nullptr;  // null for the main tab
        QList<QToolButton*> crumbs;
        QLabel* sync = nullptr;
    };
    void watchScene(GraphScene* scene);
    void closePage(int index);
    void retitle();
    int pageIndexOf(const QWidget* w) const;
    const Page* pageOfDoc(const GraphDocument* doc) const;

    QVector<Page> pages_;  // in tab order
    FamilyStyleFunction style_;
    LayoutFunction layout_;
    QString rootTitle_;
    bool interactive_ = true;
};

}  // namespace strata::editor
