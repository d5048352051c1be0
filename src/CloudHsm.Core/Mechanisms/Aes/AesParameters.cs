using CloudHsm.Core.Backend;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>CK_GCM_PARAMS in managed form, whichever of its two layouts the caller sent (the 2.40 text's
/// {pIv, ulIvLen, pAAD, ulAADLen, ulTagBits} or the header's and 3.0's, with ulIvBits): ulIvBits is
/// not kept, since callers fill it inconsistently and ulIvLen says the same. Ranges are checked by the
/// mechanism (<see cref="GcmSettings"/>), not here.</summary>
public sealed record GcmParameters(byte[] Iv, byte[] Aad, ulong TagBits) : MechanismParameter;

/// <summary>CK_AES_CTR_PARAMS: how many low-order bits of the counter block count, and the first block.</summary>
public sealed record AesCtrParameters(ulong CounterBits, byte[] CounterBlock) : MechanismParameter;
