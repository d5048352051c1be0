namespace CloudHsm.Pkcs11.Abi;

/// <summary>Packing and width facts of the platform's PKCS#11 ABI (PKCS#11 §2, "Platform- and
/// compiler-dependent directives"): Windows packs Cryptoki structures to 1 byte and has a 32-bit
/// CK_ULONG; 64-bit Unix keeps natural alignment and a 64-bit CK_ULONG.</summary>
public static unsafe class CkLayout
{
#if CK_WINDOWS
    public const int Pack = 1;
#else
    /// <summary>0 = the default (natural) alignment.</summary>
    public const int Pack = 0;
#endif

    /// <summary>sizeof(CK_ULONG) in bytes.</summary>
    public static int ULongSize => sizeof(CK_ULONG);

    /// <summary>CK_UNAVAILABLE_INFORMATION: ~0 of the platform's CK_ULONG (pkcs11t.h), so 2^64-1 on
    /// linux-x64 and 2^32-1 on Windows. CK_EFFECTIVELY_INFINITE is 0.</summary>
    public static CK_ULONG UnavailableInformation => CK_ULONG.MaxValue;
}
