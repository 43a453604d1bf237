#pragma once
/// Gradient tints: the colour each canvas node gets while training, from its layer's gradient norm
/// in the latest epoch's diagnostics, so that the layer that is not learning stands out.
///
/// Gradient norms of healthy layers differ by orders of magnitude with their size, so the colour
/// goes by the norm relative to the largest layer's, on a log scale: green at the largest, amber
/// at 1/100 of it, purple at 1/10,000 or less. A vanishing gradient (HealthThresholds) is purple
/// whatever the others do; an exploding or non-finite one is red. Layers inside a nested model
/// ("encoder/dense") tint the nested model's node with their combined norm.
#include <QColor>
#include <QString>
#include <vector>

#include "plotting/training_diagnostics.h"

namespace strata::studio {

struct LayerTint {
    QString layer;            ///< top-level layer name (the canvas node's layer)
    QColor color;
    double gradNorm = 0;      ///< L2 norm of the layer's gradients (last batch of the epoch)
    double relative = 0;      ///< gradNorm / the largest layer's (0..1)
    QString note;             ///< tooltip text (HTML) saying what the colour means
};

/// Colours of the scale's ends and middle, for the legend.
QColor tintLearning();      ///< the largest gradient norm
QColor tintWeak();          ///< 1/100 of the largest
QColor tintNotLearning();   ///< 1/10,000 or less, or vanishing
QColor tintExploding();     ///< exploding or not finite

/// One tint per top-level layer with trainable weights, in the diagnostics' order.
std::vector<LayerTint> gradientTints(const plotting::EpochDiagnostics& diagnostics,
                                     const plotting::HealthThresholds& thresholds = {});

/// The legend under the charts (rich text with colour swatches).
QString gradientTintLegend();

}  // namespace strata::studio
