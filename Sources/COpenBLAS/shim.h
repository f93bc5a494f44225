#ifndef FLYWHEEL_COPENBLAS_SHIM_H
#define FLYWHEEL_COPENBLAS_SHIM_H

/* OpenBLAS's CBLAS interface (Debian libopenblas-dev). Only the LinearAlgebra target imports this. */
#include <cblas.h>

#endif
