using System.Buffers.Binary;
using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>How a key-wrap mechanism fits its input to whole semiblocks.</summary>
internal enum WrapPadding
{
    /// <summary>RFC 3394 as is: the input must be whole semiblocks, at least two.</summary>
    None,
    /// <summary>PKCS #7 padding to a multiple of 8 bytes (always 1..8 bytes added), then RFC 3394.</summary>
    Pkcs7,
    /// <summary>RFC 5649 (SP 800-38F KWP): zero padding, the length bound into the initial value.</summary>
    Kwp,
}

/// <summary>What the mechanism parameter (an initial value, §6.16 "AES Key Wrap Mechanism parameters") may be.</summary>
internal enum WrapIvRule
{
    /// <summary>None (the default value) or exactly 8 bytes (KWP: 4 bytes, the AIV's constant half).</summary>
    Optional,
    /// <summary>AWS CloudHSM's rule for its NO_PAD and PKCS5_PAD variants: none, or the default value itself.</summary>
    DefaultOnly,
    /// <summary>AWS CloudHSM's rule for its ZERO_PAD (RFC 5649) variant: no explicit IV.</summary>
    None,
}

/// <summary>
/// CKM_AES_KEY_WRAP, _PAD, _KWP, _PKCS7 (§6.16) and AWS CloudHSM's CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD,
/// _PKCS5_PAD and _ZERO_PAD, as ciphers over arbitrary bytes; C_WrapKey/C_UnwrapKey build on them
/// (CKF_WRAP). Single-part in the spec; multi-part calls are collected and done at Final.
/// Wrong lengths are CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE; a failed integrity check is
/// CKR_ENCRYPTED_DATA_INVALID and releases nothing.
/// </summary>
internal sealed class AesKeyWrapMechanism(WrapPadding padding, WrapIvRule ivRule) : ICipherMechanism
{
    /// <summary>RFC 5649 §3: the constant half of the alternative initial value.</summary>
    private static ReadOnlySpan<byte> KwpIvPrefix => [0xA6, 0x59, 0x59, 0xA6];

    private const int Semiblock = Rfc3394.Semiblock;

    public MechanismInfo Info { get; } = BlockCipher.Aes.Info(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | CKF.CKF_WRAP | CKF.CKF_UNWRAP);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: true);

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: false);

    private WrapOperation Create(Mechanism mechanism, HsmObject key, bool encrypt)
    {
        var cipherKey = BlockCipher.Aes.Key(key); // the key's checks first, then the parameter's
        return new(cipherKey, padding, encrypt, InitialValue(mechanism), key.IsPrivate);
    }

    /// <summary>The initial value to use (KWP: its 4-byte constant half); a parameter the rule does not
    /// allow is CKR_MECHANISM_PARAM_INVALID.</summary>
    private byte[] InitialValue(Mechanism mechanism)
    {
        byte[] standard = padding == WrapPadding.Kwp ? KwpIvPrefix.ToArray() : Rfc3394.DefaultIv.ToArray();
        if (mechanism.Parameter is null)
            return standard;
        bool allowed = mechanism.Parameter is ByteArrayParameter { Value: var iv } && iv.Length == standard.Length && ivRule switch
        {
            WrapIvRule.Optional => true,
            WrapIvRule.DefaultOnly => iv.AsSpan().SequenceEqual(standard),
            _ => false,
        };
        CkrException.ThrowIf(!allowed, CKR.CKR_MECHANISM_PARAM_INVALID,
            ivRule == WrapIvRule.None ? "this mechanism takes no IV" : $"the IV must be {standard.Length} bytes"
                + (ivRule == WrapIvRule.DefaultOnly ? " of the default value" : ""));
        return (byte[])((ByteArrayParameter)mechanism.Parameter).Value.Clone();
    }

    private sealed class WrapOperation(CipherKey key, WrapPadding padding, bool encrypt, byte[] iv, bool usesPrivateObject)
        : WholeInputOperation(usesPrivateObject)
    {
        private readonly SymmetricAlgorithm _aes = key.RentCipher();

        public override int OneShotLength(int inputLength) => encrypt ? WrappedLength(inputLength) : UnwrappedBound(inputLength);

        public override int OneShot(ReadOnlySpan<byte> input, Span<byte> output) =>
            encrypt ? Wrap(input, output) : Unwrap(input, output);

        protected override void Release() => key.Return(_aes);

        private int WrappedLength(int n)
        {
            bool ok = padding switch
            {
                WrapPadding.None => n % Semiblock == 0 && n >= 2 * Semiblock,
                WrapPadding.Pkcs7 => n >= Semiblock, // padded to at least the two semiblocks W needs
                _ => n >= 1,
            };
            CkrException.ThrowIf(!ok, CKR.CKR_DATA_LEN_RANGE, $"{n} bytes cannot be wrapped by this mechanism");
            return Padded(n) + Semiblock;
        }

        private int Padded(int n) => padding switch
        {
            WrapPadding.None => n,
            WrapPadding.Pkcs7 => Pkcs7Padding.PaddedLength(n, Semiblock),
            _ => (n + Semiblock - 1) / Semiblock * Semiblock,
        };

        /// <summary>Exact without padding, else an upper bound.</summary>
        private int UnwrappedBound(int n)
        {
            int minimum = padding == WrapPadding.Kwp ? 2 * Semiblock : 3 * Semiblock;
            CkrException.ThrowIf(n % Semiblock != 0 || n < minimum, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE,
                $"{n} bytes are not a wrapping by this mechanism");
            return n - Semiblock;
        }

        private int Wrap(ReadOnlySpan<byte> input, Span<byte> output)
        {
            int wrapped = WrappedLength(input.Length);
            int padded = wrapped - Semiblock;
            var data = new byte[padded];
            try
            {
                if (padding == WrapPadding.Pkcs7)
                    Pkcs7Padding.Pad(input, data, Semiblock);
                else
                    input.CopyTo(data); // KWP's zero padding is already there
                Span<byte> initial = stackalloc byte[Semiblock];
                iv.CopyTo(initial);
                if (padding == WrapPadding.Kwp)
                    BinaryPrimitives.WriteUInt32BigEndian(initial[4..], (uint)input.Length);
                if (padded == Semiblock)
                {
                    // RFC 5649 §4.1: a single padded semiblock is encrypted as one AES block, IV first.
                    initial.CopyTo(output);
                    data.CopyTo(output[Semiblock..]);
                    _aes.EncryptEcb(output[..16], output[..16], PaddingMode.None);
                }
                else
                {
                    Rfc3394.Wrap(_aes, initial, data, output[..wrapped]);
                }
                return wrapped;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(data);
            }
        }

        private int Unwrap(ReadOnlySpan<byte> input, Span<byte> output)
        {
            int padded = UnwrappedBound(input.Length);
            var data = new byte[padded];
            Span<byte> recovered = stackalloc byte[Semiblock];
            try
            {
                if (padded == Semiblock)
                {
                    Span<byte> block = stackalloc byte[16];
                    _aes.DecryptEcb(input, block, PaddingMode.None);
                    block[..Semiblock].CopyTo(recovered);
                    block[Semiblock..].CopyTo(data);
                    CryptographicOperations.ZeroMemory(block);
                }
                else
                {
                    Rfc3394.Unwrap(_aes, input, data, recovered);
                }
                int length = Check(recovered, data);
                data.AsSpan(0, length).CopyTo(output);
                return length;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(data);
            }
        }

        /// <summary>Checks the recovered initial value and padding; returns the data's length.</summary>
        private int Check(ReadOnlySpan<byte> recovered, ReadOnlySpan<byte> data)
        {
            if (padding != WrapPadding.Kwp)
            {
                if (!CryptographicOperations.FixedTimeEquals(recovered, iv))
                    throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID, "the wrapping does not verify");
                return padding == WrapPadding.None ? data.Length : Pkcs7Padding.Unpad(data, Semiblock);
            }
            // RFC 5649 §3: the constant half matches, 8(n-1) < MLI <= 8n, and the padding is zeros.
            uint mli = BinaryPrimitives.ReadUInt32BigEndian(recovered[4..]);
            bool ok = CryptographicOperations.FixedTimeEquals(recovered[..4], iv)
                && mli > (uint)(data.Length - Semiblock) && mli <= (uint)data.Length
                && !data[(int)mli..].ContainsAnyExcept((byte)0);
            CkrException.ThrowIf(!ok, CKR.CKR_ENCRYPTED_DATA_INVALID, "the wrapping does not verify");
            return (int)mli;
        }
    }
}
