namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>The algorithm identifiers of the private keys this token wraps (§6.7, RFC 8410).</summary>
internal static class Oids
{
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string X25519 = "1.3.101.110";
    public const string X448 = "1.3.101.111";
    public const string Ed25519 = "1.3.101.112";
    public const string Ed448 = "1.3.101.113";
}
