using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Rsa;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling.Parameters;

/// <summary>
/// CK_RSA_PKCS_PSS_PARAMS, CK_RSA_PKCS_OAEP_PARAMS and CK_RSA_AES_KEY_WRAP_PARAMS to their managed records
/// (STYLE 6.4): the exact size for this platform's CK_ULONG, the values read as they are (the mechanism judges
/// them), the label and the nested OAEP block copied out of caller memory. A wrong size, a NULL pointer
/// with a length, or a length beyond an int is CKR_MECHANISM_PARAM_INVALID.
/// </summary>
internal static unsafe class RsaParameterParsers
{
    public static void Register(Dictionary<CKM, MechanismParameters.Parser> table)
    {
        foreach (var pss in new[]
                 {
                     CKM.CKM_RSA_PKCS_PSS, CKM.CKM_SHA1_RSA_PKCS_PSS, CKM.CKM_SHA224_RSA_PKCS_PSS, CKM.CKM_SHA256_RSA_PKCS_PSS,
                     CKM.CKM_SHA384_RSA_PKCS_PSS, CKM.CKM_SHA512_RSA_PKCS_PSS,
                 })
            table.Add(pss, ParsePss);
        table.Add(CKM.CKM_RSA_PKCS_OAEP, ParseOaep);
        table.Add(CKM.CKM_RSA_AES_KEY_WRAP, ParseAesKeyWrap);
    }

    private static MechanismParameter ParsePss(ReadOnlySpan<byte> parameter)
    {
        var p = Read<CK_RSA_PKCS_PSS_PARAMS>(parameter);
        return new RsaPssParameter((ulong)p.hashAlg, (ulong)p.mgf, (ulong)p.sLen);
    }

    private static MechanismParameter ParseOaep(ReadOnlySpan<byte> parameter) => Oaep(Read<CK_RSA_PKCS_OAEP_PARAMS>(parameter));

    private static MechanismParameter ParseAesKeyWrap(ReadOnlySpan<byte> parameter)
    {
        var p = Read<CK_RSA_AES_KEY_WRAP_PARAMS>(parameter);
        if (p.pOAEPParams == null)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "pOAEPParams is NULL");
        return new RsaAesKeyWrapParameter((ulong)p.ulAESKeyBits, Oaep(Unsafe.ReadUnaligned<CK_RSA_PKCS_OAEP_PARAMS>(p.pOAEPParams)));
    }

    private static RsaOaepParameter Oaep(CK_RSA_PKCS_OAEP_PARAMS p)
    {
        byte[] label;
        if ((ulong)p.ulSourceDataLen == 0)
            label = [];
        else if (p.pSourceData == null || (ulong)p.ulSourceDataLen > int.MaxValue)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "pSourceData/ulSourceDataLen do not describe a label");
        else
            label = new ReadOnlySpan<byte>(p.pSourceData, (int)p.ulSourceDataLen).ToArray();
        return new RsaOaepParameter((ulong)p.hashAlg, (ulong)p.mgf, (ulong)p.source, label);
    }

    private static T Read<T>(ReadOnlySpan<byte> parameter) where T : unmanaged
    {
        if (parameter.Length != sizeof(T))
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"the parameter is {parameter.Length} bytes, not the structure's {sizeof(T)}");
        return Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(parameter));
    }
}
