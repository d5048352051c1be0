using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Aes;

/// <summary>Whole C_Encrypt / C_Decrypt calls (size query, then the call) and the mechanism parameters of
/// the AES family in the linux-x64 layout (8-byte CK_ULONG and pointers).</summary>
internal static class AesCalls
{
    public static ulong ImportAes(ulong session, byte[] key, params Attr[] extra) =>
        P11.Create(session, [.. TestData.AesKey(P11.UniqueLabel("aes"), key), .. extra]);

    /// <summary>CK_GCM_PARAMS with ulIvBits (header / 3.0 layout, 48 bytes) or without (2.40 text, 40 bytes).</summary>
    public static NativeMechanism Gcm(byte[] iv, byte[] aad, ulong tagBits, bool withIvBits = true, CKM type = CKM.CKM_AES_GCM)
    {
        var m = new NativeMechanism((ulong)type);
        ulong pIv = (ulong)m.Pin(iv), pAad = (ulong)m.Pin(aad);
        return withIvBits
            ? m.WithFields(pIv, (ulong)iv.Length, (ulong)iv.Length * 8, pAad, (ulong)aad.Length, tagBits)
            : m.WithFields(pIv, (ulong)iv.Length, pAad, (ulong)aad.Length, tagBits);
    }

    /// <summary>CK_AES_CTR_PARAMS { ulCounterBits; cb[16] }.</summary>
    public static NativeMechanism Ctr(ulong counterBits, byte[] counterBlock) =>
        new NativeMechanism((ulong)CKM.CKM_AES_CTR).WithBytes([.. BitConverter.GetBytes(counterBits), .. counterBlock]);

    public static NativeMechanism WithIv(CKM type, byte[]? iv)
    {
        var m = new NativeMechanism((ulong)type);
        return iv is null ? m : m.WithBytes(iv);
    }

    /// <summary>C_EncryptInit + C_Encrypt; CKR_OK and the output, or the first failing CKR.</summary>
    public static (CKR Rv, byte[] Output) TryEncrypt(ulong session, NativeMechanism m, ulong key, byte[] data)
    {
        CKR rv = Module.Low.C_EncryptInit(session, ref m.Value, key);
        if (rv != CKR.CKR_OK) return (rv, []);
        ulong len = 0;
        rv = Module.Low.C_Encrypt(session, data, (ulong)data.Length, null, ref len);
        if (rv != CKR.CKR_OK) return (rv, []);
        var output = new byte[len];
        rv = Module.Low.C_Encrypt(session, data, (ulong)data.Length, output, ref len);
        return (rv, rv == CKR.CKR_OK ? output[..(int)len] : []);
    }

    public static (CKR Rv, byte[] Output) TryDecrypt(ulong session, NativeMechanism m, ulong key, byte[] data)
    {
        CKR rv = Module.Low.C_DecryptInit(session, ref m.Value, key);
        if (rv != CKR.CKR_OK) return (rv, []);
        ulong len = 0;
        rv = Module.Low.C_Decrypt(session, data, (ulong)data.Length, null, ref len);
        if (rv != CKR.CKR_OK) return (rv, []); // a failed call ends the operation (§5.2)
        var output = new byte[len];
        rv = Module.Low.C_Decrypt(session, data, (ulong)data.Length, output, ref len);
        return (rv, rv == CKR.CKR_OK ? output[..(int)len] : []);
    }

    public static byte[] Encrypt(ulong session, NativeMechanism m, ulong key, byte[] data)
    {
        var (rv, output) = TryEncrypt(session, m, key, data);
        P11.Ok(rv, $"C_EncryptInit/C_Encrypt(0x{m.Value.Mechanism:X})");
        return output;
    }

    public static byte[] Decrypt(ulong session, NativeMechanism m, ulong key, byte[] data)
    {
        var (rv, output) = TryDecrypt(session, m, key, data);
        P11.Ok(rv, $"C_DecryptInit/C_Decrypt(0x{m.Value.Mechanism:X})");
        return output;
    }
}
