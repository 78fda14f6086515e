// The git commit of the sources, in a translation unit of its own: the header it includes is
// rewritten whenever the commit changes, and only this small file then recompiles.
#include "qlip_gitinfo.h"

namespace qlip::detail {

const char* gitCommit() { return QLIP_GIT_COMMIT; }

} // namespace qlip::detail
