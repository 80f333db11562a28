/* claims.h — the paper's findings, each with its rule (claims.c), decided
 * from the tables of the configs that opt into them ([report] claims).
 * Whether a kind may opt into a claim is asked by the driver through
 * claim_check (declared in driver/experiment.h, defined in claims.c). */
#ifndef IRP_CLAIMS_H
#define IRP_CLAIMS_H

#include "plumbing/markdown.h"

/* "invertibility, scale-invariance, ..." */
const char *claim_names(void);
/* The findings section: every claim, in the paper's order, decided from the
 * configs that opt into it. */
void claims_write(const report *r);

#endif
