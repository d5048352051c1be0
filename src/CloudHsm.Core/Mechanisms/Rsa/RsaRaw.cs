using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BcInteger = Org.BouncyCastle.Math.BigInteger;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// "Raw" RSA on k-byte blocks (RFC 8017 RSAEP/RSADP, RSASP1/RSAVP1) and BouncyCastle engines for the
/// paddings .NET does not offer. .NET has no unpadded RSA, so these go through BouncyCastle's blinded
/// CRT engine, which also checks its own CRT result (fault attacks).
/// </summary>
internal static class RsaRaw
{
    /// <summary>A fresh engine per use: BouncyCastle engines keep state, the key parameters do not.</summary>
    public static IAsymmetricBlockCipher Engine(RsaKey key, bool forEncryption)
    {
        var engine = new RsaBlindedEngine();
        engine.Init(forEncryption, new ParametersWithRandom(key.Bc, new SecureRandom()));
        return engine;
    }

    /// <summary>True when the big-endian <paramref name="block"/> is numerically below the modulus.</summary>
    public static bool BelowModulus(RsaKey key, ReadOnlySpan<byte> block) => new BcInteger(1, block).CompareTo(key.Modulus) < 0;

    /// <summary>
    /// Applies the key's exponent (public or private) to a block of at most k bytes, writing exactly k bytes.
    /// The block must be a number the engine works on, 1 &lt; x &lt; n - 1: below the modulus (RFC 8017), and
    /// none of 0, 1 and n - 1, which every RSA key maps to themselves, which no padding produces, and which
    /// BouncyCastle's engine refuses (with an exception that reached the boundary as CKR_GENERAL_ERROR for raw
    /// RSA of empty or zero data: found by tests/native/fuzz.c). Anything else is <paramref name="outOfRange"/>
    /// (CKR_DATA_INVALID for plaintext, CKR_ENCRYPTED_DATA_INVALID for ciphertext, CKR_SIGNATURE_INVALID for a
    /// signature: §6.1.7).
    /// </summary>
    public static void Apply(RsaKey key, ReadOnlySpan<byte> block, Span<byte> output, CKR outOfRange)
    {
        var x = new BcInteger(1, block);
        CkrException.ThrowIf(x.CompareTo(BcInteger.One) <= 0 || x.CompareTo(key.Modulus.Subtract(BcInteger.One)) >= 0, outOfRange,
            "raw RSA works on numbers 1 < x < n - 1");
        var engine = Engine(key, forEncryption: !key.Bc.IsPrivate);
        byte[] input = block.ToArray();
        byte[] result = engine.ProcessBlock(input, 0, input.Length);
        try
        {
            // The engine drops leading zero bytes; PKCS#1's I2OSP gives exactly k.
            output[..key.Length].Clear();
            result.CopyTo(output[(key.Length - result.Length)..key.Length]);
        }
        finally
        {
            Array.Clear(input);
            Array.Clear(result);
        }
    }
}
