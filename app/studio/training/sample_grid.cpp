#include "app/studio/training/sample_grid.h"

#include <QFontMetrics>
#include <QPainter>
#include <algorithm>

namespace strata::studio {

namespace {
constexpr int kPad = 6;
}

SampleGrid::SampleGrid(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void SampleGrid::setCells(std::vector<Cell> cells) {
    cells_ = std::move(cells);
    updateGeometry();
    update();
}

void SampleGrid::setCellSize(int pixels) {
    cellSize_ = std::max(16, pixels);
    updateGeometry();
    update();
}

int SampleGrid::mistakeCount() const {
    return int(std::count_if(cells_.begin(), cells_.end(), [](const Cell& c) { return c.mistake; }));
}

int SampleGrid::cellHeight() const {
    const QFontMetrics fm(font());
    bool two = std::any_of(cells_.begin(), cells_.end(), [](const Cell& c) { return !c.subCaption.isEmpty(); });
    return cellSize_ + fm.height() * (two ? 2 : 1) + kPad * 2;
}

int SampleGrid::columnsFor(int width) const { return std::max(1, (width - kPad) / (cellSize_ + 2 * kPad + 30)); }

QSize SampleGrid::sizeHint() const {
    const int cols = std::min<int>(8, std::max<size_t>(1, cells_.size()));
    const int w = cols * (cellSize_ + 2 * kPad + 30) + kPad;
    return {w, heightForWidth(w)};
}

int SampleGrid::heightForWidth(int w) const {
    const int cols = columnsFor(w);
    const int rows = int((cells_.size() + size_t(cols) - 1) / size_t(cols));
    return std::max(1, rows) * cellHeight() + kPad;
}

void SampleGrid::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (cells_.empty()) {
        p.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        p.drawText(rect(), Qt::AlignCenter, tr("No samples"));
        return;
    }
    const int cols = columnsFor(width());
    const int cw = (width() - kPad) / cols;
    const int ch = cellHeight();
    const QFontMetrics fm(font());
    const QColor bad(200, 40, 40), good = palette().color(QPalette::Text);
    for (size_t i = 0; i < cells_.size(); ++i) {
        const Cell& c = cells_[i];
        const int col = int(i) % cols, row = int(i) / cols;
        const QRect cell(kPad + col * cw, kPad + row * ch, cw - kPad, ch - kPad);
        if (c.mistake) p.fillRect(cell, QColor(250, 225, 225));
        const QRect img(cell.center().x() - cellSize_ / 2, cell.top() + kPad / 2, cellSize_, cellSize_);
        if (!c.image.isNull()) {
            p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // pixels stay pixels
            p.drawImage(img, c.image);
        }
        if (c.mistake) {
            p.setPen(QPen(bad, 2));
            p.drawRect(img.adjusted(-1, -1, 1, 1));
        }
        p.setPen(good);
        QRect text(cell.left(), img.bottom() + 3, cell.width(), fm.height());
        p.drawText(text, Qt::AlignHCenter | Qt::AlignTop, fm.elidedText(c.caption, Qt::ElideRight, cell.width()));
        if (!c.subCaption.isEmpty()) {
            p.setPen(c.mistake ? bad : QColor(40, 130, 60));
            text.translate(0, fm.height());
            p.drawText(text, Qt::AlignHCenter | Qt::AlignTop, fm.elidedText(c.subCaption, Qt::ElideRight, cell.width()));
        }
    }
}

}  // namespace strata::studio
