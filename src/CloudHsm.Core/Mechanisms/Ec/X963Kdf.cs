using System.Buffers.Binary;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// The ANSI X9.63 KDF (SEC 1 v2 §3.6.1) of CKD_SHA1_KDF … CKD_SHA512_KDF (§6.3 CK_EC_KDF_TYPE):
/// K = Hash(Z || Counter || SharedInfo) for Counter = 1, 2, … as 32-bit big-endian, concatenated and
/// cut to the key length.
/// </summary>
internal static class X963Kdf
{
    public static byte[] Derive(CKM hash, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> sharedInfo, int length)
    {
        var output = new byte[length];
        Span<byte> counter = stackalloc byte[4];
        using var h = EcHash.Start(hash);
        for (uint i = 1, offset = 0; offset < length; i++, offset += (uint)h.Length)
        {
            BinaryPrimitives.WriteUInt32BigEndian(counter, i);
            h.Append(sharedSecret);
            h.Append(counter);
            h.Append(sharedInfo);
            byte[] block = h.Finish();
            block.AsSpan(0, Math.Min(block.Length, length - (int)offset)).CopyTo(output.AsSpan((int)offset));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(block);
        }
        return output;
    }

    /// <summary>The hash of a KDF this token offers, or null for CKD_NULL; anything else is not offered.</summary>
    public static bool TryHashOf(CKD kdf, out CKM? hash)
    {
        hash = kdf switch
        {
            CKD.CKD_SHA1_KDF => CKM.CKM_SHA_1,
            CKD.CKD_SHA224_KDF => CKM.CKM_SHA224,
            CKD.CKD_SHA256_KDF => CKM.CKM_SHA256,
            CKD.CKD_SHA384_KDF => CKM.CKM_SHA384,
            CKD.CKD_SHA512_KDF => CKM.CKM_SHA512,
            _ => null,
        };
        return hash is not null || kdf == CKD.CKD_NULL;
    }
}
