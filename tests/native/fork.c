/*
 * fork <module.so> <token-label> <user-pin> <object-label-prefix>
 *
 * What nginx does with an HSM key: the parent initialises the module, logs in and works, then forks.
 * Per PKCS#11 (and libp11) a child must call C_Initialize again: the parent's sessions are void there.
 *
 *   parent: C_Initialize, C_OpenSession (R/W), C_Login(USER), creates a token data object, forks 3 children;
 *   child:  C_Initialize must return CKR_OK (child 0 with CLOUDHSM_PKCS11_CONF unset, as nginx leaves its
 *           workers: it must still reach the parent's token); the parent's session handle must be invalid; it opens a
 *           session, logs in, digests (SHA-256 KAT), sees the parent's object, creates and finds its own
 *           token object, C_Finalize, exits 0. Children run at the same time.
 *   parent: waits for all (alarm() bounds everything), then must see every child's object: a change
 *           made by another process is visible. Cleans up and exits 0.
 *
 * Exit codes: 0 all good; 2 set-up; 3 timeout; 10+i child i failed (the child's own message is on stderr);
 * 20 parent check after the children failed.
 */
#include "p11util.h" /* first: it defines _GNU_SOURCE */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 3
#define TIMEOUT_SECONDS 120

static pid_t pids[CHILDREN];

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "fork: timeout waiting for children\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    for (int i = 0; i < CHILDREN; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGKILL);
    _exit(3);
}

static int child(int index, const char *module, const char *token, const char *pin, const char *prefix,
                 CK_SESSION_HANDLE parent_session)
{
    (void)module;
    alarm(TIMEOUT_SECONDS / 2);
    int code = 10 + index;
    CK_FUNCTION_LIST_PTR p11 = NULL;
    /* The module is already mapped (inherited); C_GetFunctionList must still work before C_Initialize. */
    void *handle = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL)
        fail(code, "child %d: dlopen: %s", index, dlerror());
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(handle, "C_GetFunctionList");
    check(gfl(&p11), "child C_GetFunctionList", code);

    /* nginx clears its workers' environment: the child must keep the parent's configuration. */
    if (index == 0)
        unsetenv("CLOUDHSM_PKCS11_CONF");
    CK_RV rv = initialize(p11);
    if (rv != CKR_OK)
        fail(code, "child %d: C_Initialize returned %s (0x%lx), expected CKR_OK", index, rv_name(rv), (unsigned long)rv);

    CK_SESSION_INFO sinfo;
    rv = p11->C_GetSessionInfo(parent_session, &sinfo);
    if (rv != CKR_SESSION_HANDLE_INVALID)
        fail(code, "child %d: the parent's session answered C_GetSessionInfo with %s, expected CKR_SESSION_HANDLE_INVALID",
             index, rv_name(rv));

    CK_SLOT_ID slot = find_slot(p11, token, code);
    CK_SESSION_HANDLE s = 0;
    check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "child C_OpenSession", code);
    check(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "child C_Login", code);

    static const unsigned char abc_sha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
    CK_MECHANISM sha256 = { CKM_SHA256, NULL, 0 };
    unsigned char digest[64];
    CK_ULONG dlen = sizeof digest;
    check(p11->C_DigestInit(s, &sha256), "child C_DigestInit", code);
    check(p11->C_Digest(s, (CK_BYTE *)"abc", 3, digest, &dlen), "child C_Digest", code);
    if (dlen != 32 || memcmp(digest, abc_sha256, 32) != 0)
        fail(code, "child %d: SHA-256(\"abc\") is wrong", index);

    char label[256];
    snprintf(label, sizeof label, "%s-parent", prefix);
    CK_ULONG n = count_data_objects(p11, s, label, code);
    if (n != 1)
        fail(code, "child %d: sees %lu objects labelled %s, expected 1", index, (unsigned long)n, label);

    snprintf(label, sizeof label, "%s-child-%d", prefix, index);
    create_data_object(p11, s, label, code);
    n = count_data_objects(p11, s, label, code);
    if (n != 1)
        fail(code, "child %d: finds %lu objects labelled %s, expected 1", index, (unsigned long)n, label);

    check(p11->C_Logout(s), "child C_Logout", code);
    check(p11->C_CloseSession(s), "child C_CloseSession", code);
    check(p11->C_Finalize(NULL), "child C_Finalize", code);
    printf("child %d: ok\n", index);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        fail(2, "usage: fork <module.so> <token-label> <user-pin> <object-label-prefix>");
    const char *module = argv[1], *token = argv[2], *pin = argv[3], *prefix = argv[4];
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
    alarm(TIMEOUT_SECONDS);

    CK_FUNCTION_LIST_PTR p11 = NULL;
    load_module(module, &p11);
    check(initialize(p11), "C_Initialize", 2);
    CK_SLOT_ID slot = find_slot(p11, token, 2);
    CK_SESSION_HANDLE s = 0;
    check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession", 2);
    check(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login", 2);
    char label[256];
    snprintf(label, sizeof label, "%s-parent", prefix);
    create_data_object(p11, s, label, 2);
    printf("parent: created %s\n", label);

    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < CHILDREN; i++) {
        pid_t pid = fork();
        if (pid < 0)
            fail(2, "fork failed");
        if (pid == 0)
            _exit(child(i, module, token, pin, prefix, s));
        pids[i] = pid;
    }

    int failed = 0;
    for (int i = 0; i < CHILDREN; i++) {
        int status = 0;
        if (waitpid(pids[i], &status, 0) < 0)
            fail(2, "waitpid failed");
        pids[i] = 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            continue;
        if (WIFSIGNALED(status))
            fprintf(stderr, "child %d: killed by signal %d\n", i, WTERMSIG(status));
        else
            fprintf(stderr, "child %d: exit code %d\n", i, WEXITSTATUS(status));
        if (!failed)
            failed = 10 + i;
    }
    alarm(0);
    if (failed)
        return failed;

    /* The parent's session survived the children, and it sees what they created. */
    for (int i = 0; i < CHILDREN; i++) {
        snprintf(label, sizeof label, "%s-child-%d", prefix, i);
        CK_ULONG n = count_data_objects(p11, s, label, 20);
        if (n != 1)
            fail(20, "parent: sees %lu objects labelled %s after the child exited, expected 1", (unsigned long)n, label);
    }
    printf("parent: sees all %d children's objects\n", CHILDREN);
    check(p11->C_Logout(s), "C_Logout", 20);
    check(p11->C_CloseSession(s), "C_CloseSession", 20);
    check(p11->C_Finalize(NULL), "C_Finalize", 20);
    printf("fork: ok\n");
    return 0;
}
