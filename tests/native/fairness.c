/*
 * Writer fairness between processes (issue 5, multi-process): one process rewrites a token object's label
 * in a tight loop while another creates and destroys objects on the same token. Each of the second
 * process's writes must get its turn: before the writers' queue (src/CloudHsm.Storage.Sqlite/WriterLock.cs)
 * SQLite's busy wait let the tight loop win again and again, the waiting process slept longer and longer,
 * and after the 10 s busy timeout its write failed with CKR_DEVICE_ERROR (seen with 1,200 objects: 5 s
 * waits; the queue brought the worst wait to 0.1 s).
 *
 *   fairness <module> hammer  <token> <pin> <stop-file>        rewrite one label until <stop-file> exists
 *   fairness <module> patient <token> <pin> <turns> <bound-ms> create + destroy <turns> times; exit 5 if
 *                                                              one pair waited longer than <bound-ms>
 * Exit codes: 0 ok, 2 set-up failed, 4 a PKCS#11 call failed, 5 a wait exceeded the bound.
 */
#include "p11util.h"
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static CK_OBJECT_HANDLE create_private(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE s, const char *label, CK_RV *rv)
{
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &data_class, sizeof data_class },
        { CKA_TOKEN, &ck_true, sizeof ck_true },
        { CKA_PRIVATE, &ck_true, sizeof ck_true },
        { CKA_LABEL, (void *)label, strlen(label) },
        { CKA_VALUE, (void *)label, strlen(label) },
    };
    CK_OBJECT_HANDLE h = 0;
    *rv = p11->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &h);
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 6)
        fail(2, "usage: fairness <module> hammer|patient <token> <pin> <arg> [bound-ms]");
    const char *mode = argv[2], *pin = argv[4];
    CK_FUNCTION_LIST_PTR p11;
    load_module(argv[1], &p11);
    check(initialize(p11), "C_Initialize", 2);
    CK_SESSION_HANDLE s;
    check(p11->C_OpenSession(find_slot(p11, argv[3], 2), CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
        "C_OpenSession", 2);
    check(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), "C_Login", 2);
    char label[32];
    CK_RV rv;

    if (strcmp(mode, "hammer") == 0) {
        CK_OBJECT_HANDLE h = create_private(p11, s, "hammered", &rv);
        check(rv, "C_CreateObject(hammered)", 4);
        long rewrites = 0;
        while (access(argv[5], F_OK) != 0) {
            snprintf(label, sizeof label, "hammered-%ld", rewrites++);
            CK_ATTRIBUTE relabel = { CKA_LABEL, label, strlen(label) };
            check(p11->C_SetAttributeValue(s, h, &relabel, 1), "C_SetAttributeValue", 4);
        }
        printf("hammer: %ld label rewrites\n", rewrites);
    } else if (strcmp(mode, "patient") == 0 && argc >= 7) {
        int turns = atoi(argv[5]);
        double bound = atof(argv[6]), worst = 0;
        for (int i = 0; i < turns; i++) {
            snprintf(label, sizeof label, "patient-%d", i);
            double t0 = now_ms();
            CK_OBJECT_HANDLE h = create_private(p11, s, label, &rv);
            if (rv == CKR_OK)
                rv = p11->C_DestroyObject(s, h);
            double waited = now_ms() - t0;
            if (rv != CKR_OK)
                fail(4, "patient: turn %d: %s (0x%lx) after %.0f ms", i, rv_name(rv), (unsigned long)rv, waited);
            if (waited > worst)
                worst = waited;
        }
        printf("patient: %d create+destroy pairs, the slowest took %.0f ms (bound %.0f ms)\n", turns, worst, bound);
        if (worst > bound)
            return 5;
    } else {
        fail(2, "unknown mode '%s'", mode);
    }
    check(p11->C_Finalize(NULL), "C_Finalize", 4);
    return 0;
}
