/*
 * Shared helpers of the C test programs in this folder. They are compiled by the NUnit tests at
 * run time (NativeHelpers.cs) against Debian's p11-kit PKCS#11 header and load the module under
 * test with dlopen, as any C consumer (nginx + libp11, pkcs11-tool) would.
 */
#ifndef P11UTIL_H
#define P11UTIL_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit/pkcs11.h>

static inline const char *rv_name(CK_RV rv)
{
    switch (rv) {
#define N(x) case x: return #x;
    N(CKR_OK) N(CKR_HOST_MEMORY) N(CKR_SLOT_ID_INVALID) N(CKR_GENERAL_ERROR) N(CKR_FUNCTION_FAILED)
    N(CKR_ARGUMENTS_BAD) N(CKR_CANT_LOCK) N(CKR_ATTRIBUTE_READ_ONLY) N(CKR_ATTRIBUTE_SENSITIVE)
    N(CKR_ATTRIBUTE_TYPE_INVALID) N(CKR_ATTRIBUTE_VALUE_INVALID) N(CKR_DEVICE_ERROR) N(CKR_DEVICE_MEMORY)
    N(CKR_FUNCTION_NOT_SUPPORTED) N(CKR_KEY_HANDLE_INVALID) N(CKR_MECHANISM_INVALID)
    N(CKR_OBJECT_HANDLE_INVALID) N(CKR_OPERATION_ACTIVE) N(CKR_OPERATION_NOT_INITIALIZED)
    N(CKR_PIN_INCORRECT) N(CKR_PIN_LOCKED) N(CKR_SESSION_COUNT) N(CKR_SESSION_HANDLE_INVALID)
    N(CKR_SESSION_PARALLEL_NOT_SUPPORTED) N(CKR_SESSION_READ_ONLY) N(CKR_SESSION_EXISTS)
    N(CKR_TEMPLATE_INCOMPLETE) N(CKR_TEMPLATE_INCONSISTENT) N(CKR_TOKEN_NOT_PRESENT)
    N(CKR_TOKEN_NOT_RECOGNIZED) N(CKR_USER_ALREADY_LOGGED_IN) N(CKR_USER_NOT_LOGGED_IN)
    N(CKR_USER_PIN_NOT_INITIALIZED) N(CKR_USER_TYPE_INVALID) N(CKR_BUFFER_TOO_SMALL)
    N(CKR_CRYPTOKI_NOT_INITIALIZED) N(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    N(CKR_DATA_INVALID) N(CKR_DATA_LEN_RANGE) N(CKR_ENCRYPTED_DATA_INVALID) N(CKR_ENCRYPTED_DATA_LEN_RANGE)
    N(CKR_KEY_TYPE_INCONSISTENT) N(CKR_KEY_FUNCTION_NOT_PERMITTED) N(CKR_MECHANISM_PARAM_INVALID)
    N(CKR_SESSION_CLOSED) N(CKR_SIGNATURE_INVALID) N(CKR_SIGNATURE_LEN_RANGE)
#undef N
    default: return "CKR_(other)";
    }
}

/* Prints "<what>: <CKR name> (0x..)" to stderr and exits with <code> unless rv == CKR_OK. */
static inline void check(CK_RV rv, const char *what, int code)
{
    if (rv != CKR_OK) {
        fprintf(stderr, "%s: %s (0x%lx)\n", what, rv_name(rv), (unsigned long)rv);
        exit(code);
    }
}

static inline void fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static inline void *load_module(const char *path, CK_FUNCTION_LIST_PTR *list)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL)
        fail(2, "dlopen(%s): %s", path, dlerror());
    CK_C_GetFunctionList get_function_list = (CK_C_GetFunctionList)dlsym(handle, "C_GetFunctionList");
    if (get_function_list == NULL)
        fail(2, "dlsym(C_GetFunctionList): %s", dlerror());
    check(get_function_list(list), "C_GetFunctionList", 2);
    return handle;
}

/* CK_C_INITIALIZE_ARGS for a multi-threaded application that lets the library use OS locking. */
static inline CK_RV initialize(CK_FUNCTION_LIST_PTR p11)
{
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    return p11->C_Initialize(&args);
}

/* The slot whose initialised token has this label (blank-padded in CK_TOKEN_INFO), or exits. */
static inline CK_SLOT_ID find_slot(CK_FUNCTION_LIST_PTR p11, const char *label, int code)
{
    CK_ULONG count = 0;
    check(p11->C_GetSlotList(CK_TRUE, NULL, &count), "C_GetSlotList(NULL)", code);
    CK_SLOT_ID *slots = calloc(count ? count : 1, sizeof *slots);
    if (slots == NULL)
        fail(code, "out of memory");
    check(p11->C_GetSlotList(CK_TRUE, slots, &count), "C_GetSlotList", code);
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO info;
        CK_RV rv = p11->C_GetTokenInfo(slots[i], &info);
        if (rv != CKR_OK) {
            fprintf(stderr, "C_GetTokenInfo(slot %lu): %s\n", (unsigned long)slots[i], rv_name(rv));
            continue;
        }
        size_t n = sizeof info.label;
        while (n > 0 && info.label[n - 1] == ' ')
            n--;
        if ((info.flags & CKF_TOKEN_INITIALIZED) && n == strlen(label) && memcmp(info.label, label, n) == 0) {
            CK_SLOT_ID found = slots[i];
            free(slots);
            return found;
        }
    }
    free(slots);
    fail(code, "no token labelled '%s' among %lu slots", label, (unsigned long)count);
    return 0;
}

static CK_OBJECT_CLASS data_class = CKO_DATA;
static CK_BBOOL ck_true = CK_TRUE;
static CK_BBOOL ck_false = CK_FALSE;

/* Creates a public token data object with this label. */
static inline CK_OBJECT_HANDLE create_data_object(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE s, const char *label, int code)
{
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &data_class, sizeof data_class },
        { CKA_TOKEN, &ck_true, sizeof ck_true },
        { CKA_PRIVATE, &ck_false, sizeof ck_false },
        { CKA_LABEL, (void *)label, strlen(label) },
        { CKA_VALUE, (void *)label, strlen(label) },
    };
    CK_OBJECT_HANDLE h = 0;
    check(p11->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &h), "C_CreateObject", code);
    return h;
}

/* Number of data objects with this label the session sees. */
static inline CK_ULONG count_data_objects(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE s, const char *label, int code)
{
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &data_class, sizeof data_class },
        { CKA_LABEL, (void *)label, strlen(label) },
    };
    check(p11->C_FindObjectsInit(s, tmpl, 2), "C_FindObjectsInit", code);
    CK_ULONG total = 0, n = 0;
    CK_OBJECT_HANDLE found[8];
    do {
        check(p11->C_FindObjects(s, found, 8, &n), "C_FindObjects", code);
        total += n;
    } while (n > 0);
    check(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal", code);
    return total;
}

#endif
