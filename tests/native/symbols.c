/*
 * symbols <module.so>
 *
 * Resolves every PKCS#11 v2.40 function (the 68 pointers of CK_FUNCTION_LIST) and the 3.0 discovery
 * functions C_GetInterfaceList and C_GetInterface by name with dlsym, and checks that each exported
 * symbol is the very function the library's CK_FUNCTION_LIST (and every CK_INTERFACE it advertises)
 * points to. Prints one line per problem and a summary; exits 1 on any miss or mismatch.
 */
#include <stddef.h>
#include "p11util.h"

/* CK_INTERFACE from PKCS#11 3.0 (Debian 12's p11-kit header is v2.40 only). */
typedef struct {
    CK_UTF8CHAR *pInterfaceName;
    void *pFunctionList;
    CK_FLAGS flags;
} CK_INTERFACE_30;
typedef CK_RV (*C_GetInterfaceList_t)(CK_INTERFACE_30 *, CK_ULONG *);
typedef CK_RV (*C_GetInterface_t)(CK_UTF8CHAR *, CK_VERSION *, CK_INTERFACE_30 **, CK_FLAGS);

static const char *const v240[] = {
    "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo",
    "C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN",
    "C_OpenSession", "C_CloseSession", "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState",
    "C_SetOperationState", "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
    "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit", "C_FindObjects",
    "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", "C_DecryptInit",
    "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest", "C_DigestUpdate",
    "C_DigestKey", "C_DigestFinal", "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal", "C_SignRecoverInit",
    "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal", "C_VerifyRecoverInit",
    "C_VerifyRecover", "C_DigestEncryptUpdate", "C_DecryptDigestUpdate", "C_SignEncryptUpdate",
    "C_DecryptVerifyUpdate", "C_GenerateKey", "C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey",
    "C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus", "C_CancelFunction", "C_WaitForSlotEvent",
};
#define V240_COUNT (sizeof v240 / sizeof v240[0])

/* The functions CK_FUNCTION_LIST_3_0 adds after the 68 above, in header order. */
static const char *const v300[] = {
    "C_GetInterfaceList", "C_GetInterface", "C_LoginUser", "C_SessionCancel", "C_MessageEncryptInit",
    "C_EncryptMessage", "C_EncryptMessageBegin", "C_EncryptMessageNext", "C_MessageEncryptFinal",
    "C_MessageDecryptInit", "C_DecryptMessage", "C_DecryptMessageBegin", "C_DecryptMessageNext",
    "C_MessageDecryptFinal", "C_MessageSignInit", "C_SignMessage", "C_SignMessageBegin", "C_SignMessageNext",
    "C_MessageSignFinal", "C_MessageVerifyInit", "C_VerifyMessage", "C_VerifyMessageBegin",
    "C_VerifyMessageNext", "C_MessageVerifyFinal",
};
#define V300_COUNT (sizeof v300 / sizeof v300[0])

_Static_assert(V240_COUNT == 68, "CK_FUNCTION_LIST v2.40 has 68 function pointers");
_Static_assert(offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent) ==
               offsetof(CK_FUNCTION_LIST, C_Initialize) + 67 * sizeof(void *), "function pointers are contiguous");

static int problems;

static void problem(const char *fmt, const char *a, const char *b)
{
    printf("MISS ");
    printf(fmt, a, b);
    printf("\n");
    problems++;
}

/* Compares n table entries against dlsym of the given names. */
static void compare_table(void *handle, void *const *table, const char *const *names, size_t n, const char *where)
{
    for (size_t i = 0; i < n; i++) {
        void *sym = dlsym(handle, names[i]);
        if (table[i] == NULL)
            problem("%s: NULL entry in %s", names[i], where);
        else if (sym != NULL && sym != table[i])
            problem("%s: exported symbol differs from the entry in %s", names[i], where);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        fail(2, "usage: symbols <module.so>");
    CK_FUNCTION_LIST_PTR list = NULL;
    void *handle = load_module(argv[1], &list);
    int checked = 0;

    if (list->version.major != 2 || list->version.minor != 40)
        printf("NOTE C_GetFunctionList version %d.%d (expected 2.40)\n", list->version.major, list->version.minor);
    if (list->version.major != 2 || list->version.minor != 40)
        problems++;

    void *const *table = (void *const *)((const char *)list + offsetof(CK_FUNCTION_LIST, C_Initialize));
    for (size_t i = 0; i < V240_COUNT; i++, checked++) {
        void *sym = dlsym(handle, v240[i]);
        if (sym == NULL)
            problem("%s: not exported%s", v240[i], "");
        else if (table[i] != sym)
            problem("%s: CK_FUNCTION_LIST entry differs from the exported symbol%s", v240[i], "");
    }

    C_GetInterfaceList_t get_list = (C_GetInterfaceList_t)dlsym(handle, "C_GetInterfaceList");
    C_GetInterface_t get_iface = (C_GetInterface_t)dlsym(handle, "C_GetInterface");
    checked += 2;
    if (get_list == NULL)
        problem("%s: not exported%s", "C_GetInterfaceList", "");
    if (get_iface == NULL)
        problem("%s: not exported%s", "C_GetInterface", "");

    if (get_list != NULL) {
        CK_ULONG n = 0;
        check(get_list(NULL, &n), "C_GetInterfaceList(NULL)", 1);
        CK_INTERFACE_30 *ifaces = calloc(n ? n : 1, sizeof *ifaces);
        check(get_list(ifaces, &n), "C_GetInterfaceList", 1);
        int has_240 = 0;
        for (CK_ULONG i = 0; i < n; i++) {
            const CK_VERSION *v = (const CK_VERSION *)ifaces[i].pFunctionList;
            const char *name = (const char *)ifaces[i].pInterfaceName;
            printf("interface '%s' %d.%d flags 0x%lx\n", name ? name : "(null)", v ? v->major : 0, v ? v->minor : 0,
                   (unsigned long)ifaces[i].flags);
            if (name == NULL || v == NULL || strcmp(name, "PKCS 11") != 0)
                continue;
            void *const *t = (void *const *)((const char *)ifaces[i].pFunctionList + offsetof(CK_FUNCTION_LIST, C_Initialize));
            compare_table(handle, t, v240, V240_COUNT, "a 'PKCS 11' interface");
            if (v->major == 2 && v->minor == 40)
                has_240 = 1;
            if (v->major >= 3)
                compare_table(handle, t + V240_COUNT, v300, V300_COUNT, "the 'PKCS 11' 3.x interface");
        }
        if (!has_240)
            problem("%s%s: no 'PKCS 11' 2.40 interface in C_GetInterfaceList", "", "");
        free(ifaces);
    }
    if (get_iface != NULL) {
        CK_INTERFACE_30 *iface = NULL;
        CK_VERSION v240v = { 2, 40 };
        CK_RV rv = get_iface((CK_UTF8CHAR *)"PKCS 11", &v240v, &iface, 0);
        if (rv != CKR_OK || iface == NULL)
            problem("C_GetInterface(\"PKCS 11\", 2.40): %s%s", rv_name(rv), "");
        else if (iface->pFunctionList == NULL)
            problem("%s%s: C_GetInterface gave a NULL function list", "", "");
    }

    printf("symbols: %d checked, %d problems\n", checked, problems);
    return problems == 0 ? 0 : 1;
}
