#include "kernels.h"

// The square root as LLVM's sqrt intrinsic (no errno: the argument is a sum of squares, never negative), so the loop
// vectorizes; libm's sqrtf where the builtin is missing.
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define FLYWHEEL_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#include <math.h>
#define FLYWHEEL_SQRT(x) sqrtf(x)
#endif

#pragma clang fp contract(off)

void flywheel_adam_f32(float *restrict w, const float *restrict g, float *restrict m, float *restrict v, size_t n,
                       float rate, float beta1, float beta2, float epsilon) {
    const float c1 = 1 - beta1, c2 = 1 - beta2;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = beta1 * m[i] + c1 * gi;
        const float vi = beta2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] - rate * mi / (FLYWHEEL_SQRT(vi) + epsilon);
    }
}
