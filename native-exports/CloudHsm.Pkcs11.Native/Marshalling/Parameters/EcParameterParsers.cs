using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling.Parameters;

/// <summary>
/// Parsers of the elliptic curve family's parameters (§6.3): CK_ECDH1_DERIVE_PARAMS and CK_EDDSA_PARAMS.
/// Each structure must have its exact platform size; what it points to is copied; any fault in it is
/// CKR_MECHANISM_PARAM_INVALID.
/// </summary>
internal static unsafe class EcParameterParsers
{
    /// <summary>A bound on the ECDH byte strings: a public key is at most 133 bytes (P-521 in a DER
    /// OCTET STRING); shared info is the caller's, but never megabytes.</summary>
    private const int MaxLength = 64 * 1024;

    public static void Register(Dictionary<CKM, MechanismParameters.Parser> table)
    {
        table.Add(CKM.CKM_ECDH1_DERIVE, Ecdh1Derive);
        table.Add(CKM.CKM_EDDSA, Eddsa);
    }

    private static MechanismParameter Ecdh1Derive(ReadOnlySpan<byte> parameter)
    {
        var p = Read<CK_ECDH1_DERIVE_PARAMS>(parameter, "CK_ECDH1_DERIVE_PARAMS");
        Invalid((ulong)p.kdf > uint.MaxValue, $"kdf 0x{(ulong)p.kdf:X} is out of range");
        return new Ecdh1DeriveParameters((CKD)(uint)p.kdf, Copy(p.pSharedData, p.ulSharedDataLen, "pSharedData"),
            Copy(p.pPublicData, p.ulPublicDataLen, "pPublicData"));
    }

    /// <summary>§6.3: 0 ≤ ulContextDataLen ≤ 255.</summary>
    private static MechanismParameter Eddsa(ReadOnlySpan<byte> parameter)
    {
        var p = Read<CK_EDDSA_PARAMS>(parameter, "CK_EDDSA_PARAMS");
        Invalid((ulong)p.ulContextDataLen > 255, "an EdDSA context has at most 255 bytes");
        return new EddsaParameters(p.phFlag != 0, Copy(p.pContextData, p.ulContextDataLen, "pContextData"));
    }

    /// <summary>A structure of exactly sizeof(T) bytes (STYLE 6.4), read unaligned.</summary>
    private static T Read<T>(ReadOnlySpan<byte> parameter, string name) where T : unmanaged
    {
        Invalid(parameter.Length != sizeof(T), $"{name} is {sizeof(T)} bytes, not {parameter.Length}");
        return MemoryMarshal.Read<T>(parameter);
    }

    /// <summary>A copy of caller bytes; a length without a pointer is a fault of the parameter.</summary>
    private static byte[] Copy(byte* p, CK_ULONG length, string name)
    {
        Invalid((ulong)length > MaxLength, $"{name} is too long");
        Invalid(length != 0 && p == null, $"{name} is NULL but its length is not 0");
        return length == 0 ? [] : new ReadOnlySpan<byte>(p, (int)length).ToArray();
    }

    private static void Invalid(bool condition, string detail) =>
        CkrException.ThrowIf(condition, CKR.CKR_MECHANISM_PARAM_INVALID, detail);
}
