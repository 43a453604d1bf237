#include "editor/widgets/inspector_widget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <limits>

#include "editor/document/graph_document.h"
#include "engine/layers/layer_registry.h"

namespace strata::editor {

namespace {

const QStringList kActivations = {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                                  "softsign", "gelu", "swish", "silu", "exponential", "hard_sigmoid", "leaky_relu",
                                  "relu6", "mish", "log_softmax"};
const QStringList kInitializers = {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                                   "lecun_normal", "zeros", "ones", "random_normal", "random_uniform",
                                   "truncated_normal", "orthogonal", "identity"};

QString jsonText(const Json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return qs(v.get<std::string>());
    return qs(v.dump());
}

/// Text typed into a JSON field: JSON if it parses, else the text as a string ("l2" without quotes).
Json jsonFromText(const QString& text) {
    const QString t = text.trimmed();
    if (t.isEmpty() || t == "None" || t == "null") return nullptr;
    try {
        return Json::parse(t.toStdString());
    } catch (const std::exception&) {
        return t.toStdString();
    }
}

/// Editable combo for names with a list of usual values (activations, initializers).
QComboBox* nameCombo(const QStringList& names, const Json& value) {
    auto* c = new QComboBox;
    c->setEditable(true);
    c->addItems(names);
    c->setInsertPolicy(QComboBox::NoInsert);
    c->setCurrentText(jsonText(value));
    return c;
}

}  // namespace

QString intsToText(const Json& v) {
    if (v.is_null()) return {};
    if (v.is_number_integer()) return QString::number(v.get<int64_t>());
    if (!v.is_array()) return qs(v.dump());
    QStringList parts;
    for (const auto& e : v) parts << (e.is_null() ? QStringLiteral("None") : qs(e.dump()));
    return parts.join(", ");
}

bool intsFromText(const QString& text, bool allowNone, Json* out, QString* why) {
    QString t = text.trimmed();
    if (t.startsWith('(') || t.startsWith('[')) t = t.mid(1);
    if (t.endsWith(')') || t.endsWith(']')) t.chop(1);
    Json arr = Json::array();
    if (t.trimmed().isEmpty()) {
        *out = arr;
        return true;
    }
    for (const QString& part : t.split(',', Qt::SkipEmptyParts)) {
        const QString p = part.trimmed();
        if (allowNone && (p == "None" || p == "null" || p == "?")) {
            arr.push_back(nullptr);
            continue;
        }
        bool ok = false;
        qlonglong x = p.toLongLong(&ok);
        if (!ok) {
            *why = QObject::tr("'%1' is not an integer (write integers separated by commas, e.g. 3, 3)").arg(p);
            return false;
        }
        arr.push_back(static_cast<int64_t>(x));
    }
    *out = arr;
    return true;
}

InspectorWidget::InspectorWidget(GraphDocument* doc, QWidget* parent) : QWidget(parent), doc_(doc) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(6, 6, 6, 6);
    title_ = new QLabel(tr("Select a layer to see its settings."), this);
    title_->setWordWrap(true);
    title_->setTextFormat(Qt::RichText);
    outer->addWidget(title_);
    scroll_ = new QScrollArea(this);
    scroll_->setWidgetResizable(true);
    scroll_->setFrameShape(QFrame::NoFrame);
    form_ = new QWidget;
    scroll_->setWidget(form_);
    outer->addWidget(scroll_, 1);
    error_ = new QLabel(this);
    error_->setObjectName("inspectorError");
    error_->setWordWrap(true);
    error_->setStyleSheet("color: #D32F2F;");
    error_->hide();
    outer->addWidget(error_);

    connectDocument();
}

void InspectorWidget::setDocument(GraphDocument* doc) {
    if (doc == doc_) return;
    if (doc_) disconnect(doc_, nullptr, this, nullptr);
    doc_ = doc;
    connectDocument();
    setNode({});
}

void InspectorWidget::connectDocument() {
    connect(doc_, &GraphDocument::nodeChanged, this, [this](const QString& id) {
        // Our own edits already show in the editors; rebuilding would take the focus away.
        if (id == id_ && !applying_) rebuild();
    });
    connect(doc_, &GraphDocument::nodeAboutToBeRemoved, this, [this](const QString& id) {
        if (id == id_) QTimer::singleShot(0, this, [this] { setNode({}); });
    });
    connect(doc_, &GraphDocument::documentReset, this, [this] { setNode({}); });
    // The order rows depend on the model's inputs and outputs. Rebuilt after the signal returns,
    // since the sender may be one of the editors (the "Model output" check box).
    auto rebuildSoon = [this] { QTimer::singleShot(0, this, [this] { rebuild(); }); };
    connect(doc_, &GraphDocument::outputsChanged, this, rebuildSoon);
    connect(doc_, &GraphDocument::inputsChanged, this, rebuildSoon);
}

QString InspectorWidget::errorText() const { return error_->isVisible() ? error_->text() : QString(); }

void InspectorWidget::showError(const QString& text) {
    error_->setText(text);
    error_->setVisible(!text.isEmpty());
}

void InspectorWidget::setNode(const QString& id) {
    id_ = doc_->node(id) ? id : QString();
    showError({});
    rebuild();
}

void InspectorWidget::clearForm() {
    // The old editors may be the sender of the signal that got us here, so they are deleted
    // later; they leave the inspector's tree now so nothing finds them any more.
    QWidget* old = scroll_->takeWidget();
    if (old) {
        old->hide();  // a focused editor finishes its edit here (applied to its own node)
        old->setParent(nullptr);
        old->deleteLater();
    }
    form_ = new QWidget;
    scroll_->setWidget(form_);
}

void InspectorWidget::apply(const QString& id, const QString& key, const Json& value) {
    if (id.isEmpty() || !doc_->node(id)) return;
    QString why;
    applying_ = true;
    bool ok = doc_->setParameter(id, key, value, &why);
    applying_ = false;
    if (id == id_) showError(ok ? QString() : why);
}

void InspectorWidget::rebuild() {
    clearForm();
    const GraphNode* n = doc_->node(id_);
    if (!n) {
        title_->setText(tr("Select a layer to see its settings."));
        return;
    }
    const LayerSpec* ls = LayerRegistry::instance().find(n->className);
    QString head = QStringLiteral("<b>%1</b>").arg(qs(n->className));
    if (ls) head += QStringLiteral("<br><span style='color:#546E7A'>%1</span>").arg(qs(ls->doc).toHtmlEscaped());
    const int calls = doc_->callCount(id_);
    if (calls > 1)
        head += tr("<br><span style='color:#D81B60'>Shared layer: %1 calls, one set of weights. Edits apply to all calls.</span>")
                    .arg(calls);
    title_->setText(head);

    auto* layout = new QFormLayout(form_);
    layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->setLabelAlignment(Qt::AlignRight);

    auto* name = new QLineEdit(qs(n->layerName));
    name->setObjectName("layerName");
    const QString id = id_;
    connect(name, &QLineEdit::editingFinished, this, [this, name, id] {
        if (!doc_->node(id)) return;
        QString why;
        applying_ = true;
        bool ok = doc_->renameLayer(id, name->text(), &why);
        applying_ = false;
        if (id == id_) showError(ok ? QString() : why);
        if (!ok) name->setText(qs(doc_->node(id)->layerName));
    });
    layout->addRow(tr("Name"), name);

    auto* output = new QCheckBox(tr("Model output"));
    output->setObjectName("isOutput");
    // Keras names a functional model's outputs after the layers that make them.
    output->setToolTip(tr("An output of the model, named after this layer (the Name above): losses and metrics "
                          "per output use that name"));
    output->setChecked(doc_->isOutput(id_));
    connect(output, &QCheckBox::toggled, this, [this, id](bool on) {
        applying_ = true;
        doc_->setOutput(id, on);
        applying_ = false;
    });
    layout->addRow(QString(), output);

    // Order of the model's inputs/outputs (Keras passes data in this order).
    auto orderRow = [&](const QString& label, int index, int count, std::function<bool(int, int)> move) {
        auto* row = new QWidget;
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(new QLabel(tr("%1 %2 of %3").arg(label).arg(index + 1).arg(count)));
        auto* up = new QToolButton;
        up->setArrowType(Qt::UpArrow);
        up->setToolTip(tr("Earlier"));
        up->setEnabled(index > 0);
        auto* down = new QToolButton;
        down->setArrowType(Qt::DownArrow);
        down->setToolTip(tr("Later"));
        down->setEnabled(index + 1 < count);
        up->setObjectName(label == tr("Input") ? "inputEarlier" : "outputEarlier");
        down->setObjectName(label == tr("Input") ? "inputLater" : "outputLater");
        connect(up, &QToolButton::clicked, this, [move, index] { move(index, -1); });
        connect(down, &QToolButton::clicked, this, [move, index] { move(index, +1); });
        h->addWidget(up);
        h->addWidget(down);
        h->addStretch();
        layout->addRow(QString(), row);
    };
    auto later = [this](auto fn) {
        // The rows are rebuilt by the change they make; do it after the click has returned.
        QTimer::singleShot(0, this, [fn] { fn(); });
    };
    if (n->isInput()) {
        auto ids = modelInputIds(doc_->spec());
        int idx = static_cast<int>(std::find(ids.begin(), ids.end(), n->id) - ids.begin());
        if (ids.size() > 1)
            orderRow(tr("Input"), idx, static_cast<int>(ids.size()), [this, later](int i, int d) {
                later([this, i, d] { doc_->moveInput(i, d); });
                return true;
            });
    }
    const auto& outs = doc_->spec().outputs;
    for (int i = 0; i < static_cast<int>(outs.size()); ++i)
        if (outs[i].node == n->id && outs.size() > 1)
            orderRow(tr("Output"), i, static_cast<int>(outs.size()), [this, later](int k, int d) {
                later([this, k, d] { doc_->moveOutput(k, d); });
                return true;
            });

    if (n->isInput()) {
        // dtype is a base key of every layer; for Inputs it is what users set (token ids: int32).
        auto* dtype = new QComboBox;
        dtype->setObjectName("dtype");
        dtype->addItems({"float32", "float64", "int32", "int64", "bool"});
        const Json dt = n->config.value("dtype", Json("float32"));
        dtype->setCurrentText(dt.is_string() ? qs(dt.get<std::string>()) : QStringLiteral("float32"));
        connect(dtype, &QComboBox::activated, this, [this, id, dtype](int) { apply(id, "dtype", dtype->currentText().toStdString()); });
        layout->addRow(tr("dtype"), dtype);
    }
    if (!n->isInput()) {
        auto* trainable = new QCheckBox(tr("Trainable"));
        trainable->setObjectName("trainable");
        trainable->setChecked(n->config.value("trainable", Json(true)).is_boolean() ? n->config.value("trainable", true) : true);
        connect(trainable, &QCheckBox::toggled, this, [this, id](bool on) { apply(id, "trainable", on); });
        layout->addRow(QString(), trainable);
    }
    if (!ls) return;

    QWidget* advanced = nullptr;
    QFormLayout* advancedLayout = nullptr;
    for (const ParamSpec& p : ls->params) {
        Json value = n->config.contains(p.name) ? n->config[p.name] : p.defaultValue;
        QWidget* editor = editorFor(p, value);
        editor->setObjectName(qs("param_" + p.name));
        editor->setToolTip(qs(p.doc));
        auto* label = new QLabel(qs(p.name));
        label->setToolTip(qs(p.doc));
        if (p.advanced) {
            if (!advanced) {
                auto* toggle = new QToolButton;
                toggle->setText(tr("Advanced settings"));
                toggle->setCheckable(true);
                toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
                toggle->setArrowType(Qt::RightArrow);
                toggle->setAutoRaise(true);
                advanced = new QWidget;
                advancedLayout = new QFormLayout(advanced);
                advancedLayout->setContentsMargins(0, 0, 0, 0);
                advancedLayout->setLabelAlignment(Qt::AlignRight);
                advanced->setVisible(false);
                connect(toggle, &QToolButton::toggled, advanced, [advanced, toggle](bool on) {
                    advanced->setVisible(on);
                    toggle->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
                });
                layout->addRow(toggle);
                layout->addRow(advanced);
            }
            advancedLayout->addRow(label, editor);
        } else {
            layout->addRow(label, editor);
        }
    }
}

QWidget* InspectorWidget::editorFor(const ParamSpec& p, const Json& value) {
    const QString key = qs(p.name);
    const QString id = id_;
    auto lineEditor = [&](const QString& text, std::function<void(const QString&)> onDone) {
        auto* e = new QLineEdit(text);
        if (p.nullable) e->setPlaceholderText(QStringLiteral("None"));
        connect(e, &QLineEdit::editingFinished, this, [e, onDone] { onDone(e->text()); });
        return e;
    };
    switch (p.type) {
        case ParamType::Int:
            if (!p.nullable && (value.is_number_integer() || value.is_null())) {
                auto* s = new QSpinBox;
                s->setRange(p.min ? static_cast<int>(*p.min) : -1000000000, p.max ? static_cast<int>(*p.max) : 1000000000);
                s->setValue(value.is_number_integer() ? static_cast<int>(value.get<int64_t>()) : 0);
                s->setKeyboardTracking(false);  // apply when the number is complete, not per keystroke
                connect(s, &QSpinBox::valueChanged, this, [this, id, key](int v) { apply(id, key, v); });
                return s;
            }
            return lineEditor(jsonText(value), [this, id, key](const QString& t) {
                if (t.trimmed().isEmpty()) return apply(id, key, nullptr);
                bool ok = false;
                qlonglong x = t.trimmed().toLongLong(&ok);
                if (!ok) return showError(tr("%1: '%2' is not an integer").arg(key, t));
                apply(id, key, static_cast<int64_t>(x));
            });
        case ParamType::Float:
            if (!p.nullable && (value.is_number() || value.is_null())) {
                auto* s = new QDoubleSpinBox;
                s->setDecimals(6);
                s->setRange(p.min ? *p.min : -1e9, p.max ? *p.max : 1e9);
                s->setSingleStep(0.05);
                s->setValue(value.is_number() ? value.get<double>() : 0.0);
                s->setKeyboardTracking(false);
                connect(s, &QDoubleSpinBox::valueChanged, this, [this, id, key](double v) { apply(id, key, v); });
                return s;
            }
            return lineEditor(jsonText(value), [this, id, key](const QString& t) {
                if (t.trimmed().isEmpty()) return apply(id, key, nullptr);
                bool ok = false;
                double x = t.trimmed().toDouble(&ok);
                if (!ok) return showError(tr("%1: '%2' is not a number").arg(key, t));
                apply(id, key, x);
            });
        case ParamType::Bool: {
            auto* c = new QCheckBox;
            c->setChecked(value.is_boolean() && value.get<bool>());
            connect(c, &QCheckBox::toggled, this, [this, id, key](bool on) { apply(id, key, on); });
            return c;
        }
        case ParamType::Choice: {
            auto* c = new QComboBox;
            for (const auto& ch : p.choices) c->addItem(qs(ch));
            c->setCurrentText(jsonText(value));
            connect(c, &QComboBox::activated, this, [this, id, key, c](int) { apply(id, key, c->currentText().toStdString()); });
            return c;
        }
        case ParamType::IntTuple:
        case ParamType::IntList: {
            const bool isList = p.type == ParamType::IntList;
            auto* e = lineEditor(intsToText(value), [this, id, key, isList, p](const QString& t) {
                if (t.trimmed().isEmpty() && p.nullable) return apply(id, key, nullptr);
                Json v;
                QString why;
                if (!intsFromText(t, isList, &v, &why)) return showError(key + ": " + why);
                apply(id, key, v);
            });
            e->setPlaceholderText(isList ? tr("e.g. 28, 28, 1") : tr("e.g. 3, 3"));
            return e;
        }
        case ParamType::Activation:
        case ParamType::Initializer: {
            if (!value.is_string() && !value.is_null())
                return lineEditor(jsonText(value), [this, id, key](const QString& t) { apply(id, key, jsonFromText(t)); });
            auto* c = nameCombo(p.type == ParamType::Activation ? kActivations : kInitializers, value);
            connect(c, &QComboBox::activated, this, [this, id, key, c](int) { apply(id, key, c->currentText().toStdString()); });
            connect(c->lineEdit(), &QLineEdit::editingFinished, this, [this, id, key, c] {
                apply(id, key, c->currentText().trimmed().isEmpty() ? Json(nullptr) : Json(c->currentText().toStdString()));
            });
            return c;
        }
        case ParamType::String:
            return lineEditor(jsonText(value), [this, id, key, p](const QString& t) {
                apply(id, key, t.isEmpty() && p.nullable ? Json(nullptr) : Json(t.toStdString()));
            });
        case ParamType::Regularizer:
        case ParamType::Constraint:
        case ParamType::Json: {
            const std::string dump = value.dump();
            if (dump.size() > 160) {
                // Nested model configs: far too big for a line; shown, not edited here.
                auto* l = new QLabel(value.is_array() ? tr("%1 entries").arg(value.size()) : tr("(nested configuration)"));
                l->setEnabled(false);
                return l;
            }
            auto* e = lineEditor(jsonText(value), [this, id, key](const QString& t) { apply(id, key, jsonFromText(t)); });
            e->setPlaceholderText(tr("None"));
            return e;
        }
    }
    return new QLabel("?");
}

}  // namespace strata::editor
