using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>
/// The one place that decides which implementation wraps or unwraps with a mechanism: the mechanism's
/// own <see cref="IWrapMechanism"/> when it has one, else its cipher as a wrapper (<see cref="CipherKeyWrap"/>).
/// Either way its info must carry CKF_WRAP (CKF_UNWRAP), so C_GetMechanismInfo and what works agree.
/// </summary>
public static class WrapLookup
{
    public static IWrapMechanism GetWrapper(this MechanismRegistry registry, CKM type) => Find(registry, type, CKF.CKF_WRAP);

    public static IWrapMechanism GetUnwrapper(this MechanismRegistry registry, CKM type) => Find(registry, type, CKF.CKF_UNWRAP);

    private static IWrapMechanism Find(MechanismRegistry registry, CKM type, ulong flag)
    {
        var mechanism = registry.Get<IMechanism>(type);
        CkrException.ThrowIf((mechanism.Info.Flags & flag) == 0, CKR.CKR_MECHANISM_INVALID,
            $"{type} is not flagged {(flag == CKF.CKF_WRAP ? "CKF_WRAP" : "CKF_UNWRAP")}");
        return mechanism switch
        {
            IWrapMechanism own => own,
            ICipherMechanism cipher => new CipherKeyWrap(cipher),
            _ => throw new CkrException(CKR.CKR_MECHANISM_INVALID, $"{type} has no cipher to wrap with"),
        };
    }
}
