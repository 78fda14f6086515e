#pragma once
// The Edit dock: the edit tool, its bit and operation, the selection operations, the token
// clipboard, the diff view switch, and the undo history (QUndoView). It only says what the user
// chose; MainWindow turns that into token edits.
#include <QWidget>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;
class QUndoStack;
class QBarSet;
class QChartView;
class QProgressBar;
class QPushButton;

namespace qlipx {

enum class EditTool { Pick, FlipBit, PaintBit, SelectRect, SelectLasso, FillBrush, RevertBrush };
enum class SelectionOp { Set, Clear, Invert, Randomize, RotateLeft, RotateRight, FillPicked, Revert, Copy, Deselect };

class EditPanel : public QWidget {
    Q_OBJECT
public:
    EditPanel(QUndoStack* history, QWidget* parent = nullptr);

    EditTool tool() const;
    void setTool(EditTool tool);
    int bit() const;                 // channel (0 = MSB)
    bool allBits() const;            // selection operations act on every bit, not just bit()
    int paintOp() const;             // qlip::BitOp: Set, Clear or Toggle
    int brushRadius() const;
    bool diffView() const;
    void setBits(int bits);
    void setStatus(const QString& text); // edited tokens, last edit-to-pixels time
    QString statusText() const;
    // Sensitivity: running (progress 0..1, or < 0 when idle), and the per-bit means of the last map.
    void setSensitivityProgress(double fraction);
    void setSensitivityChart(const std::vector<int>& bits, const std::vector<double>& meanPerBit, const QString& summary);
    std::vector<double> sensitivityChartValues() const;
    bool sensitivityAllBits() const;

Q_SIGNALS:
    void toolChanged(qlipx::EditTool tool);
    void selectionOperation(qlipx::SelectionOp op);
    void pasteRequested();
    void diffViewToggled(bool on);
    void sensitivityRequested(bool allBits);
    void sensitivityCancelled();

private:
    QWidget* toolGroup();
    QWidget* selectionGroup();
    QWidget* sensitivityGroup();

    QButtonGroup* m_tools = nullptr;
    QSpinBox* m_bit = nullptr;
    QCheckBox* m_allBits = nullptr;
    QComboBox* m_paintOp = nullptr;
    QSpinBox* m_radius = nullptr;
    QCheckBox* m_diff = nullptr;
    QLabel* m_status = nullptr;
    QComboBox* m_sensitivityBits = nullptr;
    QPushButton* m_sensitivityRun = nullptr;
    QPushButton* m_sensitivityCancel = nullptr;
    QProgressBar* m_sensitivityProgress = nullptr;
    QLabel* m_sensitivitySummary = nullptr;
    QChartView* m_sensitivityChart = nullptr;
    QBarSet* m_sensitivitySet = nullptr;
};

} // namespace qlipx
