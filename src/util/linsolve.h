/* Small dense linear systems (a perspective map's 8 unknowns, a least-squares fit's normal
 * equations): Gaussian elimination with partial pivoting, in place, no allocation. */
#ifndef EKYCD_UTIL_LINSOLVE_H
#define EKYCD_UTIL_LINSOLVE_H

#include <stdbool.h>

/* Solves the n x n system held with its right-hand side as an n x (n + 1) row-major augmented
 * matrix `aug`; on success the solution is left in its last column (aug[r * (n + 1) + n]).
 * False when the system is singular (a pivot under 1e-12); aug is then undefined. */
bool linear_solve(double *aug, int n);

#endif
