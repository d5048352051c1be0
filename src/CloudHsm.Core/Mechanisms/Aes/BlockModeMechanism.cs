using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>The classic block-cipher modes this family offers (§6.10.5-6.10.7, §6.18.4-6.18.6).</summary>
internal enum BlockMode
{
    /// <summary>No parameter; whole blocks only.</summary>
    Ecb,
    /// <summary>An IV of one block (§6.9: CK_BYTE array); whole blocks only.</summary>
    Cbc,
    /// <summary>CBC with PKCS #7 padding: any length in, whole blocks out.</summary>
    CbcPad,
}

/// <summary>CKM_AES_ECB/CBC/CBC_PAD and CKM_DES3_ECB/CBC/CBC_PAD, single- and multi-part.</summary>
internal sealed class BlockModeMechanism(BlockCipher cipher, BlockMode mode, ulong extraFlags = 0) : ICipherMechanism
{
    public MechanismInfo Info { get; } = cipher.Info(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | extraFlags);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: true);

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: false);

    private BlockModeOperation Create(Mechanism mechanism, HsmObject key, bool encrypt)
    {
        var cipherKey = cipher.Key(key); // the key's checks first, then the parameter's
        return new BlockModeOperation(cipherKey, mode, encrypt, Iv(mechanism), key.IsPrivate);
    }

    /// <summary>ECB takes no parameter; CBC takes exactly one block of IV. Anything else:
    /// CKR_MECHANISM_PARAM_INVALID.</summary>
    private byte[] Iv(Mechanism mechanism)
    {
        if (mode == BlockMode.Ecb)
        {
            CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "ECB takes no parameter");
            return [];
        }
        if (mechanism.Parameter is ByteArrayParameter { Value: var iv } && iv.Length == cipher.BlockSize)
            return (byte[])iv.Clone();
        throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"CBC needs a {cipher.BlockSize}-byte IV");
    }
}
