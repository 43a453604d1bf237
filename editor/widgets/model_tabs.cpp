#include "editor/widgets/model_tabs.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QTabBar>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "editor/document/graph_document.h"
#include "editor/document/submodel_link.h"
#include "editor/scene/graph_view.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

ModelTabs::ModelTabs(GraphDocument* root, GraphScene* rootScene, GraphView* rootView, QWidget* parent)
    : QTabWidget(parent), rootTitle_(tr("Model")) {
    setDocumentMode(true);
    setTabsClosable(true);
    setTabBarAutoHide(true);  // one canvas, no tab bar: the window looks as before until a model is opened
    Page root_;
    root_.widget = rootView;
    root_.doc = root;
    root_.scene = rootScene;
    root_.view = rootView;
    pages_.push_back(root_);
    addTab(rootView, rootTitle_);
    // The main model's tab cannot be closed.
    tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);
    tabBar()->setTabButton(0, QTabBar::LeftSide, nullptr);
    watchScene(rootScene);
    connect(this, &QTabWidget::currentChanged, this, [this](int index) {
        if (index < 0 || index >= pages_.size()) return;
        const Page& p = pages_[index];
        emit currentCanvasChanged(p.doc, p.scene, p.view);
    });
    connect(this, &QTabWidget::tabCloseRequested, this, [this](int index) {
        if (index > 0) closePage(index);
    });
}

ModelTabs::~ModelTabs() {
    // The window is going: no more "current canvas" news. Scenes point at the links' documents,
    // so the pages go before the links.
    blockSignals(true);
    for (int i = pages_.size() - 1; i > 0; --i) {
        delete pages_[i].widget;
        delete pages_[i].link;
    }
}

void ModelTabs::setInteractive(bool on) {
    interactive_ = on;
    for (const auto& p : pages_) p.view->setInteractive(on);
}

void ModelTabs::setRootTitle(const QString& title) {
    rootTitle_ = title;
    setTabText(0, title);
    retitle();
}

void ModelTabs::watchScene(GraphScene* scene) {
    connect(scene, &GraphScene::nodeDoubleClicked, this, [this, scene](const QString& id) {
        const GraphNode* n = scene->document()->node(id);
        const LayerSpec* ls = n ? LayerRegistry::instance().find(n->className) : nullptr;
        if (!ls || ls->category != LayerCategory::ModelsBlocks) return;  // other nodes: nothing to open
        QString why;
        if (!openSubModel(scene->document(), id, &why)) emit statusMessage(why);
    });
    emit sceneAdded(scene);
}

int ModelTabs::pageIndexOf(const QWidget* w) const {
    for (int i = 0; i < pages_.size(); ++i)
        if (pages_[i].widget == w) return i;
    return -1;
}

const ModelTabs::Page* ModelTabs::pageOfDoc(const GraphDocument* doc) const {
    for (const auto& p : pages_)
        if (p.doc == doc) return &p;
    return nullptr;
}

int ModelTabs::tabOf(const GraphDocument* doc) const {
    for (int i = 0; i < pages_.size(); ++i)
        if (pages_[i].doc == doc) return i;
    return -1;
}

GraphDocument* ModelTabs::currentDocument() const {
    int i = currentIndex();
    return i >= 0 && i < pages_.size() ? pages_[i].doc : pages_[0].doc;
}
GraphScene* ModelTabs::currentScene() const {
    int i = currentIndex();
    return i >= 0 && i < pages_.size() ? pages_[i].scene : pages_[0].scene;
}
GraphView* ModelTabs::currentView() const {
    int i = currentIndex();
    return i >= 0 && i < pages_.size() ? pages_[i].view : pages_[0].view;
}
SubModelLink* ModelTabs::linkAt(int index) const {
    return index >= 0 && index < pages_.size() ? pages_[index].link : nullptr;
}
QList<QToolButton*> ModelTabs::breadcrumb(int index) const {
    return index >= 0 && index < pages_.size() ? pages_[index].crumbs : QList<QToolButton*>();
}
QString ModelTabs::syncText(int index) const {
    return index > 0 && index < pages_.size() && pages_[index].sync ? pages_[index].sync->text() : QString();
}

GraphDocument* ModelTabs::openSubModel(GraphDocument* doc, const QString& id, QString* why) {
    const Page* parentPage = pageOfDoc(doc);
    if (!parentPage) {
        if (why) *why = tr("That model is not open");
        return nullptr;
    }
    for (int i = 1; i < pages_.size(); ++i)
        if (pages_[i].link->parentDocument() == doc && pages_[i].link->nodeId() == id) {
            setCurrentIndex(i);
            return pages_[i].doc;
        }
    auto* link = new SubModelLink(doc, id, this);
    if (!link->ok()) {
        if (why) *why = link->error();
        delete link;
        return nullptr;
    }
    Page page;
    page.link = link;
    page.doc = link->document();
    page.widget = new QWidget(this);
    auto* layout = new QVBoxLayout(page.widget);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    // Breadcrumb: every model above this one, each a button back to its tab.
    auto* bar = new QWidget(page.widget);
    bar->setObjectName("breadcrumbBar");
    auto* crumbs = new QHBoxLayout(bar);
    crumbs->setContentsMargins(8, 4, 8, 4);
    std::vector<const GraphDocument*> path;  // from the main model down to the parent
    for (const Page* p = parentPage; p; p = p->link ? pageOfDoc(p->link->parentDocument()) : nullptr)
        path.insert(path.begin(), p->doc);
    for (const GraphDocument* above : path) {
        const int at = tabOf(above);
        auto* b = new QToolButton(bar);
        b->setAutoRaise(true);
        b->setText(at == 0 ? rootTitle_ : tabText(at));
        b->setToolTip(tr("Back to %1").arg(b->text()));
        connect(b, &QToolButton::clicked, this, [this, above] {
            if (int t = tabOf(above); t >= 0) setCurrentIndex(t);
        });
        crumbs->addWidget(b);
        crumbs->addWidget(new QLabel(QStringLiteral("›"), bar));
        page.crumbs << b;
    }
    auto* here = new QLabel(QStringLiteral("<b>%1</b>").arg(link->layerName().toHtmlEscaped()), bar);
    crumbs->addWidget(here);
    crumbs->addSpacing(16);
    page.sync = new QLabel(tr("Edits apply to %1 in the parent model").arg(link->layerName()), bar);
    page.sync->setObjectName("syncLabel");
    page.sync->setStyleSheet("color: palette(mid);");
    crumbs->addWidget(page.sync);
    crumbs->addStretch(1);
    layout->addWidget(bar);

    page.scene = new GraphScene(page.doc, page.widget);
    if (style_) page.scene->setFamilyStyle(style_);
    page.view = new GraphView(page.scene, page.widget);
    page.view->setInteractive(interactive_);
    layout->addWidget(page.view, 1);
    // A nested model's config has no positions: lay it out (Graphviz when the app gives it; else
    // one column in graph order, which is at least readable).
    auto layOut = [scene = page.scene, doc = page.doc, this] {
        if (layout_ && scene->applyLayout(layout_, false)) return;
        qreal y = 0;
        for (const QString& id : doc->nodeIds()) {
            doc->setPositionRaw(id, QPointF(0, y));
            y += 110;
        }
    };
    layOut();

    QLabel* sync = page.sync;
    connect(link, &SubModelLink::syncChanged, sync, [sync](bool applied, const QString& message) {
        sync->setText(message);
        sync->setStyleSheet(applied ? "color: palette(mid);" : "color: #D32F2F;");
    });
    connect(link, &SubModelLink::reloaded, page.scene, [layOut, doc = page.doc] {
        if (doc->positions().size() < doc->spec().nodes.size()) layOut();  // new layers have no place yet
    });
    QWidget* w = page.widget;
    connect(link, &SubModelLink::closed, this, [this, w] {
        // Deferred: the signal comes from inside the parent's edit.
        QTimer::singleShot(0, this, [this, w] {
            if (int i = pageIndexOf(w); i > 0) closePage(i);
        });
    });
    pages_.push_back(page);
    const int index = addTab(page.widget, link->layerName());
    setTabToolTip(index, tr("Nested model %1 (double-clicked in %2)").arg(link->layerName(), tabText(tabOf(doc))));
    watchScene(page.scene);
    setCurrentIndex(index);
    page.view->fitAll(1.0);
    return page.doc;
}

void ModelTabs::closePage(int index) {
    if (index <= 0 || index >= pages_.size()) return;
    // Nested models opened from this one go too (their parent document is about to be deleted).
    const GraphDocument* doc = pages_[index].doc;
    for (int i = pages_.size() - 1; i > 0; --i)
        if (i != index && pages_[i].link->parentDocument() == doc) closePage(i);
    index = tabOf(doc);
    const GraphDocument* parentDoc = pages_[index].link->parentDocument();
    if (currentIndex() == index) setCurrentIndex(std::max(0, tabOf(parentDoc)));  // docks leave this document first
    Page page = pages_[index];
    pages_.remove(index);
    removeTab(index);
    delete page.widget;
    page.link->deleteLater();
}

void ModelTabs::retitle() {
    for (int i = 1; i < pages_.size(); ++i)
        if (!pages_[i].crumbs.isEmpty()) pages_[i].crumbs.front()->setText(rootTitle_);
}

}  // namespace strata::editor
