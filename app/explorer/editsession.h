#pragma once
// The tokens being edited: the original grid (as encoded), the current one, and the undo stack of
// edits between them. Every edit is a qlip::TokenEdit (the indices it changes, before and after),
// so undo and redo are exact and the history is small enough to save in a session. Brush strokes
// merge into one undo step. Qt-side only: the engine never sees this, it gets grids to decode.
#include "qlip/tokenedit.h"

#include <QObject>
#include <QString>
#include <QUndoCommand>
#include <QUndoStack>

#include <vector>

namespace qlipx {

struct HistoryEntry {
    QString text;
    qlip::TokenEdit edit;
};

class EditSession : public QObject {
    Q_OBJECT
public:
    explicit EditSession(QObject* parent = nullptr);

    // A new image (or a loaded tokens file): the grid becomes the original; the history is cleared.
    void reset(const qlip::TokenGrid& original);
    const qlip::TokenGrid& original() const { return m_original; }
    const qlip::TokenGrid& current() const { return m_current; }
    bool isEdited() const { return m_current.indices != m_original.indices; }
    bool isEmpty() const { return m_current.count() == 0; }
    QUndoStack* undoStack() { return &m_stack; }

    // Pushes an edit as one undo step. `stroke` > 0 merges it with the previous step of the same
    // stroke (a brush drag). An empty edit is ignored (returns false).
    bool apply(const qlip::TokenEdit& edit, const QString& text, int stroke = 0);
    // A new stroke number for a brush drag.
    int beginStroke() { return ++m_strokes; }

    // The history for sessions: every step and how many are applied.
    std::vector<HistoryEntry> history() const;
    int historyIndex() const { return m_stack.index(); }
    // Rebuilds original, history and position (throws qlip::Error when the history does not fit the grid).
    void restore(const qlip::TokenGrid& original, const std::vector<HistoryEntry>& history, int index);

Q_SIGNALS:
    void tokensChanged(); // current() changed: an edit, undo, redo or reset

private:
    friend class EditCommand;
    void applyStep(const qlip::TokenEdit& edit, bool forward);

    qlip::TokenGrid m_original;
    qlip::TokenGrid m_current;
    QUndoStack m_stack;
    int m_strokes = 0;
};

class EditCommand : public QUndoCommand {
public:
    EditCommand(EditSession* session, qlip::TokenEdit edit, const QString& text, int stroke);
    void redo() override;
    void undo() override;
    int id() const override { return m_stroke > 0 ? 1 : -1; }
    bool mergeWith(const QUndoCommand* other) override;
    const qlip::TokenEdit& edit() const { return m_edit; }

private:
    EditSession* m_session;
    qlip::TokenEdit m_edit;
    int m_stroke;
};

} // namespace qlipx
