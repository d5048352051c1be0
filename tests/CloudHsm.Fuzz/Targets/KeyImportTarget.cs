using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// C_CreateObject of RSA, EC, Edwards and Montgomery keys whose key material is the caller's bytes, then
/// their first use, where the core parses and validates that material (RsaKey; EcParams, EcPoint and
/// ParsedEcKeys for CKA_EC_PARAMS, CKA_EC_POINT and CKA_VALUE). Input:
/// <c>[family][class] then each component with a 16-bit length</c> — RSA: n, e (public) or n, e, d, p, q,
/// dP, dQ, qInv (private); the EC families: CKA_EC_PARAMS, then CKA_EC_POINT (public) or CKA_VALUE (private).
/// </summary>
internal sealed class KeyImportTarget : FuzzTarget
{
    private static readonly CKA[] RsaPublic = [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT];

    private static readonly CKA[] RsaPrivate =
    [
        CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1, CKA.CKA_PRIME_2,
        CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT,
    ];

    private static readonly CKK[] Families = [CKK.CKK_RSA, CKK.CKK_EC, CKK.CKK_EC_EDWARDS, CKK.CKK_EC_MONTGOMERY];

    public override string Name => "key-import";

    public override string Description => "C_CreateObject of RSA/EC/Edwards/Montgomery keys from caller bytes, then their first use";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var hsm = Hsm.Shared;
        try
        {
            var reader = new FuzzInput(input);
            var keyType = Families[reader.Byte() % Families.Length];
            bool isPrivate = reader.Bool();
            var attributes = new List<TemplateAttribute>
            {
                TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)(isPrivate ? CKO.CKO_PRIVATE_KEY : CKO.CKO_PUBLIC_KEY)),
                TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)keyType),
            };
            CKA[] components = keyType == CKK.CKK_RSA
                ? isPrivate ? RsaPrivate : RsaPublic
                : [CKA.CKA_EC_PARAMS, isPrivate ? CKA.CKA_VALUE : CKA.CKA_EC_POINT];
            foreach (var type in components)
                attributes.Add(new TemplateAttribute(type, reader.Prefixed().ToArray()));
            attributes.AddRange((isPrivate, keyType) switch
            {
                (true, CKK.CKK_RSA) => Hsm.Usage(CKA.CKA_SIGN, CKA.CKA_DECRYPT, CKA.CKA_EXTRACTABLE),
                (true, CKK.CKK_EC_MONTGOMERY) => Hsm.Usage(CKA.CKA_DERIVE, CKA.CKA_EXTRACTABLE),
                (true, _) => Hsm.Usage(CKA.CKA_SIGN, CKA.CKA_DERIVE, CKA.CKA_EXTRACTABLE),
                (false, CKK.CKK_RSA) => Hsm.Usage(CKA.CKA_VERIFY, CKA.CKA_ENCRYPT),
                (false, _) => Hsm.Usage(CKA.CKA_VERIFY),
            });
            ulong key = hsm.Track(hsm.Backend.CreateObject(hsm.Session, new Template(attributes)));
            KeyExercise.Run(hsm, key);
        }
        finally
        {
            hsm.Reset();
        }
    }

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        static byte[] Seed(CKK family, bool isPrivate, params byte[][] components)
        {
            var w = new SeedWriter().Byte((byte)Array.IndexOf(Families, family)).Bool(isPrivate);
            foreach (var c in components) w.Prefixed(c);
            return w.ToArray();
        }

        using (var rsa = RSA.Create(2048))
        {
            var p = rsa.ExportParameters(includePrivateParameters: true);
            yield return ("rsa-public", Seed(CKK.CKK_RSA, false, p.Modulus!, p.Exponent!));
            yield return ("rsa-private", Seed(CKK.CKK_RSA, true, p.Modulus!, p.Exponent!, p.D!, p.P!, p.Q!, p.DP!, p.DQ!, p.InverseQ!));
        }
        foreach (var (name, curve, ecParams) in new[]
                 {
                     ("p256", ECCurve.NamedCurves.nistP256, Curves.P256), ("p384", ECCurve.NamedCurves.nistP384, Curves.P384),
                     ("p521", ECCurve.NamedCurves.nistP521, Curves.P521),
                 })
        {
            using var ec = ECDsa.Create(curve);
            var p = ec.ExportParameters(includePrivateParameters: true);
            byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
            yield return ($"ec-{name}-public", Seed(CKK.CKK_EC, false, ecParams, OctetString(point)));
            yield return ($"ec-{name}-private", Seed(CKK.CKK_EC, true, ecParams, p.D!));
        }
        yield return ("ec-p256-named-public", Seed(CKK.CKK_EC, false, Curves.Name("prime256v1"), Hsm.Shared.EcPoint));

        var random = new SecureRandom();
        var ed = new Ed25519PrivateKeyParameters(random);
        yield return ("ed25519-public", Seed(CKK.CKK_EC_EDWARDS, false, Curves.Ed25519, OctetString(ed.GeneratePublicKey().GetEncoded())));
        yield return ("ed25519-private", Seed(CKK.CKK_EC_EDWARDS, true, Curves.Ed25519, ed.GetEncoded()));
        var ed448 = new Ed448PrivateKeyParameters(random);
        yield return ("ed448-public-bare", Seed(CKK.CKK_EC_EDWARDS, false, Curves.Name("edwards448"), ed448.GeneratePublicKey().GetEncoded()));
        yield return ("ed448-private", Seed(CKK.CKK_EC_EDWARDS, true, Curves.Ed448, ed448.GetEncoded()));
        yield return ("x25519-private", Seed(CKK.CKK_EC_MONTGOMERY, true, Curves.X25519, new X25519PrivateKeyParameters(random).GetEncoded()));
        yield return ("x448-private", Seed(CKK.CKK_EC_MONTGOMERY, true, Curves.X448, new X448PrivateKeyParameters(random).GetEncoded()));
    }

    /// <summary>The DER OCTET STRING around a public key (under 256 bytes), as the token writes CKA_EC_POINT.</summary>
    private static byte[] OctetString(byte[] content) =>
        content.Length < 0x80 ? [0x04, (byte)content.Length, .. content] : [0x04, 0x81, (byte)content.Length, .. content];
}
