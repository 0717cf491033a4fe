#ifndef GLMCHAT_COPENBLAS_SHIM_H
#define GLMCHAT_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
