/* One OpenMP thread per caller thread.
 *
 * Tesseract's LSTM recogniser opens OpenMP teams of a fixed size on every line; with ekycd's own
 * worker threads on a small machine those teams oversubscribe the cores and spin (measured: a
 * MyKad reading takes 950 ms instead of 217 ms on 2 cores). libgomp reads OMP_THREAD_LIMIT once,
 * when it is loaded, so a process that should have it starts itself again with it set. */
#ifndef EKYCD_UTIL_OPENMP_ENV_H
#define EKYCD_UTIL_OPENMP_ENV_H

/* When OMP_THREAD_LIMIT is not set: sets it to 1 and replaces the process with a fresh run of
 * the same executable and arguments. Returns when it is already set (an operator's choice is
 * kept) or when the restart is impossible (the process then runs on as it is). */
void openmp_env_single_thread(char **argv);

#endif
