/* irp.h — the whole core library: Inverse Relative Projection in C.
 * core/ is pure numerics: no file I/O, no printing. See each header. */
#ifndef IRP_H
#define IRP_H

#include "irp_anchors.h"
#include "irp_auto.h"
#include "irp_error.h"
#include "irp_flat.h"
#include "irp_linalg.h"
#include "irp_metrics.h"
#include "irp_reference.h"
#include "irp_rng.h"
#include "irp_translate.h"

#endif
