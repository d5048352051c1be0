using CloudHsm.Core.Backend;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>
/// A MAC as a sign/verify mechanism: CKM_SHA*_HMAC and CKM_AES_CMAC (full-length MAC, no parameter) and
/// their *_GENERAL forms (CK_MAC_GENERAL_PARAMS; the MAC is its first n bytes, §6.9, §6.14).
/// </summary>
internal sealed class MacSignMechanism(MacAlgorithm algorithm, MacKeyPolicy keys, bool general) : ISignMechanism
{
    /// <summary>Key sizes in bytes (§6.14 says so for AES-CMAC; SoftHSM reports HMAC's in bytes too).</summary>
    public MechanismInfo Info { get; } = new((ulong)keys.MinBytes, (ulong)keys.MaxBytes, CKF.CKF_SIGN | CKF.CKF_VERIFY);

    public ISignOperation CreateSigner(Mechanism mechanism, HsmObject key)
    {
        int length = MacOutputLength.Of(mechanism, algorithm, general);
        return new MacSigner(algorithm, keys.Value(key, algorithm.Name), length, key.IsPrivate, MacKey.PoolFor(key, algorithm));
    }

    public IVerifyOperation CreateVerifier(Mechanism mechanism, HsmObject key)
    {
        int length = MacOutputLength.Of(mechanism, algorithm, general);
        return new MacVerifier(algorithm, keys.Value(key, algorithm.Name), length, key.IsPrivate, MacKey.PoolFor(key, algorithm));
    }
}
