using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling.Parameters;

/// <summary>
/// Parsers of this family's CK_*_PARAMS structures. CBC IVs and key-wrap IVs are plain CK_BYTE arrays
/// and arrive as <see cref="ByteArrayParameter"/> without a parser. Ranges (tag bits, counter bits, IV
/// length) are the mechanism's checks; here only the structure: exact size, readable pointers.
/// </summary>
internal static unsafe class AesParameterParsers
{
    public static void Register(Dictionary<CKM, MechanismParameters.Parser> table)
    {
        table[CKM.CKM_AES_CTR] = Ctr;
        table[CKM.CKM_AES_GCM] = Gcm;
        table[CKM.CKM_CLOUDHSM_AES_GCM] = Gcm;
    }

    private static MechanismParameter Ctr(ReadOnlySpan<byte> parameter)
    {
        RequireSize(parameter, sizeof(CK_AES_CTR_PARAMS), "CK_AES_CTR_PARAMS");
        fixed (byte* p = parameter)
        {
            var ctr = (CK_AES_CTR_PARAMS*)p;
            return new AesCtrParameters((ulong)ctr->ulCounterBits, new ReadOnlySpan<byte>(ctr->cb, 16).ToArray());
        }
    }

    /// <summary>Either CK_GCM_PARAMS layout (see <see cref="CK_GCM_PARAMS_V240"/>), by its exact size:
    /// 48 or 40 bytes on linux-x64, 32 or 28 on Windows.</summary>
    private static MechanismParameter Gcm(ReadOnlySpan<byte> parameter)
    {
        fixed (byte* p = parameter)
        {
            if (parameter.Length == sizeof(CK_GCM_PARAMS))
            {
                var gcm = (CK_GCM_PARAMS*)p;
                return new GcmParameters(Copy(gcm->pIv, gcm->ulIvLen, "pIv"), Copy(gcm->pAAD, gcm->ulAADLen, "pAAD"), (ulong)gcm->ulTagBits);
            }
            if (parameter.Length == sizeof(CK_GCM_PARAMS_V240))
            {
                var gcm = (CK_GCM_PARAMS_V240*)p;
                return new GcmParameters(Copy(gcm->pIv, gcm->ulIvLen, "pIv"), Copy(gcm->pAAD, gcm->ulAADLen, "pAAD"), (ulong)gcm->ulTagBits);
            }
        }
        throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID,
            $"CK_GCM_PARAMS is {sizeof(CK_GCM_PARAMS)} or {sizeof(CK_GCM_PARAMS_V240)} bytes, not {parameter.Length}");
    }

    private static void RequireSize(ReadOnlySpan<byte> parameter, int size, string name) =>
        CkrException.ThrowIf(parameter.Length != size, CKR.CKR_MECHANISM_PARAM_INVALID, $"{name} is {size} bytes, not {parameter.Length}");

    /// <summary>A buffer the structure points to, copied (STYLE 6.4); NULL with a length, or a length
    /// beyond int, is the parameter's fault: CKR_MECHANISM_PARAM_INVALID.</summary>
    private static byte[] Copy(byte* p, CK_ULONG length, string field)
    {
        try
        {
            return NativeIn.Bytes(p, length).ToArray();
        }
        catch (CkrException e)
        {
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"{field} does not match its length", e);
        }
    }
}
