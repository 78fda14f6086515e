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

Q_SIGNALS:
    void toolChanged(qlipx::EditTool tool);
    void selectionOperation(qlipx::SelectionOp op);
    void pasteRequested();
    void diffViewToggled(bool on);

private:
    QWidget* toolGroup();
    QWidget* selectionGroup();

    QButtonGroup* m_tools = nullptr;
    QSpinBox* m_bit = nullptr;
    QCheckBox* m_allBits = nullptr;
    QComboBox* m_paintOp = nullptr;
    QSpinBox* m_radius = nullptr;
    QCheckBox* m_diff = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace qlipx
