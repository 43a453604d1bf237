#pragma once
/// Drawing samples of a dataset: one image sample (h, w) or (h, w, c) of a features tensor as a
/// QImage, grey or RGB, values in [0, 1] or [0, 255].
#include <QImage>
#include <QString>
#include <vector>

#include "engine/core/tensor.h"

namespace strata::studio {

/// True if the per-sample dims of `x` can be drawn ((h, w), (h, w, 1) or (h, w, 3), or a flat
/// vector whose length is a square such as 784).
bool drawableAsImage(const Tensor& x);
/// Sample `index` of `x` as an image (a null QImage if it cannot be drawn).
QImage sampleImage(const Tensor& x, int64_t index);
/// The class name of label `value` ("Trouser"), or the number when there are no names.
QString labelText(float value, const std::vector<std::string>& classNames);
/// The predicted class of row `index` of `predictions` (argmax, or > 0.5 for one unit).
int predictedClass(const Tensor& predictions, int64_t index);
/// The true class of row `index` of labels (class ids, or argmax of one-hot rows).
int trueClass(const Tensor& labels, int64_t index);

}  // namespace strata::studio
