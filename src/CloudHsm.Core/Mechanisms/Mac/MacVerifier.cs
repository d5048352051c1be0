using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>
/// C_Verify / C_VerifyUpdate / C_VerifyFinal with a MAC: recompute, then compare in constant time. A MAC
/// of the wrong length is CKR_SIGNATURE_LEN_RANGE, a wrong MAC CKR_SIGNATURE_INVALID (§5.13).
/// </summary>
internal sealed class MacVerifier(MacAlgorithm algorithm, ReadOnlyMemory<byte> key, int length, bool usesPrivateObject,
    Aes.InstancePool<IMacFunction>? pool = null) : IVerifyOperation
{
    private readonly MacComputation _mac = new(algorithm, key, pool);

    public bool UsesPrivateObject => usesPrivateObject;

    public void Update(ReadOnlySpan<byte> part) => _mac.Update(part);

    public void Final(ReadOnlySpan<byte> signature) => Check(default, signature, oneShot: false);

    public void Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Check(data, signature, oneShot: true);

    private void Check(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, bool oneShot)
    {
        CkrException.ThrowIf(signature.Length != length, CKR.CKR_SIGNATURE_LEN_RANGE,
            $"{algorithm.Name} MACs here are {length} bytes, not {signature.Length}");
        Span<byte> full = stackalloc byte[MacAlgorithm.MaxMacLength];
        full = full[.._mac.MacLength];
        if (oneShot)
            _mac.Compute(data, full);
        else
            _mac.Final(full);
        bool equal = CryptographicOperations.FixedTimeEquals(full[..length], signature);
        CryptographicOperations.ZeroMemory(full);
        CkrException.ThrowIf(!equal, CKR.CKR_SIGNATURE_INVALID, $"the {algorithm.Name} does not match");
    }

    public void Dispose() => _mac.Dispose();
}
