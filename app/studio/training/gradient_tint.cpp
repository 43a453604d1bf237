#include "app/studio/training/gradient_tint.h"

#include <QObject>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace strata::studio {

QColor tintLearning() { return QColor("#2E7D32"); }
QColor tintWeak() { return QColor("#F9A825"); }
QColor tintNotLearning() { return QColor("#7B1FA2"); }
QColor tintExploding() { return QColor("#C62828"); }

namespace {

// Orders of magnitude below the largest norm at which the scale ends (purple).
constexpr double kDecades = 4.0;

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t), float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

/// t = 1 at the largest norm, 0 at kDecades below it.
QColor scale(double t) {
    // The ends and the middle are the legend's colours exactly.
    if (t >= 1) return tintLearning();
    if (t <= 0) return tintNotLearning();
    if (t == 0.5) return tintWeak();
    return t >= 0.5 ? mix(tintWeak(), tintLearning(), (t - 0.5) * 2) : mix(tintNotLearning(), tintWeak(), t * 2);
}

QString sci(double v) { return QString::number(v, 'g', 3); }

struct Combined {
    double sumSquares = 0;
    bool finite = true;
    int parts = 0;
};

}  // namespace

std::vector<LayerTint> gradientTints(const plotting::EpochDiagnostics& d, const plotting::HealthThresholds& th) {
    // Combine nested layers into their top-level node, keeping the diagnostics' order.
    std::vector<QString> order;
    std::map<QString, Combined> byLayer;
    for (const auto& l : d.layers) {
        const QString full = QString::fromStdString(l.layer);
        const QString top = full.section('/', 0, 0);
        auto [it, fresh] = byLayer.try_emplace(top);
        if (fresh) order.push_back(top);
        it->second.finite = it->second.finite && l.gradFinite && std::isfinite(l.gradNorm);
        if (std::isfinite(l.gradNorm)) it->second.sumSquares += l.gradNorm * l.gradNorm;
        ++it->second.parts;
    }
    double largest = 0;
    for (const auto& [name, c] : byLayer)
        if (c.finite && std::sqrt(c.sumSquares) <= th.explodingGradNorm) largest = std::max(largest, std::sqrt(c.sumSquares));

    std::vector<LayerTint> out;
    for (const QString& name : order) {
        const Combined& c = byLayer.at(name);
        LayerTint t;
        t.layer = name;
        t.gradNorm = c.finite ? std::sqrt(c.sumSquares) : std::numeric_limits<double>::quiet_NaN();
        QString meaning;
        if (!c.finite || t.gradNorm > th.explodingGradNorm) {
            t.color = tintExploding();
            t.relative = 1;
            meaning = QObject::tr("exploding gradients");
        } else if (t.gradNorm < th.vanishingGradNorm || largest <= 0) {
            t.color = tintNotLearning();
            t.relative = largest > 0 ? t.gradNorm / largest : 0;
            meaning = QObject::tr("vanishing gradients: this layer is not learning");
        } else {
            t.relative = t.gradNorm / largest;
            const double decadesBelow = -std::log10(t.relative);
            t.color = scale(1.0 - decadesBelow / kDecades);
            meaning = decadesBelow < 1 ? QObject::tr("learning")
                      : decadesBelow < 3 ? QObject::tr("learning slowly")
                                         : QObject::tr("barely learning");
        }
        const QString norm = c.finite ? sci(t.gradNorm) : QObject::tr("not finite");
        t.note = QObject::tr("<span style='color:%1'>■</span> Gradient norm after epoch %2: <b>%3</b>%4 — %5%6")
                     .arg(t.color.name())
                     .arg(d.epoch + 1)
                     .arg(norm)
                     .arg(c.finite && largest > 0 && t.color != tintExploding()
                              ? QObject::tr(" (%1% of the largest layer's)").arg(QString::number(100 * t.relative, 'g', 2))
                              : QString())
                     .arg(meaning)
                     .arg(c.parts > 1 ? QObject::tr(" (%1 layers inside)").arg(c.parts) : QString());
        out.push_back(std::move(t));
    }
    return out;
}

QString gradientTintLegend() {
    const auto swatch = [](const QColor& c) { return QStringLiteral("<span style='color:%1'>■</span>").arg(c.name()); };
    return QObject::tr("Canvas tint: each layer's gradient norm at the last epoch, relative to the largest — "
                       "%1 learning · %2 1/100 · %3 1/10,000 or vanishing (not learning) · %4 exploding")
        .arg(swatch(tintLearning()), swatch(tintWeak()), swatch(tintNotLearning()), swatch(tintExploding()));
}

}  // namespace strata::studio
