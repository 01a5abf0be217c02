// Every CAF atom of the audit service, in one place (STYLE.md §5). Atoms are at most ten
// characters (CAF 0.17).
#pragma once

#include <caf/atom.hpp>

namespace bw::auditsvc {

using append_atom = caf::atom_constant<caf::atom("append")>;   // a batch for one tenant log
using job_atom = caf::atom_constant<caf::atom("job")>;         // blocking work for a worker
using done_atom = caf::atom_constant<caf::atom("done")>;       // a worker's result, back home
using tick_atom = caf::atom_constant<caf::atom("tick")>;       // time to consider a checkpoint
using stop_atom = caf::atom_constant<caf::atom("stop")>;       // shut down

}  // namespace bw::auditsvc
