/*
 * sign.c: ECDSA P-256 sign and verify through any PKCS#11 v2.40 module, loaded with dlopen.
 *
 *   sign <module.so> <token-label> [key-label]
 *
 * The user PIN comes from the environment variable PKCS11_PIN (never from the command line, where
 * other users could read it in ps). With key-label, the EC private and public keys carrying that
 * CKA_LABEL are used; without it, a session (non-token) EC P-256 key pair is generated and is gone
 * when the session closes. The message is signed with CKM_ECDSA_SHA256 (the signature's size asked
 * first, as PKCS#11 allows), verified with the public key, then verified again over a changed
 * message, which must fail with CKR_SIGNATURE_INVALID. Prints the signature in hex.
 * Exit status: 0 on success, 1 on any PKCS#11 error (printed with its CKR code), 2 on usage errors.
 *
 * Build (Debian: apt-get install libp11-kit-dev for pkcs11.h):
 *   cc -std=c11 -Wall -Wextra -O2 -I/usr/include/p11-kit-1 -o sign sign.c -ldl
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR p11;

/* The names of the codes this program is likely to meet; the number is always printed. */
static const char *ckr_name(CK_RV rv)
{
    switch (rv) {
    case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
    case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_SIGNATURE_INVALID: return "CKR_SIGNATURE_INVALID";
    case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_CRYPTOKI_ALREADY_INITIALIZED: return "CKR_CRYPTOKI_ALREADY_INITIALIZED";
    default: return "CKR_?";
    }
}

/* Prints the failed call and its CKR code; the caller then cleans up and exits 1. */
static int check(const char *what, CK_RV rv)
{
    if (rv == CKR_OK) return 0;
    fprintf(stderr, "sign: %s failed: %s (0x%08lX)\n", what, ckr_name(rv), (unsigned long)rv);
    return -1;
}

/* CALL(C_Sign, args...): calls p11->C_Sign(args...); on an error, reports it and jumps to the cleanup. */
#define CALL(fn, ...) do { if (check(#fn, p11->fn(__VA_ARGS__)) != 0) goto out; } while (0)

/* Token labels are 32 bytes, blank padded, not NUL terminated. */
static int label_matches(const CK_UTF8CHAR label[32], const char *wanted)
{
    size_t n = strlen(wanted);
    if (n > 32 || memcmp(label, wanted, n) != 0) return 0;
    for (size_t i = n; i < 32; i++)
        if (label[i] != ' ') return 0;
    return 1;
}

static int find_slot(const char *token_label, CK_SLOT_ID *slot)
{
    CK_ULONG count = 0;
    CK_SLOT_ID *slots = NULL;
    int found = -1;

    if (check("C_GetSlotList", p11->C_GetSlotList(CK_TRUE, NULL, &count)) != 0) return -1;
    slots = calloc(count ? count : 1, sizeof *slots);
    if (slots == NULL) return -1;
    if (check("C_GetSlotList", p11->C_GetSlotList(CK_TRUE, slots, &count)) != 0) goto out;
    for (CK_ULONG i = 0; i < count && found != 0; i++) {
        CK_TOKEN_INFO info;
        if (check("C_GetTokenInfo", p11->C_GetTokenInfo(slots[i], &info)) != 0) goto out;
        if (label_matches(info.label, token_label)) {
            *slot = slots[i];
            found = 0;
        }
    }
    if (found != 0) fprintf(stderr, "sign: no token labelled \"%s\"\n", token_label);
out:
    free(slots);
    return found;
}

/* The one object of class cls, key type EC, with this label. */
static int find_key(CK_SESSION_HANDLE session, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *key)
{
    CK_KEY_TYPE type = CKK_EC;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &cls, sizeof cls },
        { CKA_KEY_TYPE, &type, sizeof type },
        { CKA_LABEL, (void *)label, strlen(label) },
    };
    CK_OBJECT_HANDLE found[2];
    CK_ULONG count = 0;
    int rc = -1;

    if (check("C_FindObjectsInit", p11->C_FindObjectsInit(session, tmpl, 3)) != 0) return -1;
    if (check("C_FindObjects", p11->C_FindObjects(session, found, 2, &count)) == 0) {
        if (count == 1) {
            *key = found[0];
            rc = 0;
        } else {
            fprintf(stderr, "sign: %lu EC %s keys labelled \"%s\" (want exactly one)\n", (unsigned long)count,
                    cls == CKO_PRIVATE_KEY ? "private" : "public", label);
        }
    }
    if (check("C_FindObjectsFinal", p11->C_FindObjectsFinal(session)) != 0) rc = -1;
    return rc;
}

int main(int argc, char **argv)
{
    void *lib = NULL;
    CK_C_GetFunctionList get_function_list;
    CK_C_INITIALIZE_ARGS init_args;
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE, pub = CK_INVALID_HANDLE;
    CK_BYTE *signature = NULL;
    CK_ULONG sig_len = 0;
    int initialized = 0, logged_in = 0, status = 1;
    const char *pin = getenv("PKCS11_PIN");
    CK_BYTE message[] = "Signed by samples/c/sign.c through PKCS#11";
    CK_ULONG message_len = sizeof message - 1;
    CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s <module.so> <token-label> [key-label]   (user PIN in PKCS11_PIN)\n", argv[0]);
        return 2;
    }
    if (pin == NULL || *pin == '\0') {
        fprintf(stderr, "sign: set PKCS11_PIN to the user PIN\n");
        return 2;
    }

    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "sign: cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    /* The POSIX way to turn a data pointer from dlsym into a function pointer. */
    *(void **)&get_function_list = dlsym(lib, "C_GetFunctionList");
    if (get_function_list == NULL) {
        fprintf(stderr, "sign: %s has no C_GetFunctionList\n", argv[1]);
        goto out;
    }
    if (check("C_GetFunctionList", get_function_list(&p11)) != 0) goto out;

    /* A multi-threaded caller that lets the module use the OS's locks. */
    memset(&init_args, 0, sizeof init_args);
    init_args.flags = CKF_OS_LOCKING_OK;
    CALL(C_Initialize, &init_args);
    initialized = 1;

    if (find_slot(argv[2], &slot) != 0) goto out;
    CALL(C_OpenSession, slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session);
    CALL(C_Login, session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    logged_in = 1;

    if (argc == 4) {
        if (find_key(session, CKO_PRIVATE_KEY, argv[3], &priv) != 0) goto out;
        if (find_key(session, CKO_PUBLIC_KEY, argv[3], &pub) != 0) goto out;
        printf("key: the EC key pair labelled \"%s\"\n", argv[3]);
    } else {
        /* DER of the named curve prime256v1 (OID 1.2.840.10045.3.1.7). */
        static CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
        CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
        CK_MECHANISM keygen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
        CK_ATTRIBUTE pub_tmpl[] = {
            { CKA_EC_PARAMS, p256, sizeof p256 },
            { CKA_TOKEN, &no, sizeof no },
            { CKA_VERIFY, &yes, sizeof yes },
        };
        CK_ATTRIBUTE priv_tmpl[] = {
            { CKA_TOKEN, &no, sizeof no },
            { CKA_PRIVATE, &yes, sizeof yes },
            { CKA_SENSITIVE, &yes, sizeof yes },
            { CKA_SIGN, &yes, sizeof yes },
        };
        CALL(C_GenerateKeyPair, session, &keygen, pub_tmpl, 3, priv_tmpl, 4, &pub, &priv);
        printf("key: a session EC P-256 key pair, generated in the token\n");
    }

    printf("message: %s\n", (const char *)message);
    /* Sign: first with a NULL buffer for the length, then for real. */
    CALL(C_SignInit, session, &ecdsa, priv);
    CALL(C_Sign, session, message, message_len, NULL, &sig_len);
    signature = malloc(sig_len);
    if (signature == NULL) goto out;
    CALL(C_Sign, session, message, message_len, signature, &sig_len);
    printf("signature (%lu bytes): ", (unsigned long)sig_len);
    for (CK_ULONG i = 0; i < sig_len; i++) printf("%02x", signature[i]);
    printf("\n");

    CALL(C_VerifyInit, session, &ecdsa, pub);
    CALL(C_Verify, session, message, message_len, signature, sig_len);
    printf("verify: ok\n");

    /* The same signature over a different message must not verify. */
    message[0] ^= 1;
    CALL(C_VerifyInit, session, &ecdsa, pub);
    CK_RV rv = p11->C_Verify(session, message, message_len, signature, sig_len);
    if (rv != CKR_SIGNATURE_INVALID) {
        fprintf(stderr, "sign: C_Verify over a changed message returned CKR 0x%08lX, not CKR_SIGNATURE_INVALID\n",
                (unsigned long)rv);
        goto out;
    }
    printf("verify of a changed message: CKR_SIGNATURE_INVALID, as it should be\n");
    status = 0;

out:
    free(signature);
    /* Session objects (the generated pair) go with the session. */
    if (logged_in && check("C_Logout", p11->C_Logout(session)) != 0) status = 1;
    if (session != CK_INVALID_HANDLE && check("C_CloseSession", p11->C_CloseSession(session)) != 0) status = 1;
    if (initialized && check("C_Finalize", p11->C_Finalize(NULL)) != 0) status = 1;
    if (lib != NULL) dlclose(lib);
    return status;
}
