#include "util/linsolve.h"

#include <math.h>

bool linear_solve(double *aug, int n) {
    const int w = n + 1;
    for (int c = 0; c < n; c++) {
        int pivot = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(aug[r * w + c]) > fabs(aug[pivot * w + c])) pivot = r;
        if (fabs(aug[pivot * w + c]) < 1e-12) return false;
        if (pivot != c)
            for (int k = 0; k < w; k++) {
                double t = aug[c * w + k];
                aug[c * w + k] = aug[pivot * w + k], aug[pivot * w + k] = t;
            }
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = aug[r * w + c] / aug[c * w + c];
            for (int k = c; k < w; k++) aug[r * w + k] -= f * aug[c * w + k];
        }
    }
    for (int r = 0; r < n; r++) aug[r * w + n] /= aug[r * w + r];
    return true;
}
