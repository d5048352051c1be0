using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>CK_MAC_GENERAL_PARAMS: the MAC length in bytes a *_GENERAL mechanism produces (§6.9).</summary>
public sealed record MacGeneralParameter(ulong Length) : MechanismParameter;

/// <summary>The output length a MAC mechanism's parameter asks for, checked once for every MAC mechanism.</summary>
internal static class MacOutputLength
{
    /// <summary>The full MAC for a fixed-length mechanism (which takes no parameter); for a general-length one,
    /// 1..full from its CK_MAC_GENERAL_PARAMS. Anything else is CKR_MECHANISM_PARAM_INVALID.</summary>
    public static int Of(Mechanism mechanism, MacAlgorithm algorithm, bool general)
    {
        if (!general)
        {
            CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, $"{mechanism.Type} takes no parameter");
            return algorithm.MacLength;
        }
        if (mechanism.Parameter is not MacGeneralParameter { Length: var length } || length < 1 || length > (ulong)algorithm.MacLength)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID,
                $"{mechanism.Type} needs a CK_MAC_GENERAL_PARAMS of 1..{algorithm.MacLength}");
        return (int)length;
    }
}
