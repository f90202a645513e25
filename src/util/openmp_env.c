#include "util/openmp_env.h"

#include <stdlib.h>
#include <unistd.h>

void openmp_env_single_thread(char **argv) {
    if (getenv("OMP_THREAD_LIMIT")) return;
    if (setenv("OMP_THREAD_LIMIT", "1", 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* still here: no /proc; running with more OpenMP threads is slower, not wrong */
}
