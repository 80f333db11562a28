/* irp_reference.h — translations that need both spaces at once, fitted on the
 * parallel anchors; they stand beside IRP in every table as references.
 *
 * Orthogonal Procrustes: W (dx×dy) = U·Vᵀ from the thin SVD of A_Xᵀ·A_Y,
 * minimising ‖A_X·W − A_Y‖_F over (semi-)orthogonal W. Fit it on prepared
 * anchors (irp_space.anchors) and apply it with irp_translate_apply, so it gets
 * the same normalisation, rescale and centring as IRP.
 *
 * Affine least squares: W ((dx+1)×dy) = pinv([A_X 1])·A_Y on raw anchors;
 * apply with irp_affine_apply on raw samples. */
#ifndef IRP_REFERENCE_H
#define IRP_REFERENCE_H

#include "irp_error.h"

#include "irp_linalg.h"

irp_status irp_procrustes_fit(irp_mat *out, const irp_mat *ax, const irp_mat *ay);

irp_status irp_affine_fit(irp_mat *out, const irp_mat *ax, const irp_mat *ay, double rcond);
irp_status irp_affine_apply(irp_mat *out, const irp_mat *w, const irp_mat *x);

#endif
