using CloudHsm.Core.Backend;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>CK_RSA_PKCS_PSS_PARAMS (§6.1.9) as the boundary read it; the mechanism checks the values.</summary>
public sealed record RsaPssParameter(ulong HashAlg, ulong Mgf, ulong SaltLength) : MechanismParameter;

/// <summary>CK_RSA_PKCS_OAEP_PARAMS (§6.1.7) with its label copied out of caller memory.</summary>
public sealed record RsaOaepParameter(ulong HashAlg, ulong Mgf, ulong Source, byte[] SourceData) : MechanismParameter;

/// <summary>CK_RSA_AES_KEY_WRAP_PARAMS (§6.1.21) with its OAEP parameters read as well.</summary>
public sealed record RsaAesKeyWrapParameter(ulong AesKeyBits, RsaOaepParameter Oaep) : MechanismParameter;
