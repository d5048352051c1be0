/*
 * probe <module.so> <command> [args]   -- a second process for the cross-process tests.
 *
 *   init                                   C_Initialize + C_Finalize; prints "C_Initialize <CKR>"; exit 0 iff CKR_OK
 *   slots                                  prints "slot <id> flags 0x<hex> label '<label>'" per slot, then "count <n>"
 *   create <token> <pin> <label>           logs in as user, creates a public token data object
 *   count <token> <pin> <label>            logs in as user, prints "count <n>" of data objects with that label
 *
 * The module's config comes from the environment (CLOUDHSM_PKCS11_CONF), like any consumer's.
 */
#include "p11util.h"

static CK_SESSION_HANDLE user_session(CK_FUNCTION_LIST_PTR p11, const char *token, const char *pin)
{
    CK_SLOT_ID slot = find_slot(p11, token, 1);
    CK_SESSION_HANDLE s = 0;
    check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession", 1);
    check(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login", 1);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        fail(2, "usage: probe <module.so> init|slots|create|count ...");
    CK_FUNCTION_LIST_PTR p11 = NULL;
    load_module(argv[1], &p11);
    const char *cmd = argv[2];

    CK_RV rv = initialize(p11);
    if (strcmp(cmd, "init") == 0) {
        printf("C_Initialize %s\n", rv_name(rv));
        if (rv == CKR_OK)
            p11->C_Finalize(NULL);
        return rv == CKR_OK ? 0 : 1;
    }
    check(rv, "C_Initialize", 1);

    if (strcmp(cmd, "slots") == 0) {
        CK_ULONG count = 0;
        check(p11->C_GetSlotList(CK_FALSE, NULL, &count), "C_GetSlotList(NULL)", 1);
        CK_SLOT_ID *slots = calloc(count ? count : 1, sizeof *slots);
        check(p11->C_GetSlotList(CK_FALSE, slots, &count), "C_GetSlotList", 1);
        for (CK_ULONG i = 0; i < count; i++) {
            CK_TOKEN_INFO info;
            check(p11->C_GetTokenInfo(slots[i], &info), "C_GetTokenInfo", 1);
            printf("slot %lu flags 0x%lx label '%.32s'\n", (unsigned long)slots[i], (unsigned long)info.flags,
                   (const char *)info.label);
        }
        printf("count %lu\n", (unsigned long)count);
        free(slots);
    } else if (strcmp(cmd, "create") == 0 && argc == 6) {
        CK_SESSION_HANDLE s = user_session(p11, argv[3], argv[4]);
        create_data_object(p11, s, argv[5], 1);
        printf("created %s\n", argv[5]);
    } else if (strcmp(cmd, "count") == 0 && argc == 6) {
        CK_SESSION_HANDLE s = user_session(p11, argv[3], argv[4]);
        printf("count %lu\n", (unsigned long)count_data_objects(p11, s, argv[5], 1));
    } else {
        fail(2, "unknown command or wrong arguments: %s", cmd);
    }
    check(p11->C_Finalize(NULL), "C_Finalize", 1);
    return 0;
}
