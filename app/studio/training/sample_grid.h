#pragma once
/// SampleGrid: a grid of image samples with a caption under each (the Data dock's preview and
/// the predictions view). Cells marked as mistakes get a red frame and red caption.
#include <QImage>
#include <QString>
#include <QWidget>
#include <vector>

namespace strata::studio {

class SampleGrid : public QWidget {
    Q_OBJECT
public:
    struct Cell {
        QImage image;
        QString caption;
        QString subCaption;  ///< second line (the prediction), may be empty
        bool mistake = false;
    };

    explicit SampleGrid(QWidget* parent = nullptr);
    void setCells(std::vector<Cell> cells);
    const std::vector<Cell>& cells() const { return cells_; }
    void setCellSize(int pixels);
    int mistakeCount() const;

    QSize sizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int w) const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int columnsFor(int width) const;
    int cellHeight() const;
    std::vector<Cell> cells_;
    int cellSize_ = 56;
};

}  // namespace strata::studio
