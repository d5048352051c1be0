using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// CK_MECHANISM to <see cref="Mechanism"/>: the type range-checked, the parameter copied out of
/// caller memory and turned into a managed record by <see cref="MechanismParameters"/>, so no
/// mechanism ever sees native layout (STYLE 6.4).
/// </summary>
internal static unsafe class MechanismReader
{
    /// <param name="outputs">C_DeriveKey's collector of the output pointers a parameter names (CK_DERIVED_KEY.phKey).</param>
    public static Mechanism Read(CK_MECHANISM* pMechanism, DerivedKeyOutputs? outputs = null)
    {
        // PKCS#11 3.0 lets C_*Init(NULL) cancel an operation; the 2.40 backend API has no such call yet.
        var m = NativeIn.Out(pMechanism);
        var type = (CKM)NativeIn.Enum32(m->mechanism, CKR.CKR_MECHANISM_INVALID);
        var parameter = ParameterBytes(m);
        return new Mechanism(type, parameter.IsEmpty ? null : MechanismParameters.Parse(type, parameter, outputs));
    }

    /// <summary>A NULL pParameter with a length, or a length beyond an int, is a fault of the mechanism's parameter:
    /// CKR_MECHANISM_PARAM_INVALID, the code every function that takes a CK_MECHANISM lists (§5.8 lists no
    /// CKR_ARGUMENTS_BAD for C_EncryptInit), and the one the parsers give for the buffers a parameter points to.</summary>
    private static ReadOnlySpan<byte> ParameterBytes(CK_MECHANISM* m)
    {
        try
        {
            return NativeIn.Bytes((byte*)m->pParameter, m->ulParameterLen);
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_ARGUMENTS_BAD)
        {
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "pParameter and ulParameterLen do not describe a parameter", e);
        }
    }
}
