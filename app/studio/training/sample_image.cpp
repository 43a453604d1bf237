#include "app/studio/training/sample_image.h"

#include <algorithm>
#include <cmath>

namespace strata::studio {

namespace {

struct ImageDims {
    int h = 0, w = 0, c = 0;
};

ImageDims dimsOf(const Tensor& x) {
    if (x.rank() == 3) return {int(x.dim(1)), int(x.dim(2)), 1};
    if (x.rank() == 4 && (x.dim(3) == 1 || x.dim(3) == 3)) return {int(x.dim(1)), int(x.dim(2)), int(x.dim(3))};
    if (x.rank() == 2) {
        const int side = int(std::lround(std::sqrt(double(x.dim(1)))));
        if (side >= 4 && int64_t(side) * side == x.dim(1)) return {side, side, 1};
    }
    return {};
}

}  // namespace

bool drawableAsImage(const Tensor& x) { return dimsOf(x).c > 0; }

QImage sampleImage(const Tensor& x, int64_t index) {
    const ImageDims d = dimsOf(x);
    if (d.c == 0 || index < 0 || index >= x.dim(0)) return {};
    const int64_t per = int64_t(d.h) * d.w * d.c;
    const float* p = x.data() + index * per;
    float mx = 0;
    for (int64_t i = 0; i < per; ++i) mx = std::max(mx, p[i]);
    const float scale = mx > 1.0f ? 1.0f : 255.0f;  // raw pixels or [0, 1]
    QImage img(d.w, d.h, d.c == 3 ? QImage::Format_RGB32 : QImage::Format_Grayscale8);
    for (int y = 0; y < d.h; ++y) {
        if (d.c == 3) {
            auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
            for (int xx = 0; xx < d.w; ++xx) {
                const float* px = p + (int64_t(y) * d.w + xx) * 3;
                const auto ch = [&](int k) { return std::clamp(int(px[k] * scale), 0, 255); };
                line[xx] = qRgb(ch(0), ch(1), ch(2));
            }
        } else {
            uchar* line = img.scanLine(y);
            for (int xx = 0; xx < d.w; ++xx) line[xx] = uchar(std::clamp(int(p[int64_t(y) * d.w + xx] * scale), 0, 255));
        }
    }
    return img;
}

QString labelText(float value, const std::vector<std::string>& classNames) {
    const int k = int(value);
    if (float(k) == value && k >= 0 && size_t(k) < classNames.size()) return QString::fromStdString(classNames[size_t(k)]);
    return QString::number(double(value), 'g', 4);
}

int predictedClass(const Tensor& predictions, int64_t index) {
    if (predictions.rank() < 2) return predictions.size() > index ? int(predictions[index] > 0.5f) : -1;
    const int64_t k = predictions.dim(-1);
    const float* row = predictions.data() + index * k;
    if (k == 1) return row[0] > 0.5f ? 1 : 0;
    return int(std::max_element(row, row + k) - row);
}

int trueClass(const Tensor& labels, int64_t index) {
    if (labels.rank() <= 1 || (labels.rank() == 2 && labels.dim(1) == 1)) return int(labels[index]);
    const int64_t k = labels.dim(-1);
    const float* row = labels.data() + index * k;
    return int(std::max_element(row, row + k) - row);
}

}  // namespace strata::studio
