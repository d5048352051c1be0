using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Tests.Embedded;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Aes;

/// <summary>A logged-in R/W session and helpers that run whole encrypt/decrypt calls through the backend.</summary>
public abstract class AesFixture : EmbeddedBackendFixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenUserSession()
    {
        Session = OpenRw();
        Backend.Login(Session, CKU.CKU_USER, UserPin);
    }

    protected static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    protected ulong SecretKey(CKK type, byte[] value, params TemplateAttribute[] extra) => Backend.CreateObject(Session, new Template(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)type),
        new TemplateAttribute(CKA.CKA_VALUE, value),
        TemplateAttribute.Bool(CKA.CKA_ENCRYPT, true),
        TemplateAttribute.Bool(CKA.CKA_DECRYPT, true),
        .. extra,
    ]));

    protected ulong AesKey(byte[] value) => SecretKey(CKK.CKK_AES, value);

    protected ulong AesKey(string hex) => AesKey(Hex(hex));

    protected static Mechanism M(CKM type, MechanismParameter? parameter = null) => new(type, parameter);

    protected static Mechanism M(CKM type, byte[] iv) => new(type, new ByteArrayParameter(iv));

    /// <summary>C_EncryptInit + size query + C_Encrypt; the size query must leave the operation active.</summary>
    protected byte[] Encrypt(Mechanism mechanism, ulong key, byte[] data)
    {
        Backend.EncryptInit(Session, mechanism, key);
        int size = Backend.Encrypt(Session, data, default, sizeQuery: true);
        var output = new byte[size];
        int n = Backend.Encrypt(Session, data, output, sizeQuery: false);
        return output[..n];
    }

    protected byte[] Decrypt(Mechanism mechanism, ulong key, byte[] data)
    {
        Backend.DecryptInit(Session, mechanism, key);
        int size = Backend.Decrypt(Session, data, default, sizeQuery: true);
        var output = new byte[size];
        int n = Backend.Decrypt(Session, data, output, sizeQuery: false);
        return output[..n];
    }

    /// <summary>Multi-part in chunks of the given sizes (cycled), each Update and the Final size-queried first.</summary>
    protected byte[] EncryptParts(Mechanism mechanism, ulong key, byte[] data, params int[] chunks)
    {
        Backend.EncryptInit(Session, mechanism, key);
        return Parts(data, chunks, Backend.EncryptUpdate, Backend.EncryptFinal);
    }

    protected byte[] DecryptParts(Mechanism mechanism, ulong key, byte[] data, params int[] chunks)
    {
        Backend.DecryptInit(Session, mechanism, key);
        return Parts(data, chunks, Backend.DecryptUpdate, Backend.DecryptFinal);
    }

    protected delegate int UpdateCall(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);

    protected delegate int FinalCall(ulong session, Span<byte> output, bool sizeQuery);

    private byte[] Parts(byte[] data, int[] chunks, UpdateCall update, FinalCall final)
    {
        var result = new List<byte>();
        int pos = 0;
        for (int i = 0; pos < data.Length; i++)
        {
            int take = Math.Min(chunks[i % chunks.Length], data.Length - pos);
            var part = data.AsSpan(pos, take);
            pos += take;
            var output = new byte[update(Session, part, default, sizeQuery: true)];
            int n = update(Session, part, output, sizeQuery: false);
            result.AddRange(output[..n]);
        }
        var last = new byte[final(Session, default, sizeQuery: true)];
        int m = final(Session, last, sizeQuery: false);
        result.AddRange(last[..m]);
        return [.. result];
    }

    /// <summary>The CKR a call fails with.</summary>
    protected static CKR Fails(Action call) => Rv(() => call());

    /// <summary>The active operation has ended: a further call answers CKR_OPERATION_NOT_INITIALIZED.</summary>
    protected void AssertEncryptEnded() =>
        Assert.That(Fails(() => Backend.Encrypt(Session, new byte[16], new byte[64], false)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));

    protected void AssertDecryptEnded() =>
        Assert.That(Fails(() => Backend.Decrypt(Session, new byte[32], new byte[64], false)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));
}
