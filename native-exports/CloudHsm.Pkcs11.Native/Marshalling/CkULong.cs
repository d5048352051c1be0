using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// The core's width-neutral ulong values to the platform's CK_ULONG. On linux-x64 every value fits;
/// on Windows (32-bit CK_ULONG) the core's "unavailable" marker becomes the platform's all-ones and
/// anything else that does not fit is a bug worth CKR_GENERAL_ERROR, never a silent truncation.
/// </summary>
internal static class CkULong
{
    public static CK_ULONG From(ulong value)
    {
        if (value == TokenInfo.Unavailable)
            return CkLayout.UnavailableInformation;
        if (value > CK_ULONG.MaxValue)
            throw new CkrException(CKR.CKR_GENERAL_ERROR, $"value 0x{value:X} does not fit in CK_ULONG");
        return (CK_ULONG)value;
    }

    public static CK_ULONG From(int value) => From((ulong)value);
}
