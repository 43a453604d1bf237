#pragma once
/// Colours of the canvas. The family colours (one per LayerCategory) are handed in by the app,
/// which takes them from plotting::familyStyle so diagrams and canvas agree; the editor library
/// itself does not depend on plotting and falls back to neutral greys.
#include <QColor>
#include <functional>

#include "engine/layers/layer_spec.h"

namespace strata::editor {

struct FamilyColors {
    QColor header;  ///< header band and frame
    QColor body;    ///< node body
    QColor text;    ///< header text
};

using FamilyStyleFunction = std::function<FamilyColors(LayerCategory)>;

inline FamilyColors neutralFamilyColors(LayerCategory) {
    return {QColor("#607D8B"), QColor("#ECEFF1"), QColor("#FFFFFF")};
}

namespace style {
inline const QColor kError{"#D32F2F"};
inline const QColor kShared{"#D81B60"};  // as plotting::kSharedColor
inline const QColor kSelection{"#1E88E5"};
inline const QColor kWire{"#546E7A"};
inline const QColor kOutput{"#2E7D32"};
inline const QColor kCanvas{"#FAFAFA"};
inline const QColor kGrid{"#ECEFF1"};
}  // namespace style

}  // namespace strata::editor
