#include "editsession.h"

#include "qlip/error.h"

namespace qlipx {

EditSession::EditSession(QObject* parent) : QObject(parent) { m_stack.setUndoLimit(0); }

void EditSession::reset(const qlip::TokenGrid& original) {
    m_stack.clear();
    m_original = original;
    m_current = original;
    Q_EMIT tokensChanged();
}

bool EditSession::apply(const qlip::TokenEdit& edit, const QString& text, int stroke) {
    if (edit.empty()) return false;
    m_stack.push(new EditCommand(this, edit, text, stroke)); // push() runs redo()
    return true;
}

void EditSession::applyStep(const qlip::TokenEdit& edit, bool forward) {
    if (forward) qlip::applyEdit(m_current, edit);
    else qlip::undoEdit(m_current, edit);
    Q_EMIT tokensChanged();
}

std::vector<HistoryEntry> EditSession::history() const {
    std::vector<HistoryEntry> out;
    for (int i = 0; i < m_stack.count(); ++i) {
        const auto* c = static_cast<const EditCommand*>(m_stack.command(i));
        out.push_back({c->text(), c->edit()});
    }
    return out;
}

void EditSession::restore(const qlip::TokenGrid& original, const std::vector<HistoryEntry>& history, int index) {
    if (index < 0 || index > int(history.size())) throw qlip::Error("the session's history position is out of range");
    // Check the whole history against the grid before touching anything.
    qlip::TokenGrid probe = original;
    for (const auto& h : history) qlip::applyEdit(probe, h.edit);
    QSignalBlocker block(this);
    reset(original);
    for (const auto& h : history) m_stack.push(new EditCommand(this, h.edit, h.text, 0));
    m_stack.setIndex(index);
    m_strokes = 0;
    block.unblock();
    Q_EMIT tokensChanged();
}

EditCommand::EditCommand(EditSession* session, qlip::TokenEdit edit, const QString& text, int stroke)
    : m_session(session), m_edit(std::move(edit)), m_stroke(stroke) {
    setText(text);
}

void EditCommand::redo() { m_session->applyStep(m_edit, true); }
void EditCommand::undo() { m_session->applyStep(m_edit, false); }

bool EditCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const EditCommand*>(other);
    if (o->m_stroke != m_stroke) return false;
    m_edit = qlip::mergeEdits(m_edit, o->m_edit);
    setObsolete(m_edit.empty()); // a stroke that ends where it started leaves no step
    return true;
}

} // namespace qlipx
