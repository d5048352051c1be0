using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>CK_ECDH1_DERIVE_PARAMS in managed form (§6.3): the KDF, the optional shared info, and the
/// other party's public key exactly as given (raw or DER; the mechanism decides).</summary>
public sealed record Ecdh1DeriveParameters(CKD Kdf, byte[] SharedData, byte[] PublicData) : MechanismParameter;

/// <summary>CK_EDDSA_PARAMS in managed form (§6.3): pre-hash or not, and the context (empty when none).</summary>
public sealed record EddsaParameters(bool PreHash, byte[] Context) : MechanismParameter;
