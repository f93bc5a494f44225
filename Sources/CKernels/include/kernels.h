#ifndef FLYWHEEL_KERNELS_H
#define FLYWHEEL_KERNELS_H

#include <stddef.h>

/// One Adam step over n weights, in place, in single precision, in this order per weight i:
///   m[i] = beta1 * m[i] + (1 - beta1) * g[i]
///   v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
///   w[i] = w[i] - rate * m[i] / (sqrt(v[i]) + epsilon)
/// with no fused multiply-adds, so it gives the same bits as the same expressions evaluated one by one. A plain C loop
/// because Swift's squareRoot() goes through libm's sqrtf (errno), which keeps the loop from being vectorized.
void flywheel_adam_f32(float *w, const float *g, float *m, float *v, size_t n, float rate, float beta1, float beta2,
                       float epsilon);

#endif
