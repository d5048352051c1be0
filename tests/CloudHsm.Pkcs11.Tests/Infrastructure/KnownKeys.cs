using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>How a key hides its key material (footnote 7: CKA_SENSITIVE true or CKA_EXTRACTABLE false).</summary>
public enum Concealment
{
    /// <summary>CKA_SENSITIVE true, CKA_EXTRACTABLE true: never read, but may be wrapped.</summary>
    Sensitive,
    /// <summary>CKA_SENSITIVE false, CKA_EXTRACTABLE false: never read, never wrapped.</summary>
    Unextractable,
}

/// <summary>
/// A key imported with key material the test knows, so that every way out can be searched for it: its class
/// and type, the attributes that carry the material (those footnote 7 marks), and the usage flags it gets.
/// </summary>
public sealed record KnownKey(string Name, CKO Class, CKK KeyType, Attr[] Material, (CKA Type, byte[] Value)[] Secrets, Attr[] Usage)
{
    /// <summary>The import template: a private session object, concealed as asked, plus <paramref name="extra"/>
    /// (which replaces any attribute of the same type).</summary>
    public Attr[] Template(string label, Concealment how, params Attr[] extra)
    {
        Attr[] template =
        [
            Attr.Class(Class), Attr.KeyType(KeyType), Attr.Token(false), Attr.Private(true), Attr.Label(label),
            Attr.Bool(CKA.CKA_SENSITIVE, how == Concealment.Sensitive), Attr.Bool(CKA.CKA_EXTRACTABLE, how == Concealment.Sensitive),
            .. Usage, .. Material,
        ];
        foreach (Attr a in extra)
            template = [.. template.Where(t => t.Type != a.Type), a];
        return template;
    }

    public ulong Import(ulong session, Concealment how, params Attr[] extra) =>
        P11.Create(session, Template(P11.UniqueLabel(Name), how, extra));

    /// <summary>Looks for every secret of this key (leading zero bytes of big integers dropped: the token
    /// may store them without).</summary>
    public SecretScan Scan() => Secrets.Aggregate(new SecretScan(),
        (scan, s) => scan.Add($"{Name} {Names.Attribute((ulong)s.Type)}", Trimmed(s.Value)));

    public bool IsSecretKey => Class == CKO.CKO_SECRET_KEY;

    public override string ToString() => Name;

    private static byte[] Trimmed(byte[] value)
    {
        int first = Array.FindIndex(value, b => b != 0);
        return first <= 0 ? value : value[first..];
    }
}

/// <summary>One key of each type the token holds key material for, with random (or, for RSA and P-256, the
/// suite's) key material.</summary>
public static class KnownKeys
{
    /// <summary>PKCS#11 3.0 key types Pkcs11Interop 5.3 (2.40) has no names for.</summary>
    public const CKK CKK_EC_EDWARDS = (CKK)0x40, CKK_EC_MONTGOMERY = (CKK)0x41;

    private static readonly Attr[] CipherUsage = [Attr.Bool(CKA.CKA_ENCRYPT, true), Attr.Bool(CKA.CKA_DECRYPT, true)];
    private static readonly Attr[] MacUsage = [Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_VERIFY, true), Attr.Bool(CKA.CKA_DERIVE, true)];

    public static KnownKey Aes(int bytes = 32) => Secret($"AES-{bytes * 8}", CKK.CKK_AES, RandomNumberGenerator.GetBytes(bytes), CipherUsage);

    public static KnownKey Des3() => Secret("DES3", CKK.CKK_DES3, RandomNumberGenerator.GetBytes(24), CipherUsage);

    public static KnownKey GenericSecret(int bytes = 32) =>
        Secret($"generic secret {bytes}", CKK.CKK_GENERIC_SECRET, RandomNumberGenerator.GetBytes(bytes), MacUsage);

    public static KnownKey HmacSha256() => Secret("SHA256-HMAC", CKK.CKK_SHA256_HMAC, RandomNumberGenerator.GetBytes(32), MacUsage);

    public static KnownKey Rsa()
    {
        RSAParameters p = TestData.RsaKey;
        return new KnownKey("RSA-2048", CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA,
            [
                Attr.Bytes(CKA.CKA_MODULUS, p.Modulus!), Attr.Bytes(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
                Attr.Bytes(CKA.CKA_PRIVATE_EXPONENT, p.D!), Attr.Bytes(CKA.CKA_PRIME_1, p.P!), Attr.Bytes(CKA.CKA_PRIME_2, p.Q!),
                Attr.Bytes(CKA.CKA_EXPONENT_1, p.DP!), Attr.Bytes(CKA.CKA_EXPONENT_2, p.DQ!), Attr.Bytes(CKA.CKA_COEFFICIENT, p.InverseQ!),
            ],
            [
                (CKA.CKA_PRIVATE_EXPONENT, p.D!), (CKA.CKA_PRIME_1, p.P!), (CKA.CKA_PRIME_2, p.Q!),
                (CKA.CKA_EXPONENT_1, p.DP!), (CKA.CKA_EXPONENT_2, p.DQ!), (CKA.CKA_COEFFICIENT, p.InverseQ!),
            ],
            [Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_DECRYPT, true)]);
    }

    public static KnownKey EcP256() =>
        Curve("EC P-256", CKK.CKK_EC, TestData.P256Params, TestData.EcKey.D!, [Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_DERIVE, true)]);

    public static KnownKey Ed25519() =>
        Curve("Ed25519", CKK_EC_EDWARDS, TestData.Hex("06032B6570"), RandomNumberGenerator.GetBytes(32), [Attr.Bool(CKA.CKA_SIGN, true)]);

    public static KnownKey X25519() =>
        Curve("X25519", CKK_EC_MONTGOMERY, TestData.Hex("06032B656E"), RandomNumberGenerator.GetBytes(32), [Attr.Bool(CKA.CKA_DERIVE, true)]);

    /// <summary>Every key type with secret material, one key each.</summary>
    public static KnownKey[] All() => [Aes(), Des3(), GenericSecret(), HmacSha256(), Rsa(), EcP256(), Ed25519(), X25519()];

    private static KnownKey Secret(string name, CKK type, byte[] value, Attr[] usage) =>
        new(name, CKO.CKO_SECRET_KEY, type, [Attr.Bytes(CKA.CKA_VALUE, value)], [(CKA.CKA_VALUE, value)], usage);

    private static KnownKey Curve(string name, CKK type, byte[] ecParams, byte[] value, Attr[] usage) =>
        new(name, CKO.CKO_PRIVATE_KEY, type, [Attr.Bytes(CKA.CKA_EC_PARAMS, ecParams), Attr.Bytes(CKA.CKA_VALUE, value)],
            [(CKA.CKA_VALUE, value)], usage);
}
