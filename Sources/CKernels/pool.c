// A persistent pool: workers wait on a generation counter, spinning for a short while after each
// job (matrix-vector calls come back to back while a token is computed) and then sleeping on a
// condition variable so an idle app costs no CPU.
#include "ckernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CK_RELAX() _mm_pause()
#else
#define CK_RELAX() ((void)0)
#endif

enum { CK_SPIN_ROUNDS = 20000 };

struct ck_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t run_lock;     // one job at a time
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    _Atomic unsigned generation;
    _Atomic int pending;
    _Atomic int sleepers;
    _Atomic int quiet;            // set: spinners go to sleep at once
    _Atomic int stop;
    ck_task_fn fn;
    void *context;
};

typedef struct { ck_pool *pool; int index; } ck_worker_arg;

static _Thread_local int ck_inside_job = 0;

static void *ck_worker_main(void *raw) {
    ck_worker_arg arg = *(ck_worker_arg *)raw;
    free(raw);
    ck_pool *p = arg.pool;
    unsigned seen = 0;  // the generation at creation: a job posted before this thread ran is still seen
    ck_inside_job = 1;
    for (;;) {
        int spins = 0;
        unsigned g;
        while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop)) {
            if (spins < CK_SPIN_ROUNDS && !atomic_load_explicit(&p->quiet, memory_order_relaxed)) {
                spins++;
                CK_RELAX();
                continue;
            }
            pthread_mutex_lock(&p->sleep_lock);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop)) {
                pthread_cond_wait(&p->wake, &p->sleep_lock);
            }
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->sleep_lock);
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        p->fn(p->context, arg.index);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

ck_pool *ck_pool_create(int threads) {
    ck_pool *p = calloc(1, sizeof(ck_pool));
    if (!p) return NULL;
    p->threads = threads < 1 ? 1 : threads;
    pthread_mutex_init(&p->run_lock, NULL);
    pthread_mutex_init(&p->sleep_lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->workers = calloc((size_t)p->threads, sizeof(pthread_t));
    int started = 1;
    for (int i = 1; i < p->threads && p->workers; i++) {
        ck_worker_arg *arg = malloc(sizeof(ck_worker_arg));
        if (!arg) break;
        arg->pool = p;
        arg->index = i;
        if (pthread_create(&p->workers[i], NULL, ck_worker_main, arg) != 0) { free(arg); break; }
        started++;
    }
    p->threads = started;  // if the system refused threads, run with the ones we have
    return p;
}

void ck_pool_destroy(ck_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->sleep_lock);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->sleep_lock);
    for (int i = 1; i < p->threads; i++) pthread_join(p->workers[i], NULL);
    free(p->workers);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->sleep_lock);
    pthread_mutex_destroy(&p->run_lock);
    free(p);
}

int ck_pool_threads(const ck_pool *p) { return p ? p->threads : 1; }

int ck_pool_in_job(void) { return ck_inside_job; }

void ck_pool_quiesce(ck_pool *p) {
    if (p) atomic_store(&p->quiet, 1);
}

void ck_pool_run(ck_pool *p, ck_task_fn fn, void *context) {
    if (!p || p->threads == 1 || ck_inside_job) {
        // single-threaded or nested: this thread does every part in turn
        int parts = p ? p->threads : 1;
        int was = ck_inside_job;
        ck_inside_job = 1;
        for (int i = 0; i < parts; i++) fn(context, i);
        ck_inside_job = was;
        return;
    }
    pthread_mutex_lock(&p->run_lock);
    p->fn = fn;
    p->context = context;
    atomic_store(&p->pending, p->threads - 1);
    atomic_store(&p->quiet, 0);
    atomic_fetch_add(&p->generation, 1);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->sleep_lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->sleep_lock);
    }
    ck_inside_job = 1;
    fn(context, 0);
    ck_inside_job = 0;
    unsigned spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
        if (++spins < CK_SPIN_ROUNDS) CK_RELAX();
        else sched_yield();
    }
    pthread_mutex_unlock(&p->run_lock);
}
