/*
 * The one piece of C in the module: a counter that pthread_atfork raises in every child, so that managed code
 * can notice a fork by reading memory instead of calling getpid() on every PKCS#11 call (a syscall that cost
 * a third of C_SignInit + C_Sign with HMAC on this machine). NativeProcess.cs reads the counter.
 *
 * The handler must be native: it runs in the child on whichever thread called fork(), which may never have
 * entered managed code. It only increments a word. The library is linked NODELETE, so the handler's address
 * stays valid after dlclose.
 */
#include <pthread.h>

static volatile unsigned long fork_generation;
static int tracking;

static void on_fork_child(void)
{
    fork_generation++;
}

__attribute__((constructor)) static void register_fork_handler(void)
{
    tracking = pthread_atfork(0, 0, on_fork_child) == 0;
}

/* The counter, or NULL if the handler could not be registered: the caller must then ask getpid() every time. */
__attribute__((visibility("hidden"))) const volatile unsigned long *cloudhsm_fork_generation(void)
{
    return tracking ? &fork_generation : 0;
}
