// One thread's CPU time of glmchat's Q4_K / Q6_K kernels (AVX2 build) against ggml's own
// vec_dot from llama-cpp-python's libraries, on the same random (ggml-quantized) weights and
// activations; CPU time, not wall time, so other tenants of a shared machine move it less.
// Not used by tests or CI. Build and run (L = llama_cpp/lib of a venv with llama-cpp-python):
//   S=Sources/CKernels; for f in kquants_avx2 kquants_avx512vnni kquants_dispatch kquants_portable; do
//     clang -O2 -c -I$S/include -I$S $S/$f.c -o /tmp/$f.o; done
//   clang -O2 -I$S/include scripts/kquant_vs_ggml.c /tmp/kquants_*.o -L$L -lggml-cpu -lggml-base \
//     -Wl,-rpath,$L -lm -o /tmp/kquant_vs_ggml
//   /tmp/kquant_vs_ggml SIX COLS ROWS TOKENS [REPS]    (SIX: 0 = Q4_K, 6 = Q6_K)
// Prints the best of REPS for each; ggml's time is its vec_dot called per row and token.
#include "ckernels_kquants.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
void quantize_row_q8_K(const float *x, void *y, int64_t k);
void quantize_row_q4_K_ref(const float *x, void *y, int64_t k);
void quantize_row_q6_K_ref(const float *x, void *y, int64_t k);
void ggml_vec_dot_q4_K_q8_K(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_vec_dot_q6_K_q8_K(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_cpu_init(void);
static double now(void){ struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec+t.tv_nsec*1e-9; }
int main(int argc, char **argv){
  if (argc < 5) { fprintf(stderr, "usage: %s SIX COLS ROWS TOKENS [REPS]\n", argv[0]); return 2; }
  int six = atoi(argv[1]); int cols = atoi(argv[2]); long rows = atol(argv[3]); int ntok = atoi(argv[4]); int reps = argc>5?atoi(argv[5]):10;
  ggml_cpu_init();
  size_t rb = cols/256*(six?210:144);
  uint8_t *w = aligned_alloc(64, rows*rb);
  float *f = malloc(4*cols);
  srand(1);
  for (long r=0;r<rows;r++){ for(int c=0;c<cols;c++) f[c]=(rand()%20001-10000)/10000.f; if(six) quantize_row_q6_K_ref(f,w+r*rb,cols); else quantize_row_q4_K_ref(f,w+r*rb,cols); }
  size_t qb = cols/256*292;
  uint8_t *g8 = malloc(qb*ntok);
  ck_q8k_act *a = malloc(sizeof(*a)*ntok);
  for(int t=0;t<ntok;t++){ for(int c=0;c<cols;c++) f[c]=(rand()%20001-10000)/5000.f; quantize_row_q8_K(f,g8+t*qb,cols);
    int8_t*q=malloc(cols); float*d=malloc(cols/64); int16_t*bs=malloc(cols/8); ck_quantize_q8_K(f,cols,q,d,bs); a[t]=(ck_q8k_act){q,d,bs,cols/256}; }
  float *y1 = malloc(4*rows*ntok), *y2 = malloc(4*rows*ntok);
  ck_kq_matmul_fn k = ck_kq_matmul_kernel(six?CK_KQ_Q6_K:CK_KQ_Q4_K, CK_ISA_AVX2);
  double bo=1e9, bg=1e9;
  for(int rep=0;rep<reps;rep++){
    double t=now(); k(w, rb, rows, a, ntok, y1, rows); t=now()-t; if(t<bo) bo=t;
    t=now();
    for(int tk=0;tk<ntok;tk++) for(long r=0;r<rows;r++) (six?ggml_vec_dot_q6_K_q8_K:ggml_vec_dot_q4_K_q8_K)(cols, y2+tk*rows+r, 0, w+r*rb, 0, g8+tk*qb, 0, 1);
    t=now()-t; if(t<bg) bg=t;
  }
  double md=0; for(long i=0;i<rows*ntok;i++){ double d=fabs(y1[i]-y2[i])/(fabs(y2[i])+1e-3); if(d>md) md=d; }
  printf("%s cols %d rows %ld ntok %d: glmchat %.3f ms, ggml vec_dot %.3f ms, ratio %.2f (max rel diff %.2g)\n", six?"q6_K":"q4_K", cols, rows, ntok, bo*1e3, bg*1e3, bg/bo, md);
  return 0;
}
