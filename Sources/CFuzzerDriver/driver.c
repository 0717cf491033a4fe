// Declarations only (see include/CFuzzerDriver.h); libFuzzer provides the definition when glmfuzz is
// built with -sanitize=fuzzer (scripts/fuzz).
#include "CFuzzerDriver.h"
