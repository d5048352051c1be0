namespace CloudHsm.Pkcs11.Abi.Tests;

/// <summary>
/// Sizes on Windows (32-bit CK_ULONG, pack 1: PKCS#11 §2 "#pragma pack(push, cryptoki, 1)"),
/// worked out from the header's field list. Not run on this machine; kept so that a win-x64
/// run of the suite checks the CK_WINDOWS branch of the aliases.
/// </summary>
internal static class WindowsLayout
{
    public static readonly IReadOnlyDictionary<string, int> Sizes = new Dictionary<string, int>
    {
        ["CK_VERSION"] = 2,
        ["CK_INFO"] = 2 + 32 + 4 + 32 + 2,
        ["CK_SLOT_INFO"] = 64 + 32 + 4 + 2 + 2,
        ["CK_TOKEN_INFO"] = 32 + 32 + 16 + 16 + 4 + 10 * 4 + 2 + 2 + 16,
        ["CK_SESSION_INFO"] = 4 * 4,
        ["CK_ATTRIBUTE"] = 4 + 8 + 4,
        ["CK_MECHANISM"] = 4 + 8 + 4,
        ["CK_MECHANISM_INFO"] = 3 * 4,
        ["CK_C_INITIALIZE_ARGS"] = 4 * 8 + 4 + 8,
        ["CK_DATE"] = 8,
        ["CK_INTERFACE"] = 8 + 8 + 4,
        ["CK_FUNCTION_LIST"] = 2 + 68 * 8,
    };
}
